import FlyingFox
import FlyingSocks
import Foundation
import Locking
import NoDelaySockets

/// A fake SQS endpoint on 127.0.0.1 over plain HTTP, serving an ``SQSService`` with FlyingFox, TCP_NODELAY on every
/// connection.
///
/// ```swift
/// let server = FakeSQSServer(service: SQSService(broker: SQSBroker(), verifier: verifier))
/// let url = try await server.start()   // http://127.0.0.1:PORT
/// …
/// await server.stop()
/// ```
public final class FakeSQSServer: Sendable {
    /// The service served.
    public let service: SQSService
    private let requestedPort: UInt16
    private let state = Lock(State())

    private struct State {
        var server: HTTPServer?
        var task: Task<Void, any Error>?
        var port: UInt16 = 0
    }

    /// Creates a server; call ``start()`` to listen.
    ///
    /// - Parameters:
    ///   - service: what to serve.
    ///   - port: the port on 127.0.0.1; 0 picks a free one.
    public init(service: SQSService, port: UInt16 = 0) {
        self.service = service
        self.requestedPort = port
    }

    /// The port listened on (0 before ``start()``).
    public var port: UInt16 { state.withLock { $0.port } }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts listening and returns the base URL once connections are accepted.
    ///
    /// - Throws: a socket error when the port cannot be bound or listening does not start within 30 s.
    @discardableResult
    public func start() async throws -> String {
        // Long polls hold a request for up to 20 s plus the latency: the idle timeout must outlast them.
        let server = HTTPServer(
            config: HTTPServer.Configuration(
                address: try .inet(ip4: "127.0.0.1", port: requestedPort), timeout: 120,
                pool: NoDelaySocketPool(base: HTTPServer.defaultPool()), logger: .disabled),
            handler: Adapter(service: service))
        let task = Task { try await server.run() }
        state.withLock { $0 = State(server: server, task: task) }
        try await server.waitUntilListening(timeout: 30)
        guard case .ip4(_, let port) = await server.listeningAddress else { throw SocketError.unsupportedAddress }
        state.withLock { $0.port = port }
        return baseURL
    }

    /// Stops listening and closes connections (waiting long polls end with their connection).
    public func stop() async {
        let (server, task) = state.withLock { state in
            defer { state = State(port: state.port) }
            return (state.server, state.task)
        }
        await server?.stop(timeout: 1)
        task?.cancel()
    }

    /// FlyingFox's request to ``SQSHTTPRequest`` and back.
    private struct Adapter: HTTPHandler {
        let service: SQSService

        func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
            let headers = request.headers.map { (name: $0.key.rawValue, value: $0.value) }
            let response = await service.handle(
                SQSHTTPRequest(
                    method: request.method.rawValue, path: request.target.path(percentEncoded: true),
                    query: request.target.query(percentEncoded: true), headers: headers,
                    body: try await request.bodyData))
            var httpHeaders = FlyingFox.HTTPHeaders()
            for header in response.headers { httpHeaders.addValue(header.value, for: HTTPHeader(header.name)) }
            let phrase =
                [200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"][response.status] ?? "Error"
            return FlyingFox.HTTPResponse(
                statusCode: HTTPStatusCode(response.status, phrase: phrase), headers: httpHeaders, body: response.body)
        }
    }
}
