import Foundation
import HTTPClient
import Kubernetes
import TestSupport
import Testing

/// The scripted apiserver of `Fixtures/scripted_apiserver.py`, run as a child process on 127.0.0.1 for one test.
struct ScriptedServer {
    let port: Int
    let http: HTTPClient
    var secure = false

    var baseURL: String { "\(secure ? "https" : "http")://127.0.0.1:\(port)" }

    /// Scripting requests skip verification: they only talk to the test's own server.
    private var controlTLS: TLSConfiguration? {
        secure ? TLSConfiguration(verification: .noneInsecureForTestsOnly) : nil
    }

    /// One scripted answer.
    struct Response: Encodable {
        var status: Int = 200
        var headers: [String: String] = [:]
        var body: String?
        var chunks: [String]?
        var hold: Bool?
        var requireAuthorization: String?
        var `repeat`: Bool?

        static func json(_ status: Int = 200, _ body: String, headers: [String: String] = [:]) -> Response {
            Response(status: status, headers: headers, body: body)
        }

        static func stream(_ chunks: [String], hold: Bool = false) -> Response {
            Response(chunks: chunks, hold: hold)
        }
    }

    /// A request the server received.
    struct Request: Decodable {
        var method: String
        var path: String
        var query: String
        var headers: [String: String]
        var body: String

        /// The decoded query, in order.
        var queryItems: [String: String] {
            var items: [String: String] = [:]
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                let name = parts[0].removingPercentEncoding ?? parts[0]
                let value = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
                items[name] = value
            }
            return items
        }
    }

    /// Queues answers for a method and path.
    func script(_ method: String, _ path: String, _ responses: [Response]) async throws {
        struct Script: Encodable {
            var method: String
            var path: String
            var responses: [Response]
        }
        let body = try JSONEncoder().encode(Script(method: method, path: path, responses: responses))
        let response = try await http.execute(
            HTTPRequest(method: .post, url: baseURL + "/__script", body: body, tls: controlTLS))
        try #require(response.status == 200)
    }

    /// Every request received so far.
    func requests() async throws -> [Request] {
        let response = try await http.execute(HTTPRequest(url: baseURL + "/__requests", tls: controlTLS))
        return try JSONDecoder().decode([Request].self, from: response.body)
    }

    /// A client configuration for this server, with retries that do not really sleep.
    func configuration(authentication: KubernetesConfiguration.Authentication = .none) -> KubernetesConfiguration {
        var configuration = KubernetesConfiguration(server: baseURL, authentication: authentication)
        configuration.clock = InstantClock(now: Date())
        return configuration
    }
}

/// Starts the scripted server, runs `body`, then stops the server.
/// With `certificate` and `key` (PEM files) it serves HTTPS; scripting requests then skip verification.
func withScriptedServer<T>(
    certificate: String? = nil, key: String? = nil, _ body: (ScriptedServer) async throws -> T
) async throws -> T {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scripted_apiserver.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", fixture.path] + [certificate, key].compactMap { $0 }
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let http = try HTTPClient()
    defer {
        http.shutdown()
        try? input.fileHandleForWriting.close()
    }
    return try await process.terminated(closing: input) {
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = await output.fileHandleForReading.availableDataOffPool()
            try #require(!chunk.isEmpty, "the scripted server exited before printing its port")
            line.append(chunk)
        }
        let ports = try JSONDecoder().decode(ScriptedServerPorts.self, from: line)
        return try await body(ScriptedServer(port: ports.http, http: http, secure: certificate != nil))
    }
}

/// The line the scripted server prints when it is ready.
private struct ScriptedServerPorts: Decodable {
    var http: Int
}

/// A JSON node with a providerID and resourceVersion.
func nodeJSON(_ name: String, resourceVersion: String, instance: String = "i-0123456789abcdef0") -> String {
    #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"\#(name)","resourceVersion":"\#(resourceVersion)","uid":"u-\#(name)","unknownField":{"x":1}},"spec":{"providerID":"aws:///us-east-1a/\#(instance)"},"status":{"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-11-29T20:31:05Z"}]}}"#
}

/// A watch event line (without the newline).
func watchLine(_ type: String, _ object: String) -> String {
    #"{"type":"\#(type)","object":\#(object)}"#
}

/// A Status body.
func statusJSON(code: Int, reason: String, message: String) -> String {
    #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)","code":\#(code)}"#
}
