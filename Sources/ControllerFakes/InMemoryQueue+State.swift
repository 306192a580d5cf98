internal import Clocks
internal import Controller
internal import Foundation
internal import Interruption
internal import Locking

extension InMemoryQueue {
    static func take(_ state: inout State, maxMessages: Int, now: Date, visibility: Int)
        -> Result<[ReceivedMessage], any Error>?
    {
        if state.receiveFailures > 0 {
            state.receiveFailures -= 1
            return .failure(InjectedFault("ReceiveMessage failed (injected)"))
        }
        var batch: [ReceivedMessage] = []
        for id in state.order where batch.count < maxMessages {
            guard var message = state.messages[id], !message.deleted, message.visibleAt <= now else { continue }
            message.receiveCount += 1
            if message.firstReceivedAt == nil { message.firstReceivedAt = now }
            message.handle = "\(id)-h\(message.receiveCount)"
            message.visibleAt = now.addingTimeInterval(TimeInterval(visibility))
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

    func changeVisibility(
        _ messages: [QueueMessage], timeoutSeconds: Int, record: WritableKeyPath<Calls, [[String]]>
    ) -> [QueueEntryFailure] {
        precondition(messages.count <= QueueBatch.maxEntries, "a batch of more than 10 entries")
        let now = clock.now
        return state.withLock { state in
            state.calls[keyPath: record].append(messages.map(\.messageID))
            var failures: [QueueEntryFailure] = []
            for entry in messages {
                guard var message = state.messages[entry.messageID], !message.deleted,
                    message.handle == entry.receiptHandle
                else {
                    state.calls.staleHandles += 1
                    failures.append(Self.invalidHandle(entry))
                    continue
                }
                message.visibleAt = now.addingTimeInterval(TimeInterval(timeoutSeconds))
                state.messages[entry.messageID] = message
            }
            return failures
        }
    }

    static func invalidHandle(_ entry: QueueMessage) -> QueueEntryFailure {
        QueueEntryFailure(
            messageID: entry.messageID, code: "ReceiptHandleIsInvalid",
            message: "The receipt handle has expired or the message is gone.", senderFault: true)
    }

    /// Waits until something a long poll waits for changed since `version`: a send, a release, a move of an
    /// observable clock; on a clock that cannot tell, at most 20 ms.
    func waitForChange(since version: UInt64) async {
        guard clock is any AdvanceObservable else {
            try? await Task.sleep(for: .milliseconds(20))
            return
        }
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

    /// Wakes every long poll waiting now.
    func wakeAll() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer {
                state.waiters = [:]
                state.version += 1
            }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A failure the fakes inject on demand.
public struct InjectedFault: Error, CustomStringConvertible {
    /// What failed.
    public let description: String

    /// A fault described as `description`.
    public init(_ description: String) { self.description = description }
}
