public import Foundation

/// The wall clock and sleeper the AWS clients use: signing times, credential expiry, retry back-off.
///
/// Injected so that tests control time: a test clock can return any date and record sleeps instead of waiting.
public protocol AWSClock: Sendable {
    /// The current wall-clock time (before any clock-skew correction).
    var now: Date { get }

    /// Suspends for `duration`.
    ///
    /// - Parameter duration: how long to wait.
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system clock: `Date()` and `Task.sleep`.
public struct SystemAWSClock: AWSClock {
    /// Creates the system clock.
    public init() {}

    /// The current time.
    public var now: Date { Date() }

    /// Sleeps with `Task.sleep(for:)`.
    ///
    /// - Parameter duration: how long to wait.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
