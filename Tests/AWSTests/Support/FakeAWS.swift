import Clocks
import Foundation
import HTTPClient
import Locking
import SigV4
import TestSupport
import Testing

@testable import AWS

/// `Fixtures/fake_aws.py` for one test: IMDSv2, container credentials, STS web identity, clock skew and scripted
/// responses (throttling, 5xx, HTML pages), with a request log.
struct FakeAWS {
    let port: Int
    let httpClient: HTTPClient

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// One request the server saw.
    struct LoggedRequest: Decodable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
        var time: Double
    }

    /// A scripted response.
    struct Step: Encodable {
        var status: Int
        var body: String = ""
        var headers: [String: String] = [:]
        var delayMs: Int?

        static func status(_ status: Int, _ body: String = "", _ headers: [String: String] = [:]) -> Step {
            Step(status: status, body: body, headers: headers)
        }

        /// A query-protocol error.
        static func queryError(_ status: Int, _ code: String, _ message: String = "scripted") -> Step {
            Step(
                status: status,
                body: "<ErrorResponse><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message>"
                    + "</Error><RequestId>scripted</RequestId></ErrorResponse>",
                headers: ["Content-Type": "text/xml"])
        }

        /// A proxy's HTML error page.
        static func html(_ status: Int) -> Step {
            Step(
                status: status,
                body:
                    "<html><head><title>\(status) Error</title></head><body><h1>\(status)</h1><hr>nginx</body></html>",
                headers: ["Content-Type": "text/html"])
        }
    }

    func configure(_ settings: [String: Any]) async throws {
        let response = try await httpClient.execute(
            HTTPRequest(
                method: .post, url: endpoint + "/control/config", headers: ["Content-Type": "application/json"],
                body: try JSONSerialization.data(withJSONObject: settings), timeout: .seconds(10)))
        try #require(response.status == 200)
    }

    func script(_ steps: [Step]) async throws {
        let data = try JSONEncoder().encode(steps)
        // JSONEncoder drops nil delays; the server reads the rest.
        let array = try #require(try JSONSerialization.jsonObject(with: data) as? [Any])
        try await configure(["script": array])
    }

    func expireIMDSTokens() async throws {
        _ = try await httpClient.execute(
            HTTPRequest(method: .post, url: endpoint + "/control/expire-imds-tokens", timeout: .seconds(10)))
    }

    func log() async throws -> [LoggedRequest] {
        let response = try await httpClient.execute(HTTPRequest(url: endpoint + "/control/log", timeout: .seconds(10)))
        return try JSONDecoder().decode([LoggedRequest].self, from: response.body)
    }

    /// A client for the fake's AWS API endpoint with fixed credentials and an injected clock.
    func client(
        clock: any WallClock = SystemClock(), retryPolicy: AWSRetryPolicy = .standard, jitter: Double = 0.5,
        credentials: (any CredentialsProvider)? = nil
    ) -> AWSClient {
        AWSClient(
            configuration: AWSConfiguration(
                region: "us-east-1", endpoints: EndpointResolver(override: endpoint), retryPolicy: retryPolicy,
                requestTimeout: .seconds(10)),
            credentialsProvider: credentials
                ?? StaticCredentialsProvider(.init(accessKeyID: "AKIDFAKE", secretAccessKey: "fake-secret")),
            httpClient: httpClient, clock: clock, random: { jitter })
    }

    /// Starts the fake server, runs `body`, stops the server.
    static func with<T>(_ body: (FakeAWS) async throws -> T) async throws -> T {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fake_aws.py")
        let child = try ChildProcess(python: fixture)
        defer { child.stop() }
        let ready = try await child.readyLine(timeout: .seconds(30))
        let port = try #require((try JSONSerialization.jsonObject(with: ready) as? [String: Any])?["port"] as? Int)
        let httpClient = try HTTPClient()
        defer { httpClient.shutdown() }
        return try await body(FakeAWS(port: port, httpClient: httpClient))
    }
}
