public import JSONValues

/// Query options of a list or watch.
///
/// See https://kubernetes.io/docs/reference/using-api/api-concepts/#semantics-for-get-and-list for what
/// ``resourceVersion`` and ``resourceVersionMatch`` mean: unset is a consistent read, `"0"` any state from the
/// watch cache (``limit`` ignored), `X` with ``ResourceVersionMatch/notOlderThan`` the cache once it reached `X`.
public struct ListOptions: Sendable, Hashable {
    /// A label selector such as `app=web,tier!=db`.
    public var labelSelector: String?
    /// A field selector such as `spec.nodeName=ip-10-0-1-2`.
    public var fieldSelector: String?
    /// The resourceVersion to read at (list) or to start after (watch).
    public var resourceVersion: String?
    /// How ``resourceVersion`` is matched on a list.
    public var resourceVersionMatch: ResourceVersionMatch?
    /// The page size of a list.
    public var limit: Int?
    /// The continue token of the previous page.
    public var continueToken: String?
    /// The server-side timeout of a list or watch.
    public var timeoutSeconds: Int?

    /// Creates options.
    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
        resourceVersionMatch: ResourceVersionMatch? = nil, limit: Int? = nil, continueToken: String? = nil,
        timeoutSeconds: Int? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.limit = limit
        self.continueToken = continueToken
        self.timeoutSeconds = timeoutSeconds
    }

    /// How a list's resourceVersion is matched.
    public enum ResourceVersionMatch: String, Sendable, Hashable {
        /// At least this version, served from the watch cache.
        case notOlderThan = "NotOlderThan"
        /// Exactly this version, served from etcd (410 once compacted).
        case exact = "Exact"
    }

    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let labelSelector { items.append(("labelSelector", labelSelector)) }
        if let fieldSelector { items.append(("fieldSelector", fieldSelector)) }
        if let resourceVersion { items.append(("resourceVersion", resourceVersion)) }
        if let resourceVersionMatch { items.append(("resourceVersionMatch", resourceVersionMatch.rawValue)) }
        if let limit { items.append(("limit", String(limit))) }
        if let continueToken { items.append(("continue", continueToken)) }
        if let timeoutSeconds { items.append(("timeoutSeconds", String(timeoutSeconds))) }
        return items
    }
}

/// A patch body and its content type.
public struct Patch: Sendable, Hashable {
    /// The patch formats the apiserver accepts for built-in types.
    public enum Format: String, Sendable, Hashable {
        /// RFC 7386 JSON merge patch: objects merge, lists are replaced, `null` deletes.
        case merge = "application/merge-patch+json"
        /// Kubernetes strategic merge patch: like merge, but lists with a merge key merge by it (node taints have
        /// none and are replaced whole).
        case strategicMerge = "application/strategic-merge-patch+json"
        /// RFC 6902 JSON patch: a list of operations, including `test` (use it on `/metadata/resourceVersion` for
        /// a safe read-modify-write).
        case json = "application/json-patch+json"
    }

    /// The format.
    public var format: Format
    /// The body.
    public var body: JSONValue

    /// Creates a patch.
    public init(format: Format, body: JSONValue) {
        self.format = format
        self.body = body
    }

    /// A JSON merge patch, for example `["metadata": ["labels": ["k": "v"]]]`.
    public static func merge(_ body: JSONValue) -> Patch { Patch(format: .merge, body: body) }

    /// A strategic merge patch, for example the cordon `["spec": ["unschedulable": true]]`.
    public static func strategicMerge(_ body: JSONValue) -> Patch { Patch(format: .strategicMerge, body: body) }

    /// A JSON patch made of operations.
    public static func json(_ operations: [JSONPatchOperation]) -> Patch {
        Patch(format: .json, body: .array(operations.map(\.jsonValue)))
    }
}

/// One RFC 6902 operation.
public struct JSONPatchOperation: Sendable, Hashable {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    public var op: String
    /// A JSON pointer, such as `/spec/taints/-`.
    public var path: String
    /// The value, for `add`, `replace` and `test`.
    public var value: JSONValue?

    /// Creates an operation.
    public init(op: String, path: String, value: JSONValue? = nil) {
        self.op = op
        self.path = path
        self.value = value
    }

    /// `add` a value at a path.
    public static func add(_ path: String, _ value: JSONValue) -> JSONPatchOperation {
        JSONPatchOperation(op: "add", path: path, value: value)
    }

    /// `replace` the value at a path.
    public static func replace(_ path: String, _ value: JSONValue) -> JSONPatchOperation {
        JSONPatchOperation(op: "replace", path: path, value: value)
    }

    /// `remove` the value at a path.
    public static func remove(_ path: String) -> JSONPatchOperation {
        JSONPatchOperation(op: "remove", path: path)
    }

    /// `test` that the value at a path equals this one (the whole patch fails otherwise).
    public static func test(_ path: String, _ value: JSONValue) -> JSONPatchOperation {
        JSONPatchOperation(op: "test", path: path, value: value)
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["op": .string(op), "path": .string(path)]
        if let value { members["value"] = value }
        return .object(members)
    }
}
