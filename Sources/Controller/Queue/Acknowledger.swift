import Clocks
internal import Foundation
internal import Interruption
internal import Locking
import Logging

/// Deletes acknowledged messages in batches of up to 10, retrying failed entries.
///
/// Jobs that finish together share batches: ``run()`` sends up to 10 messages per `DeleteMessageBatch` and up to
/// ``maxBatchesInFlight`` batches at once (a mass reclaim finishes hundreds of jobs within seconds). A batch goes
/// out when it is full, or when its oldest message has waited ``batchWait`` (0.5 s): jobs of a reclaim end a few
/// milliseconds apart, and without the wait each would cost a call of its own. Retries and ``flush()`` do not wait. A failed entry (or a failed call) is tried again after a back-off, with the newest receipt
/// handle known for the message, up to `attempts` times; then it is counted as lost and logged (the message comes
/// back after its visibility timeout and its job runs again: acting twice is safe, losing an action is not).
/// Until its delete succeeds, a message stays in ``pendingMessages()``, which the visibility extender keeps hidden:
/// a slow or throttled delete never lets a finished job's message come back.
actor Acknowledger {
    private let queue: any InterruptionQueue
    private let clock: any WallClock
    private let logger: Logger
    private let statistics: StatisticsRecorder
    private let attempts: Int
    private var pending: [String: (message: QueueMessage, attempt: Int, queuedAt: ContinuousClock.Instant)] = [:]
    /// Entries of batches out now, so that concurrent batches never carry the same message.
    private var sending: Set<String> = []
    /// Rung when messages are queued.
    private let wakeUp = WakeUp()

    /// `DeleteMessageBatch` calls out at once.
    static let maxBatchesInFlight = 4
    /// How long a message waits for others to share its batch. Measured on the monotonic clock, not the injected
    /// one: it is a batching delay, not a time the domain reasons about.
    let batchWait: Duration

    init(
        queue: any InterruptionQueue, clock: any WallClock, logger: Logger,
        statistics: StatisticsRecorder, attempts: Int, batchWait: Duration = .milliseconds(500)
    ) {
        self.batchWait = batchWait
        self.queue = queue
        self.clock = clock
        self.logger = logger
        self.statistics = statistics
        self.attempts = max(1, attempts)
    }

    /// Messages waiting to be deleted.
    var pendingCount: Int { pending.count }

    /// The messages not deleted yet (with the newest receipt handle known), for the visibility extender.
    func pendingMessages() -> [QueueMessage] { pending.values.map(\.message) }

    /// Queues messages for deletion.
    func enqueue(_ messages: [QueueMessage]) {
        for message in messages {
            if let existing = pending[message.messageID], !message.isNewer(than: existing.message) { continue }
            let earlier = pending[message.messageID]
            pending[message.messageID] = (message, earlier?.attempt ?? 0, earlier?.queuedAt ?? .now)
        }
        if !messages.isEmpty { wakeUp.signal() }
    }

    /// Sends batches until cancelled, up to ``maxBatchesInFlight`` at once.
    func run() async {
        await withTaskGroup(of: Bool.self) { group in
            var running = 0
            while !Task.isCancelled {
                if running < Self.maxBatchesInFlight, let batch = nextBatch() {
                    running += 1
                    group.addTask { await self.send(batch) }
                    continue
                }
                if running > 0 {
                    let failed = await group.next() ?? false
                    running -= 1
                    // Back off a little before trying failed entries again (the others went out already).
                    if failed { try? await clock.sleep(seconds: 1) }
                    continue
                }
                if let due = batchDue() {
                    // A partial batch waits for company; messages arriving meanwhile join it.
                    try? await Task.sleep(until: due, clock: .continuous)
                    continue
                }
                await wakeUp.wait()
            }
        }
    }

    /// Sends everything pending now (shutdown), each entry tried up to `attempts` times without waiting.
    func flush() async {
        var rounds = 0
        while !pending.isEmpty, rounds < attempts * (pending.count / QueueBatch.maxEntries + 1) {
            rounds += 1
            guard let batch = nextBatch(waiting: false) else { break }
            _ = await send(batch)
        }
    }

    /// When the partial batch waiting now is due (its oldest message's ``batchWait`` ends); `nil` when nothing waits.
    private func batchDue() -> ContinuousClock.Instant? {
        pending.values.filter { !sending.contains($0.message.messageID) }.map(\.queuedAt).min()
            .map { $0.advanced(by: batchWait) }
    }

    /// The oldest-attempted entries not out already, marked as out; `nil` when there are none, or (unless
    /// `waiting` is false) when they make a partial batch of first attempts whose oldest has not waited
    /// ``batchWait`` yet.
    private func nextBatch(waiting: Bool = true) -> [QueueMessage]? {
        let candidates = pending.values.filter { !sending.contains($0.message.messageID) }
        if waiting, candidates.count < QueueBatch.maxEntries, candidates.allSatisfy({ $0.attempt == 0 }),
            let oldest = candidates.map(\.queuedAt).min(), oldest.advanced(by: batchWait) > .now
        {
            return nil
        }
        let batch =
            candidates
            .sorted { ($0.attempt, $0.message.messageID) < ($1.attempt, $1.message.messageID) }
            .prefix(QueueBatch.maxEntries).map(\.message)
        guard !batch.isEmpty else { return nil }
        for message in batch {
            pending[message.messageID]?.attempt += 1
            sending.insert(message.messageID)
        }
        return Array(batch)
    }

    /// Sends one batch; returns whether any entry failed.
    private func send(_ batch: [QueueMessage]) async -> Bool {
        defer { for message in batch { sending.remove(message.messageID) } }
        var failures: [QueueEntryFailure]
        do {
            failures = try await queue.delete(batch)
        } catch {
            logger.warning("DeleteMessageBatch failed", metadata: ["error": "\(error)", "messages": "\(batch.count)"])
            failures = batch.map { QueueEntryFailure(messageID: $0.messageID, code: "CallFailed") }
        }
        let failedIDs = Set(failures.map(\.messageID))
        for message in batch where !failedIDs.contains(message.messageID) {
            // Keep an entry that a newer receive refreshed while the call was out.
            if let entry = pending[message.messageID], entry.message == message { pending[message.messageID] = nil }
        }
        statistics.add(\.messagesDeleted, batch.count - failedIDs.count)
        for failure in failures {
            guard let entry = pending[failure.messageID] else { continue }
            if entry.attempt >= attempts {
                pending[failure.messageID] = nil
                statistics.add(\.deleteFailures, 1)
                logger.error(
                    "giving up deleting a message; it comes back after its visibility timeout",
                    metadata: ["sqs.message.id": "\(failure.messageID)", "error": "\(failure.code)"])
            } else {
                logger.debug(
                    "deleting a message failed; retrying",
                    metadata: ["sqs.message.id": "\(failure.messageID)", "error": "\(failure.code)"])
            }
        }
        return !failures.isEmpty
    }
}
