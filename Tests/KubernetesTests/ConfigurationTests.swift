import Foundation
import HTTPClient
import Kubernetes
import Testing

/// A temporary folder removed when the test is done.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nth-k8s-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let file = path(name)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        if executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        }
        return file
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite("Configuration from kubeconfig files and the in-cluster mount")
struct ConfigurationTests {
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://dev.example:6443
            certificate-authority-data: \(Data("PEM-CA".utf8).base64EncodedString())
        - name: prod-cluster
          cluster:
            server: https://prod.example
            certificate-authority: certs/ca.pem
            insecure-skip-tls-verify: true
        contexts:
        - name: dev
          context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
        - name: prod
          context: {cluster: prod-cluster, user: prod-user}
        users:
        - name: dev-user
          user:
            token: dev-token
            client-certificate-data: \(Data("PEM-CERT".utf8).base64EncodedString())
            client-key-data: \(Data("PEM-KEY".utf8).base64EncodedString())
        - name: prod-user
          user:
            tokenFile: secrets/token
            client-certificate: /abs/client.pem
            client-key: client.key
        """

    @Test("the current context gives the server, CA data, client certificate data, token and namespace")
    func currentContext() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("config", Self.kubeconfig)
        let configuration = try KubernetesConfiguration.kubeconfig(path: path, environment: [:])
        #expect(configuration.server == "https://dev.example:6443")
        #expect(configuration.namespace == "team-a")
        #expect(configuration.tls.certificateAuthority == .bytes(Data("PEM-CA".utf8)))
        #expect(configuration.tls.clientCertificate == .bytes(Data("PEM-CERT".utf8)))
        #expect(configuration.tls.clientKey == .bytes(Data("PEM-KEY".utf8)))
        #expect(configuration.tls.verification == .full)
        guard case .bearerToken(let token) = configuration.authentication else {
            Issue.record("expected a bearer token, got \(configuration.authentication)")
            return
        }
        #expect(token == "dev-token")
    }

    @Test("a named context resolves relative files against the kubeconfig's folder")
    func namedContext() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("config", Self.kubeconfig)
        let configuration = try KubernetesConfiguration.kubeconfig(path: path, context: "prod", environment: [:])
        #expect(configuration.server == "https://prod.example")
        #expect(configuration.namespace == "default")
        #expect(configuration.tls.certificateAuthority == .file(folder.path("certs/ca.pem")))
        #expect(configuration.tls.clientCertificate == .file("/abs/client.pem"))
        #expect(configuration.tls.clientKey == .file(folder.path("client.key")))
        #expect(configuration.tls.verification == .noneInsecureForTestsOnly)
        guard case .tokenFile(let file) = configuration.authentication else {
            Issue.record("expected a token file, got \(configuration.authentication)")
            return
        }
        #expect(file == folder.path("secrets/token"))
    }

    @Test("KUBECONFIG lists are merged first-wins, and an exec user becomes an exec plugin")
    func kubeconfigListMerge() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try folder.write(
            "first",
            """
            current-context: ""
            clusters:
            - name: c
              cluster: {server: "http://first.example"}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: aws
                  args: [eks, get-token, --cluster-name, demo]
                  env: [{name: AWS_PROFILE, value: demo}]
                  interactiveMode: Never
            """)
        let second = try folder.write(
            "second",
            """
            current-context: ctx
            clusters:
            - name: c
              cluster: {server: "http://second.example"}
            contexts:
            - name: ctx
              context: {cluster: c, user: u}
            """)
        let configuration = try KubernetesConfiguration.kubeconfig(
            environment: ["KUBECONFIG": "\(first):\(folder.path("missing")):\(second)"])
        #expect(configuration.server == "http://first.example")
        guard case .exec(let plugin) = configuration.authentication else {
            Issue.record("expected an exec plugin, got \(configuration.authentication)")
            return
        }
        #expect(plugin.command == "aws")
        #expect(plugin.arguments == ["eks", "get-token", "--cluster-name", "demo"])
        #expect(plugin.environment.map(\.0) == ["AWS_PROFILE"])
    }

    @Test("a context that names a missing cluster is a configuration error that says so")
    func missingCluster() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(
            "config", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: nope}\n")
        let error = try #require(throws: KubernetesError.self) {
            try KubernetesConfiguration.kubeconfig(path: path, environment: [:])
        }
        #expect(error.code == .configuration)
        #expect(error.description.contains("\"nope\""))
    }

    @Test("in-cluster configuration reads the service-account mount and the service environment")
    func inCluster() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("token", "sa-token\n")
        try folder.write("ca.crt", "PEM")
        try folder.write("namespace", "node-termination\n")
        let configuration = try KubernetesConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: folder.url.path)
        #expect(configuration.server == "https://[fd00::1]:443")
        #expect(configuration.namespace == "node-termination")
        #expect(configuration.tls.certificateAuthority == .file(folder.path("ca.crt")))
        guard case .tokenFile(let file) = configuration.authentication else {
            Issue.record("expected a token file")
            return
        }
        #expect(file == folder.path("token"))
    }

    @Test("outside a cluster, in-cluster configuration fails with a configuration error")
    func notInCluster() {
        #expect(throws: KubernetesError.self) {
            try KubernetesConfiguration.inCluster(environment: [:], serviceAccountDirectory: "/nonexistent")
        }
    }
}
