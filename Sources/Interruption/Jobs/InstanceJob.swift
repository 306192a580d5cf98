public import Foundation

/// Everything pending for one instance: one job, however many events and messages announce it.
///
/// A spot warning, its redelivery, a state change and an Auto Scaling hook for the same instance all land in the same
/// job: the kinds seen, the earliest deadline, each queue message to acknowledge (with its latest receipt handle)
/// and each lifecycle action to complete. Recording is commutative: any order of the same events and receives gives
/// an equal job.
public struct InstanceJob: Sendable, Hashable {
    /// The instance.
    public let instanceID: InstanceID
    /// When the first message of the job was received (the earliest receive of any of its messages).
    public private(set) var firstReceivedAt: Date
    /// The earliest event of each kind seen (earliest `time`, then smallest `eventID`, then earliest receive).
    public private(set) var firstEvents: [InterruptionKind: InterruptionEvent]
    /// Each message to acknowledge, by `MessageId`, with its latest receive.
    public private(set) var messages: [String: QueueMessage]
    /// Each lifecycle action to complete, by `LifecycleActionToken`.
    public private(set) var lifecycleActions: [String: PendingLifecycleAction]

    /// Starts a job from its first event.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - message: The message it came in.
    public init(event: InterruptionEvent, message: QueueMessage) {
        instanceID = event.instanceID
        firstEvents = [:]
        messages = [:]
        lifecycleActions = [:]
        firstReceivedAt = message.receivedAt
        record(event, message: message)
    }

    /// The kinds seen so far.
    public var kinds: Set<InterruptionKind> { Set(firstEvents.keys) }

    /// The highest priority among the kinds seen.
    public var priority: DrainPriority { kinds.map(\.priority).max() ?? .advisory }

    /// The earliest deadline among the events seen, or `nil` when none has one.
    public var deadline: Date? { firstEvents.values.compactMap(\.deadline).min() }

    /// The earliest deadline once lifecycle heartbeats are counted: each terminate or launch action's deadline moves
    /// to the last heartbeat plus the heartbeat timeout, within the hook's global timeout.
    ///
    /// - Parameters:
    ///   - rules: The deadline rules the events were decoded with.
    ///   - lastHeartbeat: When `RecordLifecycleActionHeartbeat` last succeeded for this job, or `nil`.
    /// - Returns: The earliest deadline, or `nil` when no event has one.
    public func deadline(rules: DeadlineRules, lastHeartbeat: Date?) -> Date? {
        firstEvents.values.compactMap { event -> Date? in
            switch event.kind {
            case .autoScalingTermination, .autoScalingLaunch:
                rules.lifecycleDeadline(start: event.time, lastHeartbeat: lastHeartbeat)
            case .spotInterruption, .rebalanceRecommendation, .instanceStateChange, .scheduledChange:
                event.deadline
            }
        }.min()
    }

    /// Whether any event seen means the instance is going away (not only a rebalance recommendation or a launch).
    public var announcesTermination: Bool { kinds.contains { $0.announcesTermination } }

    /// The messages to acknowledge, ordered by `MessageId`.
    public var pendingMessages: [QueueMessage] { messages.values.sorted { $0.messageID < $1.messageID } }

    /// The lifecycle actions to complete, ordered by token.
    public var pendingLifecycleActions: [PendingLifecycleAction] {
        lifecycleActions.values.sorted { $0.action.token < $1.action.token }
    }

