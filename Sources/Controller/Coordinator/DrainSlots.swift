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
    private let semaphore: PrioritySemaphore<DrainOrder>

    /// Creates a pool of `capacity` slots.
    init(capacity: Int) {
        semaphore = PrioritySemaphore(permits: capacity)
    }

    /// The most slots ever in use at once.
    var busiest: Int { semaphore.statistics.peakHeld }

    /// Drains waiting for a slot now.
    var waiting: Int { semaphore.statistics.waiting }

    /// Acquisitions begun or cancelled but not yet settled (0 when the pool is idle).
    var unsettled: Int { semaphore.statistics.unsettled }

    /// Waits for a slot, in `order` (the job's ``InstanceJob/drainOrder(deadline:)``), then arrival.
    ///
    /// - Returns: The slot; hand it back with ``Slot/release()`` (idempotent).
    /// - Throws: `CancellationError`.
    func acquire(_ order: DrainOrder) async throws -> Slot {
        try await semaphore.acquire(order)
        return Slot(semaphore: semaphore)
    }

    /// One granted slot.
    final class Slot: Sendable {
        private let semaphore: PrioritySemaphore<DrainOrder>
        private let released = Lock(false)

        fileprivate init(semaphore: PrioritySemaphore<DrainOrder>) {
            self.semaphore = semaphore
        }

        /// Hands the slot back; later calls do nothing.
        func release() {
            let first = released.withLock { released -> Bool in
                defer { released = true }
                return !released
            }
            if first { semaphore.release() }
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
