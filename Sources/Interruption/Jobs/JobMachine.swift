public import Foundation

/// One instance's job as a state machine: what it holds (``job``), what was done for it, and what to do next.
///
/// Pure: no clock, no I/O. The controller feeds it inputs (``handle(_:)``: the node resolved, a cordon done, a
/// drain's end, a hook completed …) and asks it for the next action (``next(policy:)``), carries that action out and
/// reports the result as an input. Messages join it through ``JobLedger``, which also ends it and says what becomes
/// of its messages.
///
/// The handler works in **rounds**: a round plans the steps for the job as it is when the round starts
/// (``ActionPolicy/plan(for:node:)``) and hands them out one by one, skipping what is already done (a cordon that
/// covers every kind, a drain done, a hook settled). At the round's end the job finishes, unless a message brought a
/// new kind or hook meanwhile: then another round runs, which does only what is new.
public struct JobMachine: Sendable, Hashable {
    /// Everything the job holds: events, messages, lifecycle actions.
    public private(set) var job: InstanceJob
    /// What the controller found for the instance, once it looked.
    public private(set) var resolution: NodeResolution?
    /// The kinds the cordons so far covered.
    public private(set) var cordonedKinds: Set<InterruptionKind> = []
    /// The node's `resourceVersion` after the last cordon: the drain lists pods not older than that.
    public private(set) var cordonResourceVersion: String?
    /// Whether the node was drained (or the drain's deadline passed: the instance is going anyway).
    public private(set) var drained = false
    /// Lifecycle tokens completed (or found no longer active).
    public private(set) var completedTokens: Set<String> = []
    /// Lifecycle tokens whose heartbeats stopped (the action is gone, or a heartbeat was refused for good).
    public private(set) var heartbeatStoppedTokens: Set<String> = []
    /// When the last heartbeat round was due.
    public private(set) var lastHeartbeat: Date?
    /// Whether a handler runs for the job.
    public private(set) var handlerClaimed = false
    /// Set when the job was resumed from a node's annotations.
    public private(set) var resumption: Resumption?
    /// The ids of the events recorded from messages (not from annotations).
    public private(set) var seenEventIDs: Set<String> = []
    /// How many events were recorded for the job: a handler waiting for a message waits for this to change.
    public private(set) var recordings = 0
    /// The job as the current (or last) round planned it.
    public private(set) var roundJob: InstanceJob
    /// The resolution the current (or last) round planned with.
    public private(set) var roundResolution = NodeResolution.notFound
    /// Whether a lifecycle completion was handed out already (the completion delay applies to the first only).
    public private(set) var completionDelayed = false
    private var round: Round?

    /// What a job resumed from node annotations still expects from the queue.
    public struct Resumption: Sendable, Hashable {
        /// The event ids the annotations named: their messages are owed an acknowledgement.
        public var eventIDs: Set<String>
        /// How long the finished job waits for those messages to come back before it ends without them.
        public var awaitMessagesUntil: Date
        /// Whether that wait is over.
        public var waitOver = false

        /// Creates a resumption.
        ///
        /// - Parameters:
        ///   - eventIDs: The event ids the annotations named.
        ///   - awaitMessagesUntil: When the finished job stops waiting for their messages.
        public init(eventIDs: Set<String>, awaitMessagesUntil: Date) {
            self.eventIDs = eventIDs
            self.awaitMessagesUntil = awaitMessagesUntil
        }
    }

    /// The steps of one round, and where the handler is in them.
    private struct Round: Sendable, Hashable {
        var steps: [NodeAction]
        var index = 0
        /// Set when the launch's node was not Ready in time and the hook is to be abandoned.
        var abandon = false
        /// Set when an input ended the round early: a blocked drain, a launch to retry.
        var park = false
    }

    /// Starts a job from its first event.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - message: The message it came in.
    public init(event: InterruptionEvent, message: QueueMessage) {
        job = InstanceJob(event: event, message: message)
        roundJob = job
    }

