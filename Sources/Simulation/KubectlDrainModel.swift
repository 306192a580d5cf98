/// What `kubectl drain` would have asked of the apiserver for the same nodes: the request model measured by
/// `scripts/bench-drain` against the real kubectl (v1.32.5) on the fake apiserver (docs/bench-drain.md, "Where the
/// difference comes from"; docs/performance.md, "kubectl drain side by side").
///
/// Per drained node, one `kubectl drain` process with a cold discovery cache, NTH's flags:
/// - 9 discovery requests (the REST mapper's `/api`, `/apis` and group versions, and the eviction-support check);
/// - quorum reads: `GET` the node, `LIST` its pods, one `GET` per DaemonSet pod (the `daemonSet` filter), and the
///   per-pod `GET`s of `waitForDelete`: measured 39, 44.4 and 46.68 per node of 30 evicted pods (1, 10 and 100
///   nodes at once, 0.3 s terminations), so 1.30 to 1.56 per evicted pod;
/// - 1 write (the cordon `PATCH`) and one eviction per pod.
///
/// A node the policy only cordons counts as `kubectl cordon`: the drain's first steps without its eviction-support
/// check (8 discovery, the node `GET`, the `PATCH`); derived from the breakdown, not measured on its own.
///
/// The per-pod `GET`s grow with the time pods take to terminate (198 per node of 30 with real 30 s grace periods);
/// `simulate`'s kubelet scales grace periods down, so the fast-termination figures apply.
public struct KubectlDrainModel: Sendable, Hashable {
    /// Discovery requests of one `kubectl drain` with a cold cache.
    public static let drainDiscovery = 9
    /// Discovery requests of one `kubectl cordon` (no eviction-support check).
    public static let cordonDiscovery = 8
    /// The fewest per-pod `GET`s per evicted pod measured (39 for 30 pods, 1 node).
    public static let podPollsLow = 39.0 / 30
    /// The most per-pod `GET`s per evicted pod measured (46.68 for 30 pods, 100 nodes at once).
    public static let podPollsHigh = 46.68 / 30

    /// Requests by class, as a range (the per-pod polls are the only spread).
    public struct Estimate: Sendable, Hashable {
        /// Requests per class (the ledger's names), low end.
        public var low: [String: Int] = [:]
        /// Requests per class, high end.
        public var high: [String: Int] = [:]

        /// Every request, low end.
        public var totalLow: Int { low.values.reduce(0, +) }
        /// Every request, high end.
        public var totalHigh: Int { high.values.reduce(0, +) }
    }

    /// The estimate for the timeline's nodes: drained ones as `kubectl drain`, cordoned-only ones as `kubectl cordon`,
    /// the rest (never cordoned) not at all.
    public static func estimate(for timeline: Timeline) -> Estimate {
        var estimate = Estimate()
        func add(_ requestClass: String, _ low: Int, _ high: Int? = nil) {
            estimate.low[requestClass, default: 0] += low
            estimate.high[requestClass, default: 0] += high ?? low
        }
        for row in timeline.nodes where row.cordoned != nil {
            guard row.drains else {
                add("discovery", cordonDiscovery)
                add("consistentRead", 1)
                add("write", 1)
                continue
            }
            let pods = Double(row.evictedPods)
            add("discovery", drainDiscovery)
            add("write", 1)
            add("eviction", row.evictedPods)
            add(
                "consistentRead", 2 + row.daemonSetPods + Int((pods * podPollsLow).rounded()),
                2 + row.daemonSetPods + Int((pods * podPollsHigh).rounded()))
        }
        return estimate
    }
}
