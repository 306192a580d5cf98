internal import Locking
import Logging

/// Kubernetes Events written off the job's path, as client-go's event broadcaster does: ``record(_:)`` queues an
/// event and returns at once; ``run(into:)`` writes the queue.
///
/// An event is bookkeeping (``RequestPriority/background``): it waits behind every cordon, taint and drain request
/// under `KUBE_API_QPS`. Written inline, a cordon's events held the receive batch's fast path until that wait was
/// over, so a burst's later batches were cordoned only after the earlier batches' events (300 spot warnings: every
/// node cordoned after 26 s with events, 2.3 s without). Queued, they cost a cordon nothing.
///
/// Up to ``maxWritesInFlight`` writes go out at once, never two for one node, so a node's events are written in
/// the order they happened (each carries the time it was recorded). The queue holds ``capacity`` events (about six
/// a node: a reclaim of 1,600 nodes at once); past that new ones are dropped, counted (`eventsDropped`) and logged,
/// as client-go drops events when its queue is full: an event is never worth holding a drain for. Events still queued when the coordinator stops are written by
/// ``flush(into:)`` on a graceful stop, as far as the shutdown deadline allows.
actor NodeEventQueue {
    /// Events held at most.
    static let capacity = 10_000
    /// Event writes out at once.
    static let maxWritesInFlight = 4

    private let logger: Logger
    private let statistics: StatisticsRecorder
    private var pending: [NodeEvent] = []
    /// Nodes with a write out now.
    private var writing: Set<String> = []
    /// Rung when an event is queued and when a write ends.
    private let wakeUp = WakeUp()

    init(logger: Logger, statistics: StatisticsRecorder) {
        self.logger = logger
        self.statistics = statistics
    }

    /// Events queued and not written yet.
    var pendingCount: Int { pending.count }

    /// Events queued or being written.
    var unwrittenCount: Int { pending.count + writing.count }

    /// Queues an event; drops it (counted, logged) when ``capacity`` events wait already.
    func record(_ event: NodeEvent) {
        guard pending.count < Self.capacity else {
            statistics.add(\.eventsDropped, 1)
            logger.warning(
                "dropping a Kubernetes event: the event queue is full",
                metadata: ["node.name": "\(event.nodeName)", "reason": "\(event.reason)", "queued": "\(pending.count)"])
            return
        }
        pending.append(event)
        wakeUp.signal()
    }

    /// Writes queued events as they come, up to ``maxWritesInFlight`` at once, until cancelled.
    ///
    /// It waits for whichever comes first, a new event or a write's end, so a slow write for one node never holds
    /// the others' events back.
    func run(into cluster: any ClusterOperations) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                if let event = next() {
                    group.addTask {
                        await cluster.recordEvent(event)
                        await self.written(event.nodeName)
                    }
                    continue
                }
                await wakeUp.wait()
            }
        }
    }

    /// Writes what is still queued, one event at a time, until the queue is empty or the caller is cancelled.
    func flush(into cluster: any ClusterOperations) async {
        while !Task.isCancelled, !pending.isEmpty {
            await cluster.recordEvent(pending.removeFirst())
        }
    }

    /// A write ended: its node may have the next one.
    private func written(_ node: String) {
        writing.remove(node)
        wakeUp.signal()
    }

    /// The oldest queued event of a node without a write out, marked as out; `nil` when there is none, or when
    /// ``maxWritesInFlight`` writes are out.
    private func next() -> NodeEvent? {
        guard writing.count < Self.maxWritesInFlight,
            let index = pending.firstIndex(where: { !writing.contains($0.nodeName) })
        else { return nil }
        let event = pending.remove(at: index)
        writing.insert(event.nodeName)
        return event
    }
}
