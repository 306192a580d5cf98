/// A configuration the policy cannot run with: every problem found, each naming the variable.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One invalid setting.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The environment variable (or variables).
        public var variable: String
        /// The value given, if any.
        public var value: String?
        /// What is expected instead.
        public var expected: String

        /// Creates a problem.
        ///
        /// - Parameters:
        ///   - variable: The environment variable.
        ///   - value: The value given.
        ///   - expected: What is expected instead.
        public init(variable: String, value: String?, expected: String) {
            self.variable = variable
            self.value = value
            self.expected = expected
        }

        /// For example `TAINT_EFFECT="NoSchedul": expected NoSchedule, PreferNoSchedule or NoExecute`.
        public var description: String {
            if let value { return "\(variable)=\"\(value)\": expected \(expected)" }
            return "\(variable): \(expected)"
        }
    }

    /// Every problem found.
    public var problems: [Problem]

    /// Creates an error.
    ///
    /// - Parameter problems: Every problem found.
    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// All problems, and what to do.
    public var description: String {
        "invalid configuration: " + problems.map(\.description).joined(separator: "; ")
            + " — fix the environment variables (or the chart values that set them)"
    }
}
