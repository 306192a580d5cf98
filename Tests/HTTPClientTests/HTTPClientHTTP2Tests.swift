import Foundation
import HTTPClient
import TestSupport
import Testing

@Suite("HTTPClient over HTTP/2")
struct HTTPClientHTTP2Tests {
    /// Runs nghttpd (Debian's `nghttp2-server`, an HTTP/2-only server) over TLS with the test certificates.
    func withNghttpd(_ body: (_ baseURL: String, _ certificates: TestCertificates) async throws -> Void) async throws {
        let nghttpd = "/usr/sbin/nghttpd"
        try #require(
            FileManager.default.isExecutableFile(atPath: nghttpd),
            "nghttpd is missing: apt-get install nghttp2-server (scripts/test does)")
        let certificates = try await TestCertificates.generate()
        let htdocs = certificates.directory.appendingPathComponent("htdocs")
        try FileManager.default.createDirectory(at: htdocs, withIntermediateDirectories: true)
        try Data("hello over h2\n".utf8).write(to: htdocs.appendingPathComponent("hello"))
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nghttpd)
        process.arguments = [
            "--htdocs=\(htdocs.path)", "--address=127.0.0.1", "\(port)",
            certificates.path("server.key"), certificates.path("server.pem"),
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)  // nghttpd does not exit on SIGTERM
            process.reapInBackground { try? FileManager.default.removeItem(at: certificates.directory) }
        }
        let baseURL = "https://127.0.0.1:\(port)"
        let probe = try HTTPClient()
        let tls = TLSConfiguration(certificateAuthority: .file(certificates.path("ca.pem")))
        for _ in 0..<100 {
            if (try? await probe.execute(HTTPRequest(url: baseURL + "/hello", tls: tls))) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await body(baseURL, certificates)
    }

    @Test("a server that offers HTTP/2 over TLS is spoken to in HTTP/2")
    func negotiatesHTTP2() async throws {
        try await withNghttpd { baseURL, certificates in
            let client = try HTTPClient()
            let tls = TLSConfiguration(certificateAuthority: .file(certificates.path("ca.pem")))
            let response = try await client.execute(HTTPRequest(url: baseURL + "/hello", tls: tls))
            #expect(response.status == 200)
            #expect(response.httpVersion == "2")
            #expect(String(decoding: response.body, as: UTF8.self) == "hello over h2\n")
            let stream = try await client.stream(HTTPRequest(url: baseURL + "/hello", tls: tls))
            #expect(stream.httpVersion == "2")
            #expect(try await stream.body.collect(upTo: 1024).count == 14)
        }
    }

    @Test("50 concurrent HTTP/2 requests complete over multiplexed streams")
    func concurrentHTTP2() async throws {
        try await withNghttpd { baseURL, certificates in
            var configuration = HTTPClient.Configuration()
            configuration.tls = TLSConfiguration(certificateAuthority: .file(certificates.path("ca.pem")))
            let client = try HTTPClient(configuration: configuration)
            let versions = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await client.execute(HTTPRequest(url: baseURL + "/hello")).httpVersion }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(versions.count == 50)
            #expect(versions.allSatisfy { $0 == "2" })
        }
    }

    @Test("plain HTTP stays HTTP/1.1")
    func plainHTTPIsHTTP11() async throws {
        try await withTestServer { server in
            let response = try await HTTPClient().execute(HTTPRequest(url: server.baseURL + "/hello"))
            #expect(response.httpVersion == "1.1")
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago (for servers that cannot pick their own).
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    try #require(bound == 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    try #require(named == 0)
    return Int(UInt16(bigEndian: address.sin_port))
}
