/// Waits (polling every few milliseconds of real time, at most `timeout`) until `condition` holds.
public func eventually(
    _ what: @autoclosure () -> String = "condition", timeout: Duration = .seconds(30),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestTimeout("timed out waiting for \(what())") }
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
