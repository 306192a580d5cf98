/// A small logging seam until swift-log is a dependency: a level, a constant message, and metadata.
///
/// Messages are constant text; data goes in metadata (`instance.id`, `node.name`, `event.kind`, `sqs.message.id`,
/// `error`). Nothing secret is ever logged: receipt handles, lifecycle action tokens and message bodies stay out.
public struct ControllerLogger: Sendable {
    /// How important a line is.
    public enum Level: Int, Sendable, Hashable, Comparable, CaseIterable {
        /// Detail for debugging.
        case debug
        /// A normal step.
        case info
        /// Something an operator may want to look at.
        case warning
        /// A failure.
        case error

        /// Orders levels by importance.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Receives every line.
    public let sink: @Sendable (Level, String, [String: String]) -> Void

    /// Creates a logger.
    ///
    /// - Parameter sink: Called for every line with its level, message and metadata; must not block.
    public init(_ sink: @escaping @Sendable (Level, String, [String: String]) -> Void) {
        self.sink = sink
    }

    /// A logger that drops everything.
    public static let disabled = ControllerLogger { _, _, _ in }

    /// Logs one line.
    ///
    /// - Parameters:
    ///   - level: The level.
    ///   - message: A constant message.
    ///   - metadata: The data.
    public func log(_ level: Level, _ message: String, _ metadata: [String: String] = [:]) {
        sink(level, message, metadata)
    }
}
