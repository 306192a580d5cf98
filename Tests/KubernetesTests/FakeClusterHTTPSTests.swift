import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import JSONValues
import Kubernetes
import Testing

@Suite("The client against the fake apiserver over HTTPS", .timeLimit(.minutes(1)))
struct FakeClusterHTTPSTests {
    /// A kubeconfig for the fake's HTTPS URL that trusts `pem` through `certificate-authority-data`.
    static func kubeconfig(server: String, trusting pem: String) -> String {
        """
        current-context: fake
        clusters:
        - name: fake
          cluster: {server: "\(server)", certificate-authority-data: "\(Data(pem.utf8).base64EncodedString())"}
        contexts:
        - name: fake
          context: {cluster: fake, user: u}
        users:
        - name: u
          user: {token: fake-token}
        """
    }

    @Test("a kubeconfig with the generated CA: list, cordon and a watch event over HTTPS, recorded in the ledger")
    func listPatchWatch() async throws {
        var configuration = FakeAPIServer.Configuration()
        configuration.serveHTTPS()
        try await FakeAPIServer.withRunning(configuration: configuration) { server in
            try await server.store.seed(ObjectFactory.node(name: "n1", instanceID: "i-0000000000000001"))
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let url = try #require(server.httpsBaseURL)
            let pem = try #require(server.certificateAuthorityPEM)
            let path = try folder.write("config", Self.kubeconfig(server: url, trusting: pem))
            let client = try KubernetesClient(configuration: try KubernetesConfiguration.kubeconfig(path: path))

            let nodes = try await client.list(Node.self)
            #expect(nodes.items.compactMap(\.metadata.name) == ["n1"])
            let watch = try await client.watch(
                Node.self, options: ListOptions(resourceVersion: nodes.metadata.resourceVersion),
                allowBookmarks: false)
            let cordoned = try await client.patch(
                Node.self, name: "n1", patch: .strategicMerge(["spec": ["unschedulable": true]]))
            #expect(cordoned.spec?.unschedulable == true)
            var seen: Node?
            for try await event in watch {
                if case .modified(let node) = event {
                    seen = node
                    break
                }
            }
            #expect(seen?.spec?.unschedulable == true)
            let ledger = server.ledger.snapshot()
            #expect(ledger.count(.write) == 1)
            #expect(ledger.count(.watch) == 1)
        }
    }

    @Test("a kubeconfig with another CA is refused before any request reaches the fake")
    func otherCARefused() async throws {
        var configuration = FakeAPIServer.Configuration()
        configuration.serveHTTPS()
        try await FakeAPIServer.withRunning(configuration: configuration) { server in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let other = try TLSCredentials.generate().certificateAuthorityPEM
            let path = try folder.write(
                "config", Self.kubeconfig(server: try #require(server.httpsBaseURL), trusting: other))
            let client = try KubernetesClient(configuration: try KubernetesConfiguration.kubeconfig(path: path))
            let error = try await #require(throws: KubernetesError.self) { _ = try await client.list(Node.self) }
            #expect(error.code == .transport, "\(error)")
            #expect(server.ledger.snapshot().total == 0)
        }
    }
}
