public import Foundation

/// kubectl's drain filters, as one pure function over a node's pods.
///
/// The rules, in order (the first that applies decides):
/// 1. our own pod (`POD_NAME`/`NAMESPACE`): skipped;
/// 2. mirror pods (annotation `kubernetes.io/config.mirror`): skipped (the kubelet owns them);
/// 3. finished pods (`Succeeded`/`Failed`): removed without waiting, whatever their owner or volumes;
/// 4. DaemonSet pods (controller owner reference of kind `DaemonSet`): skipped with `IGNORE_DAEMON_SETS`, else the
///    drain is blocked;
/// 5. terminating pods (`deletionTimestamp` set): waited on, not evicted again;
/// 6. pods with `emptyDir` volumes: evicted with `DELETE_LOCAL_DATA`, else the drain is blocked;
/// 7. pods without a controller: evicted with force, else the drain is blocked;
/// 8. every other pod: evicted.
///
/// As in kubectl, one blocked pod blocks the whole drain before any eviction (``DrainPlan/canProceed``).
/// See [kubectl drain](https://kubernetes.io/docs/reference/kubectl/generated/kubectl_drain/).
public struct DrainFilter: Sendable, Hashable {
    /// `IGNORE_DAEMON_SETS` (default `true`): skip DaemonSet pods instead of blocking.
    public var ignoreDaemonSets: Bool
    /// `DELETE_LOCAL_DATA` (default `true`): evict pods with `emptyDir` volumes instead of blocking.
    public var deleteEmptyDirData: Bool
    /// Evict pods without a controller instead of blocking (NTH always forces; default `true`).
    public var force: Bool
    /// `POD_TERMINATION_GRACE_PERIOD`: overrides each pod's grace period (`nil`, NTH's −1, keeps the pod's).
    public var podTerminationGracePeriod: Int?
    /// Our own pod (`POD_NAME` in `NAMESPACE`), never evicted.
    public var ownPod: PodReference?

    /// Creates a filter with NTH's defaults.
    ///
    /// - Parameters:
    ///   - ignoreDaemonSets: `IGNORE_DAEMON_SETS`.
    ///   - deleteEmptyDirData: `DELETE_LOCAL_DATA`.
    ///   - force: Evict pods without a controller.
    ///   - podTerminationGracePeriod: `POD_TERMINATION_GRACE_PERIOD`.
    ///   - ownPod: Our own pod.
    public init(
        ignoreDaemonSets: Bool = true,
        deleteEmptyDirData: Bool = true,
        force: Bool = true,
        podTerminationGracePeriod: Int? = nil,
        ownPod: PodReference? = nil
    ) {
        self.ignoreDaemonSets = ignoreDaemonSets
        self.deleteEmptyDirData = deleteEmptyDirData
        self.force = force
        self.podTerminationGracePeriod = podTerminationGracePeriod
        self.ownPod = ownPod
    }

    /// What happens to one pod, and why (without a grace period).
    ///
    /// - Parameter pod: The pod.
    /// - Returns: The decision.
    public func decide(_ pod: PodDescription) -> PodDecision {
        let (action, reason) = rule(for: pod)
        return PodDecision(pod: pod.reference, action: action, reason: reason)
    }

    /// Decides every pod of a node and clamps each eviction's grace period to the time left.
    ///
    /// - Parameters:
    ///   - pods: The node's pods, in any order.
    ///   - deadline: The job's deadline, or `nil`.
    ///   - now: The current time.
    ///   - rules: The safety margin and grace-period clamping.
    /// - Returns: One decision per pod, ordered by namespace and name.
    public func plan(pods: [PodDescription], deadline: Date?, now: Date, rules: DeadlineRules = DeadlineRules())
        -> DrainPlan
    {
        let decisions = pods.sorted { $0.reference < $1.reference }.map { pod in
            var decision = decide(pod)
            if decision.action == .evict || decision.action == .evictWithoutWaiting {
                decision.gracePeriodSeconds = rules.evictionGracePeriod(
                    podGracePeriod: pod.terminationGracePeriodSeconds,
                    configured: podTerminationGracePeriod,
                    deadline: deadline,
                    now: now
                )
            }
            return decision
        }
        return DrainPlan(decisions: decisions)
    }