    /// Adds an event for this instance and the message it came in.
    ///
    /// - Parameters:
    ///   - event: An event for ``instanceID``; events for other instances are ignored.
    ///   - message: The message it came in.
    /// - Returns: What the event added to the job.
    @discardableResult
    public mutating func record(_ event: InterruptionEvent, message: QueueMessage) -> JobUpdate {
        guard event.instanceID == instanceID else { return JobUpdate(instanceID: instanceID, isNewJob: false) }
        let wasEmpty = messages.isEmpty
        firstReceivedAt = min(firstReceivedAt, message.receivedAt)
        let oldPriority = priority
        let oldDeadline = deadline
        var update = JobUpdate(instanceID: instanceID, isNewJob: wasEmpty)

        if let existing = firstEvents[event.kind] {
            if Self.precedes(event, existing) { firstEvents[event.kind] = event }
        } else {
            firstEvents[event.kind] = event
            update.addedKinds.insert(event.kind)
        }
        if let existing = messages[message.messageID] {
            if message.isNewer(than: existing) {
                messages[message.messageID] = message
                update.refreshedReceiptHandle = true
            }
        } else {
            messages[message.messageID] = message
            update.addedMessage = true
        }
        if let action = event.lifecycleAction {
            let pending = PendingLifecycleAction(action: action, startedAt: event.time)
            if let existing = lifecycleActions[action.token] {
                if Self.precedes(pending, existing) { lifecycleActions[action.token] = pending }
            } else {
                lifecycleActions[action.token] = pending
                update.addedLifecycleActions.append(action)
            }
        }
        update.raisedPriority = !wasEmpty && priority > oldPriority
        update.movedDeadlineEarlier = !wasEmpty && deadline != oldDeadline
        return update
    }

    /// A total order on events of one kind, so that the kept one does not depend on the recording order.
    private static func precedes(_ lhs: InterruptionEvent, _ rhs: InterruptionEvent) -> Bool {
        if lhs.time != rhs.time { return lhs.time < rhs.time }
        if lhs.eventID != rhs.eventID { return lhs.eventID < rhs.eventID }
        if lhs.receivedAt != rhs.receivedAt { return lhs.receivedAt < rhs.receivedAt }
        return String(describing: lhs) < String(describing: rhs)
    }

    /// A total order on the records of one lifecycle action token.
    private static func precedes(_ lhs: PendingLifecycleAction, _ rhs: PendingLifecycleAction) -> Bool {
        if lhs.startedAt != rhs.startedAt { return lhs.startedAt < rhs.startedAt }
        return String(describing: lhs.action) < String(describing: rhs.action)
    }

    /// The job's place in the drain worker pool's queue: its priority, then its drain deadline
    /// (``ActionPolicy/drainDeadline(for:rules:minimumDrain:now:)``); the pool breaks ties by arrival.
    ///
    /// - Parameter deadline: The drain's deadline.
    public func drainOrder(deadline: Date?) -> DrainOrder { DrainOrder(priority: priority, deadline: deadline) }
}

/// What recording one event changed in a job.
public struct JobUpdate: Sendable, Hashable {
    /// The instance of the job.
    public var instanceID: InstanceID
    /// Whether the event started the job: cordon now and schedule the drain. Otherwise the job already runs.
    public var isNewJob: Bool
    /// Kinds the job had not seen.
    public var addedKinds: Set<InterruptionKind> = []
    /// Lifecycle actions the job must now also complete.
    public var addedLifecycleActions: [LifecycleAction] = []
    /// Whether the job must now also acknowledge this message.
    public var addedMessage = false
    /// Whether a later receive replaced a message's receipt handle.
    public var refreshedReceiptHandle = false
    /// Whether the job's priority went up (reorder the drain queue).
    public var raisedPriority = false
    /// Whether the job's deadline moved earlier (re-clamp grace periods).
    public var movedDeadlineEarlier = false

    /// Creates an update that changed nothing.
    ///
    /// - Parameters:
    ///   - instanceID: The instance of the job.
    ///   - isNewJob: Whether the event started the job.
    public init(instanceID: InstanceID, isNewJob: Bool) {
        self.instanceID = instanceID
        self.isNewJob = isNewJob
    }

    /// The update of the event that starts a job: its kind, its message and its lifecycle action are all new.
    ///
    /// - Parameter event: The job's first event.
    /// - Returns: The update.
    public static func newJob(_ event: InterruptionEvent) -> JobUpdate {
        var update = JobUpdate(instanceID: event.instanceID, isNewJob: true)
        update.addedKinds = [event.kind]
        update.addedMessage = true
        update.addedLifecycleActions = event.lifecycleAction.map { [$0] } ?? []
        return update
    }

    /// Whether the event added nothing but, perhaps, a newer receipt handle (a redelivery).
    public var isDuplicate: Bool {
        !isNewJob && addedKinds.isEmpty && addedLifecycleActions.isEmpty && !addedMessage
    }
}
