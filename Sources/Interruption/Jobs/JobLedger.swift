/// The live jobs' machines (one ``JobMachine`` per instance) and the messages they share.
///
/// An AWS Health event for three instances is one message held by three jobs: it is deleted only when the last of
/// them finishes, and never when one of them failed or parked (the message is then **retained**: the others' success
/// leaves it to its visibility timeout, so that the failed job runs again). Pure: the controller's `JobBoard` actor
/// owns one and adds the waiting (the in-flight budget, handlers waiting for a message).
public struct JobLedger: Sendable, Hashable {
    /// The live jobs by instance.
    public private(set) var machines: [InstanceID: JobMachine] = [:]
    /// Messages some job failed or parked: never deleted by another holder's success.
    public private(set) var retained: Set<String> = []
    /// `NTH_MAX_RECEIVE_COUNT`: a failed message received this often is left to the redrive policy, not released.
    public let maxReceiveCount: Int
    /// How many live jobs hold each message (a resumed job's placeholder aside), kept as jobs change, so that
    /// neither the in-flight count nor a job's end walks every job: at 5,000 live jobs those walks were a fifth of
    /// the controller's CPU (`perf`, issue 13).
    private var holders: [String: Int] = [:]

    /// The number of distinct messages held by live jobs: ``liveMessages()``'s count, without building it.
    public var liveMessageCount: Int { holders.count }

    /// How a job ended.
    public enum Ending: Sendable, Hashable {
        /// Every obligation met: its messages (held by no other job, retained by none) are deleted.
        case succeeded
        /// A step failed: its messages are released (made visible now) under the receive-count limit, left past it.
        case failed
        /// The job waits: its messages are left to their visibility timeout.
        case parked
    }

    /// The answer of ``next(_:policy:)``.
    public struct Step: Sendable, Hashable {
        /// What to do.
        public var action: JobAction
        /// The job after deciding (once it ended, as it was when it ended).
        public var machine: JobMachine
        /// What becomes of the messages, when the action ended the job (``JobAction/finish``, ``JobAction/park``).
        public var disposal = MessageDisposal()
    }

    /// Creates an empty ledger.
    ///
    /// - Parameter maxReceiveCount: `NTH_MAX_RECEIVE_COUNT`.
    public init(maxReceiveCount: Int) {
        self.maxReceiveCount = maxReceiveCount
    }

    /// Records the events decoded from one message (the message joins, or starts, each event's job); a message some
    /// job failed is no longer retained once received again.
    ///
    /// - Parameters:
    ///   - events: The events (``DecodeOutcome/events``).
    ///   - message: The message they came in.
    /// - Returns: One update per event, in order.
    @discardableResult
    public mutating func record(_ events: [InterruptionEvent], message: QueueMessage) -> [JobUpdate] {
        retained.remove(message.messageID)
        return events.map { event in
            // Taken out while it changes, so that its collections are not copied.
            guard var machine = machines.removeValue(forKey: event.instanceID) else {
                var machine = JobMachine(event: event, message: message)
                machine.countRecording(event)
                hold(machine.job.messages.values)
                machines[event.instanceID] = machine
                return JobUpdate.newJob(event)
            }
            let held = machine.job.messages[message.messageID] != nil
            let update = machine.record(event, message: message)
            if !held, let joined = machine.job.messages[message.messageID] { hold(CollectionOfOne(joined)) }
            machines[event.instanceID] = machine
            return update
        }
    }

    /// Adds a job resumed from node annotations.
    ///
    /// - Parameter machine: The job (``JobMachine/resumed(_:nodeName:cordon:lastHeartbeat:resumption:)``).
    /// - Returns: `false` when the instance already has a job.
    public mutating func resume(_ machine: JobMachine) -> Bool {
        guard machines[machine.job.instanceID] == nil else { return false }
        hold(machine.job.messages.values)
        machines[machine.job.instanceID] = machine
        return true
    }

    /// Passes an input to a live job; an input for an ended job is dropped.
    public mutating func handle(_ input: JobInput, for id: InstanceID) {
        machines[id]?.handle(input)
    }

    /// Marks the handler of a job as started; `false` when one already runs (or the job is gone).
    public mutating func claimHandler(_ id: InstanceID) -> Bool {
        machines[id]?.claimHandler() ?? false
    }

    /// The next action of a job's handler; ends the job when the action says so.
    ///
    /// - Parameters:
    ///   - id: The instance.
    ///   - policy: The action policy.
    /// - Returns: The step, or `nil` once the job ended.
    public mutating func next(_ id: InstanceID, policy: ActionPolicy) -> Step? {
        guard var machine = machines.removeValue(forKey: id) else { return nil }
        let action = machine.next(policy: policy)
        machines[id] = machine
        switch action {
        case .finish: return Step(action: action, machine: machine, disposal: end(id, .succeeded))
        case .park: return Step(action: action, machine: machine, disposal: end(id, .parked))
        default: return Step(action: action, machine: machine)
        }
    }

    /// Ends a job that failed: its messages go back to the queue now (or, past the receive-count limit, to the
    /// redrive policy).
    public mutating func fail(_ id: InstanceID) -> MessageDisposal { end(id, .failed) }

    /// Ends a job without a word about its messages (dry run).
    public mutating func drop(_ id: InstanceID) {
        if let machine = machines.removeValue(forKey: id) { release(machine.job.messages.values) }
    }

    /// Ends every job for shutdown.
    ///
    /// - Returns: Every message they held, to release (nothing is deleted).
    public mutating func shutDown() -> [QueueMessage] {
        let messages = liveMessages()
        machines = [:]
        holders = [:]
        return messages
    }

    /// Every message held by a live job, with its latest receipt handle, ordered by id.
    public func liveMessages() -> [QueueMessage] {
        var latest: [String: QueueMessage] = [:]
        for machine in machines.values {
            for message in machine.heldMessages {
                if let existing = latest[message.messageID], !message.isNewer(than: existing) { continue }
                latest[message.messageID] = message
            }
        }
        return latest.values.sorted { $0.messageID < $1.messageID }
    }

    /// Ends a job and says what becomes of the messages no other live job holds.
    private mutating func end(_ id: InstanceID, _ ending: Ending) -> MessageDisposal {
        guard let machine = machines.removeValue(forKey: id) else { return MessageDisposal() }
        release(machine.job.messages.values)
        let held = machine.heldMessages
        let freed = held.filter { holders[$0.messageID] == nil }
        if ending != .succeeded {
            // Messages other jobs still hold must not be deleted when those succeed.
            for message in held where holders[message.messageID] != nil { retained.insert(message.messageID) }
        }
        var disposal = MessageDisposal()
        for message in freed {
            let wasRetained = retained.remove(message.messageID) != nil
            switch ending {
            case .succeeded where !wasRetained:
                disposal.delete.append(message)
            case .failed where (message.receiveCount ?? 1) < maxReceiveCount:
                disposal.release.append(message)
            case .succeeded, .failed, .parked:
                disposal.leave.append(message)
            }
        }
        return disposal
    }

    /// Counts a job's hold on messages (placeholders aside).
    private mutating func hold(_ messages: some Sequence<QueueMessage>) {
        for message in messages where !JobMachine.isResumeMarker(message) {
            holders[message.messageID, default: 0] += 1
        }
    }

    /// Takes back a job's hold on messages; a message no job holds leaves the count.
    private mutating func release(_ messages: some Sequence<QueueMessage>) {
        for message in messages where !JobMachine.isResumeMarker(message) {
            let count = (holders[message.messageID] ?? 1) - 1
            holders[message.messageID] = count > 0 ? count : nil
        }
    }
}
