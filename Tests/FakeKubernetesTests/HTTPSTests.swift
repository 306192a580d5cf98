import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import HTTPClient
import JSONValues
import TestSupport
import Testing

/// The fake's HTTPS listener: a generated CA that real clients verify (our libcurl client, the real kubectl), a relay
/// that streams watches as they happen, and a ledger that sees HTTPS requests like HTTP ones. kubectl tests fail,
/// never skip, when kubectl cannot be found.
@Suite("HTTPS", .serialized, .timeLimit(.minutes(2)))
struct HTTPSTests {
    static var httpsConfiguration: FakeAPIServer.Configuration {
        var configuration = FakeAPIServer.Configuration()
        configuration.serveHTTPS()
        return configuration
    }

    /// TLS settings that trust the cluster's generated CA, with full verification.
    static func trustingCA(of cluster: FakeCluster) throws -> TLSConfiguration {
        let pem = try #require(cluster.server.certificateAuthorityPEM)
        return TLSConfiguration(certificateAuthority: .bytes(Data(pem.utf8)), verification: .full)
    }

    static func httpsURL(_ cluster: FakeCluster) throws -> String {
        try #require(cluster.server.httpsBaseURL)
    }

    @Test("GET /version over HTTPS verifies the chain against the generated CA and answers 200")
    func versionWithCA() async throws {
        try await withFakeCluster(server: Self.httpsConfiguration) { cluster in
            let url = try Self.httpsURL(cluster)
            #expect(url.hasPrefix("https://127.0.0.1:"))
            #expect(cluster.server.certificateAuthorityPEM?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
            let response = try await cluster.client.execute(
                HTTPRequest(url: url + "/version", tls: try Self.trustingCA(of: cluster), timeout: .seconds(10)))
            #expect(response.status == 200)
            #expect(response.httpVersion == "1.1")
            #expect(try JSONValue(parsing: response.body)["minor"] == "32")
            let port = try #require(cluster.server.httpsPort)
            let byName = try await cluster.client.execute(
                HTTPRequest(
                    url: "https://localhost:\(port)/version", tls: try Self.trustingCA(of: cluster),
                    timeout: .seconds(10)))
            #expect(byName.status == 200)
            let ledger = cluster.server.ledger.snapshot()
            #expect(ledger.entries.filter { $0.request == "GET /version" && $0.status == 200 }.count == 2)
        }
    }

