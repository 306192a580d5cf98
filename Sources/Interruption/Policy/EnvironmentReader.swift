/// Reads typed values from an environment (NTH's conventions: an empty value counts as unset; booleans as Go's
/// `strconv.ParseBool` reads them), collecting every problem instead of stopping at the first, so that a
/// configuration error lists every bad variable at once. Used for the policy and for the controller's own knobs.
public struct EnvironmentReader: Sendable {
    /// The environment read.
    public let environment: [String: String]
    /// Every problem found so far.
    public var problems: [PolicyError.Problem] = []

    /// Creates a reader over `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The variable's value; `nil` when unset or empty.
    public func value(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// Records a problem with a variable.
    public mutating func fail(_ name: String, _ value: String?, _ expected: String) {
        problems.append(PolicyError.Problem(variable: name, value: value, expected: expected))
    }

    /// The variable as a boolean (`1`, `t`, `true`, … / `0`, `f`, `false`, …); a problem when it is neither.
    public mutating func bool(_ name: String) -> Bool? {
        guard let text = value(name) else { return nil }
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default:
            fail(name, text, "true or false")
            return nil
        }
    }

    /// The variable as an integer in `range`; a problem when it is not.
    public mutating func integer(_ name: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            fail(name, text, "an integer from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    /// The variable as a decimal number in `range` (Go's `strconv.ParseFloat` forms, such as `5`, `2.5`, `1e2`); a
    /// problem when it is not.
    public mutating func decimal(_ name: String, in range: ClosedRange<Double>) -> Double? {
        guard let text = value(name) else { return nil }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            fail(name, text, "a number from \(Self.plain(range.lowerBound)) to \(Self.plain(range.upperBound))")
            return nil
        }
        return number
    }

    /// `100000` rather than `100000.0`, `0.1` as it is.
    private static func plain(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
