public import Foundation
import Locking

/// A clock that moves only when its owner says so (a test, a scripted demo); sleepers resume when time passes their
/// deadline, and observers hear of every move.
public final class ManualClock: WallClock, AdvanceObservable {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
        var cancelledEarly: Set<UInt64> = []
        var observers: [@Sendable () -> Void] = []
    }

    private let state: Lock<State>

    /// A clock at `start`.
    public init(start: Date = Date(timeIntervalSince1970: 1_796_000_000)) {
        state = Lock(State(now: start))
    }

    public var now: Date { state.withLock { $0.now } }

    /// How many tasks sleep on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Calls `observer` after every advance (fakes that depend on time, like the queue's visibility).
    public func onAdvance(_ observer: @escaping @Sendable () -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Bool? in
                    if state.cancelledEarly.remove(id) != nil { return nil }
                    if deadline <= state.now { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                switch outcome {
                case true?: continuation.resume()
                case false?: break
                case nil: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelledEarly.insert(id)
                    return nil
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes the sleepers whose deadline passed.
    public func advance(by seconds: TimeInterval) {
        let (due, observers) = state.withLock { state -> ([Sleeper], [@Sendable () -> Void]) in
            state.now = state.now.addingTimeInterval(seconds)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return (Array(due.values), state.observers)
        }
        for sleeper in due { sleeper.continuation.resume() }
        for observer in observers { observer() }
    }
}
