import Foundation

extension JSON {
    /// The member `key` of an object, or `null` for anything else; setting a member of a non-object makes it one.
    public subscript(key: String) -> JSON {
        get {
            if case .object(let members) = self { return members[key] ?? .null }
            return .null
        }
        set {
            var members: [String: JSON] = [:]
            if case .object(let existing) = self { members = existing }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The value at a dotted path such as `metadata.name`.
    public subscript(path path: [String]) -> JSON {
        get { path.reduce(self) { $0[$1] } }
        set {
            guard let first = path.first else {
                self = newValue
                return
            }
            var child = self[first]
            child[path: Array(path.dropFirst())] = newValue
            self[first] = child
        }
    }

    /// Removes the member `key` of an object.
    public mutating func removeMember(_ key: String) {
        if case .object(var members) = self {
            members.removeValue(forKey: key)
            self = .object(members)
        }
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is a number without a fraction.
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value == value.rounded(): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSON]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }

    /// A string-to-string map (labels, annotations); non-string members are skipped.
    public var stringMap: [String: String] {
        guard let members = objectValue else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in members {
            if let string = value.stringValue { result[key] = string }
        }
        return result
    }
}

extension JSON {
    /// `metadata.name`.
    var name: String { self["metadata"]["name"].stringValue ?? "" }
    /// `metadata.namespace`.
    var namespace: String { self["metadata"]["namespace"].stringValue ?? "" }
    /// `metadata.resourceVersion`.
    var resourceVersion: String? { self["metadata"]["resourceVersion"].stringValue }
    /// `metadata.uid`.
    var uid: String? { self["metadata"]["uid"].stringValue }
    /// `metadata.labels`.
    var labels: [String: String] { self["metadata"]["labels"].stringMap }
    /// Whether `metadata.deletionTimestamp` is set.
    var isTerminating: Bool { !self["metadata"]["deletionTimestamp"].isNull }
}