    /// Starts a job from the state a previous controller wrote on its node, before any of its messages is back.
    ///
    /// - Parameters:
    ///   - events: The events rebuilt from the annotations (at least one, all of one instance).
    ///   - nodeName: The node.
    ///   - cordon: The kinds the node's cordon covers and its `resourceVersion`, when the node is still cordoned.
    ///   - lastHeartbeat: When the last heartbeat is taken to have been due, to keep the original schedule.
    ///   - resumption: The messages the job awaits.
    /// - Returns: `nil` without events.
    public static func resumed(
        _ events: [InterruptionEvent], nodeName: String,
        cordon: (kinds: Set<InterruptionKind>, resourceVersion: String)?, lastHeartbeat: Date?,
        resumption: Resumption
    ) -> JobMachine? {
        guard let first = events.first else { return nil }
        let marker = QueueMessage(
            messageID: resumeMarkerPrefix + first.instanceID.rawValue, receiptHandle: "",
            receivedAt: first.receivedAt)
        var machine = JobMachine(event: first, message: marker)
        for event in events.dropFirst() { machine.job.record(event, message: marker) }
        machine.roundJob = machine.job
        machine.resolution = .found(nodeName: nodeName)
        if let cordon {
            machine.cordonedKinds = cordon.kinds
            machine.cordonResourceVersion = cordon.resourceVersion
        }
        machine.lastHeartbeat = lastHeartbeat
        machine.resumption = resumption
        return machine
    }

    /// The message id prefix of the placeholder that stands for a resumed job's messages until they come back; it
    /// never leaves the machine's ledger (SQS message ids are UUIDs).
    public static let resumeMarkerPrefix = "resumed/"

    /// Whether a message is a resumed job's placeholder.
    public static func isResumeMarker(_ message: QueueMessage) -> Bool {
        message.messageID.hasPrefix(resumeMarkerPrefix) && message.receiptHandle.isEmpty
    }

    /// The messages the job holds, without a resumed job's placeholder, ordered by id.
    public var heldMessages: [QueueMessage] { job.pendingMessages.filter { !Self.isResumeMarker($0) } }

    /// When the job's earliest message still held was received; `nil` for a resumed job without its messages.
    public var firstReceipt: Date? { heldMessages.map(\.receivedAt).min() }

    // MARK: Inputs

    /// Adds an event for this instance and the message it came in (a message joining the job).
    @discardableResult
    mutating func record(_ event: InterruptionEvent, message: QueueMessage) -> JobUpdate {
        let update = job.record(event, message: message)
        countRecording(event)
        return update
    }

    /// Counts an event recorded from a message (the one that started the job, too).
    mutating func countRecording(_ event: InterruptionEvent) {
        seenEventIDs.insert(event.eventID)
        recordings += 1
    }

    /// Marks the job's handler as started; `false` when one already runs.
    public mutating func claimHandler() -> Bool {
        guard !handlerClaimed else { return false }
        handlerClaimed = true
        return true
    }

    /// Takes in what the controller observed or did.
    ///
    /// - Parameter input: The input.
    public mutating func handle(_ input: JobInput) {
        switch input {
        case .resolved(let resolution):
            self.resolution = resolution
        case .cordoned(let kinds, let resourceVersion):
            cordonedKinds.formUnion(kinds)
            cordonResourceVersion = resourceVersion
        case .nodeVanished:
            resolution = .notFound
        case .drained, .drainDeadlineReached:
            drained = true
        case .drainBlocked, .launchNotReady(.retryLater):
            round?.park = true
        case .launchNotReady(.continueHook):
            round?.abandon = false
        case .launchNotReady(.abandonHook):
            round?.abandon = true
        case .lifecycleActionCompleted(let token):
            completedTokens.insert(token)
        case .heartbeatsStopped(let token):
            heartbeatStoppedTokens.insert(token)
        case .heartbeatRoundDue(let date):
            lastHeartbeat = date
        case .messagesAwaited(let now):
            if let until = resumption?.awaitMessagesUntil, now >= until { resumption?.waitOver = true }
        case .stepFailedTransiently:
            round = nil
        }
    }

    // MARK: Actions

    /// The next action of the handler; starts a round when none runs.
    ///
    /// - Parameter policy: The action policy.
    /// - Returns: The action to carry out; after ``JobAction/finish`` or ``JobAction/park`` the ledger ends the job.
    public mutating func next(policy: ActionPolicy) -> JobAction {
        if round == nil {
            roundJob = job
            roundResolution = resolution ?? .notFound
            round = Round(steps: policy.plan(for: job, node: roundResolution).steps)
        }
        while var current = round, !current.park, current.index < current.steps.count {
            let step = current.steps[current.index]
            current.index += 1
            round = current
            if let action = action(for: step, policy: policy, abandon: current.abandon) { return action }
        }
        return endRound(policy: policy)
    }

