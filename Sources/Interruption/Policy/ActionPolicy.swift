public import Foundation

/// What to do to a node for an instance job: NTH's queue-mode options, plus a rebalance choice NTH lacks.
///
/// Build it from NTH's environment variables with ``init(environment:)``; turn a job into ordered steps with
/// ``plan(for:node:)``.
public struct ActionPolicy: Sendable, Hashable {
    /// What a rebalance recommendation does (`REBALANCE_ACTION`).
    public enum RebalanceAction: String, Sendable, Hashable, CaseIterable {
        /// Cordon (and taint, if tainting) but do not drain: our default. The node drains when a termination follows.
        case cordon
        /// Cordon and drain, as NTH always does in queue mode.
        case cordonAndDrain = "cordon-and-drain"
        /// Acknowledge and do nothing.
        case ignore
    }

    /// `CORDON_ONLY`: cordon (and taint) without draining.
    public var cordonOnly = false
    /// `TAINT_NODE`: taint the node with the event kind's key (``InterruptionKind/taintKey``).
    public var taintNode = false
    /// `TAINT_EFFECT`: the taints' effect.
    public var taintEffect = TaintEffect.noSchedule
    /// `ENABLE_OUT_OF_SERVICE_TAINT`: add ``Taint/outOfService`` after the drain.
    public var outOfServiceTaint = false
    /// `EXCLUDE_FROM_LOAD_BALANCERS`: label the node `node.kubernetes.io/exclude-from-external-load-balancers`
    /// before draining.
    public var excludeFromLoadBalancers = false
    /// `CHECK_TAG_BEFORE_DRAINING` (alias `CHECK_ASG_TAG_BEFORE_DRAINING`): act only on instances with ``managedTag``.
    public var checkTagBeforeDraining = true
    /// `MANAGED_TAG` (alias `MANAGED_ASG_TAG`): the tag key that marks a managed instance (its value is ignored).
    public var managedTag = "aws-node-termination-handler/managed"
    /// `DELETE_SQS_MSG_IF_NODE_NOT_FOUND`: acknowledge (and complete hooks) when no node matches the instance.
    public var deleteMessageIfNodeNotFound = false
    /// `NTH_COMPLETE_LIFECYCLE_ACTION_IF_NODE_NOT_FOUND`: complete an Auto Scaling terminate hook even when the
    /// instance has no node (it never joined, or already left), whatever ``deleteMessageIfNodeNotFound`` says about
    /// the messages (read with the controller's settings; default true).
    public var completeLifecycleActionIfNodeNotFound = true
    /// `DRY_RUN`: plan as usual, perform nothing (no Kubernetes writes, no deletes, no hook completions).
    public var dryRun = false
    /// `REBALANCE_ACTION` (or `ENABLE_REBALANCE_DRAINING=true` for ``RebalanceAction/cordonAndDrain``).
    public var rebalance = RebalanceAction.cordon
    /// `IGNORE_DAEMON_SETS`, `DELETE_LOCAL_DATA`, `POD_TERMINATION_GRACE_PERIOD`, `POD_NAME` and `NAMESPACE`.
    public var drainFilter = DrainFilter()
    /// `HEARTBEAT_INTERVAL` and `HEARTBEAT_UNTIL`, or `nil` for no heartbeats.
    public var heartbeat: HeartbeatSchedule?
    /// `COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS`: wait this long before completing a lifecycle action (`nil`: none).
    public var completeLifecycleActionDelay: TimeInterval?
    /// `NODE_TERMINATION_GRACE_PERIOD`: the drain's time budget when the job has no deadline, in seconds.
    public var nodeTerminationGracePeriod: TimeInterval = 120

    /// The label added with ``excludeFromLoadBalancers``.
    public static let excludeFromLoadBalancersLabel = (
        key: "node.kubernetes.io/exclude-from-external-load-balancers", value: "aws-node-termination-handler"
    )

    /// Creates a policy with NTH's defaults (and rebalance = cordon).
    public init() {}

    /// Whether an instance with these EC2 tags may be acted on: always, unless ``checkTagBeforeDraining`` asks for
    /// the ``managedTag`` key.
    ///
    /// - Parameter tags: The instance's tags.
    /// - Returns: Whether the instance is managed.
    public func isManaged(tags: [String: String]) -> Bool {
        !checkTagBeforeDraining || tags[managedTag] != nil
    }

    /// Whether the job's node must be drained (not only cordoned).
    ///
    /// - Parameter job: The job.
    /// - Returns: `true` when an event announces termination, or a rebalance is configured to drain, and
    ///   ``cordonOnly`` is off.
    public func drains(_ job: InstanceJob) -> Bool {
        guard !cordonOnly else { return false }
        return job.announcesTermination
            || (job.kinds.contains(.rebalanceRecommendation) && rebalance == .cordonAndDrain)
    }

