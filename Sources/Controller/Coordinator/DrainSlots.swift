internal import Foundation
internal import Interruption
internal import Locking

/// The drain worker pool: `WORKERS` slots, granted by priority (spot and Auto Scaling terminations before scheduled
/// changes before rebalances), then earliest deadline, then arrival.
///
/// A slot covers the busy part of a drain (listing pods, issuing evictions). It is handed back as soon as the drain
/// only waits (for pods to terminate, for a PodDisruptionBudget to allow, for the deadline), so a blocked drain never
/// starves the others, as NTH's worker semaphore does.
final class DrainSlots: Sendable {
    private struct Waiter {
        var id: UInt64
        var priority: DrainPriority
        var deadline: Date?
        var continuation: CheckedContinuation<Void, any Error>

        func precedes(_ other: Waiter) -> Bool {
            if priority != other.priority { return priority > other.priority }
            switch (deadline, other.deadline) {
            case (let lhs?, let rhs?) where lhs != rhs: return lhs < rhs
            case (.some, .none): return true
            case (.none, .some): return false
            default: return id < other.id
            }
        }
    }

    private struct State {
        var free: Int
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var busiest = 0
        var capacity: Int
        /// Acquisitions begun but neither queued nor granted yet.
        var pending: Set<UInt64> = []
        /// Acquisitions cancelled while pending: their acquire throws instead of queueing.
        var cancelled: Set<UInt64> = []
    }

    private let state: Lock<State>

    /// Creates a pool of `capacity` slots.
    init(capacity: Int) {
        state = Lock(State(free: max(1, capacity), capacity: max(1, capacity)))
    }

    /// The most slots ever in use at once.
    var busiest: Int { state.withLock { $0.busiest } }

    /// Drains waiting for a slot now.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Acquisitions begun or cancelled but not yet settled (0 when the pool is idle: nothing is remembered for
    /// an acquisition once it ended, however it ended).
    var unsettled: Int { state.withLock { $0.pending.count + $0.cancelled.count } }

    /// Waits for a slot.
    ///
    /// - Returns: The slot; hand it back with ``Slot/release()`` (idempotent).
    /// - Throws: `CancellationError`.
    func acquire(priority: DrainPriority, deadline: Date?) async throws -> Slot {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.pending.insert(state.nextID)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let granted = state.withLock { state -> Bool? in
                    state.pending.remove(id)
                    if state.cancelled.remove(id) != nil { return nil }
                    if state.free > 0, state.waiters.isEmpty {
                        state.free -= 1
                        state.busiest = max(state.busiest, state.capacity - state.free)
                        return true
                    }
                    state.waiters.append(
                        Waiter(id: id, priority: priority, deadline: deadline, continuation: continuation))
                    return false
                }
                switch granted {
                case true?: continuation.resume()
                case false?: break
                case nil: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    // Cancelled before it queued: the acquire sees this and throws. Already granted: nothing to
                    // undo (the caller holds the slot and releases it), and nothing to remember.
                    if state.pending.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        return Slot(pool: self)
    }

    fileprivate func giveBack() {
        let next = state.withLock { state -> Waiter? in
            guard let best = state.waiters.indices.min(by: { state.waiters[$0].precedes(state.waiters[$1]) }) else {
                state.free += 1
                return nil
            }
            return state.waiters.remove(at: best)
        }
        next?.continuation.resume()
    }

    /// One granted slot.
    final class Slot: Sendable {
        private let pool: DrainSlots
        private let released = Lock(false)

        fileprivate init(pool: DrainSlots) {
            self.pool = pool
        }

        /// Hands the slot back; later calls do nothing.
        func release() {
            let first = released.withLock { released -> Bool in
                defer { released = true }
                return !released
            }
            if first { pool.giveBack() }
        }
    }
}

/// Watches a drain's progress and says when it only waits: every listed pod decided, every eviction issued, or a
/// refusal or the deadline reached.
struct DrainActivity: Sendable {
    private var listed: Int?
    private var decided = 0
    private var toEvict = 0
    private var evicted = 0

    /// Feeds one step.
    ///
    /// - Returns: Whether the drain now only waits.
    mutating func observe(_ progress: DrainProgress) -> Bool {
        switch progress {
        case .listed(let pods, _):
            listed = pods
        case .decided(let decision):
            decided += 1
            if decision.action == .evict || decision.action == .evictWithoutWaiting { toEvict += 1 }
        case .evicted:
            evicted += 1
        case .evictionRefused, .deadlineReached:
            return true
        case .deleted, .evictionFailed:
            break
        }
        guard let listed else { return false }
        return decided >= listed && evicted >= toEvict
    }
}
