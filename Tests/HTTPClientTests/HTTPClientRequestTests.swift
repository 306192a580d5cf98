import Foundation
import HTTPClient
import Testing

@Suite("HTTPClient requests and responses")
struct HTTPClientRequestTests {
    struct Echo: Decodable {
        var method: String
        var query: String
        var headers: [[String]]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }?.last
        }
    }

    @Test("a GET returns the status, headers and body the server sent")
    func getReturnsBody() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let response = try await client.execute(HTTPRequest(url: server.baseURL + "/hello"))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "hello")
            #expect(response.headers["content-type"] == "text/plain")
            #expect(response.headers["Content-Length"] == "5")
        }
    }

    @Test("a POST sends its body and headers exactly, without libcurl's default Accept, Expect or Content-Type")
    func postSendsBodyAndHeaders() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let body = String(repeating: "payload-", count: 300)  // over 1 KiB, where libcurl would add Expect
            let request = HTTPRequest(
                method: .post, url: server.baseURL + "/echo?a=1&b=two",
                headers: ["X-Amz-Target": "AmazonSQS.ReceiveMessage", "X-Empty": ""],
                body: Data(body.utf8))
            let response = try await client.execute(request)
            let echo = try JSONDecoder().decode(Echo.self, from: response.body)
            #expect(echo.method == "POST")
            #expect(echo.query == "a=1&b=two")
            #expect(echo.body == body)
            #expect(echo.header("X-Amz-Target") == "AmazonSQS.ReceiveMessage")
            #expect(echo.header("X-Empty") == "")
            #expect(echo.header("Content-Length") == "\(body.utf8.count)")
            #expect(echo.header("Accept") == nil)
            #expect(echo.header("Expect") == nil)
            #expect(echo.header("Content-Type") == nil)
        }
    }

    @Test("PUT, PATCH and DELETE send their method and body", arguments: [HTTPMethod.put, .patch, .delete])
    func otherMethods(method: HTTPMethod) async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let request = HTTPRequest(
                method: method, url: server.baseURL + "/echo",
                headers: ["Content-Type": "application/merge-patch+json"],
                body: Data(#"{"spec":{"unschedulable":true}}"#.utf8))
            let echo = try JSONDecoder().decode(Echo.self, from: try await client.execute(request).body)
            #expect(echo.method == method.rawValue)
            #expect(echo.body == #"{"spec":{"unschedulable":true}}"#)
            #expect(echo.header("Content-Type") == "application/merge-patch+json")
        }
    }

    @Test("a POST without a body sends Content-Length 0")
    func postWithoutBody() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let echo = try JSONDecoder().decode(
                Echo.self,
                from: try await client.execute(HTTPRequest(method: .post, url: server.baseURL + "/echo")).body)
            #expect(echo.method == "POST")
            #expect(echo.header("Content-Length") == "0")
        }
    }

    @Test("error statuses are responses, not errors")
    func errorStatusIsAResponse() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let response = try await client.execute(HTTPRequest(url: server.baseURL + "/status?code=429"))
            #expect(response.status == 429)
            let missing = try await client.execute(HTTPRequest(url: server.baseURL + "/nothing-here"))
            #expect(missing.status == 404)
        }
    }

    @Test("a refused connection is a connectionFailed error naming the URL without its query")
    func refusedConnection() async throws {
        let port = try await withTestServer { $0.httpPort }  // the server is gone once this returns
        let client = try HTTPClient()
        let error = try await #require(throws: HTTPClientError.self) {
            _ = try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/queue?token=secret"))
        }
        #expect(error.code == .connectionFailed)
        #expect(error.curlCode == 7)
        #expect(!error.description.contains("secret"))
        #expect(error.description.contains("http://127.0.0.1:\(port)/queue"))
    }

    @Test("a malformed URL is an invalidRequest error")
    func malformedURL() async throws {
        let client = try HTTPClient()
        let error = try await #require(throws: HTTPClientError.self) {
            _ = try await client.execute(HTTPRequest(url: "gopher://127.0.0.1/"))
        }
        #expect(error.code == .invalidRequest)
    }

    @Test("one keep-alive connection carries 100 sequential requests")
    func connectionReuse() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            for _ in 0..<100 {
                let response = try await client.execute(HTTPRequest(url: server.baseURL + "/hello"))
                #expect(response.status == 200)
            }
            let stats = try await server.stats()  // over a client of its own: one more connection
            #expect(stats.connections == 2)
        }
    }

    @Test("200 concurrent requests all complete with their own responses, within a per-host connection cap")
    func concurrentRequests() async throws {
        try await withTestServer { server in
            var configuration = HTTPClient.Configuration()
            configuration.maxConnectionsPerHost = 16
            let client = try HTTPClient(configuration: configuration)
            let sizes = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let response = try await client.execute(
                            HTTPRequest(url: server.baseURL + "/bytes?size=\(index)"))
                        return (index, response.body.count)
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
            }
            #expect(sizes.count == 200)
            #expect(sizes.allSatisfy { $0.key == $0.value })
            let stats = try await server.stats()
            #expect(stats.connections <= 16 + 1)  // the stats request comes on a connection of its own
        }
    }

    @Test("by default, 40 open HTTP/1.1 streams (watches) leave room for other requests to the same host")
    func streamsDoNotStarveRequests() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            // With a per-host cap below 40, a stream (or the request after them) would wait for a connection that
            // never frees up; the 20 s timer turns that hang into a failure.
            let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    var streams: [HTTPStreamingResponse] = []
                    for _ in 0..<40 {
                        streams.append(try await client.stream(HTTPRequest(url: server.baseURL + "/hold")))
                    }
                    let response = try await client.execute(HTTPRequest(url: server.baseURL + "/hello"))
                    return response.status == 200 && streams.count == 40
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(20))
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(finished, "requests waited behind open streams for a free connection")
        }
    }

    @Test("a 4 GiB Content-Length is refused by the size cap before any body is buffered")
    func contentLengthLieRefused() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(HTTPRequest(url: server.baseURL + "/lie", maxResponseBytes: 1 << 20))
            }
            #expect(error.code == .responseTooLarge)
        }
    }

    @Test("a chunked body larger than the cap is refused while it arrives")
    func chunkedBodyOverCapRefused() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(
                    HTTPRequest(url: server.baseURL + "/stream?chunks=50&size=1000", maxResponseBytes: 10_000))
            }
            #expect(error.code == .responseTooLarge)
            let fits = try await client.execute(
                HTTPRequest(url: server.baseURL + "/stream?chunks=10&size=1000", maxResponseBytes: 10_000))
            #expect(fits.body.count == 10_000)
        }
    }

    @Test("clients can be created, used, shut down and released many times over")
    func clientLifecycle() async throws {
        try await withTestServer { server in
            for index in 0..<50 {
                let client = try HTTPClient()
                let response = try await client.execute(HTTPRequest(url: server.baseURL + "/hello"))
                #expect(response.status == 200)
                if index.isMultiple(of: 2) { client.shutdown() }  // then released: stop runs twice
            }
        }
    }

    @Test("requests after shutdown fail with clientShutdown")
    func shutdownFailsRequests() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            client.shutdown()
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(HTTPRequest(url: server.baseURL + "/hello"))
            }
            #expect(error.code == .clientShutdown)
        }
    }
}
