import FakeKubernetes
import Foundation

/// Every figure of one controller run, computed from the fake's ledger (requests by user and class, cordon times),
/// the observer's deletion times, the controller's metrics and /proc, and fake-sqs's call counts.
struct RunFigures: Codable, Sendable {
    /// When things happened (wall clock).
    struct Times: Sendable {
        var fill: Date
        var filled: Date
        var launched: Date
        var receiving: Date
        var done: Date
    }

    var label: String
    var nodes: Int
    var podsPerNode: Int
    var workloadPods: Int
    var sqsLatencyMilliseconds: Int
    var controllerEnvironment: [String: String]
    /// `SendMessageBatch` of every warning.
    var fillSeconds: Double
    /// Process start to the log line "receiving interruption messages" (node list, Lease, receivers).
    var startupSeconds: Double
    /// The last node's first PATCH (its cordon), from the controller's first receive: the burst was in the queue.
    var lastCordonSeconds: Double
    var cordonedNodes: Int
    /// `nth_receive_to_cordon_seconds` (the controller's histogram; swift-prometheus' buckets up to 10 s).
    var receiptToCordonP50Seconds: Double
    var receiptToCordonP99Seconds: Double
    var receiptToCordonShareWithin5Seconds: Double
    var podsDeleted: Int
    /// The last workload pod's `DELETED` event, from the controller's first receive; -1 when some were left.
    var allDrainedSeconds: Double
    /// Deleted pods / seconds from the first receive to the last deletion.
    var drainPodsPerSecond: Double
    var deadlinesMet: Int
    /// Nodes whose deadline (event time + 120 s) came with workload pods still on them.
    var deadlinesMissed: Int
    var podsLeftAtDeadline: Int
    /// `nth_drains_total` by outcome.
    var drainOutcomes: [String: Int]
    /// The hard bound (latest deadline + 30 s) passed before every job ended.
    var timedOut: Bool
    /// The controller's requests (its token's ledger entries) by class, Lease requests included.
    var requestsByClass: [String: Int]
    /// The leader election's requests on its Lease.
    var leaseRequests: Int
    /// Consistent (etcd quorum) reads other than the Lease's.
    var quorumReads: Int
    var leaseQuorumReads: Int
    /// The node informer's list and watch (the process's, not a drain's).
    var startupRequests: Int
    /// The controller's requests but the Lease's and the node informer's, per node.
    var requestsPerNode: Double
    /// The same with every node's pods evicted: requests but evictions per node, plus evictions per deleted pod
    /// times PODS (equal to ``requestsPerNode`` when every pod was drained).
    var requestsPerDrainedNode: Double
    /// fake-sqs's calls by operation (the bench's own `SendMessageBatch` included).
    var awsCalls: [String: Int]
    /// (ReceiveMessage + DeleteMessage[Batch] + ChangeMessageVisibility[Batch]) / messages.
    var awsCallsPerMessage: Double
    var controllerPeakRSSMiB: Double
    var controllerRSSAtEndMiB: Double
    var controllerCPUSeconds: Double
    var controllerCPUMillisecondsPerNode: Double
    /// The fake apiserver's CPU seconds from the controller's start to the last job's end, and its share of one
    /// core over that time (the fake serves from one actor: near 1 it is the limit).
    var apiserverCPUSeconds: Double
    var apiserverCoreShare: Double

