public import Clocks
internal import Foundation
public import HTTPClient
public import Interruption
public import Kubernetes
public import Logging

/// ``ClusterOperations`` over a real apiserver: a node informer indexed by instance id, one-patch cordons, drains
/// from the watch cache under a global eviction budget, readiness from the informer, and events.
///
/// Run ``run()`` in the owner's task group (it keeps the node cache fresh until cancelled) and call
/// ``waitUntilSynced()`` before resolving instances.
///
/// Requests: resolution and readiness cost none; a cordon costs one `PATCH` (plus a `GET` and a second `PATCH` when
/// a concurrent change to the node's taints makes the first one conflict); a drain costs one pod list served from
/// the watch cache, one watch, one eviction per pod (plus retries a PodDisruptionBudget asks for), and never a
/// quorum read or a per-pod `GET`.
public final class KubernetesCluster: ClusterOperations {
    /// Tuning, time and logging.
    public struct Configuration: Sendable {
        /// The most eviction (and deadline delete) requests in flight across every drain.
        public var maxEvictionsInFlight = 20
        /// How evictions waiting for the budget are ordered (benchmarks compare the two).
        public var evictionOrder = EvictionBudget.Order.deadlineFirst
        /// The back-off between refused evictions of a pod.
        public var evictionBackoff = EvictionBackoff()
        /// The grace-period clamping (its ``DeadlineRules/safetyMargin``) for evictions and deletes.
        public var deadlineRules = DeadlineRules()
        /// With ``DrainRequest/deleteRemainingAtDeadline``: stop evicting this long before the deadline and delete
        /// what is left, so that the pods' shutdown fits before the instance goes.
        public var deleteLeadTime: Duration = .seconds(20)
        /// The server-side timeout of each drain watch (re-opened from the last resourceVersion when it ends).
        public var drainWatchTimeoutSeconds = 300
        /// How many times a cordon is retried after a 409 Conflict (a concurrent change to the node).
        public var maxCordonAttempts = 4
        /// The rate limiter of eviction requests; `nil` gives evictions a bucket of their own with the client's
        /// `qps` and `burst`, so that refused evictions retried at the drain's pace never starve reads and writes.
        public var evictionRateLimiter: (any RequestRateLimiter)?
        /// Events' `reportingController`.
        public var reportingController = "node-termination-handler"
        /// Events' `reportingInstance`, such as the pod name.
        public var reportingInstance = "node-termination-handler"
        /// Annotations added to every event (NTH's `KUBERNETES_EVENTS_EXTRA_ANNOTATIONS`), besides `instance-id`.
        public var eventAnnotations: [String: String] = [:]
        /// The clock: the wall time (deadlines are dates) and the sleeps of back-offs, deadline timers and readiness
        /// timeouts; tests inject a faster one.
        public var clock: any WallClock = SystemClock()
        /// A random draw in `0..<1`, for back-off jitter.
        public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }
        /// Where to log: a constant message and metadata (`node.name`, `pod`, `error`, …).
        public var logger: Logger = .disabled

