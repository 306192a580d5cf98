public import Foundation

/// One receive of an SQS message: what deleting it, or changing its visibility, needs.
///
/// A message that is received again (after its visibility timeout) has the same ``messageID`` and a new
/// ``receiptHandle``; only the latest handle is sure to work. See
/// [DeleteMessage](https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html).
public struct QueueMessage: Sendable, Hashable {
    /// The SQS `MessageId`.
    public var messageID: String
    /// The `ReceiptHandle` of this receive.
    public var receiptHandle: String
    /// When this receive happened.
    public var receivedAt: Date
    /// The `ApproximateReceiveCount` attribute, when requested.
    public var receiveCount: Int?

    /// Creates a received message.
    ///
    /// - Parameters:
    ///   - messageID: The SQS `MessageId`.
    ///   - receiptHandle: The `ReceiptHandle` of this receive.
    ///   - receivedAt: When this receive happened.
    ///   - receiveCount: The `ApproximateReceiveCount` attribute.
    public init(messageID: String, receiptHandle: String, receivedAt: Date, receiveCount: Int? = nil) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.receivedAt = receivedAt
        self.receiveCount = receiveCount
    }

    /// Whether `self` is a later receive than `other` of the same message: a later ``receivedAt``, ties broken by
    /// the handle so that the latest handle does not depend on the order receives are recorded in.
    public func isNewer(than other: QueueMessage) -> Bool {
        if receivedAt != other.receivedAt { return receivedAt > other.receivedAt }
        return receiptHandle > other.receiptHandle
    }
}

/// A lifecycle action a job must complete, with when it started (for heartbeats and its expiry).
public struct PendingLifecycleAction: Sendable, Hashable {
    /// The action.
    public var action: LifecycleAction
    /// The event `time`: when the hook started holding the instance.
    public var startedAt: Date

    /// Creates a pending action.
    ///
    /// - Parameters:
    ///   - action: The action.
    ///   - startedAt: When the hook started holding the instance.
    public init(action: LifecycleAction, startedAt: Date) {
        self.action = action
        self.startedAt = startedAt
    }
}
