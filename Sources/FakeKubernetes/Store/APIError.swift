import Foundation
public import JSONValues

/// An error the fake answers with a `metav1.Status`, as `k8s.io/apimachinery` `pkg/api/errors/errors.go` builds them.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status code, repeated in the Status' `code`.
    public var code: Int
    /// The Status `reason`, for example `NotFound`; empty for a plain 500.
    public var reason: String
    /// The Status `message`.
    public var message: String
    /// The Status `details`, if any.
    public var details: JSONValue?
    /// Seconds for a `Retry-After` header (and `details.retryAfterSeconds`).
    public var retryAfterSeconds: Int?
    /// The Status `metadata.continue`: the token an expired continue answer offers to go on inconsistently.
    public var continueToken: String?

    /// Creates an error.
    public init(code: Int, reason: String, message: String, details: JSONValue? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// `code reason: message`.
    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` object.
    public var status: JSONValue {
        var status: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Failure",
            "message": .string(message), "code": .int(Int64(code)),
        ]
        if let continueToken { status["metadata"]["continue"] = .string(continueToken) }
        if !reason.isEmpty { status["reason"] = .string(reason) }
        var details = self.details ?? .null
        if let retryAfterSeconds {
            details["retryAfterSeconds"] = .int(Int64(retryAfterSeconds))
        }
        if !details.isNull { status["details"] = details }
        return status
    }

    static func details(_ resource: ResourceType, name: String) -> JSONValue {
        var details: JSONValue = ["name": .string(name), "kind": .string(resource.plural)]
        if !resource.group.isEmpty { details["group"] = .string(resource.group) }
        return details
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func notFound(_ resource: ResourceType, name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(resource.qualifiedPlural) \"\(name)\" not found",
            details: details(resource, name: name))
    }

    static func notFound(path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }

    static func alreadyExists(_ resource: ResourceType, name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(resource.qualifiedPlural) \"\(name)\" already exists",
            details: details(resource, name: name))
    }

    static func conflict(_ resource: ResourceType, name: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource.qualifiedPlural) \"\(name)\": the object has been "
                + "modified; please apply your changes to the latest version and try again",
            details: details(resource, name: name))
    }

    static func invalid(_ resource: ResourceType, name: String, field: String, message: String) -> APIError {
        var details: JSONValue = ["name": .string(name), "kind": .string(resource.kind)]
        if !resource.group.isEmpty { details["group"] = .string(resource.group) }
        details["causes"] = [["reason": "FieldValueRequired", "message": .string(message), "field": .string(field)]]
        return APIError(
            code: 422, reason: "Invalid", message: "\(resource.kind) \"\(name)\" is invalid: \(field): \(message)",
            details: details)
    }

    /// 422 on `ListOptions.meta.k8s.io`, as `errors.NewInvalid` words it: one field error as it is, several as
    /// `[first, second]`.
    static func invalidListOptions(field: String, causes: [(reason: String, message: String)]) -> APIError {
        let errors = causes.map { "\(field): \($0.message)" }
        let aggregate = errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
        let details: JSONValue = [
            "group": "meta.k8s.io", "kind": "ListOptions",
            "causes": .array(
                causes.map { ["reason": .string($0.reason), "message": .string($0.message), "field": .string(field)] }),
        ]
        return APIError(
            code: 422, reason: "Invalid", message: "ListOptions.meta.k8s.io \"\" is invalid: \(aggregate)",
            details: details)
    }

    static func methodNotAllowed(_ method: String) -> APIError {
        APIError(
            code: 405, reason: "MethodNotAllowed",
            message: "the server does not allow this method on the "
                + "requested resource")
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json")
    }

    /// 504 for a resourceVersion storage or the cache has not reached: the cacher asks to retry after 1 s, storage
    /// (etcd's future revision) gives no delay.
    static func tooLargeResourceVersion(_ requested: Int64, current: Int64, retryAfterSeconds: Int? = 1) -> APIError {
        APIError(
            code: 504, reason: "Timeout",
            message: "Timeout: Too large resource version: \(requested), current: \(current)",
            details: ["causes": [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]]],
            retryAfterSeconds: retryAfterSeconds)
    }

    /// 410 for a list at a compacted revision (`kubernetes/apiserver` `pkg/storage/etcd3/errors.go`).
    static let expiredList = APIError(
        code: 410, reason: "Expired", message: "The resourceVersion for the provided list is too old.")

    /// 410 for a continue token from a compacted revision, offering `token` (the same start at the latest revision)
    /// to go on with an inconsistent list, as `handleCompactedErrorForPaging` does.
    static func expiredContinue(token: String) -> APIError {
        var error = APIError(
            code: 410, reason: "Expired",
            message: "The provided continue parameter is too old to display a consistent list result. You can start a "
                + "new list without the continue parameter, or use the continue token in this response to retrieve "
                + "the remainder of the results. Continuing with the provided token results in an inconsistent list "
                + "- objects that were created, modified, or deleted between the time the first chunk was returned "
                + "and now may show up in the list.")
        error.continueToken = token
        return error
    }

    static func expired(_ requested: Int64, oldest: Int64) -> APIError {
        APIError(code: 410, reason: "Expired", message: "too old resource version: \(requested) (\(oldest))")
    }
}
