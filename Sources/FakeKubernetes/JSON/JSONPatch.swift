import Foundation
import JSONValues

/// The three patch formats the apiserver accepts for built-in types.
///
/// Follows `kubernetes/apiserver` `pkg/endpoints/handlers/patch.go`: RFC 7386 merge patch, strategic merge patch
/// (`k8s.io/apimachinery` `pkg/util/strategicpatch`, reduced to the merge keys of the kinds the fake stores) and
/// RFC 6902 JSON patch.
public enum PatchType: String, Sendable, CaseIterable {
    /// `application/merge-patch+json`: objects merged, `null` deletes, arrays replaced wholesale.
    case merge = "application/merge-patch+json"
    /// `application/strategic-merge-patch+json`: as merge, but lists with a merge key are merged by that key.
    case strategicMerge = "application/strategic-merge-patch+json"
    /// `application/json-patch+json`: a list of operations.
    case json = "application/json-patch+json"

    /// The patch type for a request `Content-Type`, parameters ignored.
    public init?(contentType: String) {
        let bare = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        self.init(rawValue: bare.lowercased())
    }
}

/// Why a patch could not be applied.
struct PatchError: Error, Sendable {
    /// A message for the `Status`.
    var message: String
    /// Whether a JSON patch `test` operation failed (the apiserver answers 422 then, else 400).
    var isTestFailure = false
}

enum Patcher {
    /// Applies `patch` to `target` in the given format.
    static func apply(_ type: PatchType, patch: JSONValue, to target: JSONValue, path: [String] = []) throws
        -> JSONValue
    {
        switch type {
        case .merge: return mergePatch(target, patch)
        case .strategicMerge: return strategicMerge(target, patch, path: path)
        case .json: return try jsonPatch(target, operations: patch)
        }
    }

