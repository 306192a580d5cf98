internal import Foundation
internal import Interruption

/// The coordinator's shared state: the live jobs (one per instance), what each has done, the messages they hold,
/// and the in-flight budget the receivers reserve from.
///
/// Every change of a job goes through this actor, so a receive that adds an obligation and a handler that finishes
/// the job never race: ``tryFinish(_:handled:)`` ends a job only if nothing arrived since the handler looked.
actor JobBoard {
    /// What a job has done so far, beyond the job value itself.
    struct Progress: Sendable {
        /// What the controller found for the instance.
        var resolution: NodeResolution?
        /// The last successful cordon and the kinds it covered.
        var cordon: CordonReceipt?
        var cordonedKinds: Set<InterruptionKind> = []
        /// Whether the node was drained (or the deadline passed: the instance is going anyway).
        var drained = false
        /// Lifecycle tokens completed (or found no longer active).
        var completedTokens: Set<String> = []
        /// Lifecycle tokens whose heartbeats stopped (the action is gone).
        var heartbeatStoppedTokens: Set<String> = []
        /// When the last heartbeat round was sent.
        var lastHeartbeat: Date?
        /// Whether a handler runs for the job.
        var handlerStarted = false
        /// Set when the job was resumed from a node's annotations.
        var resumption: Resumption?
        /// The ids of the events recorded from messages (not from annotations).
        var seenEventIDs: Set<String> = []
        /// How many messages were recorded for the job: a handler waiting for them waits for this to change.
        var recordings = 0
    }

    /// What a job resumed from node annotations still expects from the queue.
    struct Resumption: Sendable {
        /// The event ids the annotations named: their messages are owed an acknowledgement.
        var eventIDs: Set<String>
        /// How long the finished job waits for those messages to come back before it ends without them.
        var awaitMessagesUntil: Date
        /// Whether that wait is over.
        var waitOver = false
    }

    /// What ending a job leaves to do with its messages.
    struct Disposal: Sendable, Equatable {
        /// Messages every holder finished with: delete them.
        var delete: [QueueMessage] = []
        /// Messages to make visible now (failed, under the receive-count limit).
        var release: [QueueMessage] = []
        /// Messages left to their visibility timeout (and, past the limit, to the redrive policy).
        var leave: [QueueMessage] = []
    }

    /// The answer of ``tryFinish(_:handled:)``.
    enum FinishAnswer: Sendable, Equatable {
        /// The job ended.
        case finished(Disposal)
        /// The job gained obligations since the handler's snapshot: go round again.
        case changed
    }

    private var jobs = InstanceJobs()
    private var progress: [InstanceID: Progress] = [:]
    /// Messages some job failed or parked: never deleted by another holder's success.
    private var retained: Set<String> = []
    private let maxInFlight: Int
    private let maxReceiveCount: Int
    private var reserved = 0
    private var capacityWaiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterID: UInt64 = 0
    private var recordingWaiters: [InstanceID: [UInt64: CheckedContinuation<Void, Never>]] = [:]

    /// The message id prefix of the placeholder that stands for a resumed job's messages until they come back; it
    /// never leaves the board (SQS message ids are UUIDs).
    static let resumeMarkerPrefix = "resumed/"

    init(maxInFlight: Int, maxReceiveCount: Int) {
        self.maxInFlight = max(1, maxInFlight)
        self.maxReceiveCount = maxReceiveCount
    }

    // MARK: In-flight budget

    /// Distinct messages held by live jobs.
    var liveMessageCount: Int { liveMessages().count }

    /// Waits until fewer than the maximum messages are in flight, then reserves room for up to `limit` more.
    ///
    /// - Returns: How many messages may be received (at least 1).
    func reserve(upTo limit: Int) async throws -> Int {
        while true {
            try Task.checkCancellation()
            let free = maxInFlight - liveMessageCount - reserved
            if free > 0 {
                let granted = min(limit, free)
                reserved += granted
                return granted
            }
            nextWaiterID += 1
            let id = nextWaiterID
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    capacityWaiters.append((id, continuation))
                }
            } onCancel: {
                Task { await self.cancelWaiter(id) }  // Ends at once; resumes the waiter with CancellationError.
            }
        }
    }

    /// Returns a reservation once the batch it covered is recorded.
    func unreserve(_ count: Int) {
        reserved = max(0, reserved - count)
        wakeCapacityWaiters()
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = capacityWaiters.firstIndex(where: { $0.id == id }) else { return }
        capacityWaiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func wakeCapacityWaiters() {
        let waiters = capacityWaiters
        capacityWaiters = []
        for waiter in waiters { waiter.continuation.resume() }
    }

    // MARK: Recording

    /// Records the events of one message; a message some job failed is no longer retained once received again.
    func record(_ events: [InterruptionEvent], message: QueueMessage) -> [JobUpdate] {
        retained.remove(message.messageID)
        let updates = jobs.record(events, message: message)
        for update in updates where progress[update.instanceID] == nil {
            progress[update.instanceID] = Progress()
        }
        for event in events {
            progress[event.instanceID]?.seenEventIDs.insert(event.eventID)
            progress[event.instanceID]?.recordings += 1
            for waiter in (recordingWaiters.removeValue(forKey: event.instanceID) ?? [:]).values {
                waiter.resume()
            }
        }
        return updates
    }

    // MARK: Resumed jobs

    /// Starts a job from the state a previous controller wrote on its node, before any of its messages is back.
    ///
    /// - Parameters:
    ///   - events: The events rebuilt from the annotations.
    ///   - progress: What is known done (the node, its cordon, the heartbeat schedule) and what the job awaits.
    /// - Returns: `false` when the instance already has a job.
    func resume(_ events: [InterruptionEvent], progress resumed: Progress) -> Bool {
        guard let first = events.first, jobs.jobs[first.instanceID] == nil else { return false }
        let marker = QueueMessage(
            messageID: Self.resumeMarkerPrefix + first.instanceID.rawValue, receiptHandle: "",
            receivedAt: first.receivedAt)
        jobs.record(events, message: marker)
        progress[first.instanceID] = resumed
        return true
    }

    /// When a resumed job whose work is done stops waiting for its messages, and the recordings count to wait on;
    /// `nil` when it awaits nothing (not resumed, every message back, or the wait is over).
    func awaitedMessages(_ id: InstanceID) -> (until: Date, recordings: Int)? {
        guard let progress = progress[id], let resumption = progress.resumption, !resumption.waitOver,
            !resumption.eventIDs.isSubset(of: progress.seenEventIDs)
        else { return nil }
        return (resumption.awaitMessagesUntil, progress.recordings)
    }

    /// Ends a resumed job's wait for its messages.
    func stopAwaitingMessages(_ id: InstanceID) {
        progress[id]?.resumption?.waitOver = true
    }

    /// Waits until a message is recorded for the job after `recordings`, or the caller is cancelled.
    func waitForRecording(_ id: InstanceID, after recordings: Int) async {
        guard let progress = progress[id], progress.recordings == recordings, !Task.isCancelled else { return }
        nextWaiterID += 1
        let key = nextWaiterID
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                recordingWaiters[id, default: [:]][key] = continuation
            }
        } onCancel: {
            Task { await self.cancelRecordingWaiter(id, key) }  // Ends at once; resumes the waiter.
        }
    }

    private func cancelRecordingWaiter(_ id: InstanceID, _ key: UInt64) {
        recordingWaiters[id]?.removeValue(forKey: key)?.resume()
    }

    /// Sets what the controller found for an instance.
    func setResolution(_ resolution: NodeResolution, for id: InstanceID) {
        progress[id]?.resolution = resolution
    }

    /// Records a cordon covering `kinds`.
    func setCordon(_ receipt: CordonReceipt, kinds: Set<InterruptionKind>, for id: InstanceID) {
        progress[id]?.cordon = receipt
        progress[id]?.cordonedKinds.formUnion(kinds)
    }

    /// Records a drain.
    func setDrained(_ id: InstanceID) {
        progress[id]?.drained = true
    }

    /// Records a completed lifecycle action.
    func setCompleted(token: String, for id: InstanceID) {
        progress[id]?.completedTokens.insert(token)
    }

    /// Stops heartbeats for one action.
    func stopHeartbeats(token: String, for id: InstanceID) {
        progress[id]?.heartbeatStoppedTokens.insert(token)
    }

    /// Records a heartbeat round.
    func setLastHeartbeat(_ date: Date, for id: InstanceID) {
        progress[id]?.lastHeartbeat = date
    }

    /// Marks the handler of a job as started; `false` when one already runs (or the job is gone).
    func claimHandler(_ id: InstanceID) -> Bool {
        guard progress[id]?.handlerStarted == false else { return false }
        progress[id]?.handlerStarted = true
        return true
    }

    /// The job and its progress, or `nil` once it ended.
    func snapshot(_ id: InstanceID) -> (job: InstanceJob, progress: Progress)? {
        guard let job = jobs.jobs[id], let progress = progress[id] else { return nil }
        return (job, progress)
    }

    /// The live job ids.
    var jobIDs: [InstanceID] { Array(jobs.jobs.keys) }

    /// Every message held by a live job, with its latest receipt handle, ordered by id.
    func liveMessages() -> [QueueMessage] {
        var latest: [String: QueueMessage] = [:]
        for job in jobs.jobs.values {
            for message in job.messages.values where !Self.isResumeMarker(message) {
                if let existing = latest[message.messageID], !message.isNewer(than: existing) { continue }
                latest[message.messageID] = message
            }
        }
        return latest.values.sorted { $0.messageID < $1.messageID }
    }

    // MARK: Ending jobs

    /// Ends a job whose handled obligations cover everything it holds now.
    ///
    /// - Parameters:
    ///   - id: The instance.
    ///   - handled: The job as the handler saw it when it started its last round.
    func tryFinish(_ id: InstanceID, handled: InstanceJob) -> FinishAnswer {
        guard let job = jobs.jobs[id] else { return .finished(Disposal()) }
        let tokens = Set(job.lifecycleActions.keys)
        if !job.kinds.isSubset(of: handled.kinds) || !tokens.isSubset(of: Set(handled.lifecycleActions.keys)) {
            return .changed
        }
        return .finished(end(id, outcome: .success))
    }

    /// Ends a job that failed: its messages go back to the queue now (or, past the receive-count limit, to the
    /// redrive policy).
    func fail(_ id: InstanceID) -> Disposal { end(id, outcome: .failure) }

    /// Ends a job that must wait: its messages come back after their visibility timeout.
    func park(_ id: InstanceID) -> Disposal { end(id, outcome: .park) }

    /// Ends a job without touching its messages (dry run).
    func drop(_ id: InstanceID) {
        _ = jobs.finish(id)
        progress[id] = nil
        wakeCapacityWaiters()
    }

    /// Ends every job for shutdown and returns every message they held (to release).
    func drainAll() -> [QueueMessage] {
        let messages = liveMessages()
        jobs = InstanceJobs()
        progress = [:]
        wakeCapacityWaiters()
        return messages
    }

    private enum Outcome { case success, failure, park }

    /// Whether a message is a resumed job's placeholder.
    static func isResumeMarker(_ message: QueueMessage) -> Bool {
        message.messageID.hasPrefix(resumeMarkerPrefix) && message.receiptHandle.isEmpty
    }

    private func end(_ id: InstanceID, outcome: Outcome) -> Disposal {
        let held = (jobs.jobs[id]?.pendingMessages ?? []).filter { !Self.isResumeMarker($0) }
        let freed = jobs.finish(id).filter { !Self.isResumeMarker($0) }
        progress[id] = nil
        for waiter in (recordingWaiters.removeValue(forKey: id) ?? [:]).values { waiter.resume() }
        if outcome != .success {
            // Messages other jobs still hold must not be deleted when those succeed.
            for message in held where !freed.contains(where: { $0.messageID == message.messageID }) {
                retained.insert(message.messageID)
            }
        }
        var disposal = Disposal()
        for message in freed {
            let wasRetained = retained.remove(message.messageID) != nil
            switch outcome {
            case .success where !wasRetained:
                disposal.delete.append(message)
            case .failure where (message.receiveCount ?? 1) < maxReceiveCount:
                disposal.release.append(message)
            case .success, .failure, .park:
                disposal.leave.append(message)
            }
        }
        wakeCapacityWaiters()
        return disposal
    }
}
