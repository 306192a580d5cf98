/// Waits (polling every few milliseconds of real time, at most `timeout`) until `condition` holds: the one way tests
/// wait for something to happen.
///
/// - Parameters:
///   - what: what is awaited, for the timeout's message.
///   - timeout: how long to wait at most (generous: the suite runs in parallel on two cores).
///   - context: more for the timeout's message, read only then (for example the logs of the processes involved).
///   - condition: checked until it holds.
/// - Throws: ``TestTimeout`` naming `what` (with `context`), or what `condition` throws.
public func eventually(
    _ what: @autoclosure () -> String = "condition", timeout: Duration = .seconds(30),
    context: () -> String = { "" }, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            let more = context()
            throw TestTimeout("timed out after \(timeout) waiting for \(what())" + (more.isEmpty ? "" : "\n" + more))
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// A bounded wait that ran out.
public struct TestTimeout: Error, CustomStringConvertible {
    /// What ran out.
    public let description: String
    /// A timeout described by `description`.
    public init(_ description: String) { self.description = description }
}
