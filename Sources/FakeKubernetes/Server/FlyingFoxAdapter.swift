import FlyingFox
import FlyingSocks
import Foundation

/// Translates FlyingFox requests and responses to and from the server-independent ``APIHandler``.
struct FlyingFoxAdapter: HTTPHandler {
    let handler: APIHandler
    let splitWatchEvents: Bool

    func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        var query: [String: String] = [:]
        for item in request.query where query[item.name] == nil { query[item.name] = item.value }
        let apiRequest = APIRequest(
            method: request.method.rawValue, path: request.path, rawQuery: request.target.query(), query: query,
            headers: headers, body: try await request.bodyData)
        let response = await handler.handle(apiRequest)
        var httpHeaders = FlyingFox.HTTPHeaders()
        for (name, value) in response.headers { httpHeaders.addValue(value, for: HTTPHeader(name)) }
        let status = HTTPStatusCode(response.status, phrase: Self.phrase(response.status))
        if response.dropConnection {
            return FlyingFox.HTTPResponse(
                statusCode: status, headers: httpHeaders, body: HTTPBodySequence(from: DroppedBytes(), count: 1))
        }
        switch response.body {
        case .data(let data):
            return FlyingFox.HTTPResponse(statusCode: status, headers: httpHeaders, body: data)
        case .stream(let stream):
            return FlyingFox.HTTPResponse(
                statusCode: status, headers: httpHeaders,
                body: HTTPBodySequence(from: StreamedBytes(stream: stream, split: splitWatchEvents)))
        }
    }

    static func phrase(_ code: Int) -> String {
        let phrases = [
            200: "OK", 201: "Created", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict", 410: "Gone", 415: "Unsupported Media Type",
            422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable", 504: "Gateway Timeout",
        ]
        return phrases[code] ?? "Status"
    }
}

/// A watch body: each line of the stream becomes one chunk (or two, when splitting), written as it arrives.
struct StreamedBytes: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8
    let stream: AsyncStream<Data>
    let split: Bool

    func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator(), split: split) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var base: AsyncStream<Data>.Iterator
        let split: Bool
        var buffer: [UInt8] = []
        var offset = 0

        mutating func next() async throws -> UInt8? {
            guard let chunk = try await nextBuffer(suggested: 1) else { return nil }
            return chunk.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
            while offset >= buffer.count {
                guard let data = await base.next() else { return nil }
                buffer = Array(data)
                offset = 0
            }
            var take = Swift.min(Swift.max(count, 1), buffer.count - offset)
            if split, offset == 0, buffer.count > 1 { take = Swift.min(take, buffer.count / 2) }
            defer { offset += take }
            return buffer[offset..<(offset + take)]
        }
    }
}

/// A body that fails at once: the connection closes after the response head (an injected dropped connection).
struct DroppedBytes: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8

    func makeAsyncIterator() -> Iterator { Iterator() }

    struct Iterator: AsyncBufferedIteratorProtocol {
        mutating func next() async throws -> UInt8? { throw SocketError.disconnected }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? { throw SocketError.disconnected }
    }
}
