/// Any JSON document: how the fake apiserver stores every object (it needs no typed Kubernetes model), the bodies of
/// Kubernetes patches and the fields the client does not model, and the bodies of interruption events, read by the
/// pure decoder.
///
/// Integers and floating-point numbers are kept apart (``int(_:)``, ``double(_:)``) so that `resourceVersion`-like
/// integers and `gracePeriodSeconds` round-trip exactly, beyond 2^53 too. `null` is kept as ``null`` so that merge
/// patches can delete fields (`{"spec":{"unschedulable":null}}`). Objects keep no key order; ``serialized()`` writes
/// keys sorted.
///
/// Equality is structural: `.int(1)` and `.double(1.0)` are different values (as the fake apiserver's JSON patch `test`
/// operation has always compared them), although both serialize as `1`. Decoding gives `.int` for every number the
/// decoder reads as an `Int64` (Foundation's `JSONDecoder` reads `1`, and also `1.0` and `1e3`, so), and `.double`
/// for the rest; a numeric reader that wants either kind uses ``doubleValue`` or ``intValue``.
public enum JSONValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number that is an integer in the range of `Int64`.
    case int(Int64)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// An empty object, `{}`.
    public static let emptyObject = JSONValue.object([:])
}

extension JSONValue: Codable {
    /// Decodes any JSON value: a number the decoder reads as an `Int64` becomes ``int(_:)``, any other number
    /// ``double(_:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value as itself; a ``double(_:)`` that is whole and below 9e15 in magnitude is written without a
    /// fraction, whatever the encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value):
            if value.rounded() == value, abs(value) < 9.0e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer literal, as ``int(_:)``.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A Boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal, an object; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    /// `nil`, as ``null``.
    public init(nilLiteral: ()) { self = .null }
    /// A floating-point literal, as ``double(_:)``.
    public init(floatLiteral value: Double) { self = .double(value) }
}
