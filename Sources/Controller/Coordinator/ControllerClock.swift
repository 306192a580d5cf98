public import Foundation

/// The controller's source of time: the wall clock it stamps receives and deadlines with, and the sleeps of its
/// loops (visibility extension, heartbeats, back-off).
///
/// Injected so that tests drive time by hand and never sleep for real.
public protocol ControllerClock: Sendable {
    /// The current wall-clock time.
    var now: Date { get }

    /// Suspends until `deadline` (at once when it has passed).
    ///
    /// - Parameter deadline: When to resume.
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

extension ControllerClock {
    /// Suspends for `seconds` from ``now``.
    ///
    /// - Parameter seconds: How long to sleep; zero or less returns at once (after a cancellation check).
    /// - Throws: `CancellationError` when the task is cancelled first.
    public func sleep(seconds: TimeInterval) async throws {
        try await sleep(until: now.addingTimeInterval(seconds))
    }
}

/// The system's clock: `Date()` and `Task.sleep`.
public struct SystemControllerClock: ControllerClock {
    /// Creates the system clock.
    public init() {}

    /// The current wall-clock time.
    public var now: Date { Date() }

    /// Sleeps with `Task.sleep` until `deadline`.
    ///
    /// - Parameter deadline: When to resume.
    /// - Throws: `CancellationError` when the task is cancelled first.
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else {
            try Task.checkCancellation()
            return
        }
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}
