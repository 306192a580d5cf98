public import Interruption

/// The global eviction budget: at most ``limit`` eviction (or delete) requests in flight across every drain, handed
/// out by drain priority (spot and Auto Scaling terminations first), first come first served within a priority.
///
/// A slot covers one request only: a drain takes it just before `POST …/eviction` and gives it back as soon as the
/// answer arrives, so a drain waiting on a PodDisruptionBudget, a back-off or pod deletions holds nothing.
public actor EvictionBudget {
    /// What the budget has seen, for tests and metrics.
    public struct Statistics: Sendable, Hashable {
        /// Slots in use now.
        public var inFlight: Int
        /// The most slots ever in use at once.
        public var peakInFlight: Int
        /// Slots granted so far.
        public var granted: Int
        /// Requests waiting for a slot now.
        public var waiting: Int
    }

    private struct Waiter {
        var id: UInt64
        var priority: DrainPriority
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// The most requests in flight at once.
    public let limit: Int
    private var inFlight = 0
    private var peak = 0
    private var granted = 0
    private var waiters: [Waiter] = []
    private var nextID: UInt64 = 0

    /// Creates a budget.
    /// - Parameter limit: the most requests in flight at once (at least 1).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// What the budget has seen so far.
    public var statistics: Statistics {
        Statistics(inFlight: inFlight, peakInFlight: peak, granted: granted, waiting: waiters.count)
    }

    /// Runs `body` holding one slot, waiting for one first if none is free.
    /// - Parameters:
    ///   - priority: the drain's priority; higher is served first.
    ///   - body: the request.
    /// - Throws: `CancellationError` when cancelled while waiting, or what `body` throws.
    public func withSlot<T: Sendable>(
        priority: DrainPriority, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await acquire(priority: priority)
        defer { release() }
        return try await body()
    }

    /// Takes a slot, waiting (without spinning) until one is free.
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    public func acquire(priority: DrainPriority) async throws {
        try Task.checkCancellation()
        if inFlight < limit, waiters.isEmpty {
            take()
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let waiter = Waiter(id: id, priority: priority, continuation: continuation)
                // Keep waiters ordered: higher priority first, then arrival.
                let index = waiters.firstIndex { $0.priority < priority } ?? waiters.endIndex
                waiters.insert(waiter, at: index)
            }
        } onCancel: {
            // A short hop onto the actor to fail the waiter; it ends as soon as the waiter is removed (or was
            // already served), so nothing needs to cancel it.
            Task { await self.cancelWaiter(id: id) }
        }
    }

    /// Gives a slot back and hands it to the first waiter, if any.
    public func release() {
        inFlight -= 1
        if !waiters.isEmpty, inFlight < limit {
            let waiter = waiters.removeFirst()
            take()
            waiter.continuation.resume()
        }
    }

    private func take() {
        inFlight += 1
        granted += 1
        peak = max(peak, inFlight)
    }

    private func cancelWaiter(id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(throwing: CancellationError())
    }
}