        /// The defaults.
        public init() {}
    }

    /// The client for reads, watches and writes.
    public let client: KubernetesClient
    /// The client for evictions and deadline deletes: no automatic retries (the drain retries at its own pace,
    /// without holding an eviction slot) and its own rate limiter unless one is configured.
    let evictionClient: KubernetesClient
    /// The configuration.
    public let configuration: Configuration
    /// The node cache, indexed by instance id.
    public let nodes: Informer<Node>
    /// The global eviction budget shared by every drain.
    public let budget: EvictionBudget

    /// Creates the cluster side.
    /// - Parameters:
    ///   - client: the client for reads, watches and writes.
    ///   - httpClient: the HTTP client the eviction client shares; a new one when `nil`.
    ///   - configuration: tuning, time and logging.
    /// - Throws: ``KubernetesError`` when the eviction client cannot be made.
    public init(client: KubernetesClient, httpClient: HTTPClient? = nil, configuration: Configuration = Configuration())
        throws
    {
        self.client = client
        self.configuration = configuration
        var evictionConfiguration = client.configuration
        evictionConfiguration.retryPolicy = RetryPolicy(maxRetries: 0)
        if let limiter = configuration.evictionRateLimiter { evictionConfiguration.rateLimiter = limiter }
        self.evictionClient = try KubernetesClient(configuration: evictionConfiguration, httpClient: httpClient)
        self.nodes = Informer<Node>(
            client: client, index: { node in [node.instanceID].compactMap { $0 } }, transform: Self.cached)
        self.budget = EvictionBudget(
            limit: configuration.maxEvictionsInFlight, order: configuration.evictionOrder)
    }

    /// Keeps the node cache up to date (list, then watch) until cancelled.
    public func run() async {
        await nodes.run()
    }

    // MARK: Resolution

    /// Waits until the node cache holds a full list.
    public func waitUntilSynced() async throws {
        try await nodes.waitForSync()
    }

    /// Resolves instances to nodes from the providerID index.
    public func nodes(for instanceIDs: [InstanceID]) -> [InstanceID: ClusterNode] {
        var result: [InstanceID: ClusterNode] = [:]
        for id in instanceIDs {
            if let node = nodes.objects(indexedBy: id.rawValue).min(by: {
                ($0.metadata.name ?? "") < ($1.metadata.name ?? "")
            }) {
                result[id] = Self.describe(node)
            }
        }
        return result
    }

    /// The cached node with this name.
    public func node(named name: String) -> ClusterNode? {
        nodes.object(name: name).map(Self.describe)
    }

    /// Every cached node carrying a job's state, readable or not (see ``ClusterNode/unreadableJobState``).
    public func nodesWithJobState() -> [ClusterNode] {
        // The cache keeps our annotations only (``cached(_:)``): a node without any has no job state, and is not
        // copied out of the cache.
        nodes.objects(where: { $0.metadata.annotations?.isEmpty == false }).map(Self.describe).filter {
            $0.jobState != nil || $0.unreadableJobState != nil
        }.sorted {
            $0.name < $1.name
        }
    }

    static func describe(_ node: Node) -> ClusterNode {
        let reading = node.metadata.annotations.flatMap(NodeJobState.read(annotations:))
        var jobState: NodeJobState?
        var unreadable: String?
        switch reading {
        case .success(let state)?: jobState = state
        case .failure(let reason)?: unreadable = reason.description
        case nil: break
        }
        let labels = node.metadata.labels ?? [:]
        let providerZone = node.spec?.providerID.flatMap { providerID -> String? in
            let parts = providerID.split(separator: "/")
            return providerID.hasPrefix("aws://") && parts.count >= 3 ? String(parts[parts.count - 2]) : nil
        }
        return ClusterNode(
            name: node.metadata.name ?? "", instanceID: node.instanceID.flatMap(InstanceID.init),
            hasProviderID: !(node.spec?.providerID ?? "").isEmpty, isReady: isReady(node),
            isCordoned: node.spec?.unschedulable == true, jobState: jobState,
            resourceVersion: node.metadata.resourceVersion, unreadableJobState: unreadable,
            instanceType: labels[instanceTypeLabel], availabilityZone: labels[zoneLabel] ?? providerZone)
    }

    /// The instance type label the kubelet sets.
    static let instanceTypeLabel = "node.kubernetes.io/instance-type"
    /// The zone label the cloud provider sets.
    static let zoneLabel = "topology.kubernetes.io/zone"

    /// The node as the cache keeps it: what resolution, cordons, readiness, resumption and webhook notifications
    /// read (name, resourceVersion, providerID, unschedulable, taints, the Ready condition's status, the job-state
    /// annotations, the instance type and zone labels), without other labels, other annotations, addresses or
    /// other conditions.
    public static func cached(_ node: Node) -> Node {
        var trimmed = Node(
            metadata: ObjectMeta(
                name: node.metadata.name, namespace: node.metadata.namespace,
                resourceVersion: node.metadata.resourceVersion))
        trimmed.metadata.uid = node.metadata.uid
        let labels = node.metadata.labels?.filter { $0.key == instanceTypeLabel || $0.key == zoneLabel } ?? [:]
        trimmed.metadata.labels = labels.isEmpty ? nil : labels
        let ours = node.metadata.annotations?.filter { $0.key.hasPrefix(NodeJobState.annotationPrefix) } ?? [:]
        trimmed.metadata.annotations = ours.isEmpty ? nil : ours
        if let spec = node.spec {
            trimmed.spec = NodeSpec(providerID: spec.providerID, unschedulable: spec.unschedulable, taints: spec.taints)
        }
        if let ready = node.status?.conditions?.first(where: { $0.type == "Ready" }) {
            trimmed.status = NodeStatus(conditions: [NodeCondition(type: ready.type, status: ready.status)])
        }
        return trimmed
    }

    /// Whether the node's Ready condition is True.
    public static func isReady(_ node: Node) -> Bool {
        node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
    }

    // MARK: Readiness

    /// Waits until the instance's node exists and is Ready, watching the informer's events (no polling).
    public func waitUntilReady(instanceID: InstanceID, timeout: Duration) async throws -> NodeReadiness {
        // Subscribe before looking, so that a change between the look and the subscription is not missed.
        let changes = nodes.events()
        if let ready = readyNode(instanceID) { return .ready(nodeName: ready) }
        let clock = configuration.clock
        let result = try await withThrowingTaskGroup(of: NodeReadiness?.self) { group in
            group.addTask { [self] in
                for await change in changes {
                    switch change {
                    case .added(let node), .updated(_, let node):
                        if node.instanceID == instanceID.rawValue, Self.isReady(node) {
                            return .ready(nodeName: node.metadata.name ?? "")
                        }
                    case .synced:
                        if let ready = readyNode(instanceID) { return .ready(nodeName: ready) }
                    case .deleted:
                        break
                    }
                }
                return nil
            }
            group.addTask { [self] in
                try await clock.sleep(for: timeout)
                return .timedOut(nodeName: nodes.objects(indexedBy: instanceID.rawValue).first?.metadata.name)
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let next { return next }
            }
            return NodeReadiness.timedOut(nodeName: nil)
        }
        try Task.checkCancellation()
        return result
    }

    private func readyNode(_ instanceID: InstanceID) -> String? {
        nodes.objects(indexedBy: instanceID.rawValue).first(where: Self.isReady)?.metadata.name
    }

    // MARK: Drain

    /// Drains a node; see ``ClusterOperations/drain(_:progress:)`` and ``NodeDrain``.
    public func drain(_ request: DrainRequest, progress: @escaping @Sendable (DrainProgress) -> Void) async throws
        -> DrainOutcome
    {
        try await NodeDrain(cluster: self, request: request, progress: progress).run()
    }

    // MARK: Events

    /// Records an events.k8s.io/v1 Event about a node in `default`, behind every cordon and drain request
    /// (``RequestPriority/background``); failures are logged and swallowed.
    public func recordEvent(_ event: NodeEvent) async {
        let now = event.time ?? configuration.clock.now
        let uid = nodes.object(name: event.nodeName)?.metadata.uid
        let suffix = String(UInt64(max(0, now.timeIntervalSince1970 * 1e9)), radix: 16)
        let related = event.relatedPod.map {
            ObjectReference(apiVersion: "v1", kind: "Pod", namespace: $0.namespace, name: $0.name)
        }
        var annotations = configuration.eventAnnotations
        if let instanceID = nodes.object(name: event.nodeName)?.instanceID { annotations["instance-id"] = instanceID }
        let record = Event(
            metadata: ObjectMeta(
                name: "\(event.nodeName).\(suffix)", namespace: "default",
                annotations: annotations.isEmpty ? nil : annotations),
            eventTime: now,
            reportingController: configuration.reportingController,
            reportingInstance: String(configuration.reportingInstance.prefix(128)), action: event.action,
            reason: event.reason, note: String(event.note.utf8.prefix(1024)) ?? String(event.note.prefix(256)),
            type: event.severity.rawValue,
            regarding: ObjectReference(apiVersion: "v1", kind: "Node", name: event.nodeName, uid: uid),
            related: related)
        do {
            _ = try await RequestPriority.$current.withValue(.background) {
                try await client.create(record, namespace: "default")
            }
        } catch {
            configuration.logger.info(
                "could not record an event",
                metadata: ["node.name": "\(event.nodeName)", "reason": "\(event.reason)", "error": "\(error)"])
        }
    }
}
