public import Foundation
public import Interruption

/// What the job coordinator asks of the Kubernetes cluster: resolve instances to nodes, cordon at once, drain,
/// wait for a launched node to be Ready, taint after the drain, and record events.
///
/// Two implementations: ``KubernetesCluster`` over the apiserver (a node informer, patches, a watch-cache pod
/// fetcher, policy/v1 evictions) and an in-memory fake for the coordinator's unit tests. Resolution reads a cache
/// and never calls the API; every other call is at most a handful of requests.
public protocol ClusterOperations: Sendable {
    /// Waits until the node cache holds a full list, so that "no node" means "no node", not "not yet listed".
    /// - Throws: `CancellationError`.
    func waitUntilSynced() async throws

    /// Resolves instance ids to nodes from the cache indexed by `spec.providerID` (no API call).
    /// - Parameter instanceIDs: the instances of a receive batch.
    /// - Returns: the node of each instance that has one; ids without a node are absent (ask EC2 for their private
    ///   DNS names and use ``node(named:)``).
    func nodes(for instanceIDs: [InstanceID]) -> [InstanceID: ClusterNode]

    /// The cached node with this name (the fallback for nodes without a providerID), or `nil`.
    /// - Parameter name: `metadata.name`.
    func node(named name: String) -> ClusterNode?

    /// Every cached node that carries a job's state (see ``NodeJobState``): the jobs a previous controller started
    /// and this one resumes.
    func nodesWithJobState() -> [ClusterNode]

    /// Cordons a node now: one patch that sets `spec.unschedulable`, the plan's taints and labels, and the job's
    /// state annotations.
    ///
    /// Only ``NodeAction/labelExcludeFromLoadBalancers``, ``NodeAction/taint(_:)`` and ``NodeAction/cordon`` steps
    /// are applied; others are ignored. Taints already present (same key and effect) are kept as they are.
    /// - Parameters:
    ///   - node: the node's name.
    ///   - steps: the plan's steps (``NodeActionPlan/effectiveSteps``).
    ///   - state: the job's state, written as annotations so that a restarted controller resumes.
    /// - Returns: the receipt, with the resourceVersion the patch returned (drain from it).
    /// - Throws: ``ClusterError`` or the client's error (a 404 when the node is gone).
    func cordon(node: String, steps: [NodeAction], state: NodeJobState) async throws -> CordonReceipt

    /// Drains a node: lists its pods from the watch cache (not older than the cordon), applies the drain filter,
    /// evicts under the global eviction budget, and follows one watch until every awaited pod is gone or the
    /// deadline passes.
    /// - Parameters:
    ///   - request: the node, the cordon's resourceVersion, the deadline, the filter.
    ///   - progress: called for each step as it happens (evictions, refusals, deletions); must not block.
    /// - Returns: what happened to every pod; a deadline reached or a blocked drain is an outcome, not an error.
    /// - Throws: `CancellationError` on shutdown; the client's error when listing or watching keeps failing.
    func drain(_ request: DrainRequest, progress: @escaping @Sendable (DrainProgress) -> Void) async throws
        -> DrainOutcome

    /// Waits until the node of an instance exists and is `Ready`, as the node cache sees it (no polling): for launch
    /// lifecycle hooks.
    /// - Parameters:
    ///   - instanceID: the launched instance.
    ///   - timeout: how long to wait.
    /// - Returns: ``NodeReadiness/ready(nodeName:)`` or ``NodeReadiness/timedOut(nodeName:)``.
    /// - Throws: `CancellationError`.
    func waitUntilReady(instanceID: InstanceID, timeout: Duration) async throws -> NodeReadiness

    /// Adds `node.kubernetes.io/out-of-service=nodeshutdown:NoExecute` (``Taint/outOfService``) after a drain.
    /// - Parameter node: the node's name.
    /// - Returns: the resourceVersion after the patch.
    /// - Throws: the client's error.
    @discardableResult
    func applyOutOfServiceTaint(node: String) async throws -> String

