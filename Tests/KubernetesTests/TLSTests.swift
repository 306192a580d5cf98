import Foundation
import Kubernetes
import TestSupport
import Testing

@Suite("TLS from a kubeconfig", .timeLimit(.minutes(1)))
struct TLSTests {
    /// Makes a CA and a server certificate for 127.0.0.1 signed by it, plus an unrelated CA, with openssl.
    func makeCertificates(in folder: TemporaryFolder) async throws {
        let script = """
            set -e
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
            ca() { key "$1.key"; openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" \\
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign; }
            ca ca; ca other-ca
            key server.key
            openssl req -new -key server.key -out server.csr -subj /CN=127.0.0.1
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \\
                -extfile server.ext 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = folder.url
        try process.run()
        try #require(await process.exited() == 0, "openssl failed to make the test certificates")
    }

    func kubeconfig(server: String, caFile: String) throws -> String {
        let ca = try Data(contentsOf: URL(fileURLWithPath: caFile)).base64EncodedString()
        return """
            current-context: tls
            clusters:
            - name: c
              cluster: {server: "\(server)", certificate-authority-data: "\(ca)"}
            contexts:
            - name: tls
              context: {cluster: c, user: u}
            users:
            - name: u
              user: {token: secret-token}
            """
    }

    @Test("certificate-authority-data is trusted, and the token goes over HTTPS")
    func caDataTrusted() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await makeCertificates(in: folder)
        try await withScriptedServer(certificate: folder.path("server.pem"), key: folder.path("server.key")) { server in
            try await server.script("GET", "/api/v1/nodes/n1", [.json(200, nodeJSON("n1", resourceVersion: "5"))])
            let path = try folder.write("config", try kubeconfig(server: server.baseURL, caFile: folder.path("ca.pem")))
            let client = try KubernetesClient(configuration: try KubernetesConfiguration.kubeconfig(path: path))
            let node = try await client.get(Node.self, name: "n1")
            #expect(node.metadata.name == "n1")
            #expect(try await server.requests().first?.headers["authorization"] == "Bearer secret-token")
        }
    }

    @Test("a server signed by another CA is refused as a transport error before any credential is sent")
    func wrongCARefused() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await makeCertificates(in: folder)
        try await withScriptedServer(certificate: folder.path("server.pem"), key: folder.path("server.key")) { server in
            let path = try folder.write(
                "config", try kubeconfig(server: server.baseURL, caFile: folder.path("other-ca.pem")))
            let client = try KubernetesClient(configuration: try KubernetesConfiguration.kubeconfig(path: path))
            let error = try await #require(throws: KubernetesError.self) {
                _ = try await client.get(Node.self, name: "n1")
            }
            #expect(error.code == .transport)
            #expect(try await server.requests().isEmpty)
        }
    }
}
