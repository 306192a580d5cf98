/// A counting semaphore whose waiters are served in the order of a key (the least first, arrival among equal keys):
/// the one priority waiter of this codebase. The drain worker pool, the global eviction budget and the Kubernetes
/// client's rate limiter are each one of these with their own key.
///
/// ``acquire(_:)`` takes a permit at once when one is free and nobody waits, else suspends until ``release()`` hands
/// it one. A task cancelled while it waits leaves the queue and throws `CancellationError`, with nothing left behind;
/// a task cancelled after its grant keeps the permit (``acquire(_:)`` returns normally) and must release it.
public final class PrioritySemaphore<Key: Comparable & Sendable>: Sendable {
    /// What the semaphore has seen, for tests and metrics.
    public struct Statistics: Sendable, Hashable {
        /// Permits held now.
        public var held: Int
        /// The most permits ever held at once.
        public var peakHeld: Int
        /// Permits granted so far.
        public var granted: Int
        /// Tasks waiting now.
        public var waiting: Int
        /// Acquisitions begun or cancelled but neither granted, queued nor failed yet (0 when idle: nothing is
        /// remembered for an acquisition once it ended, however it ended).
        public var unsettled: Int

        /// Statistics with these figures.
        public init(held: Int, peakHeld: Int, granted: Int, waiting: Int, unsettled: Int) {
            self.held = held
            self.peakHeld = peakHeld
            self.granted = granted
            self.waiting = waiting
            self.unsettled = unsettled
        }
    }

    private struct Waiter: Sendable {
        var key: Key
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>

        func precedes(_ other: Waiter) -> Bool {
            key != other.key ? key < other.key : id < other.id
        }
    }

    private struct State: Sendable {
        var permits: Int
        var free: Int
        var waiters = WaiterHeap<Waiter> { $0.precedes($1) }
        var nextID: UInt64 = 0
        var peak = 0
        var granted = 0
        /// Acquisitions begun but neither queued nor granted yet.
        var pending: Set<UInt64> = []
        /// Acquisitions cancelled while pending: their acquire throws instead of queueing.
        var cancelled: Set<UInt64> = []

        mutating func take() {
            free -= 1
            granted += 1
            peak = max(peak, permits - free)
        }
    }

    private let state: Lock<State>

    /// Creates a semaphore with `permits` permits (at least 1).
    public init(permits: Int) {
        state = Lock(State(permits: max(1, permits), free: max(1, permits)))
    }

    /// The number of permits.
    public var permits: Int { state.withLock { $0.permits } }

    /// What the semaphore has seen so far.
    public var statistics: Statistics {
        state.withLock { state in
            Statistics(
                held: state.permits - state.free, peakHeld: state.peak, granted: state.granted,
                waiting: state.waiters.count, unsettled: state.pending.count + state.cancelled.count)
        }
    }

    /// Takes a permit, waiting (without spinning) behind every waiter with a lesser key, and behind earlier ones
    /// with an equal key.
    /// - Throws: `CancellationError` when the task is cancelled before its grant.
    public func acquire(_ key: Key) async throws {
        let id = state.withLock { state -> UInt64? in
            if state.free > 0, state.waiters.isEmpty {
                state.take()
                return nil
            }
            state.nextID += 1
            state.pending.insert(state.nextID)
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let granted = state.withLock { state -> Bool? in
                    state.pending.remove(id)
                    if state.cancelled.remove(id) != nil { return nil }
                    if state.free > 0, state.waiters.isEmpty {
                        state.take()
                        return true
                    }
                    state.waiters.insert(Waiter(key: key, id: id, continuation: continuation))
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
                guard let waiter = state.waiters.remove(where: { $0.id == id }) else {
                    // Cancelled before it queued: the acquire sees this and throws. Already granted: nothing to
                    // undo (the caller holds the permit and releases it), and nothing to remember.
                    if state.pending.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a permit back, handing it straight to the first waiter if there is one. Call once per grant.
    public func release() {
        let next = state.withLock { state -> Waiter? in
            guard !state.waiters.isEmpty else {
                state.free = min(state.permits, state.free + 1)
                return nil
            }
            state.granted += 1
            return state.waiters.popFirst()
        }
        next?.continuation.resume()
    }

    /// Runs `body` holding a permit, released when `body` returns or throws.
    /// - Throws: `CancellationError` when cancelled while waiting, or what `body` throws.
    public func withPermit<T: Sendable>(_ key: Key, _ body: () async throws -> T) async throws -> T {
        try await acquire(key)
        defer { release() }
        return try await body()
    }
}
