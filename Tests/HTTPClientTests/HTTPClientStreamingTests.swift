import Foundation
import HTTPClient
import Testing

@Suite("HTTPClient streaming, cancellation and timeouts")
struct HTTPClientStreamingTests {
    @Test("a stream delivers its first chunk while the server is still sending")
    func firstChunkBeforeServerFinishes() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            // /hold sends one chunk and never finishes: receiving it at all proves incremental delivery.
            let response = try await client.stream(HTTPRequest(url: server.baseURL + "/hold"))
            #expect(response.status == 200)
            #expect(response.headers["Transfer-Encoding"] == "chunked")
            var iterator = response.body.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            #expect(String(decoding: first, as: UTF8.self) == "chunk 0\n")
        }
    }

    @Test("a stream yields every chunk of a finite body in order, then ends")
    func streamsWholeBody() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let response = try await client.stream(HTTPRequest(url: server.baseURL + "/stream?chunks=20&interval=5"))
            let text = String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self)
            #expect(text == (0..<20).map { "chunk \($0)\n" }.joined())
        }
    }

    @Test("a slow consumer of a large stream loses no bytes (flow control pauses and resumes the transfer)")
    func flowControlKeepsEveryByte() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let response = try await client.stream(
                HTTPRequest(url: server.baseURL + "/stream?chunks=400&size=65536"))
            var total = 0
            var chunks = 0
            for try await chunk in response.body {
                total += chunk.count
                chunks += 1
                if chunks % 8 == 0 { await Task.yield() }
            }
            #expect(total == 400 * 65536)
        }
    }

    @Test("leaving a stream early closes its connection on the server")
    func leavingStreamClosesConnection() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            do {
                let response = try await client.stream(HTTPRequest(url: server.baseURL + "/hold"))
                for try await _ in response.body { break }
            }
            let stats = try await server.waitForStats { $0.holdsClosed == 1 }
            #expect(stats.holdsClosed == 1)
        }
    }

    @Test("cancelling the task that reads a stream aborts the transfer; the server sees the close")
    func cancellingStreamTask() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let reader = Task {
                let response = try await client.stream(HTTPRequest(url: server.baseURL + "/hold"))
                var count = 0
                for try await chunk in response.body { count += chunk.count }
                return count
            }
            _ = try await server.waitForStats { $0.holdsOpened == 1 }
            reader.cancel()
            let outcome = await reader.result
            #expect(throws: CancellationError.self) { try outcome.get() }
            let stats = try await server.waitForStats { $0.holdsClosed == 1 }
            #expect(stats.holdsClosed == 1)
        }
    }

    @Test("cancelling a buffered request throws CancellationError at once and closes the connection")
    func cancellingBufferedRequest() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let request = Task { try await client.execute(HTTPRequest(url: server.baseURL + "/hold")) }
            _ = try await server.waitForStats { $0.holdsOpened == 1 }
            request.cancel()
            let outcome = await request.result
            #expect(throws: CancellationError.self) { try outcome.get() }
            let stats = try await server.waitForStats { $0.holdsClosed == 1 }
            #expect(stats.holdsClosed == 1)
        }
    }

    @Test("a request in an already-cancelled task is never sent")
    func alreadyCancelled() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let request = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.execute(HTTPRequest(url: server.baseURL + "/hello"))
            }
            let outcome = await request.result
            #expect(throws: CancellationError.self) { try outcome.get() }
        }
    }

    @Test("a server that never accepts the connection hits the connect timeout")
    func connectTimeout() async throws {
        try await withTestServer { server in
            var configuration = HTTPClient.Configuration()
            configuration.connectTimeout = .milliseconds(300)
            let client = try HTTPClient(configuration: configuration)
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.blackholePort)/"))
            }
            #expect(error.code == .connectTimeout)
        }
    }

    @Test("a response slower than the request timeout fails with requestTimeout")
    func requestTimeout() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(
                    HTTPRequest(url: server.baseURL + "/slow?delay=5000", timeout: .milliseconds(300)))
            }
            #expect(error.code == .requestTimeout)
        }
    }

    @Test("a stream that goes quiet for longer than the idle timeout fails with idleTimeout")
    func streamIdleTimeout() async throws {
        try await withTestServer { server in
            var configuration = HTTPClient.Configuration()
            configuration.streamIdleTimeout = .seconds(1)
            let client = try HTTPClient(configuration: configuration)
            let response = try await client.stream(HTTPRequest(url: server.baseURL + "/hold"))
            let error = try await #require(throws: HTTPClientError.self) {
                for try await _ in response.body {}
            }
            #expect(error.code == .idleTimeout)
        }
    }
}
