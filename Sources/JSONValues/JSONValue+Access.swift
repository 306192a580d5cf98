extension JSONValue {
    /// The member `key` of an object, or ``null`` when it is absent or this is not an object; setting a member of a
    /// non-object makes it an object.
    ///
    /// A reader that must tell an absent member from a `null` one uses ``objectValue`` (`value.objectValue?[key]`).
    public subscript(key: String) -> JSONValue {
        get {
            if case .object(let members) = self { return members[key] ?? .null }
            return .null
        }
        set {
            var members: [String: JSONValue] = [:]
            if case .object(let existing) = self { members = existing }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The value at a path of member names, such as `["metadata", "name"]`; setting it makes the objects on the way.
    public subscript(path path: [String]) -> JSONValue {
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

    /// Removes the member `key` of an object; anything else is left as it is.
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

    /// The integer, if this is an ``int(_:)``, or a ``double(_:)`` that is whole and in the range of `Int64`.
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value == value.rounded(): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The number as a `Double`, if this is an ``int(_:)`` (rounded to the nearest `Double` beyond 2^53) or a
    /// ``double(_:)``.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is ``null``.
    public var isNull: Bool { self == .null }

    /// Whether this is an object.
    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// A string-to-string map (labels, annotations): the string members of an object; others are skipped.
    public var stringMap: [String: String] {
        guard let members = objectValue else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in members {
            if let string = value.stringValue { result[key] = string }
        }
        return result
    }

    /// What kind of value this is, for error messages: "a string", "an object", "a number", "null".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