    private func rule(for pod: PodDescription) -> (PodAction, PodDecision.Reason) {
        if let ownPod, pod.reference == ownPod { return (.skip, .ownPod) }
        if pod.isMirrorPod { return (.skip, .mirrorPod) }
        if pod.phase.isFinished {
            return pod.deletionTimestamp == nil ? (.evictWithoutWaiting, .finished) : (.waitForDeletion, .terminating)
        }
        if pod.isDaemonSetPod { return ignoreDaemonSets ? (.skip, .daemonSet) : (.block, .daemonSet) }
        if pod.deletionTimestamp != nil { return (.waitForDeletion, .terminating) }
        if !pod.emptyDirVolumes.isEmpty {
            return deleteEmptyDirData ? (.evict, .localStorage) : (.block, .localStorage)
        }
        if pod.controller == nil { return force ? (.evict, .unreplicated) : (.block, .unreplicated) }
        return (.evict, .managed)
    }
}

/// What the drain does with a pod.
public enum PodAction: String, Sendable, Hashable, CaseIterable {
    /// Evict (policy/v1 `Eviction`, honouring PodDisruptionBudgets) and wait for the pod to be deleted.
    case evict
    /// Evict a finished pod (always allowed) and do not wait for it.
    case evictWithoutWaiting
    /// The pod is already terminating: wait for it to be deleted, do not evict it again.
    case waitForDeletion
    /// Leave the pod alone.
    case skip
    /// The pod blocks the drain under the current options.
    case block
}

/// The decision for one pod.
public struct PodDecision: Sendable, Hashable, CustomStringConvertible {
    /// Why a rule applied.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// A pod with a controller and no local data.
        case managed
        /// `Succeeded` or `Failed`.
        case finished
        /// `deletionTimestamp` is set.
        case terminating
        /// Managed by a DaemonSet.
        case daemonSet
        /// A mirror pod of a static pod.
        case mirrorPod
        /// Our own pod.
        case ownPod
        /// Has `emptyDir` volumes.
        case localStorage
        /// Has no controller.
        case unreplicated
    }

    /// The pod.
    public var pod: PodReference
    /// What happens to it.
    public var action: PodAction
    /// Why.
    public var reason: Reason
    /// The eviction's grace period in seconds (for evictions, once planned).
    public var gracePeriodSeconds: Int?

    /// Creates a decision.
    ///
    /// - Parameters:
    ///   - pod: The pod.
    ///   - action: What happens to it.
    ///   - reason: Why.
    ///   - gracePeriodSeconds: The eviction's grace period.
    public init(pod: PodReference, action: PodAction, reason: Reason, gracePeriodSeconds: Int? = nil) {
        self.pod = pod
        self.action = action
        self.reason = reason
        self.gracePeriodSeconds = gracePeriodSeconds
    }

    /// For example `default/web-1: evict (has emptyDir volumes; their data is lost)`.
    public var description: String {
        let why: String =
            switch (reason, action) {
            case (.managed, _): "managed by a controller"
            case (.finished, _): "finished"
            case (.terminating, _): "already terminating"
            case (.daemonSet, .block): "managed by a DaemonSet; set IGNORE_DAEMON_SETS=true to skip it"
            case (.daemonSet, _): "managed by a DaemonSet"
            case (.mirrorPod, _): "mirror pod of a static pod"
            case (.ownPod, _): "this controller's own pod"
            case (.localStorage, .block): "has emptyDir volumes; set DELETE_LOCAL_DATA=true to evict it"
            case (.localStorage, _): "has emptyDir volumes; their data is lost"
            case (.unreplicated, .block): "has no controller; it would not be recreated"
            case (.unreplicated, _): "has no controller; it will not be recreated"
            }
        return "\(pod): \(action.rawValue) (\(why))"
    }
}

/// The decisions for every pod of a node.
public struct DrainPlan: Sendable, Hashable {
    /// One decision per pod, ordered by namespace and name.
    public var decisions: [PodDecision]

    /// Creates a plan.
    ///
    /// - Parameter decisions: One decision per pod.
    public init(decisions: [PodDecision]) {
        self.decisions = decisions
    }

    /// The pods that block the drain.
    public var blocking: [PodDecision] { decisions.filter { $0.action == .block } }

    /// Whether the drain may start: no pod blocks it.
    public var canProceed: Bool { blocking.isEmpty }

    /// The pods to evict (and wait for, or not).
    public var evictions: [PodDecision] {
        decisions.filter { $0.action == .evict || $0.action == .evictWithoutWaiting }
    }

    /// The pods whose deletion the drain waits for: evicted ones and already-terminating ones.
    public var awaited: [PodReference] {
        decisions.filter { $0.action == .evict || $0.action == .waitForDeletion }.map(\.pod)
    }
}