    /// The drain's deadline, the one the drain works to and the node's job state records: the job's (an Auto
    /// Scaling hook's extended by heartbeats as far as ``heartbeat`` takes them), or ``nodeTerminationGracePeriod``
    /// after its first receive; but never less than `minimumDrain` from `now`.
    ///
    /// A state change's deadline is its receive time and a late spot warning's may have passed: the drain still
    /// evicts (with grace periods clamped short) instead of giving up before it starts.
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - rules: The deadline rules (the hooks' heartbeat and global timeouts).
    ///   - minimumDrain: `NTH_MINIMUM_DRAIN_SECONDS`.
    ///   - now: The time of the decision.
    /// - Returns: When the drain must be done.
    public func drainDeadline(
        for job: InstanceJob, rules: DeadlineRules, minimumDrain: TimeInterval, now: Date
    ) -> Date {
        let heartbeatsUntil = heartbeat.map { job.firstReceivedAt.addingTimeInterval($0.until) }
        let deadline =
            job.deadline(rules: rules, lastHeartbeat: heartbeatsUntil)
            ?? job.firstReceivedAt.addingTimeInterval(nodeTerminationGracePeriod)
        return max(deadline, now.addingTimeInterval(minimumDrain))
    }

    /// The ordered steps for a job.
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - node: What the controller found for the instance.
    /// - Returns: The steps; with ``dryRun`` the plan is the same but marked so that nothing is performed.
    public func plan(for job: InstanceJob, node: NodeResolution) -> NodeActionPlan {
        NodeActionPlan(steps: steps(for: job, node: node), dryRun: dryRun)
    }

    private func steps(for job: InstanceJob, node: NodeResolution) -> [NodeAction] {
        let lifecycleActions = job.pendingLifecycleActions.map { NodeAction.completeLifecycleAction($0.action) }
        switch node {
        case .notFound:
            // A launch waits for its node to join and be Ready (watched, not polled through redeliveries).
            if job.kinds == [.autoScalingLaunch] { return [.waitForNodeReady] + lifecycleActions + [.acknowledge] }
            if deleteMessageIfNodeNotFound { return lifecycleActions + [.acknowledge] }
            // Retried; the instance is going with or without a node, so its terminate hooks are completed now.
            guard completeLifecycleActionIfNodeNotFound else { return [.retryLater] }
            let terminating = job.pendingLifecycleActions.filter { $0.action.transition == .terminating }
            return terminating.map { .completeLifecycleAction($0.action) } + [.retryLater]
        case .unmanaged:
            return [.acknowledge]
        case .found:
            break
        }
        if job.kinds == [.autoScalingLaunch] {
            return [.waitForNodeReady] + lifecycleActions + [.acknowledge]
        }
        let rebalanceIgnored = rebalance == .ignore
        if rebalanceIgnored, job.kinds == [.rebalanceRecommendation] {
            return lifecycleActions + [.acknowledge]
        }
        let drain = drains(job)
        var steps: [NodeAction] = []
        if excludeFromLoadBalancers, drain { steps.append(.labelExcludeFromLoadBalancers) }
        if taintNode {
            for kind in job.kinds.sorted(by: { $0.rawValue < $1.rawValue }) {
                guard let key = kind.taintKey, !(kind == .rebalanceRecommendation && rebalanceIgnored),
                    let event = job.firstEvents[kind]
                else { continue }
                steps.append(
                    .taint(Taint(key: key, value: Taint.value(fromEventID: event.eventID), effect: taintEffect)))
            }
        }
        steps.append(.cordon)
        if drain { steps.append(.drain) }
        steps += lifecycleActions
        if drain, outOfServiceTaint { steps.append(.taint(.outOfService)) }
        steps.append(.acknowledge)
        return steps
    }
}

/// What the controller found for a job's instance.
public enum NodeResolution: Sendable, Hashable {
    /// A node for the instance, which is managed (or the tag check is off).
    case found(nodeName: String)
    /// A node, but the instance lacks the managed tag: acknowledge and leave it alone.
    case unmanaged
    /// No node for the instance (yet).
    case notFound
}

/// One step of a node's handling.
public enum NodeAction: Sendable, Hashable {
    /// Add ``ActionPolicy/excludeFromLoadBalancersLabel``.
    case labelExcludeFromLoadBalancers
    /// Add a taint (unless the key is already there).
    case taint(Taint)
    /// Set `spec.unschedulable`.
    case cordon
    /// Drain with the policy's ``DrainFilter`` before the drain deadline.
    case drain
    /// Wait until the node is `Ready` (launch lifecycle actions).
    case waitForNodeReady
    /// `CompleteLifecycleAction` with result `CONTINUE`.
    case completeLifecycleAction(LifecycleAction)
    /// Delete the job's messages (those no other job holds).
    case acknowledge
    /// Do nothing now: let the messages become visible again for a later try.
    case retryLater
}

/// The ordered steps for one job.
public struct NodeActionPlan: Sendable, Hashable {
    /// The steps, in order.
    public var steps: [NodeAction]
    /// With `DRY_RUN`: log the steps, perform none of them (not even ``NodeAction/acknowledge``).
    public var dryRun: Bool

    /// Creates a plan.
    ///
    /// - Parameters:
    ///   - steps: The steps, in order.
    ///   - dryRun: Whether to perform nothing.
    public init(steps: [NodeAction], dryRun: Bool) {
        self.steps = steps
        self.dryRun = dryRun
    }

    /// The steps to perform: ``steps``, or none in a dry run.
    public var effectiveSteps: [NodeAction] { dryRun ? [] : steps }
}
