import Foundation

/// An asynchronous HTTP client over libcurl's multi interface.
///
/// One driver thread runs every transfer of a client (no thread per request); connections are kept alive and reused
/// across requests to the same host, HTTP/2 is negotiated over TLS when the server offers it, and proxies come from
/// `HTTPS_PROXY`, `HTTP_PROXY` (`http_proxy`) and `NO_PROXY` as libcurl reads them. Cancelling the calling task
/// aborts the transfer and frees its handle.
///
/// Create one client per process (or per remote service) and share it; ``shutdown()`` or releasing the last
/// reference ends the driver thread.
public final class HTTPClient: Sendable {
    /// Client-wide settings; requests may override TLS, the timeout and the size cap.
    public struct Configuration: Sendable {
        /// Time allowed for DNS, TCP and TLS set-up.
        public var connectTimeout: Duration = .seconds(10)
        /// Time allowed for a whole buffered request.
        public var requestTimeout: Duration = .seconds(60)
        /// A stream fails when it has received nothing for this long (Kubernetes watches send bookmarks well within).
        public var streamIdleTimeout: Duration = .seconds(300)
        /// The largest buffered response body accepted.
        public var maxResponseBytes: Int = 64 << 20
        /// Parallel connections to one host, 0 for no limit (the default, as Go's HTTP transport and so client-go
        /// have it). HTTP/2 multiplexes many requests on one connection anyway; over HTTP/1.1 every open stream
        /// (a Kubernetes watch) holds a connection for its lifetime, so a limit below the number of streams makes
        /// every other request wait behind them.
        public var maxConnectionsPerHost: Int = 0
        /// Parallel connections in all, 0 for no limit (the default, for the same reason).
        public var maxTotalConnections: Int = 0
        /// Idle connections kept open for reuse.
        public var idleConnectionCacheSize: Int = 64
        /// The default TLS settings.
        public var tls = TLSConfiguration()

        /// Creates the default configuration.
        public init() {}
    }

    /// The settings this client was created with.
    public let configuration: Configuration
    private let driver: CurlDriver

    /// Creates a client and starts its driver thread.
    /// - Throws: ``HTTPClientError`` if libcurl cannot be initialised.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        self.driver = try CurlDriver(
            maxConnectionsPerHost: configuration.maxConnectionsPerHost,
            maxTotalConnections: configuration.maxTotalConnections,
            idleConnectionCacheSize: configuration.idleConnectionCacheSize)
    }

    deinit {
        driver.stop()
    }

    /// Stops the driver thread and waits (at most 5 s) until it has closed every connection; requests in flight
    /// fail with ``HTTPClientError/Code/clientShutdown``. Call it before the process exits.
    public func shutdown() {
        driver.stop(waitingUpTo: .seconds(5))
    }

    /// Sends a request and reads the whole response into memory.
    /// - Returns: the response, whatever its status code.
    /// - Throws: ``HTTPClientError`` when no complete response arrived; `CancellationError` when the task was
    ///   cancelled.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let id = driver.makeTransferID()
        let transfer = try CurlTransfer(id: id, request: request, configuration: configuration, streaming: false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.delivery = .buffered(continuation)
                driver.submit(transfer)
                // A cancellation that came before the submission found nothing to cancel; repeat it now.
                if Task.isCancelled { driver.cancel(id) }
            }
        } onCancel: {
            driver.cancel(id)
        }
    }

    /// Sends a request and returns as soon as the response headers are in; the body follows as a stream.
    ///
    /// The stream has no overall deadline; it fails with ``HTTPClientError/Code/idleTimeout`` when nothing
    /// arrives for ``Configuration/streamIdleTimeout``.
    /// - Throws: ``HTTPClientError`` when no response headers arrived; `CancellationError` when cancelled.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        try Task.checkCancellation()
        let id = driver.makeTransferID()
        let driver = self.driver
        let transfer = try CurlTransfer(id: id, request: request, configuration: configuration, streaming: true)
        let (chunks, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream(bufferingPolicy: .unbounded)
        let flow = StreamFlowControl(url: transfer.url) { driver.resume(id) }
        bodyContinuation.onTermination = { termination in
            if case .cancelled = termination { driver.cancel(id) }
        }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.delivery = .streaming(head: continuation, body: bodyContinuation, flow: flow)
                driver.submit(transfer)
                // A cancellation that came before the submission found nothing to cancel; repeat it now.
                if Task.isCancelled { driver.cancel(id) }
            }
        } onCancel: {
            driver.cancel(id)
        }
        return HTTPStreamingResponse(
            status: head.status, headers: head.headers, body: HTTPBodyStream(chunks: chunks, flow: flow),
            httpVersion: head.httpVersion)
    }
}
