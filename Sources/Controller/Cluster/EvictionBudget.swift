public import Foundation
public import Interruption
internal import Locking

/// The global eviction budget: at most ``limit`` eviction (or delete) requests in flight across every drain, handed
/// out in ``EvictionOrder``: the pod whose node has the earliest deadline first, then by drain priority (spot and Auto
/// Scaling terminations first), first come first served among equals.
///
/// A slot covers one request only: a drain takes it just before `POST …/eviction` and gives it back as soon as the
/// answer arrives, so a drain waiting on a PodDisruptionBudget, a back-off or pod deletions holds nothing.
public final class EvictionBudget: Sendable {
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

    /// How waiting evictions are ordered.
    public enum Order: String, Sendable, Hashable, CaseIterable {
        /// ``EvictionOrder``: the earliest deadline first, then priority (the default).
        case deadlineFirst = "deadline"
        /// Priority only, then arrival (the order before deadlines were considered; kept for comparisons).
        case priorityFirst = "priority"
    }

    /// The most requests in flight at once.
    public let limit: Int
    /// How waiting evictions are ordered.
    public let order: Order
    private let semaphore: PrioritySemaphore<EvictionOrder>

    /// Creates a budget.
    /// - Parameters:
    ///   - limit: the most requests in flight at once (at least 1).
    ///   - order: how waiting evictions are ordered.
    public init(limit: Int, order: Order = .deadlineFirst) {
        self.limit = max(1, limit)
        self.order = order
        self.semaphore = PrioritySemaphore(permits: limit)
    }

    /// What the budget has seen so far.
    public var statistics: Statistics {
        let seen = semaphore.statistics
        return Statistics(
            inFlight: seen.held, peakInFlight: seen.peakHeld, granted: seen.granted, waiting: seen.waiting)
    }

    /// Runs `body` holding one slot, waiting for one first if none is free.
    /// - Parameters:
    ///   - priority: the drain's priority.
    ///   - deadline: when the pod's node goes away, if known.
    ///   - body: the request.
    /// - Throws: `CancellationError` when cancelled while waiting, or what `body` throws.
    public func withSlot<T: Sendable>(
        priority: DrainPriority, deadline: Date?, _ body: () async throws -> T
    ) async throws -> T {
        try await semaphore.withPermit(key(priority: priority, deadline: deadline), body)
    }

    /// Takes a slot, waiting (without spinning) until one is free; give it back with ``release()``.
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    public func acquire(priority: DrainPriority, deadline: Date?) async throws {
        try await semaphore.acquire(key(priority: priority, deadline: deadline))
    }

    /// Gives a slot back and hands it to the first waiter, if any.
    public func release() {
        semaphore.release()
    }

    private func key(priority: DrainPriority, deadline: Date?) -> EvictionOrder {
        EvictionOrder(deadline: order == .deadlineFirst ? deadline : nil, priority: priority)
    }
}