    /// RFC 7386.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = mergePatch(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    /// Lists merged by key under strategic merge patch, by the field's path suffix. Any other list (for example
    /// `spec.taints`, which has no patch strategy) is replaced, as in the Go types.
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
        "env": "name", "volumeMounts": "mountPath", "ports": "containerPort", "conditions": "type",
        "ownerReferences": "uid", "tolerations": "key", "finalizers": "",
    ]

    static func strategicMerge(_ target: JSONValue, _ patch: JSONValue, path: [String]) -> JSONValue {
        guard case .object(var patchMembers) = patch else { return patch }
        if patchMembers["$patch"]?.stringValue == "replace" {
            patchMembers.removeValue(forKey: "$patch")
            return .object(patchMembers)
        }
        if patchMembers["$patch"]?.stringValue == "delete" { return .null }
        patchMembers.removeValue(forKey: "$retainKeys")
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers where !key.hasPrefix("$") {
            if value.isNull {
                result.removeValue(forKey: key)
            } else if case .array(let patchItems) = value, let mergeKey = mergeKeys[key],
                case .array(let existing) = result[key] ?? .null
            {
                result[key] = .array(mergeList(existing, patchItems, mergeKey: mergeKey, path: path + [key]))
            } else {
                let merged = strategicMerge(result[key] ?? .null, value, path: path + [key])
                if merged.isNull { result.removeValue(forKey: key) } else { result[key] = merged }
            }
        }
        return .object(result)
    }

    private static func mergeList(_ existing: [JSONValue], _ patch: [JSONValue], mergeKey: String, path: [String])
        -> [JSONValue]
    {
        if mergeKey.isEmpty {
            // A set of primitives (finalizers): union, keeping order.
            var result = existing
            for item in patch where !result.contains(item) { result.append(item) }
            return result
        }
        var result = existing
        for item in patch {
            let key = item[mergeKey]
            if let index = result.firstIndex(where: { $0[mergeKey] == key }) {
                if item["$patch"].stringValue == "delete" {
                    result.remove(at: index)
                } else {
                    result[index] = strategicMerge(result[index], item, path: path)
                }
            } else if item["$patch"].stringValue != "delete" {
                result.append(item)
            }
        }
        return result
    }

    /// RFC 6902, with RFC 6901 pointers.
    static func jsonPatch(_ target: JSONValue, operations: JSONValue) throws -> JSONValue {
        guard let list = operations.arrayValue else {
            throw PatchError(message: "json patch must be an array of operations")
        }
        var document = target
        for operation in list {
            guard let op = operation["op"].stringValue, let path = operation["path"].stringValue else {
                throw PatchError(message: "json patch operation needs \"op\" and \"path\"")
            }
            let pointer = try parsePointer(path)
            switch op {
            case "add": document = try add(document, pointer, operation["value"])
            case "remove": document = try remove(document, pointer).document
            case "replace":
                document = try add(try remove(document, pointer).document, pointer, operation["value"])
            case "move", "copy":
                guard let from = operation["from"].stringValue else {
                    throw PatchError(message: "json patch \(op) needs \"from\"")
                }
                let fromPointer = try parsePointer(from)
                let value = try read(document, fromPointer)
                if op == "move" { document = try remove(document, fromPointer).document }
                document = try add(document, pointer, value)
            case "test":
                if try read(document, pointer) != operation["value"] {
                    throw PatchError(message: "testing value \(path) failed", isTestFailure: true)
                }
            default: throw PatchError(message: "unexpected json patch operation \"\(op)\"")
            }
        }
        return document
    }

    private static func parsePointer(_ path: String) throws -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw PatchError(message: "invalid JSON pointer \"\(path)\"") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func read(_ document: JSONValue, _ pointer: [String]) throws -> JSONValue {
        var current = document
        for token in pointer {
            switch current {
            case .object(let members):
                guard let next = members[token] else { throw PatchError(message: "path /\(token) not found") }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else {
                    throw PatchError(message: "array index \(token) out of range")
                }
                current = items[index]
            default: throw PatchError(message: "path /\(token) not found")
            }
        }
        return current
    }

    private static func add(_ document: JSONValue, _ pointer: [String], _ value: JSONValue) throws -> JSONValue {
        guard let token = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            if rest.isEmpty {
                members[token] = value
            } else {
                guard let child = members[token] else { throw PatchError(message: "path /\(token) not found") }
                members[token] = try add(child, rest, value)
            }
            return .object(members)
        case .array(var items):
            if rest.isEmpty {
                if token == "-" {
                    items.append(value)
                } else if let index = Int(token), index >= 0, index <= items.count {
                    items.insert(value, at: index)
                } else {
                    throw PatchError(message: "array index \(token) out of range")
                }
            } else {
                guard let index = Int(token), items.indices.contains(index) else {
                    throw PatchError(message: "array index \(token) out of range")
                }
                items[index] = try add(items[index], rest, value)
            }
            return .array(items)
        default:
            throw PatchError(message: "path /\(token) not found")
        }
    }

    private static func remove(_ document: JSONValue, _ pointer: [String]) throws -> (
        document: JSONValue, removed: JSONValue
    ) {
        guard let token = pointer.first else { throw PatchError(message: "cannot remove the whole document") }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            guard let child = members[token] else { throw PatchError(message: "path /\(token) not found") }
            if rest.isEmpty {
                members.removeValue(forKey: token)
                return (.object(members), child)
            }
            let (updated, removed) = try remove(child, rest)
            members[token] = updated
            return (.object(members), removed)
        case .array(var items):
            guard let index = Int(token), items.indices.contains(index) else {
                throw PatchError(message: "array index \(token) out of range")
            }
            if rest.isEmpty {
                let removed = items.remove(at: index)
                return (.array(items), removed)
            }
            let (updated, removed) = try remove(items[index], rest)
            items[index] = updated
            return (.array(items), removed)
        default:
            throw PatchError(message: "path /\(token) not found")
        }
    }
}
