import Clocks
import Foundation
public import HTTPClient

/// A client for one Kubernetes apiserver: typed get, list, watch, create, update, patch, delete and eviction, with
/// client-side rate limiting, `Retry-After` handling, credential refresh and request metrics.
///
/// A value type holding shared references; copy it freely. Every request passes the rate limiter, carries fresh
/// credentials, is retried on 429/5xx with `Retry-After` (bounded by ``KubernetesConfiguration/retryPolicy``), and
/// once more after a 401 when the credentials can be refreshed (token file, exec plugin).
public struct KubernetesClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: KubernetesConfiguration
    let http: HTTPClient
    let rateLimiter: any RequestRateLimiter
    let authenticator: Authenticator
    let baseURL: String

    /// Creates a client.
    /// - Parameters:
    ///   - configuration: where and how to connect.
    ///   - httpClient: an HTTP client to share; a new one when `nil`.
    /// - Throws: ``KubernetesError`` when the HTTP client cannot start or the server URL is not http(s).
    public init(configuration: KubernetesConfiguration, httpClient: HTTPClient? = nil) throws {
        guard configuration.server.hasPrefix("https://") || configuration.server.hasPrefix("http://") else {
            throw KubernetesError.configuration(
                "the server URL must start with https:// or http://: \(configuration.server)")
        }
        self.configuration = configuration
        if let httpClient {
            self.http = httpClient
        } else {
            do {
                self.http = try HTTPClient()
            } catch {
                throw KubernetesError(
                    code: .transport, verb: "configure", path: configuration.server, message: "\(error)")
            }
        }
        self.rateLimiter =
            configuration.rateLimiter
            ?? RateLimiter(qps: configuration.qps, burst: configuration.burst, clock: ContinuousClock())
        self.authenticator = Authenticator(
            authentication: configuration.authentication, refreshInterval: configuration.tokenRefreshInterval,
            execPluginTimeout: configuration.execPluginTimeout, clock: configuration.clock)
        var base = configuration.server
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
    }

    /// One call: what to send, and how to describe it in errors and metrics.
    struct Call: Sendable {
        var verb: String
        var method: HTTPMethod
        var path: String
        var query: [(String, String)] = []
        var body: Data?
        var contentType: String?
        var resource: String
    }

    /// Sends a buffered call and returns its 2xx response, or throws ``KubernetesError``.
    func send(_ call: Call) async throws -> HTTPResponse {
        try await perform(call) { request in
            let response = try await http.execute(request)
            return (response.status, response.headers, response)
        } errorBody: { response in
            response.body
        }
    }

    /// The request loop shared by buffered calls and watches: rate limit, credentials, send, then retry after a 401
    /// (once, with refreshed credentials) or a 429/5xx with `Retry-After`; any other non-2xx throws.
    ///
    /// Each attempt, and the error of a refused call, are functions of their own (not inlined): a task keeps the
    /// deepest stack of async frames it ever had until it ends, and a drain's long-lived tasks (its watch, its
    /// evictions) all pass through here (docs/performance.md, "Peak memory during a reclaim").
    func perform<R: Sendable>(
        _ call: Call,
        exchange: @escaping @Sendable (HTTPRequest) async throws -> (Int, HTTPHeaders, R),
        errorBody: (R) async throws -> Data
    ) async throws -> R {
        var attempt = 0
        var refreshedCredentials = false
        while true {
            let (status, headers, result) = try await sendOnce(call, exchange: exchange)
            if (200..<300).contains(status) { return result }

            let body = (try? await errorBody(result)) ?? Data()
            if status == 401, !refreshedCredentials, await authenticator.invalidate() {
                refreshedCredentials = true
                continue
            }
            attempt += 1
            if let delay = configuration.retryPolicy.delay(
                status: status, retryAfter: headers["Retry-After"], attempt: attempt)
            {
                try await configuration.clock.sleep(for: delay)
                continue
            }
            throw Self.refusal(status: status, headers: headers, body: body, call: call)
        }
    }

    /// One attempt of a call: the rate limiter, the write fence, the request, the exchange and its metrics.
    @inline(never)
    private func sendOnce<R: Sendable>(
        _ call: Call, exchange: @escaping @Sendable (HTTPRequest) async throws -> (Int, HTTPHeaders, R)
    ) async throws -> (Int, HTTPHeaders, R) {
        try await rateLimiter.acquire(priority: RequestPriority.current)
        let fence = configuration.writeFence.flatMap {
            WriteFence.applies(method: call.method.rawValue, resource: call.resource) ? $0 : nil
        }
        if let fence, !fence.isOpen { throw Self.fencedError(call) }
        let request = try await makeRequest(call)
        let started = ContinuousClock.now
        let answer: (Int, HTTPHeaders, R)
        do {
            if let fence {
                answer = try await fence.guarding({ Self.fencedError(call) }) { try await exchange(request) }
            } else {
                answer = try await exchange(request)
            }
        } catch let error as HTTPClientError {
            configuration.metrics?.record(
                verb: call.verb, resource: call.resource, code: 0, duration: ContinuousClock.now - started)
            throw KubernetesError(
                code: .transport, verb: call.method.rawValue, path: call.path, message: error.description)
        }
        configuration.metrics?.record(
            verb: call.verb, resource: call.resource, code: answer.0, duration: ContinuousClock.now - started)
        return answer
    }

    /// What a write refused by a closed fence throws.
    static func fencedError(_ call: Call) -> KubernetesError {
        KubernetesError(
            code: .fenced, verb: call.method.rawValue, path: call.path,
            message: "not sent: this replica does not hold the leader's Lease")
    }

    /// The error of a call the apiserver refused, with its `Retry-After`.
    @inline(never)
    static func refusal(status: Int, headers: HTTPHeaders, body: Data, call: Call) -> KubernetesError {
        var error = Self.error(status: status, body: body, call: call)
        error.retryAfter = headers["Retry-After"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            .flatMap { $0 >= 0 ? Duration.seconds($0) : nil }
        return error
    }

    func makeRequest(_ call: Call) async throws -> HTTPRequest {
        let credentials = try await authenticator.credentials()
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: configuration.userAgent)
        if let token = credentials.bearerToken {
            headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let contentType = call.contentType {
            headers.add(name: "Content-Type", value: contentType)
        }
        var tls = configuration.tls
        if let certificate = credentials.clientCertificate, let key = credentials.clientKey {
            tls.clientCertificate = certificate
            tls.clientKey = key
        }
        var url = baseURL + call.path
        if !call.query.isEmpty { url += "?" + PathEscaping.query(call.query) }
        return HTTPRequest(
            method: call.method, url: url, headers: headers, body: call.body, tls: tls,
            timeout: configuration.requestTimeout)
    }

    /// The error for a non-2xx response: from its Status body when it has one, else from the code alone.
    static func error(status: Int, body: Data, call: Call) -> KubernetesError {
        if let decoded = try? KubernetesJSON.makeDecoder().decode(Status.self, from: body), decoded.kind == "Status" {
            var error = KubernetesError.from(
                status: decoded, httpStatus: status, verb: call.method.rawValue, path: call.path)
            error.httpStatus = status
            error.code = KubernetesError.code(httpStatus: status, reason: decoded.reason)
            return error
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return KubernetesError(
            code: KubernetesError.code(httpStatus: status, reason: nil), verb: call.method.rawValue, path: call.path,
            httpStatus: status, message: text.isEmpty ? HTTPURLResponseText.reason(status) : text)
    }

    /// Decodes a response body, or throws a ``KubernetesError/Code/decoding`` error naming the call.
    func decode<T: Decodable>(_ type: T.Type, from data: Data, call: Call) throws -> T {
        do {
            return try KubernetesJSON.makeDecoder().decode(type, from: data)
        } catch {
            throw KubernetesError(
                code: .decoding, verb: call.method.rawValue, path: call.path,
                message: "the response is not a valid \(T.self): \(error)")
        }
    }

    /// Encodes a request body.
    func encode<T: Encodable>(_ value: T) throws -> Data {
        try KubernetesJSON.makeEncoder().encode(value)
    }

    /// The namespace for a call on a resource: `nil` for cluster-scoped ones, else the given one or the default.
    func namespace<T: KubernetesResource>(for type: T.Type, _ namespace: String?) -> String? {
        T.descriptor.isNamespaced ? (namespace ?? configuration.namespace) : nil
    }
}

/// Short reason phrases for error messages when the server sent no body.
enum HTTPURLResponseText {
    static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 410: "Gone"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "HTTP \(status)"
        }
    }
}