    /// Removes the job's state annotations once the job is acknowledged (the node stays cordoned).
    /// - Parameter node: the node's name.
    /// - Throws: the client's error (a 404 is success: the node is gone).
    func clearJobState(node: String) async throws

    /// Records an events.k8s.io/v1 Event about a node. Best effort: failures are logged, never thrown.
    /// - Parameter event: what to record.
    func recordEvent(_ event: NodeEvent) async
}

/// A node as the cluster cache sees it.
public struct ClusterNode: Sendable, Hashable {
    /// `metadata.name`.
    public var name: String
    /// The instance id from `spec.providerID`, or `nil` when the node has none (or not an AWS one).
    public var instanceID: InstanceID?
    /// Whether `spec.providerID` is set.
    public var hasProviderID: Bool
    /// Whether the `Ready` condition is `True`.
    public var isReady: Bool
    /// Whether `spec.unschedulable` is set.
    public var isCordoned: Bool
    /// The job state a controller wrote on the node, if any.
    public var jobState: NodeJobState?
    /// Why the node's job-state annotations could not be read, when it carries some that are malformed.
    public var unreadableJobState: String?
    /// The node's resourceVersion in the cache.
    public var resourceVersion: String?
    /// The `node.kubernetes.io/instance-type` label.
    public var instanceType: String?
    /// The `topology.kubernetes.io/zone` label, else the zone in `spec.providerID` (`aws:///<zone>/<id>`).
    public var availabilityZone: String?

    /// Creates a node description.
    public init(
        name: String, instanceID: InstanceID?, hasProviderID: Bool, isReady: Bool, isCordoned: Bool = false,
        jobState: NodeJobState? = nil, resourceVersion: String? = nil, unreadableJobState: String? = nil,
        instanceType: String? = nil, availabilityZone: String? = nil
    ) {
        self.instanceType = instanceType
        self.availabilityZone = availabilityZone
        self.name = name
        self.instanceID = instanceID
        self.hasProviderID = hasProviderID
        self.isReady = isReady
        self.isCordoned = isCordoned
        self.jobState = jobState
        self.resourceVersion = resourceVersion
        self.unreadableJobState = unreadableJobState
    }
}

/// A job's state as written on its node (annotations under ``NodeJobState/annotationPrefix``), so that a restarted
/// or newly elected controller resumes the job instead of starting over.
public struct NodeJobState: Sendable, Hashable {
    /// The annotation keys' prefix.
    public static let annotationPrefix = "node-termination-handler/"

    /// The instance.
    public var instanceID: InstanceID
    /// The ids of the events the job coalesced, sorted.
    public var eventIDs: [String]
    /// The kinds seen, sorted.
    public var kinds: [InterruptionKind]
    /// The drain deadline, if any.
    public var deadline: Date?
    /// When the job started (its first receive).
    public var startedAt: Date
    /// The Auto Scaling terminate hooks the job must complete, sorted; never their tokens (anyone who can read
    /// nodes reads annotations): a resumed job heartbeats and completes them by instance id.
    public var lifecycleHooks: [LifecycleHook]

    /// An Auto Scaling lifecycle hook holding the instance: what addressing its action by instance id needs.
    public struct LifecycleHook: Sendable, Hashable, Codable, Comparable {
        /// `AutoScalingGroupName`.
        public var autoScalingGroupName: String
        /// `LifecycleHookName`.
        public var hookName: String

        /// Creates a hook reference.
        /// - Parameters:
        ///   - autoScalingGroupName: `AutoScalingGroupName`.
        ///   - hookName: `LifecycleHookName`.
        public init(autoScalingGroupName: String, hookName: String) {
            self.autoScalingGroupName = autoScalingGroupName
            self.hookName = hookName
        }

