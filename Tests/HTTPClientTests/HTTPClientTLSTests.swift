import Foundation
import HTTPClient
import Testing

@Suite("HTTPClient TLS")
struct HTTPClientTLSTests {
    @Test("the server's CA given as a file is trusted")
    func caFileTrusted() async throws {
        try await withTestServer(tls: true) { server in
            let certificates = try #require(server.certificates)
            let client = try HTTPClient()
            let response = try await client.execute(
                HTTPRequest(
                    url: try server.secureBaseURL + "/hello",
                    tls: TLSConfiguration(certificateAuthority: .file(certificates.path("ca.pem")))))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "hello")
        }
    }

    @Test("the server's CA given as PEM bytes is trusted")
    func caBytesTrusted() async throws {
        try await withTestServer(tls: true) { server in
            let certificates = try #require(server.certificates)
            var configuration = HTTPClient.Configuration()
            configuration.tls = TLSConfiguration(certificateAuthority: .bytes(try certificates.data("ca.pem")))
            let client = try HTTPClient(configuration: configuration)
            let response = try await client.execute(HTTPRequest(url: try server.secureBaseURL + "/hello"))
            #expect(response.status == 200)
        }
    }

    @Test("a server signed by another CA is refused with tlsFailure", arguments: ["file", "bytes", "system"])
    func wrongCARefused(source: String) async throws {
        try await withTestServer(tls: true) { server in
            let certificates = try #require(server.certificates)
            let ca: PEMSource? =
                switch source {
                case "file": .file(certificates.path("wrong-ca.pem"))
                case "bytes": .bytes(try certificates.data("wrong-ca.pem"))
                default: nil
                }
            let client = try HTTPClient()
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(
                    HTTPRequest(
                        url: try server.secureBaseURL + "/hello", tls: TLSConfiguration(certificateAuthority: ca)))
            }
            #expect(error.code == .tlsFailure)
        }
    }

    @Test("a host name the certificate does not name is refused")
    func hostNameMismatchRefused() async throws {
        try await withTestServer(tls: true) { server in
            let certificates = try #require(server.certificates)
            let client = try HTTPClient()
            let port = try #require(server.httpsPort)
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(
                    HTTPRequest(
                        url: "https://localhost:\(port)/hello",
                        tls: TLSConfiguration(certificateAuthority: .file(certificates.path("ca.pem")))))
            }
            #expect(error.code == .tlsFailure)
        }
    }

    @Test("turning verification off, for tests only, accepts an unknown CA")
    func insecureForTestsOnly() async throws {
        try await withTestServer(tls: true) { server in
            let client = try HTTPClient()
            let response = try await client.execute(
                HTTPRequest(
                    url: try server.secureBaseURL + "/hello",
                    tls: TLSConfiguration(verification: .noneInsecureForTestsOnly)))
            #expect(response.status == 200)
        }
    }

    @Test("a client certificate and key are presented to the server", arguments: ["file", "bytes"])
    func clientCertificatePresented(source: String) async throws {
        try await withTestServer(tls: true) { server in
            let certificates = try #require(server.certificates)
            let tls =
                source == "file"
                ? TLSConfiguration(
                    certificateAuthority: .file(certificates.path("ca.pem")),
                    clientCertificate: .file(certificates.path("client.pem")),
                    clientKey: .file(certificates.path("client.key")))
                : TLSConfiguration(
                    certificateAuthority: .bytes(try certificates.data("ca.pem")),
                    clientCertificate: .bytes(try certificates.data("client.pem")),
                    clientKey: .bytes(try certificates.data("client.key")))
            let client = try HTTPClient()
            let response = try await client.execute(HTTPRequest(url: try server.secureBaseURL + "/hello", tls: tls))
            #expect(response.status == 200)
            let stats = try await server.stats()
            #expect(stats.clientCertificates == ["test-client"])
        }
    }
}