    /// The action one step of the plan stands for now, or `nil` when it is done already.
    private mutating func action(for step: NodeAction, policy: ActionPolicy, abandon: Bool) -> JobAction? {
        switch step {
        case .labelExcludeFromLoadBalancers, .cordon:
            return cordonSteps(policy: policy) == nil ? nil : .cordon
        case .taint(let taint) where taint == .outOfService:
            guard case .found(let node)? = resolution else { return nil }
            return .taintOutOfService(nodeName: node)
        case .taint:
            return cordonSteps(policy: policy) == nil ? nil : .cordon
        case .drain:
            guard !drained, case .found(let node)? = resolution else { return nil }
            return .drain(nodeName: node, afterResourceVersion: cordonResourceVersion)
        case .waitForNodeReady:
            return .waitForNodeReady
        case .completeLifecycleAction(let action):
            // The current job: a notification that came back since the round began supersedes its stand-in.
            guard !isSettled(action) else { return nil }
            let delay = completionDelayed ? nil : policy.completeLifecycleActionDelay.flatMap { $0 > 0 ? $0 : nil }
            completionDelayed = true
            return .completeLifecycleAction(action, abandon: abandon, delay: delay)
        case .acknowledge:
            if let count = round?.steps.count { round?.index = count }
            return nil
        case .retryLater:
            round?.park = true
            return nil
        }
    }

    /// The end of a round: park, wait for a resumed job's messages, go round again for what arrived, or finish.
    private mutating func endRound(policy: ActionPolicy) -> JobAction {
        let park = round?.park ?? false
        round = nil
        if park { return .park }
        if let awaited = awaitedMessages { return .awaitMessages(until: awaited.until, recordings: awaited.recordings) }
        let tokens = Set(job.lifecycleActions.keys)
        if !job.kinds.isSubset(of: roundJob.kinds) || !tokens.isSubset(of: Set(roundJob.lifecycleActions.keys)) {
            return next(policy: policy)
        }
        return .finish
    }

    /// The cordon's steps (cordon, labels, taints other than out-of-service) when the node is known and the last
    /// cordon did not cover every kind of the job; `nil` when there is nothing to cordon.
    ///
    /// - Parameter policy: The action policy.
    public func cordonSteps(policy: ActionPolicy) -> [NodeAction]? {
        guard case .found(let node)? = resolution, !job.kinds.isSubset(of: cordonedKinds) else { return nil }
        let steps = policy.plan(for: job, node: .found(nodeName: node)).effectiveSteps.filter {
            switch $0 {
            case .cordon, .labelExcludeFromLoadBalancers: true
            case .taint(let taint): taint != .outOfService
            default: false
            }
        }
        return steps.contains(.cordon) ? steps : nil
    }

    /// When a resumed job whose work is done stops waiting for its messages, and the recordings count to wait on;
    /// `nil` when it awaits nothing (not resumed, every message back, or the wait is over).
    public var awaitedMessages: (until: Date, recordings: Int)? {
        guard let resumption, !resumption.waitOver, !resumption.eventIDs.isSubset(of: seenEventIDs) else { return nil }
        return (resumption.awaitMessagesUntil, recordings)
    }

    /// Whether a lifecycle action needs no call: it, or the same hook's hold on the instance under its other
    /// address (token or instance id), was completed; or the job holds the same hold by token, which wins over the
    /// instance-addressed stand-in.
    public func isSettled(_ action: LifecycleAction) -> Bool {
        let twins = job.pendingLifecycleActions.map(\.action).filter { $0.isSameHold(as: action) }
        if twins.contains(where: { completedTokens.contains($0.token) }) { return true }
        return action.isAddressedByInstance && twins.contains { !$0.isAddressedByInstance }
    }

    /// The terminate actions a heartbeat round goes to: not settled, heartbeats not stopped.
    public var heartbeatTargets: [LifecycleAction] {
        job.pendingLifecycleActions.map(\.action).filter {
            $0.transition == .terminating && !isSettled($0) && !heartbeatStoppedTokens.contains($0.token)
        }
    }
}
