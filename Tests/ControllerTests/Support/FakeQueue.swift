import Controller
import Foundation
import Interruption
import Locking

/// An in-memory SQS queue with visibility timeouts on a ``ManualClock``, receive counts, per-entry failures and a log
/// of every call.
final class FakeQueue: InterruptionQueue {
    struct Stored {
        var id: String
        var body: String
        var receiveCount = 0
        var handle: String?
        var visibleAt: Date
        var deleted = false
        var sentAt: Date?
    }

    struct Calls {
        var receives = 0
        var receiveSizes: [Int] = []
        var extendBatches: [[String]] = []
        var deleteBatches: [[String]] = []
        var releaseBatches: [[String]] = []
        var staleHandles = 0
    }

    private struct State {
        var messages: [String: Stored] = [:]
        var order: [String] = []
        var nextID = 0
        var calls = Calls()
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        /// Deletes of these message ids fail this many more times.
        var deleteFailures: [String: Int] = [:]
        var receiveFailures = 0
        var version: UInt64 = 0
        var cancelledWaiters: Set<UInt64> = []
    }

    private let state = Lock(State())
    private let extensionHook = Lock<(@Sendable () async -> Void)?>(nil)
    let clock: ManualClock

    init(clock: ManualClock) {
        self.clock = clock
        clock.onAdvance { [weak self] in self?.wakeAll() }
    }

    /// Sends a message (with its `SentTimestamp`, if given); returns its id.
    @discardableResult
    func send(_ body: String, sentAt: Date? = nil) -> String {
        let id = state.withLock { state -> String in
            state.nextID += 1
            let id = String(format: "m-%04d", state.nextID)
            state.messages[id] = Stored(id: id, body: body, visibleAt: .distantPast, sentAt: sentAt)
            state.order.append(id)
            return id
        }
        wakeAll()
        return id
    }

    var calls: Calls { state.withLock { $0.calls } }

    /// Messages not deleted.
    var remaining: Int { state.withLock { $0.messages.values.filter { !$0.deleted }.count } }

    /// A message's receive count.
    func receiveCount(_ id: String) -> Int { state.withLock { $0.messages[id]?.receiveCount ?? 0 } }

    /// Whether a message was deleted.
    func isDeleted(_ id: String) -> Bool { state.withLock { $0.messages[id]?.deleted ?? false } }

    /// Whether a message is visible now.
    func isVisible(_ id: String) -> Bool {
        state.withLock { state in
            guard let message = state.messages[id], !message.deleted else { return false }
            return message.visibleAt <= clock.now
        }
    }

    /// Makes the next deletes of `id` fail `times` times.
    func failDeletes(of id: String, times: Int) { state.withLock { $0.deleteFailures[id] = times } }

    /// Makes the next `count` receives throw, waking the receives waiting now (they fail at once).
    func failReceives(_ count: Int) {
        state.withLock { $0.receiveFailures = count }
        wakeAll()
    }

    func receive(maxMessages: Int, waitTimeSeconds: Int, visibilityTimeoutSeconds: Int) async throws
        -> [ReceivedMessage]
    {
        while true {
            try Task.checkCancellation()
            // The version is read before the time: an advance between the two then bumps the version, and the
            // wait below returns at once instead of missing the messages the advance made visible.
            let version = state.withLock { $0.version }
            let now = clock.now
            let result = state.withLock { state in
                Self.take(&state, maxMessages: maxMessages, now: now, visibility: visibilityTimeoutSeconds)
            }
            if let result { return try result.get() }
            await waitForChange(since: version)
        }
    }

