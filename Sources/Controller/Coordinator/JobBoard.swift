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
        return updates
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
            for message in job.messages.values {
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

    private func end(_ id: InstanceID, outcome: Outcome) -> Disposal {
        let held = jobs.jobs[id]?.pendingMessages ?? []
        let freed = jobs.finish(id)
        progress[id] = nil
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
