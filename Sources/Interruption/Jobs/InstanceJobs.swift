/// The live jobs, one per instance, and the messages they share.
///
/// An AWS Health event for three instances is one message held by three jobs: it is acknowledged only when the last
/// of them finishes. A value type: the controller owns one and feeds it decoded messages and job completions.
public struct InstanceJobs: Sendable, Hashable {
    /// The live jobs by instance.
    public private(set) var jobs: [InstanceID: InstanceJob] = [:]

    /// Creates an empty set of jobs.
    public init() {}

    /// Records the events decoded from one message.
    ///
    /// - Parameters:
    ///   - events: The events (``DecodeOutcome/events``).
    ///   - message: The message they came in.
    /// - Returns: One update per event, in order.
    @discardableResult
    public mutating func record(_ events: [InterruptionEvent], message: QueueMessage) -> [JobUpdate] {
        events.map { event in
            if var job = jobs[event.instanceID] {
                let update = job.record(event, message: message)
                jobs[event.instanceID] = job
                return update
            }
            jobs[event.instanceID] = InstanceJob(event: event, message: message)
            return JobUpdate.newJob(event)
        }
    }

    /// Ends a job and says which messages are now safe to acknowledge.
    ///
    /// - Parameter instanceID: The instance whose job is done.
    /// - Returns: The job's messages that no other live job still holds, with their latest receipt handle, or an
    ///   empty array when there was no such job.
    public mutating func finish(_ instanceID: InstanceID) -> [QueueMessage] {
        guard let job = jobs.removeValue(forKey: instanceID) else { return [] }
        return job.pendingMessages.filter { message in
            !jobs.values.contains { $0.messages[message.messageID] != nil }
        }
    }

    /// Records a later receive of a message, in every job that holds it.
    ///
    /// - Parameter message: The receive.
    public mutating func refresh(_ message: QueueMessage) {
        for id in jobs.keys { jobs[id]?.refresh(message) }
    }
}