        /// Orders by group, then hook.
        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.autoScalingGroupName, lhs.hookName) < (rhs.autoScalingGroupName, rhs.hookName)
        }
    }

    /// Creates a state.
    public init(
        instanceID: InstanceID, eventIDs: [String], kinds: [InterruptionKind], deadline: Date?, startedAt: Date,
        lifecycleHooks: [LifecycleHook] = []
    ) {
        self.instanceID = instanceID
        self.eventIDs = Array(Set(eventIDs.filter { !$0.isEmpty })).sorted()
        self.kinds = kinds.sorted { $0.rawValue < $1.rawValue }
        self.deadline = deadline
        self.startedAt = startedAt
        self.lifecycleHooks = Array(Set(lifecycleHooks)).sorted()
    }

    /// The state of a job: its events, kinds, terminate hooks, and the policy's drain deadline.
    /// - Parameters:
    ///   - job: the job.
    ///   - deadline: its drain deadline (``ActionPolicy/drainDeadline(for:)``), or `nil`.
    public init(job: InstanceJob, deadline: Date?) {
        self.init(
            instanceID: job.instanceID, eventIDs: job.firstEvents.values.map(\.eventID), kinds: Array(job.kinds),
            deadline: deadline, startedAt: job.firstReceivedAt,
            lifecycleHooks: job.pendingLifecycleActions.map(\.action).filter { $0.transition == .terminating }.map {
                LifecycleHook(autoScalingGroupName: $0.autoScalingGroupName, hookName: $0.hookName)
            })
    }
}

/// What a cordon did.
public struct CordonReceipt: Sendable, Hashable {
    /// The node.
    public var nodeName: String
    /// The node's resourceVersion after the patch: list its pods not older than this.
    public var resourceVersion: String
    /// Whether the node was already unschedulable before this cordon.
    public var wasCordoned: Bool
    /// The taint keys this cordon added (those already present are not listed).
    public var addedTaints: [String]
    /// The label keys this cordon set.
    public var labels: [String]
    /// How many write requests it took (1 unless a concurrent change forced a re-read and retry).
    public var writes: Int

    /// Creates a receipt.
    public init(
        nodeName: String, resourceVersion: String, wasCordoned: Bool, addedTaints: [String] = [],
        labels: [String] = [], writes: Int = 1
    ) {
        self.nodeName = nodeName
        self.resourceVersion = resourceVersion
        self.wasCordoned = wasCordoned
        self.addedTaints = addedTaints
        self.labels = labels
        self.writes = writes
    }
}

/// Whether a node became Ready.
public enum NodeReadiness: Sendable, Hashable {
    /// The node exists and is `Ready`.
    case ready(nodeName: String)
    /// The timeout passed first; the node's name when it exists but is not Ready.
    case timedOut(nodeName: String?)
}

/// An events.k8s.io/v1 Event about a node (namespace `default`, `regarding` the node).
public struct NodeEvent: Sendable, Hashable {
    /// `Normal` or `Warning`.
    public enum Severity: String, Sendable, Hashable {
        /// A normal step.
        case normal = "Normal"
        /// Something the operator should look at.
        case warning = "Warning"
    }

    /// The node.
    public var nodeName: String
    /// Why, in CamelCase, for example `Cordon`, `Drained`, `DrainDeadlineReached`.
    public var reason: String
    /// What was done, for example `Cordon`, `Drain`, `Evict`.
    public var action: String
    /// A human-readable note (cut to 1 KiB).
    public var note: String
    /// The severity.
    public var severity: Severity
    /// A pod the event also concerns.
    public var relatedPod: PodReference?
    /// When it happened (the event's `eventTime`); `nil`: when it is written.
    public var time: Date?

    /// Creates an event.
    public init(
        nodeName: String, reason: String, action: String, note: String, severity: Severity = .normal,
        relatedPod: PodReference? = nil, time: Date? = nil
    ) {
        self.time = time
        self.nodeName = nodeName
        self.reason = reason
        self.action = action
        self.note = note
        self.severity = severity
        self.relatedPod = relatedPod
    }
}
