import Foundation
import HTTPClient
import TestSupport
import Testing

/// The Python test server of `Fixtures/test_server.py`, run as a child process on 127.0.0.1 for one test.
struct TestServer {
    let httpPort: Int
    let httpsPort: Int?
    let blackholePort: Int
    let certificates: TestCertificates?

    var baseURL: String { "http://127.0.0.1:\(httpPort)" }

    var secureBaseURL: String {
        get throws { "https://127.0.0.1:\(try #require(httpsPort))" }
    }

    /// Server-side counters, read over a client of its own so the counted connections stay the test's.
    struct Stats: Decodable {
        var connections: Int
        var holdsOpened: Int
        var holdsClosed: Int
        var clientCertificates: [String]
    }

    func stats() async throws -> Stats {
        let client = try HTTPClient()
        defer { client.shutdown() }
        let response = try await client.execute(HTTPRequest(url: baseURL + "/stats"))
        return try JSONDecoder().decode(Stats.self, from: response.body)
    }

    /// Reads the stats until `condition` holds, for at most about five seconds.
    func waitForStats(_ condition: (Stats) -> Bool) async throws -> Stats {
        var latest = try await stats()
        for _ in 0..<100 where !condition(latest) {
            try await Task.sleep(for: .milliseconds(50))
            latest = try await stats()
        }
        return latest
    }
}

/// Throwaway PEM files made with the `openssl` command: a CA, a server certificate for 127.0.0.1 signed by it, an
/// unrelated CA, and a client CA with a client certificate (CN `test-client`).
struct TestCertificates {
    let directory: URL

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    static func generate() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nth-http-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
            ca() { key "$1.key"; openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign; }
            ca ca; ca wrong-ca; ca client-ca
            key server.key
            openssl req -new -key server.key -out server.csr -subj /CN=127.0.0.1
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
                -extfile server.ext 2>/dev/null
            key client.key
            openssl req -new -key client.key -out client.csr -subj /CN=test-client
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl x509 -req -in client.csr -CA client-ca.pem -CAkey client-ca.key -CAcreateserial \
                -out client.pem -days 2 -extfile client.ext 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        try process.run()
        try #require(await process.exited() == 0, "openssl failed to make the test certificates")
        return TestCertificates(directory: directory)
    }
}

/// Starts the test server (with TLS when `tls` is true), runs `body`, then stops the server.
func withTestServer<T>(tls: Bool = false, _ body: (TestServer) async throws -> T) async throws -> T {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/test_server.py")
    var arguments = [fixture.path]
    var certificates: TestCertificates?
    if tls {
        let generated = try await TestCertificates.generate()
        certificates = generated
        arguments += [
            "--cert", generated.path("server.pem"), "--key", generated.path("server.key"),
            "--client-ca", generated.path("client-ca.pem"),
        ]
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    defer {
        try? input.fileHandleForWriting.close()
        if let certificates { try? FileManager.default.removeItem(at: certificates.directory) }
    }
    return try await process.terminated(closing: input) {
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = await output.fileHandleForReading.availableDataOffPool()
            try #require(!chunk.isEmpty, "the test server exited before printing its ports")
            line.append(chunk)
        }
        let ports = try JSONDecoder().decode(TestServerPorts.self, from: line)
        let server = TestServer(
            httpPort: ports.http, httpsPort: ports.https, blackholePort: ports.blackhole, certificates: certificates)
        return try await body(server)
    }
}

/// The ports line the test server prints when it is ready.
private struct TestServerPorts: Decodable {
    var http: Int
    var https: Int?
    var blackhole: Int
}
