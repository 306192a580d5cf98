/// The wake-up of one run loop: ``signal()`` ends the current ``wait()``, or the next one when none is waiting.
///
/// A run loop (the acknowledger's, the Kubernetes event queue's) looks at its state and, with nothing to do, waits
/// here until a producer signals. A signal sent while nobody waits is kept (one, however many are sent), so a signal
/// that lands between the loop's look and its wait is never lost; the loop looks again after every wake-up, so a
/// kept signal costs it one extra look at most. One waiter at a time. Cancelling the waiting task ends its wait at
/// once, and a cancelled task's waits return at once.
public final class WakeUp: Sendable {
    private struct State: Sendable {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Lock(State())

    /// A wake-up with no signal kept.
    public init() {}

    /// Whether a task waits now (for tests).
    public var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    /// Ends the current wait, or keeps the signal for the next one.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at once when a signal is kept (taking it) or the task is cancelled; otherwise suspends until
    /// ``signal()`` or the task's cancellation. Only one task may wait at a time.
    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    precondition(state.waiter == nil, "WakeUp: a second task waits on the same wake-up")
                    if state.signalled || Task.isCancelled {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
