internal import Foundation
internal import Interruption

/// Deletes acknowledged messages in batches of up to 10, retrying failed entries.
///
/// Jobs that finish together share batches: ``run()`` sends whatever is pending, up to 10 messages per
/// `DeleteMessageBatch`. A failed entry (or a failed call) is tried again after a back-off, with the newest receipt
/// handle known for the message, up to `attempts` times; then it is counted as lost and logged (the message comes
/// back after its visibility timeout and its job runs again: acting twice is safe, losing an action is not).
actor Acknowledger {
    private let queue: any InterruptionQueue
    private let clock: any ControllerClock
    private let logger: ControllerLogger
    private let statistics: StatisticsRecorder
    private let attempts: Int
    private var pending: [String: (message: QueueMessage, attempt: Int)] = [:]
    private var wakeUp: CheckedContinuation<Void, Never>?

    init(
        queue: any InterruptionQueue, clock: any ControllerClock, logger: ControllerLogger,
        statistics: StatisticsRecorder, attempts: Int
    ) {
        self.queue = queue
        self.clock = clock
        self.logger = logger
        self.statistics = statistics
        self.attempts = max(1, attempts)
    }

    /// Messages waiting to be deleted.
    var pendingCount: Int { pending.count }

    /// Queues messages for deletion.
    func enqueue(_ messages: [QueueMessage]) {
        for message in messages {
            if let existing = pending[message.messageID], !message.isNewer(than: existing.message) { continue }
            pending[message.messageID] = (message, pending[message.messageID]?.attempt ?? 0)
        }
        if !messages.isEmpty, let wakeUp {
            self.wakeUp = nil
            wakeUp.resume()
        }
    }

    /// Sends batches until cancelled.
    func run() async {
        while !Task.isCancelled {
            if pending.isEmpty {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        if pending.isEmpty, !Task.isCancelled { wakeUp = continuation } else { continuation.resume() }
                    }
                } onCancel: {
                    Task { await self.wake() }  // Ends at once: resumes the wait so run() sees the cancellation.
                }
                continue
            }
            let failed = await sendOneBatch()
            if failed {
                // Back off a little before trying failed entries again (the others went out already).
                try? await clock.sleep(seconds: 1)
            }
        }
    }

    /// Sends everything pending now (shutdown), each entry tried up to `attempts` times without waiting.
    func flush() async {
        var rounds = 0
        while !pending.isEmpty, rounds < attempts * (pending.count / QueueBatch.maxEntries + 1) {
            rounds += 1
            _ = await sendOneBatch()
        }
    }

    private func wake() {
        if let wakeUp {
            self.wakeUp = nil
            wakeUp.resume()
        }
    }

    /// Sends one batch of the oldest-attempted entries; returns whether any entry failed.
    private func sendOneBatch() async -> Bool {
        let batch = pending.values.sorted { ($0.attempt, $0.message.messageID) < ($1.attempt, $1.message.messageID) }
            .prefix(QueueBatch.maxEntries).map(\.message)
        for message in batch { pending[message.messageID]?.attempt += 1 }
        var failures: [QueueEntryFailure]
        do {
            failures = try await queue.delete(Array(batch))
        } catch {
            logger.log(.warning, "DeleteMessageBatch failed", ["error": "\(error)", "messages": "\(batch.count)"])
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
                logger.log(
                    .error, "giving up deleting a message; it comes back after its visibility timeout",
                    ["sqs.message.id": failure.messageID, "error": failure.code])
            } else {
                logger.log(
                    .debug, "deleting a message failed; retrying",
                    ["sqs.message.id": failure.messageID, "error": failure.code])
            }
        }
        return !failures.isEmpty
    }
}
