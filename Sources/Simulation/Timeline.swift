public import Foundation

/// What happened to each interrupted node of a simulation, and the request rates over time: what the summary
/// table and the HTML report are made of. Times are seconds since ``start`` (when the first message was sent).
public struct Timeline: Sendable, Hashable {
    /// One interrupted node.
    public struct NodeRow: Sendable, Hashable {
        /// The node's name.
        public var node: String
        /// Its EC2 instance.
        public var instanceID: String
        /// The kind of the message that hit it.
        public var kind: SimulatedEvents.Kind
        /// Whether the controller's policy drains it (not only cordons it): ``ActionPolicy/drains(_:)``.
        public var drains: Bool
        /// When its message was put in the queue.
        public var queued: Double
        /// When the controller first received the message (the queue's first receive of it).
        public var received: Double?
        /// When the node became unschedulable (the fake's node watch).
        public var cordoned: Double?
        /// When the first eviction of one of its pods was answered (the fake's request ledger).
        public var drainStarted: Double?
        /// When its last workload pod was gone (the fake's pod watch); only for nodes the policy drains.
        public var done: Double?
        /// The controller's drain deadline (``ActionPolicy/drainDeadline(for:rules:minimumDrain:now:)``), for nodes
        /// the policy drains.
        public var deadline: Double?
        /// Pods of the node whose eviction the fake accepted.
        public var evictedPods = 0
        /// DaemonSet pods on the node when the run started (a drain leaves them; `kubectl drain` GETs their owner).
        public var daemonSetPods = 0

        /// Creates a row.
        public init(
            node: String, instanceID: String, kind: SimulatedEvents.Kind, drains: Bool, queued: Double,
            received: Double? = nil, cordoned: Double? = nil, drainStarted: Double? = nil, done: Double? = nil,
            deadline: Double? = nil, evictedPods: Int = 0, daemonSetPods: Int = 0
        ) {
            self.node = node
            self.instanceID = instanceID
            self.kind = kind
            self.drains = drains
            self.queued = queued
            self.received = received
            self.cordoned = cordoned
            self.drainStarted = drainStarted
            self.done = done
            self.deadline = deadline
            self.evictedPods = evictedPods
            self.daemonSetPods = daemonSetPods
        }

        /// The deadline minus the time the drain was done (negative: late); `nil` without a deadline or when the
        /// drain never finished.
        public var slack: Double? {
            guard let deadline, let done else { return nil }
            return deadline - done
        }

        /// Whether the drain missed its deadline: done after it, or not done by the end of the run while the
        /// deadline had passed (`end`).
        public func missedDeadline(end: Double) -> Bool {
            guard let deadline else { return false }
            if let done { return done > deadline }
            return end > deadline
        }
    }

    /// Counts per time bin, by series name (a request class, or `evictions`).
    public struct RateSeries: Sendable, Hashable {
        /// The width of a bin, in seconds (1 for runs of 20 s and more, 0.1 below).
        public var binWidth: Double
        /// For each series, the count in each bin; every series has the same number of bins.
        public var counts: [String: [Int]]

        /// Creates a series.
        public init(binWidth: Double, counts: [String: [Int]]) {
            self.binWidth = binWidth
            self.counts = counts
        }

        /// The number of bins.
        public var binCount: Int { counts.values.map(\.count).max() ?? 0 }

        /// Counts per bin summed over every series.
        public var totals: [Int] {
            (0..<binCount).map { bin in counts.values.reduce(0) { $0 + (bin < $1.count ? $1[bin] : 0) } }
        }

        /// The highest rate of any bin, per second, summed over every series.
        public var peakPerSecond: Double { Double(totals.max() ?? 0) / binWidth }

        /// Bins `times` (seconds since the start) by `series`, over `duration`.
        public static func binning(_ times: [(series: String, time: Double)], duration: Double) -> RateSeries {
            let width = duration >= 20 ? 1.0 : 0.1
            let bins = max(1, Int((max(duration, 0) / width).rounded(.up)))
            var counts: [String: [Int]] = [:]
            for (series, time) in times {
                // A request between the ledger's reset and the first message (a slow machine widens that gap) is
                // the run's too: it counts in the first bin.
                let bin = min(bins - 1, max(0, Int(time / width)))
                counts[series, default: Array(repeating: 0, count: bins)][bin] += 1
            }
            return RateSeries(binWidth: width, counts: counts)
        }
    }

    /// When the first message was sent (wall clock).
    public var start: Date
    /// When the run ended (the queue empty and no job left), in seconds since ``start``.
    public var end: Double
    /// One row per interrupted node, in the order the messages were sent.
    public var nodes: [NodeRow]
    /// Accepted evictions (2xx) per bin, as the single series `evictions`.
    public var evictions: RateSeries
    /// Apiserver requests per bin by request class (the fake's ledger).
    public var requests: RateSeries
    /// Requests the ledger counted but no longer holds (it keeps the last 100,000): the rates and first evictions
    /// miss them.
    public var droppedRequests: Int

    /// Creates a timeline.
    public init(
        start: Date, end: Double, nodes: [NodeRow], evictions: RateSeries, requests: RateSeries,
        droppedRequests: Int = 0
    ) {
        self.start = start
        self.end = end
        self.nodes = nodes
        self.droppedRequests = droppedRequests
        self.evictions = evictions
        self.requests = requests
    }
}