    init(
        settings: ControllerRun.Settings, times: Times, deadlines: [Date], timedOut: Bool, metrics: PrometheusText,
        ledger: RequestLedger.Snapshot, deletions: [String: [Double]], calls: [String: Int],
        controllerCPUSeconds: Double, controllerPeakRSSMiB: Double, controllerRSSAtEndMiB: Double,
        apiserverCPUSeconds: Double
    ) {
        label = settings.label
        nodes = settings.nodes
        podsPerNode = settings.podsPerNode
        workloadPods = settings.nodes * settings.podsPerNode
        sqsLatencyMilliseconds = settings.latencyMilliseconds
        controllerEnvironment = ProcessInfo.processInfo.environment.filter {
            $0.key.hasPrefix("NTH_") || $0.key.hasPrefix("KUBE_API_") || $0.key == "WORKERS"
        }.merging(settings.environment) { $1 }
        fillSeconds = times.filled.timeIntervalSince(times.fill)
        startupSeconds = times.receiving.timeIntervalSince(times.launched)
        let origin = times.receiving.timeIntervalSince1970

        let mine = ledger.entries.filter { $0.user == ControllerRun.controllerUser }
        var cordons: [String: Double] = [:]
        for entry in mine where entry.method == "PATCH" && entry.path.hasPrefix("/api/v1/nodes/") && entry.status < 300
        {
            let node = String(entry.path.dropFirst("/api/v1/nodes/".count))
            if cordons[node] == nil { cordons[node] = entry.time }
        }
        cordonedNodes = cordons.count
        lastCordonSeconds = (cordons.values.max() ?? origin) - origin
        receiptToCordonP50Seconds = metrics.quantile(0.5, of: "nth_receive_to_cordon_seconds")
        receiptToCordonP99Seconds = metrics.quantile(0.99, of: "nth_receive_to_cordon_seconds")
        receiptToCordonShareWithin5Seconds = metrics.share(of: "nth_receive_to_cordon_seconds", atMost: 5)

        let allDeletions = deletions.values.flatMap { $0 }
        podsDeleted = allDeletions.count
        let lastDeletion = (allDeletions.max() ?? origin) - origin
        allDrainedSeconds = podsDeleted >= workloadPods ? lastDeletion : -1
        drainPodsPerSecond = Double(podsDeleted) / max(lastDeletion, 0.001)
        let expected = Self.workloadPodsByNode(nodes: settings.nodes, podsPerNode: settings.podsPerNode)
        var missed = 0
        var left = 0
        for index in 0..<settings.nodes {
            let name = ClusterGenerator.nodeName(index)
            let deadline = deadlines[index].timeIntervalSince1970
            let gone = deletions[name, default: []].count { $0 <= deadline }
            let remaining = max(0, expected[index] - gone)
            if remaining > 0 { missed += 1 }
            left += remaining
        }
        deadlinesMissed = missed
        deadlinesMet = settings.nodes - missed
        podsLeftAtDeadline = left
        drainOutcomes = Dictionary(
            uniqueKeysWithValues: ["drained", "deadline_reached", "blocked"].map {
                ($0, Int(metrics.sum("nth_drains_total", ["outcome=\"\($0)\""])))
            })
        self.timedOut = timedOut

        requestsByClass = mine.reduce(into: [:]) { $0[$1.requestClass.rawValue, default: 0] += 1 }
        let lease = mine.filter { $0.path.contains("/leases") }
        leaseRequests = lease.count
        leaseQuorumReads = lease.count { $0.requestClass == .consistentRead }
        quorumReads = (requestsByClass["consistentRead"] ?? 0) - leaseQuorumReads
        // The node informer's list and watch are the process's, not a drain's.
        let informer = mine.count { $0.method == "GET" && $0.path == "/api/v1/nodes" }
        startupRequests = informer
        let perNode = Double(mine.count - lease.count - informer) / Double(max(1, settings.nodes))
        requestsPerNode = perNode
        // Nodes left at their deadline were not asked every eviction: count the others per node, and evictions per
        // deleted pod times the node's pods, so that an unfinished drain cannot look cheap.
        let evictions = requestsByClass["eviction"] ?? 0
        requestsPerDrainedNode =
            perNode - Double(evictions) / Double(max(1, settings.nodes))
            + Double(evictions) / Double(max(1, podsDeleted)) * Double(settings.podsPerNode)

        awsCalls = calls
        let perMessage = [
            "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
        ].reduce(0) { $0 + (calls[$1] ?? 0) }
        awsCallsPerMessage = Double(perMessage) / Double(max(1, settings.nodes))
        self.controllerPeakRSSMiB = controllerPeakRSSMiB
        self.controllerRSSAtEndMiB = controllerRSSAtEndMiB
        self.controllerCPUSeconds = controllerCPUSeconds
        controllerCPUMillisecondsPerNode = controllerCPUSeconds * 1000 / Double(max(1, settings.nodes))
        self.apiserverCPUSeconds = apiserverCPUSeconds
        apiserverCoreShare = apiserverCPUSeconds / max(0.001, times.done.timeIntervalSince(times.launched))
    }

    /// Workload pods per node index, as `ClusterGenerator` spreads them (each ReplicaSet of ten over consecutive
    /// strides of nodes).
    static func workloadPodsByNode(nodes: Int, podsPerNode: Int) -> [Int] {
        var counts = Array(repeating: 0, count: nodes)
        let replicas = ClusterGenerator(nodes: nodes, podsPerNode: podsPerNode).replicasPerSet
        for pod in 0..<(nodes * podsPerNode) {
            let set = pod / max(1, replicas)
            let ordinal = pod % max(1, replicas)
            counts[(set + ordinal * max(1, nodes / max(1, replicas))) % max(1, nodes)] += 1
        }
        return counts
    }
}