    private static func take(
        _ state: inout State, maxMessages: Int, now: Date, visibility visibilityTimeoutSeconds: Int
    )
        -> Result<[ReceivedMessage], any Error>?
    {
        if state.receiveFailures > 0 {
            state.receiveFailures -= 1
            return .failure(FakeError("ReceiveMessage failed (injected)"))
        }
        var batch: [ReceivedMessage] = []
        for id in state.order where batch.count < maxMessages {
            guard var message = state.messages[id], !message.deleted, message.visibleAt <= now else { continue }
            message.receiveCount += 1
            message.handle = "\(id)-h\(message.receiveCount)"
            message.visibleAt = now.addingTimeInterval(TimeInterval(visibilityTimeoutSeconds))
            state.messages[id] = message
            batch.append(
                ReceivedMessage(
                    messageID: id, receiptHandle: message.handle ?? "", body: message.body,
                    receiveCount: message.receiveCount, sentAt: message.sentAt))
        }
        guard !batch.isEmpty else { return nil }
        state.calls.receives += 1
        state.calls.receiveSizes.append(batch.count)
        return .success(batch)
    }

    private func waitForChange(since version: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = Task.isCancelled
                let registered = state.withLock { state -> Bool in
                    guard !cancelled, state.cancelledWaiters.remove(id) == nil, state.version == version else {
                        return false
                    }
                    state.waiters[id] = continuation
                    return true
                }
                if !registered { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelledWaiters.insert(id)
                    return nil
                }
                return waiter
            }?.resume()
        }
    }

    private func wakeAll() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer {
                state.waiters = [:]
                state.version += 1
            }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs `hook` inside the next `extendVisibility` call, before the queue answers it (to stage races).
    func beforeNextExtension(_ hook: @escaping @Sendable () async -> Void) {
        extensionHook.withLock { $0 = hook }
    }

    func extendVisibility(_ messages: [QueueMessage], timeoutSeconds: Int) async throws -> [QueueEntryFailure] {
        let hook = extensionHook.withLock { hook in
            defer { hook = nil }
            return hook
        }
        if let hook { await hook() }
        let failures = changeVisibility(messages, timeoutSeconds: timeoutSeconds, record: \.extendBatches)
        return failures
    }

    func release(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure] {
        let failures = changeVisibility(messages, timeoutSeconds: 0, record: \.releaseBatches)
        wakeAll()
        return failures
    }

    func delete(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure] {
        precondition(messages.count <= 10, "a batch of more than 10 entries")
        return state.withLock { state in
            state.calls.deleteBatches.append(messages.map(\.messageID))
            var failures: [QueueEntryFailure] = []
            for entry in messages {
                if let remaining = state.deleteFailures[entry.messageID], remaining > 0 {
                    state.deleteFailures[entry.messageID] = remaining - 1
                    failures.append(QueueEntryFailure(messageID: entry.messageID, code: "InternalError"))
                    continue
                }
                guard var message = state.messages[entry.messageID], message.handle == entry.receiptHandle else {
                    state.calls.staleHandles += 1
                    failures.append(
                        QueueEntryFailure(messageID: entry.messageID, code: "ReceiptHandleIsInvalid", senderFault: true)
                    )
                    continue
                }
                message.deleted = true
                state.messages[entry.messageID] = message
            }
            return failures
        }
    }

    private func changeVisibility(
        _ messages: [QueueMessage], timeoutSeconds: Int, record: WritableKeyPath<Calls, [[String]]>
    ) -> [QueueEntryFailure] {
        precondition(messages.count <= 10, "a batch of more than 10 entries")
        let now = clock.now
        return state.withLock { state in
            state.calls[keyPath: record].append(messages.map(\.messageID))
            var failures: [QueueEntryFailure] = []
            for entry in messages {
                guard var message = state.messages[entry.messageID], !message.deleted,
                    message.handle == entry.receiptHandle
                else {
                    state.calls.staleHandles += 1
                    failures.append(
                        QueueEntryFailure(messageID: entry.messageID, code: "ReceiptHandleIsInvalid", senderFault: true)
                    )
                    continue
                }
                message.visibleAt = now.addingTimeInterval(TimeInterval(timeoutSeconds))
                state.messages[entry.messageID] = message
            }
            return failures
        }
    }
}

struct FakeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
