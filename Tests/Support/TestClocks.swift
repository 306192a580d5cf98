public import Clocks
public import Foundation
import Locking

/// A ``WallClock`` whose time moves only when the test or a sleep moves it: each sleep is recorded and returns at
/// once, having advanced the time to its deadline. For asserting how long code would have waited.
public final class InstantClock: WallClock {
    private let state: Lock<(now: Date, sleeps: [Duration])>

    /// A clock at `now`.
    public init(now: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        state = Lock((now: now, sleeps: []))
    }

    public var now: Date { state.withLock { $0.now } }

    /// Every sleep asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// Moves the time forward.
    public func advance(by seconds: TimeInterval) {
        state.withLock { $0.now = $0.now.addingTimeInterval(seconds) }
    }

    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append(.microseconds(Int64((deadline.timeIntervalSince($0.now) * 1_000_000).rounded())))
            if deadline > $0.now { $0.now = deadline }
        }
    }
}

/// The system's time with shortened sleeps: `shorten` maps each sleep asked for to the one taken, so a test keeps
/// real concurrency without waiting out real back-offs.
public struct HurriedClock: WallClock {
    private let shorten: @Sendable (Duration) -> Duration

    /// A clock whose sleeps last `shorten(asked)`.
    public init(_ shorten: @escaping @Sendable (Duration) -> Duration) {
        self.shorten = shorten
    }

    public var now: Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let asked = Duration.microseconds(Int64((deadline.timeIntervalSinceNow * 1_000_000).rounded(.up)))
        try await SystemClock().sleep(for: shorten(max(asked, .zero)))
    }
}
