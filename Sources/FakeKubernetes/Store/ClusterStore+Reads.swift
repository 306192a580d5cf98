import Foundation
import JSONValues

/// Where a read was served from, which is what the ledger counts.
enum ReadSource: Sendable {
    /// Storage: an etcd quorum read on a real cluster.
    case storage
    /// The watch cache.
    case cache
}

/// The parameters of one list request.
struct ListRequest: Sendable {
    var resource: ResourceType
    var namespace: String?
    var labels = LabelSelector.everything
    var fields = FieldSelector.everything
    var resourceVersion: String?
    var resourceVersionMatch: String?
    var limit: Int?
    var continueToken: String?
}

extension ClusterStore {
    /// Decides where a list is served from, as `kubernetes/apiserver` `pkg/storage/cacher/delegator` does:
    /// a continue token, `Exact`, or a legacy `resourceVersion=x` with a limit go to storage; no resourceVersion is a
    /// consistent read (storage); `0`, and `x` with `NotOlderThan` (or without a limit) come from the cache.
    static func source(of request: ListRequest) throws -> ReadSource {
        try validate(request)
        if request.continueToken?.isEmpty == false { return .storage }
        let rv = request.resourceVersion ?? ""
        if rv.isEmpty { return .storage }
        switch request.resourceVersionMatch ?? "" {
        case "NotOlderThan": return .cache
        case "Exact": return .storage
        case "":
            if rv == "0" { return .cache }
            return (request.limit ?? 0) > 0 ? .storage : .cache
        default:
            throw APIError.badRequest("invalid resourceVersionMatch: \(request.resourceVersionMatch ?? "")")
        }
    }

    /// The apiserver's checks of a list's options (`ValidateListOptions`, then the storage layer's continue rule):
    /// 422 `Invalid` on `ListOptions.meta.k8s.io` naming every broken `resourceVersionMatch` rule at once, and 400
    /// for a `continue` with a `resourceVersion` other than `0`.
    static func validate(_ request: ListRequest) throws {
        let rv = request.resourceVersion ?? ""
        let hasContinue = request.continueToken?.isEmpty == false
        var causes: [(reason: String, message: String)] = []
        if let match = request.resourceVersionMatch, !match.isEmpty {
            if rv.isEmpty {
                causes.append(
                    (
                        "FieldValueForbidden",
                        "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
                    ))
            }
            if hasContinue {
                causes.append(
                    ("FieldValueForbidden", "Forbidden: resourceVersionMatch is forbidden when continue is provided"))
            }
            if match != "Exact" && match != "NotOlderThan" {
                causes.append(
                    (
                        "FieldValueNotSupported",
                        "Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\", \"\""
                    ))
            }
            if match == "Exact" && rv == "0" {
                causes.append(
                    (
                        "FieldValueForbidden",
                        "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""
                    ))
            }
        }
        if !causes.isEmpty { throw APIError.invalidListOptions(field: "resourceVersionMatch", causes: causes) }
        if hasContinue, !rv.isEmpty, rv != "0" {
            throw APIError.badRequest("specifying resource version is not allowed when using continue")
        }
    }

