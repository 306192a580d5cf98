public import Foundation
public import JSONValues
import Yams

/// Objects to seed a store with, read from YAML or JSON: one object, several YAML documents, a `List` (`items`),
/// or a JSON array of objects.
public enum SeedFile {
    /// Parses seed text.
    /// - Returns: the objects in file order.
    /// - Throws: a Yams error when the text is neither YAML nor JSON.
    public static func objects(fromText text: String) throws -> [JSONValue] {
        var result: [JSONValue] = []
        for document in try Yams.compose_all(yaml: text) {
            result.append(contentsOf: flatten(json(from: document)))
        }
        return result
    }

    /// Reads and parses a seed file.
    /// - Throws: when the file cannot be read or parsed.
    public static func objects(at url: URL) throws -> [JSONValue] {
        try objects(fromText: String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    /// Seeds every object of a file into a store, in order (namespaces and owners first is the caller's business).
    /// - Returns: how many objects were stored.
    /// - Throws: the first ``APIError`` from the store.
    @discardableResult
    public static func seed(_ objects: [JSONValue], into store: ClusterStore) async throws -> Int {
        for object in objects { try await store.seed(object) }
        return objects.count
    }

    private static func flatten(_ value: JSONValue) -> [JSONValue] {
        if let array = value.arrayValue { return array.flatMap(flatten) }
        if value["kind"].stringValue?.hasSuffix("List") == true, let items = value["items"].arrayValue {
            return items.flatMap(flatten)
        }
        return value.isNull ? [] : [value]
    }

    static func json(from node: Node) -> JSONValue {
        if case .mapping(let mapping) = node {
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping { members[key.string ?? ""] = json(from: value) }
            return .object(members)
        }
        if case .sequence(let sequence) = node { return .array(sequence.map(json(from:))) }
        guard case .scalar(let scalar) = node else { return .null }
        if scalar.style == .singleQuoted || scalar.style == .doubleQuoted { return .string(scalar.string) }
        if node.null != nil { return .null }
        if let bool = node.bool { return .bool(bool) }
        if let int = node.int { return .int(Int64(int)) }
        if let double = node.float { return .double(double) }
        return .string(scalar.string)
    }
}
