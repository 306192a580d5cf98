internal import Foundation
internal import Interruption

/// The coordinator's shared state: the live jobs' machines (``JobLedger``), the in-flight budget the receivers
/// reserve from, and the handlers waiting for a message.
///
/// Every change of a job goes through this actor, so a receive that adds an obligation and a handler that finishes
/// the job never race: ``next(_:)`` ends a job only if nothing arrived since its round began.
actor JobBoard {
    private var ledger: JobLedger
    private let policy: ActionPolicy
    private let maxInFlight: Int
    private var reserved = 0
    private var capacityWaiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterID: UInt64 = 0
    private var recordingWaiters: [InstanceID: [UInt64: CheckedContinuation<Void, Never>]] = [:]

    init(maxInFlight: Int, maxReceiveCount: Int, policy: ActionPolicy) {
        self.maxInFlight = max(1, maxInFlight)
        self.ledger = JobLedger(maxReceiveCount: maxReceiveCount)
        self.policy = policy
    }

    // MARK: In-flight budget

    /// Distinct messages held by live jobs.
    var liveMessageCount: Int { ledger.liveMessageCount }

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

    /// Records the events of one message (it joins, or starts, each event's job) and wakes the handlers waiting for
    /// a message of those jobs.
    func record(_ events: [InterruptionEvent], message: QueueMessage) -> [JobUpdate] {
        let updates = ledger.record(events, message: message)
        for event in events { wakeRecordingWaiters(event.instanceID) }
        return updates
    }

    /// Starts a job from the state a previous controller wrote on its node, before any of its messages is back.
    ///
    /// - Returns: `false` when the instance already has a job.
    func resume(_ machine: JobMachine) -> Bool { ledger.resume(machine) }

    /// Waits until a message is recorded for the job after `recordings`, or the caller is cancelled.
    func waitForRecording(_ id: InstanceID, after recordings: Int) async {
        guard ledger.machines[id]?.recordings == recordings, !Task.isCancelled else { return }
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

    private func wakeRecordingWaiters(_ id: InstanceID) {
        for waiter in (recordingWaiters.removeValue(forKey: id) ?? [:]).values { waiter.resume() }
    }

    // MARK: The jobs' machines

    /// Passes an input to a job's machine (dropped once the job ended).
    func handle(_ input: JobInput, for id: InstanceID) {
        ledger.handle(input, for: id)
    }

    /// Marks the handler of a job as started; `false` when one already runs (or the job is gone).
    func claimHandler(_ id: InstanceID) -> Bool { ledger.claimHandler(id) }

    /// The next action of a job's handler (``JobMachine/next(policy:)``); a finish or a park ends the job here, with
    /// what becomes of its messages.
    ///
    /// - Returns: The step, or `nil` once the job ended.
    func next(_ id: InstanceID) -> JobLedger.Step? {
        let step = ledger.next(id, policy: policy)
        if let step, step.action == .finish || step.action == .park { ended(id) }
        return step
    }

    /// The job's machine, or `nil` once the job ended.
    func snapshot(_ id: InstanceID) -> JobMachine? { ledger.machines[id] }

    /// The cordon a job needs now (``JobMachine/cordonSteps(policy:)``), with the job, or `nil`.
    func pendingCordon(_ id: InstanceID) -> (machine: JobMachine, steps: [NodeAction])? {
        guard let machine = ledger.machines[id], let steps = machine.cordonSteps(policy: policy) else { return nil }
        return (machine, steps)
    }

    /// The live job ids.
    var jobIDs: [InstanceID] { Array(ledger.machines.keys) }

    /// Whether no job is live.
    var isIdle: Bool { ledger.machines.isEmpty }

    /// Every message held by a live job, with its latest receipt handle, ordered by id.
    func liveMessages() -> [QueueMessage] { ledger.liveMessages() }

    // MARK: Ending jobs

    /// Ends a job that failed: its messages go back to the queue now (or, past the receive-count limit, to the
    /// redrive policy).
    func fail(_ id: InstanceID) -> MessageDisposal {
        let disposal = ledger.fail(id)
        ended(id)
        return disposal
    }

    /// Ends a job without touching its messages (dry run).
    func drop(_ id: InstanceID) {
        ledger.drop(id)
        ended(id)
    }

    /// Ends every job for shutdown and returns every message they held (to release).
    func drainAll() -> [QueueMessage] {
        let messages = ledger.shutDown()
        wakeCapacityWaiters()
        return messages
    }

    /// Wakes whoever waits on an ended job: its handler's wait for a message, the receivers' wait for room.
    private func ended(_ id: InstanceID) {
        wakeRecordingWaiters(id)
        wakeCapacityWaiters()
    }
}
