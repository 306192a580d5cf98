import Foundation
import HTTPClient
import Testing

/// The driver thread waits in `epoll_wait` on the sockets libcurl names and runs `curl_multi_socket_action` for the
/// ready ones and for due timeouts; these tests cover what that event loop must not miss.
@Suite("HTTPClient event loop: sockets, pauses, timeouts, shutdown")
struct HTTPClientEventLoopTests {
    @Test("a paused stream whose server has sent everything resumes and delivers every byte")
    func pausedStreamResumesWithoutSocketActivity() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            // 1.5 MiB: more than the high-water mark (1 MiB), so the transfer pauses before the consumer reads.
            let chunks = 24
            let size = 65536
            let response = try await client.stream(
                HTTPRequest(url: server.baseURL + "/stream?chunks=\(chunks)&size=\(size)"))
            // A 300 ms request on the same client first, so that the server is most likely done sending by the
            // time the consumer reads: the resume then has no socket event to ride on (libcurl holds the rest). The
            // test passes either way when the resume works and hangs, failing by its time limit, when it does not.
            _ = try await client.execute(HTTPRequest(url: server.baseURL + "/slow?delay=300"))
            let body = try await response.body.collect(upTo: chunks * size)
            #expect(body.count == chunks * size)
        }
    }

    @Test("a hundred quiet streams each get the chunk their server sends later, while requests go through")
    func manyQuietStreamsWake() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let count = 100
            let streams = try await withThrowingTaskGroup(of: HTTPStreamingResponse.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        try await client.stream(HTTPRequest(url: server.baseURL + "/stream?chunks=2&interval=500"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let hello = try await client.execute(HTTPRequest(url: server.baseURL + "/hello"))
            #expect(hello.status == 200)
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for stream in streams {
                    group.addTask { String(decoding: try await stream.body.collect(upTo: 1024), as: UTF8.self) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(bodies.count == count)
            #expect(bodies.allSatisfy { $0 == "chunk 0\nchunk 1\n" })
        }
    }

    @Test("a request timeout fires on a connection where nothing happens")
    func timeoutWithoutSocketActivity() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: HTTPClientError.self) {
                _ = try await client.execute(
                    HTTPRequest(url: server.baseURL + "/hold", timeout: .milliseconds(400)))
            }
            #expect(error.code == .requestTimeout)
            // Driven by libcurl's timeout alone (the held connection stays quiet), and not only at the loop's
            // one-second backstop.
            #expect(start.duration(to: clock.now) < .seconds(5))
        }
    }

    @Test("cancelling twenty transfers with watched sockets closes them; the client then serves new requests")
    func cancelWatchedTransfersThenReuse() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let held = (0..<20).map { _ in
                Task { try await client.execute(HTTPRequest(url: server.baseURL + "/hold")) }
            }
            _ = try await server.waitForStats { $0.holdsOpened == 20 }
            for task in held { task.cancel() }
            for task in held {
                let outcome = await task.result
                #expect(throws: CancellationError.self) { try outcome.get() }
            }
            let stats = try await server.waitForStats { $0.holdsClosed == 20 }
            #expect(stats.holdsClosed == 20)
            // New sockets may get the numbers of the closed ones: the epoll set must hold the new, not the old.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.execute(HTTPRequest(url: server.baseURL + "/hello")).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20))
        }
    }

    @Test("shutting down with a request and a stream open fails both with clientShutdown and closes their sockets")
    func shutdownWithOpenTransfers() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let request = Task { try await client.execute(HTTPRequest(url: server.baseURL + "/hold")) }
            let stream = try await client.stream(HTTPRequest(url: server.baseURL + "/hold"))
            _ = try await server.waitForStats { $0.holdsOpened == 2 }
            client.shutdown()
            let requestError = try await #require(throws: HTTPClientError.self) { try await request.value }
            #expect(requestError.code == .clientShutdown)
            let streamError = try await #require(throws: HTTPClientError.self) {
                for try await _ in stream.body {}
            }
            #expect(streamError.code == .clientShutdown)
            let stats = try await server.waitForStats { $0.holdsClosed == 2 }
            #expect(stats.holdsClosed == 2)
        }
    }
}
