public import Foundation

/// The one source of time the controller and its clients are given: the wall clock they stamp with (receipts,
/// deadlines, signing times, credential expiry, Lease renewals) and the sleeps of their loops (visibility extension,
/// heartbeats, back-off, retries).
///
/// Injected everywhere, so that tests drive time by hand and never sleep for real. What must not follow a wall-clock
/// jump stays on the monotonic `ContinuousClock` instead: a leader's term validity and the write fence.
public protocol WallClock: Sendable {
    /// The current wall-clock time.
    var now: Date { get }

    /// Suspends until `deadline` (at once, after a cancellation check, when it has passed).
    ///
    /// - Parameter deadline: When to resume.
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

extension WallClock {
    /// Suspends for `seconds` from ``now``.
    ///
    /// - Parameter seconds: How long to sleep; zero or less returns at once (after a cancellation check).
    /// - Throws: `CancellationError` when the task is cancelled first.
    public func sleep(seconds: TimeInterval) async throws {
        try await sleep(until: now.addingTimeInterval(seconds))
    }

    /// Suspends for `duration` from ``now``.
    ///
    /// - Parameter duration: How long to sleep.
    /// - Throws: `CancellationError` when the task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try await sleep(seconds: duration.seconds)
    }
}

/// The system's clock: `Date()` and `Task.sleep`.
public struct SystemClock: WallClock {
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
        try await Task.sleep(for: .microseconds(Int64((seconds * 1_000_000).rounded(.up))))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// A clock that tells when its time moves, for fakes that must react (a queue whose hidden messages become visible).
/// A clock that is not one moves on its own; such fakes poll it instead.
public protocol AdvanceObservable: Sendable {
    /// Calls `observer` after every move of the time.
    func onAdvance(_ observer: @escaping @Sendable () -> Void)
}