    @Test("with verification on and only the system trust store, the generated certificate is refused")
    func systemTrustRefuses() async throws {
        try await withFakeCluster(server: Self.httpsConfiguration) { cluster in
            let url = try Self.httpsURL(cluster) + "/version"
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await cluster.client.execute(
                    HTTPRequest(url: url, tls: TLSConfiguration(verification: .full), timeout: .seconds(10)))
            }
            #expect(error.code == .tlsFailure, "\(error)")
            #expect(cluster.server.ledger.snapshot().total == 0)
        }
    }

    @Test("a CA generated elsewhere does not verify this server")
    func otherCARefuses() async throws {
        try await withFakeCluster(server: Self.httpsConfiguration) { cluster in
            let other = try TLSCredentials.generate().certificateAuthorityPEM
            #expect(other != cluster.server.certificateAuthorityPEM)
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await cluster.client.execute(
                    HTTPRequest(
                        url: try Self.httpsURL(cluster) + "/version",
                        tls: TLSConfiguration(certificateAuthority: .bytes(Data(other.utf8))), timeout: .seconds(10)))
            }
            #expect(error.code == .tlsFailure, "\(error)")
        }
    }

    @Test("a watch over HTTPS delivers an event written after it opened, while the stream stays open")
    func watchStreams() async throws {
        try await withFakeCluster(server: Self.httpsConfiguration) { cluster in
            try await cluster.store.seed(ObjectFactory.node(name: "node-1", instanceID: "i-0000000000000001"))
            let tls = try Self.trustingCA(of: cluster)
            let base = try Self.httpsURL(cluster)
            let list = try await cluster.client.execute(
                HTTPRequest(url: base + "/api/v1/nodes", tls: tls, timeout: .seconds(10)))
            let version = try #require(try JSONValue(parsing: list.body)["metadata"]["resourceVersion"].stringValue)
            let response = try await cluster.client.stream(
                HTTPRequest(
                    url: base + "/api/v1/nodes?watch=1&resourceVersion=\(version)", tls: tls,
                    timeout: .seconds(10)))
            #expect(response.status == 200)
            try await eventually("the watch open") { await cluster.store.watchCount == 1 }
            try await cluster.store.seed(ObjectFactory.node(name: "node-2", instanceID: "i-0000000000000002"))
            var buffer = Data()
            var event = JSONValue.null
            for try await chunk in response.body {
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    event = try JSONValue(parsing: buffer[buffer.startIndex..<newline])
                    break
                }
            }
            #expect(event["type"] == "ADDED")
            #expect(event["object"]["metadata"]["name"] == "node-2")
            // The watch is still open: the event came through the relay before the response ended.
            #expect(await cluster.store.watchCount == 1)
            #expect(cluster.server.ledger.snapshot().count(.watch) == 1)
        }
    }

    @Test("stopping the server ends an open HTTPS watch and closes the HTTPS port")
    func stopClosesConnections() async throws {
        let client = try HTTPClient()
        defer { client.shutdown() }
        let server = FakeAPIServer(configuration: Self.httpsConfiguration)
        try await server.start()
        let base = try #require(server.httpsBaseURL)
        let pem = try #require(server.certificateAuthorityPEM)
        let tls = TLSConfiguration(certificateAuthority: .bytes(Data(pem.utf8)))
        let response = try await client.stream(
            HTTPRequest(url: base + "/api/v1/nodes?watch=1&resourceVersion=1", tls: tls, timeout: .seconds(10)))
        #expect(response.status == 200)
        await server.stop()
        #expect(server.httpsBaseURL == nil)
        let started = ContinuousClock.now
        do {
            for try await _ in response.body {}
        } catch {
            // A connection closed mid-chunk is an error; either way the stream ended.
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.execute(HTTPRequest(url: base + "/version", tls: tls, timeout: .seconds(5)))
        }
    }

    static func kubectl(for cluster: FakeCluster, trusting pem: String) throws -> KubectlRunner {
        let executable = try #require(
            KubectlRunner.locate(), "kubectl not found on PATH, in $KUBECTL or at /usr/bin/kubectl")
        return try KubectlRunner(executable: executable, server: try httpsURL(cluster), certificateAuthorityPEM: pem)
    }

    @Test("kubectl over HTTPS with certificate-authority-data: get nodes and cordon work, and the ledger saw them")
    func kubectlOverHTTPS() async throws {
        try await withFakeCluster(server: Self.httpsConfiguration) { cluster in
            try await cluster.store.seed(all: [
                ObjectFactory.node(name: "node-1", instanceID: "i-0123456789abcdef0"),
                ObjectFactory.node(name: "node-2", instanceID: "i-0123456789abcdef1"),
            ])
            let kubectl = try Self.kubectl(for: cluster, trusting: try #require(cluster.server.certificateAuthorityPEM))
            defer { kubectl.cleanUp() }
            let nodes = try await kubectl.run(["get", "nodes"])
            #expect(nodes.status == 0, "\(nodes.stderr)")
            #expect(
                nodes.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").first } == [
                    "node-1", "node-2",
                ])
            let cordon = try await kubectl.run(["cordon", "node-1"])
            #expect(cordon.status == 0, "\(cordon.stderr)")
            #expect(cordon.stdout.contains("node/node-1 cordoned"))
            #expect(await cluster.store.object(.nodes, name: "node-1")?["spec"]["unschedulable"] == true)
            let entries = cluster.server.ledger.snapshot().entries
            #expect(entries.contains { $0.line == "GET /api/v1/nodes?limit=500&timeout=10s" && $0.status == 200 })
            #expect(entries.contains { $0.request == "PATCH /api/v1/nodes/node-1" && $0.status == 200 })
            #expect(entries.contains { $0.requestClass == .discovery })
        }
    }

    @Test("kubectl trusting a different CA fails with an x509 error and sends nothing")
    func kubectlWrongCA() async throws {
        try await withFakeCluster(server: Self.httpsConfiguration) { cluster in
            let other = try TLSCredentials.generate().certificateAuthorityPEM
            let kubectl = try Self.kubectl(for: cluster, trusting: other)
            defer { kubectl.cleanUp() }
            let nodes = try await kubectl.run(["get", "nodes"])
            #expect(nodes.status != 0)
            #expect(nodes.stderr.contains("x509"), "\(nodes.stderr)")
            #expect(cluster.server.ledger.snapshot().total == 0)
        }
    }
}
