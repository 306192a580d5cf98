/// The one error type of the `Kubernetes` module: a failed API call, a broken watch, or unusable configuration.
///
/// The ``description`` says what failed, on what, and what the operator can do, for example
/// `PATCH /api/v1/nodes/ip-10-0-1-2 failed (403 Forbidden): … — check the ClusterRole in charts/`.
public struct KubernetesError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, from the HTTP code and the Status reason.
    public enum Code: Sendable, Hashable {
        /// 400: the request was malformed.
        case badRequest
        /// 401: the credentials were refused (after one refresh and retry).
        case unauthorized
        /// 403: RBAC forbids the call.
        case forbidden
        /// 404: no such object (or resource).
        case notFound
        /// 409 with reason `Conflict`: the resourceVersion or a precondition no longer matches. Re-read and retry.
        case conflict
        /// 409 with reason `AlreadyExists`: create of an existing name.
        case alreadyExists
        /// 410 `Expired` (or `Gone`), as a response or a watch `ERROR` event: the resourceVersion is too old. Relist.
        case expired
        /// 415: the server does not accept the body's content type (for example a strategic merge patch on a
        /// custom resource).
        case unsupportedMediaType
        /// 422: the object failed validation.
        case invalid
        /// 429: throttled, or (on the eviction subresource) a PodDisruptionBudget said no.
        case tooManyRequests
        /// 5xx: the server failed.
        case serverError
        /// Any other HTTP status.
        case unexpectedStatus
        /// No response: the transport failed (connection, TLS, timeout).
        case transport
        /// Not sent: the client's ``WriteFence`` is closed (this replica does not hold leadership, or its term's
        /// validity passed without a renewal).
        case fenced
        /// A response arrived but its body was not what the API promises.
        case decoding
        /// The configuration (kubeconfig, in-cluster files, exec plugin) is missing or invalid.
        case configuration
    }

    /// The kind of failure.
    public var code: Code
    /// The HTTP method or operation, for example `PATCH`, `WATCH` or `configure`.
    public var verb: String
    /// The request path (no query), or the file concerned for configuration errors.
    public var path: String
    /// The HTTP status code, when there was a response.
    public var httpStatus: Int?
    /// The Status `reason`, when the server sent one.
    public var reason: String?
    /// The Status `message`, or a description of the failure.
    public var message: String
    /// The whole Status, when the server sent one.
    public var status: Status?
    /// The server's `Retry-After` header (integer seconds), when the response carried one. API Priority and
    /// Fairness sends it on plain-text 429s that have no Status body, so callers that retry on their own
    /// (evictions) read it here.
    public var retryAfter: Duration?

    /// Creates an error.
    public init(
        code: Code, verb: String, path: String, httpStatus: Int? = nil, reason: String? = nil, message: String,
        status: Status? = nil
    ) {
        self.code = code
        self.verb = verb
        self.path = path
        self.httpStatus = httpStatus
        self.reason = reason
        self.message = message
        self.status = status
    }

    /// Classifies an HTTP status code and Status reason.
    public static func code(httpStatus: Int, reason: String?) -> Code {
        switch httpStatus {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: reason == "AlreadyExists" ? .alreadyExists : .conflict
        case 410: .expired
        case 415: .unsupportedMediaType
        case 422: .invalid
        case 429: .tooManyRequests
        case 500...599: .serverError
        default: .unexpectedStatus
        }
    }

    /// An error for a Status (from a response body or a watch `ERROR` event).
    static func from(status: Status, httpStatus: Int, verb: String, path: String) -> KubernetesError {
        let code = status.code ?? httpStatus
        return KubernetesError(
            code: Self.code(httpStatus: code, reason: status.reason), verb: verb, path: path, httpStatus: code,
            reason: status.reason, message: status.message ?? "", status: status)
    }

    /// A configuration error about a file or setting.
    static func configuration(_ message: String, path: String = "") -> KubernetesError {
        KubernetesError(code: .configuration, verb: "configure", path: path, message: message)
    }

    /// Whether the error is a 410 that means "relist": the watch or list resourceVersion is too old.
    public var isExpired: Bool { code == .expired }

    /// Whether the error is a 409 Conflict (not AlreadyExists): re-read the object and try again.
    public var isConflict: Bool { code == .conflict }

    /// Whether the error is a 404.
    public var isNotFound: Bool { code == .notFound }

    /// The text of a Status' first cause, such as `The disruption budget web-pdb needs 2 healthy pods…`.
    public var firstCauseMessage: String? { status?.details?.causes?.first?.message }

    /// What the operator can do about this kind of failure.
    public var hint: String? {
        switch code {
        case .unauthorized:
            "check the service-account token, the kubeconfig user's credentials or the exec plugin's output"
        case .forbidden: "check the ClusterRole in charts/ grants this verb on this resource"
        case .conflict: "the object changed since it was read: re-read it and retry"
        case .expired: "the resourceVersion is too old: relist"
        case .tooManyRequests: "the apiserver throttled the call or a PodDisruptionBudget blocks it: retry later"
        case .transport: "check the server address, network policy and TLS settings"
        case .fenced: "this replica is not the leader: its Lease was lost or not renewed in time, so it writes nothing"
        case .configuration: "check the kubeconfig (or the in-cluster service-account mount)"
        default: nil
        }
    }

    /// `VERB path failed (code Reason): message — hint`.
    public var description: String {
        var text = path.isEmpty ? "\(verb) failed" : "\(verb) \(path) failed"
        if let httpStatus {
            text += " (\(httpStatus)\(reason.map { " \($0)" } ?? ""))"
        }
        text += ": \(message.isEmpty ? "\(code)" : message)"
        if let cause = firstCauseMessage, !message.contains(cause) {
            text += " (\(cause))"
        }
        if let hint { text += " — \(hint)" }
        return text
    }
}