    /// Lists objects with the apiserver's resourceVersion semantics.
    ///
    /// Storage reads at a revision (`Exact`, a legacy `resourceVersion` with `limit`, continue pages) see the objects
    /// as they were at that revision, from ``StorageHistory``.
    /// - Returns: the list object and where it was served from.
    /// - Throws: ``APIError`` 400 on a bad request, 410 on a compacted revision or continue token, 504 for a future
    ///   revision or when the cache does not catch up with a `NotOlderThan` resourceVersion in time.
    func list(_ request: ListRequest) async throws -> (list: JSONValue, source: ReadSource) {
        let source = try Self.source(of: request)
        let rv = request.resourceVersion ?? ""
        var listRevision: Int64
        var start: ObjectKey?
        var limit = request.limit ?? 0
        var expired = APIError.expiredList
        if let token = request.continueToken, !token.isEmpty {
            let decoded = try ContinueToken.decode(token)
            // A revision of -1 (offered by an expired continue answer) continues at the latest revision.
            listRevision = decoded.revision < 0 ? revision : decoded.revision
            start = decoded.start
            expired = APIError.expiredContinue(token: ContinueToken(revision: -1, start: decoded.start).encoded())
        } else if source == .storage {
            if rv.isEmpty {
                listRevision = revision
            } else {
                guard let wanted = Int64(rv), wanted >= 0 else {
                    throw APIError.badRequest("invalid resource version: \(rv)")
                }
                listRevision = wanted
            }
        } else {
            if rv == "0" {
                limit = 0
            } else {
                guard let wanted = Int64(rv) else { throw APIError.badRequest("invalid resource version: \(rv)") }
                try await waitForCache(revision: wanted)
            }
            listRevision = cacheRevision
        }
        let candidates =
            source == .cache
            ? table(request.resource, inCache: true).list(
                namespace: request.namespace, nodeName: request.fields.nodeName, after: start)
            : try storageObjects(
                request.resource, at: listRevision, namespace: request.namespace, nodeName: request.fields.nodeName,
                after: start, expired: expired)
        var items: [JSONValue] = []
        var next: ObjectKey?
        var remaining = 0
        for (key, object) in candidates {
            guard request.labels.matches(object.labels), request.fields.matches(object) else { continue }
            if limit > 0, items.count == limit {
                remaining += 1
                continue
            }
            items.append(object)
            next = key
        }
        var metadata: JSONValue = ["resourceVersion": .string(String(listRevision))]
        if remaining > 0, let next {
            metadata["continue"] = .string(ContinueToken(revision: listRevision, start: next).encoded())
            metadata["remainingItemCount"] = .int(Int64(remaining))
        }
        let list: JSONValue = [
            "kind": .string(request.resource.kind + "List"), "apiVersion": .string(request.resource.groupVersion),
            "metadata": metadata, "items": .array(items),
        ]
        return (list, source)
    }

    /// Reads one object: from storage unless `resourceVersion=0` asks for any cached state.
    func get(_ resource: ResourceType, namespace: String, name: String, resourceVersion: String?) throws -> JSONValue {
        let fromCache = resourceVersion == "0"
        guard let object = table(resource, inCache: fromCache).get(key(resource, namespace: namespace, name: name))
        else {
            throw APIError.notFound(resource, name: name)
        }
        return object
    }

    /// Waits (bounded by `cacheWaitTimeout`) for the watch cache to reach `revision`.
    func waitForCache(revision wanted: Int64) async throws {
        cacheWaiters += 1
        defer { cacheWaiters -= 1 }
        let deadline = clock.now.advanced(by: configuration.cacheWaitTimeout)
        while cacheRevision < wanted {
            if wanted > revision || clock.now >= deadline {
                throw APIError.tooLargeResourceVersion(wanted, current: cacheRevision)
            }
            applyDueChanges()
            if cacheRevision >= wanted { break }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A list continue token: the list's revision and the last key returned, base64 JSON as the apiserver encodes it.
/// A revision of -1 means the latest one (what an expired continue answer offers); 0 is not valid.
struct ContinueToken: Sendable {
    var revision: Int64
    var start: ObjectKey

    func encoded() -> String {
        let json: JSONValue = [
            "v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(start.description + "\u{0}"),
        ]
        return json.serialized().base64EncodedString()
    }

    static func decode(_ token: String) throws -> ContinueToken {
        guard let data = Data(base64Encoded: token), let json = try? JSONValue(parsing: data),
            let revision = json["rv"].intValue, revision != 0, var start = json["start"].stringValue
        else {
            throw APIError.badRequest("continue key is not valid: incorrect encoded start resourceVersion")
        }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        let parts = start.split(separator: "/", maxSplits: 1).map(String.init)
        let key =
            parts.count == 2
            ? ObjectKey(namespace: parts[0], name: parts[1]) : ObjectKey(namespace: "", name: start)
        return ContinueToken(revision: revision, start: key)
    }
}
