/// `metav1.Status`: the body of every error response (and of some successes, such as a created eviction).
///
/// See https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/
public struct Status: Codable, Sendable, Hashable {
    /// `v1`.
    public var apiVersion: String?
    /// `Status`.
    public var kind: String?
    /// `Success` or `Failure`.
    public var status: String?
    /// A human-readable description.
    public var message: String?
    /// A machine-readable reason: `NotFound`, `Conflict`, `Expired`, `TooManyRequests`, …
    public var reason: String?
    /// More about the failure.
    public var details: StatusDetails?
    /// The HTTP status code this Status stands for.
    public var code: Int?

    /// Creates a status.
    public init(status: String? = nil, message: String? = nil, reason: String? = nil, code: Int? = nil) {
        self.apiVersion = "v1"
        self.kind = "Status"
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
    }
}

/// `metav1.StatusDetails`.
public struct StatusDetails: Codable, Sendable, Hashable {
    /// The object's name.
    public var name: String?
    /// The object's group.
    public var group: String?
    /// The object's kind.
    public var kind: String?
    /// The object's uid.
    public var uid: String?
    /// Individual causes, such as `DisruptionBudget` for a blocked eviction.
    public var causes: [StatusCause]?
    /// How long to wait before retrying.
    public var retryAfterSeconds: Int?

    /// Creates details.
    public init(causes: [StatusCause]? = nil, retryAfterSeconds: Int? = nil) {
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// `metav1.StatusCause`.
public struct StatusCause: Codable, Sendable, Hashable {
    /// A machine-readable reason.
    public var reason: String?
    /// A human-readable message.
    public var message: String?
    /// The field concerned.
    public var field: String?

    /// Creates a cause.
    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
