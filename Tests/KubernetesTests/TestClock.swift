import Locking

/// A clock whose time moves only when something sleeps on it: each sleep is recorded and completes at once by
/// advancing the time. Good for asserting how long code would have waited.
final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = Lock<(now: Instant, sleeps: [Duration])>((Instant(offset: .zero), []))

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .nanoseconds(1) }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.sleeps.append(state.now.duration(to: deadline))
            if deadline > state.now { state.now = deadline }
        }
    }
}

/// A clock whose sleeps last until the test wakes them: time stands still, each sleep is recorded and waits for
/// ``wake()``. Good for holding code inside a sleep while the test arranges what happens next.
final class GateClock: Clock, Sendable {
    typealias Instant = TestClock.Instant

    private struct State {
        var sleeps: [Duration] = []
        var sleepers: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var next: UInt64 = 0
    }

    private let state = Lock(State())

    var now: Instant { Instant(offset: .zero) }
    var minimumResolution: Duration { .nanoseconds(1) }
    /// Every sleep asked for, by length.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }
    /// Sleeps in progress.
    var sleepers: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state -> UInt64 in
            state.next += 1
            state.sleeps.append(now.duration(to: deadline))
            return state.next
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.sleepers[id] = continuation
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Ends every sleep in progress.
    func wake() {
        let woken = state.withLock { state in
            defer { state.sleepers = [:] }
            return Array(state.sleepers.values)
        }
        for continuation in woken { continuation.resume() }
    }
}
