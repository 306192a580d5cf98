public import Controller
internal import Foundation
public import Interruption

/// An in-memory SQS queue for `simulate`: visibility timeouts on the wall clock, receipt handles that change with
/// each receive (a stale one is refused, as SQS does), long polls, and `SentTimestamp`.
public actor SimulatedQueue: InterruptionQueue {
    private struct Stored {
        var body: String
        var sentAt: Date
        var visibleAt: Date
        var receiveCount = 0
        var handle: String?
    }

    private var messages: [String: Stored] = [:]
    private var order: [String] = []
    private var nextID = 0

    /// An empty queue.
    public init() {}

    /// Sends a message; returns its id.
    @discardableResult
    public func send(_ body: String) -> String {
        nextID += 1
        let id = String(format: "sim-%06d", nextID)
        let now = Date()
        messages[id] = Stored(body: body, sentAt: now, visibleAt: now)
        order.append(id)
        return id
    }

    /// Messages not deleted yet, visible or not.
    public var depth: Int { messages.count }

    public func receive(maxMessages: Int, waitTimeSeconds: Int, visibilityTimeoutSeconds: Int) async throws
        -> [ReceivedMessage]
    {
        let end = Date().addingTimeInterval(TimeInterval(waitTimeSeconds))
        while true {
            try Task.checkCancellation()
            let batch = take(maxMessages, hideFor: visibilityTimeoutSeconds)
            if !batch.isEmpty || Date() >= end { return batch }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func take(_ count: Int, hideFor seconds: Int) -> [ReceivedMessage] {
        let now = Date()
        var batch: [ReceivedMessage] = []
        for id in order where batch.count < count {
            guard var message = messages[id], message.visibleAt <= now else { continue }
            message.receiveCount += 1
            message.handle = "\(id)/\(message.receiveCount)"
            message.visibleAt = now.addingTimeInterval(TimeInterval(seconds))
            messages[id] = message
            batch.append(
                ReceivedMessage(
                    messageID: id, receiptHandle: message.handle ?? "", body: message.body,
                    receiveCount: message.receiveCount, sentAt: message.sentAt))
        }
        return batch
    }

    public func extendVisibility(_ messages: [QueueMessage], timeoutSeconds: Int) async throws -> [QueueEntryFailure] {
        setVisibility(messages, seconds: timeoutSeconds)
    }

    public func release(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure] {
        setVisibility(messages, seconds: 0)
    }

    public func delete(_ batch: [QueueMessage]) async throws -> [QueueEntryFailure] {
        var failures: [QueueEntryFailure] = []
        for entry in batch {
            guard let stored = messages[entry.messageID], stored.handle == entry.receiptHandle else {
                failures.append(Self.invalidHandle(entry))
                continue
            }
            messages[entry.messageID] = nil
            order.removeAll { $0 == entry.messageID }
        }
        return failures
    }

    private func setVisibility(_ batch: [QueueMessage], seconds: Int) -> [QueueEntryFailure] {
        var failures: [QueueEntryFailure] = []
        for entry in batch {
            guard var stored = messages[entry.messageID], stored.handle == entry.receiptHandle else {
                failures.append(Self.invalidHandle(entry))
                continue
            }
            stored.visibleAt = Date().addingTimeInterval(TimeInterval(seconds))
            messages[entry.messageID] = stored
        }
        return failures
    }

    private static func invalidHandle(_ entry: QueueMessage) -> QueueEntryFailure {
        QueueEntryFailure(
            messageID: entry.messageID, code: "ReceiptHandleIsInvalid",
            message: "The receipt handle has expired or the message is gone.", senderFault: true)
    }
}

/// Auto Scaling for `simulate`: every lifecycle action is pending until completed; heartbeats and completions are
/// recorded.
public actor SimulatedLifecycleActions: LifecycleActions {
    /// Heartbeats recorded.
    public private(set) var heartbeats = 0
    /// Completed actions: the instance id and the result.
    public private(set) var completions: [(instanceID: String, result: LifecycleCompletion)] = []
    private var completedTokens: Set<String> = []

    /// No actions completed yet.
    public init() {}

    public func recordHeartbeat(_ action: LifecycleAction) async throws -> LifecycleCallResult {
        heartbeats += 1
        return .accepted
    }

    public func complete(_ action: LifecycleAction, result: LifecycleCompletion) async throws -> LifecycleCallResult {
        let key = action.token.isEmpty ? "instance/\(action.instanceID.rawValue)/\(action.hookName)" : action.token
        guard completedTokens.insert(key).inserted else { return .noActiveAction }
        completions.append((action.instanceID.rawValue, result))
        return .accepted
    }
}

/// EC2 for `simulate`: every simulated instance is running and carries the managed tag.
public struct SimulatedInstanceDirectory: InstanceDirectory {
    /// Instance id → private DNS name (the node name).
    let instances: [InstanceID: String]

    /// A directory of these instances.
    public init(instances: [InstanceID: String]) {
        self.instances = instances
    }

    public func describe(_ instanceIDs: Set<InstanceID>) async throws -> [InstanceID: InstanceRecord] {
        var records: [InstanceID: InstanceRecord] = [:]
        for id in instanceIDs {
            guard let name = instances[id] else { continue }
            records[id] = InstanceRecord(
                instanceID: id, privateDNSName: name, state: "running",
                tags: ["aws-node-termination-handler/managed": ""])
        }
        return records
    }
}
