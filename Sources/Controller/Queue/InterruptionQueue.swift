public import Foundation
public import Interruption

/// The interruption queue as the controller uses it: long-poll receives, visibility extension, batched deletes and
/// releases.
///
/// Two implementations: ``SQSInterruptionQueue`` over Amazon SQS and the in-memory fake of the tests. Batch calls
/// take at most ``QueueBatch/maxEntries`` messages with distinct ids and report failures entry by entry.
public protocol InterruptionQueue: Sendable {
    /// Receives up to `maxMessages` messages, waiting up to `waitTimeSeconds` for the first (long polling).
    ///
    /// - Parameters:
    ///   - maxMessages: 1–10.
    ///   - waitTimeSeconds: 0–20.
    ///   - visibilityTimeoutSeconds: How long the received messages stay hidden from other receives.
    /// - Returns: The messages, possibly none.
    /// - Throws: The transport's error, or `CancellationError`.
    func receive(maxMessages: Int, waitTimeSeconds: Int, visibilityTimeoutSeconds: Int) async throws
        -> [ReceivedMessage]

    /// Hides messages for `timeoutSeconds` more from now (`ChangeMessageVisibilityBatch`).
    ///
    /// - Parameters:
    ///   - messages: At most 10, each with its latest receipt handle.
    ///   - timeoutSeconds: The new visibility timeout.
    /// - Returns: The entries that failed.
    /// - Throws: When the whole call failed.
    func extendVisibility(_ messages: [QueueMessage], timeoutSeconds: Int) async throws -> [QueueEntryFailure]

    /// Deletes messages (`DeleteMessageBatch`): the acknowledgement.
    ///
    /// - Parameter messages: At most 10, each with its latest receipt handle.
    /// - Returns: The entries that failed.
    /// - Throws: When the whole call failed.
    func delete(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure]

    /// Makes messages visible again at once (visibility timeout 0), for a prompt retry or on shutdown.
    ///
    /// - Parameter messages: At most 10, each with its latest receipt handle.
    /// - Returns: The entries that failed.
    /// - Throws: When the whole call failed.
    func release(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure]
}

/// Limits of the queue's batch calls.
public enum QueueBatch {
    /// The most entries one batch call takes (SQS's limit).
    public static let maxEntries = 10
}

/// One received message.
public struct ReceivedMessage: Sendable, Hashable {
    /// The SQS `MessageId`.
    public var messageID: String
    /// The `ReceiptHandle` of this receive (secret-ish: never logged).
    public var receiptHandle: String
    /// The body.
    public var body: String
    /// `ApproximateReceiveCount`: 1 on the first receive.
    public var receiveCount: Int
    /// `SentTimestamp`, when known.
    public var sentAt: Date?

    /// Creates a received message.
    ///
    /// - Parameters:
    ///   - messageID: The SQS `MessageId`.
    ///   - receiptHandle: The receipt handle.
    ///   - body: The body.
    ///   - receiveCount: `ApproximateReceiveCount`.
    ///   - sentAt: `SentTimestamp`.
    public init(messageID: String, receiptHandle: String, body: String, receiveCount: Int = 1, sentAt: Date? = nil) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.receiveCount = receiveCount
        self.sentAt = sentAt
    }
}

/// One entry of a batch call that failed.
public struct QueueEntryFailure: Sendable, Hashable, CustomStringConvertible {
    /// The message.
    public var messageID: String
    /// The error code, for example `ReceiptHandleIsInvalid`.
    public var code: String
    /// The service's message.
    public var message: String?
    /// Whether the request was at fault (retrying the same entry will not help).
    public var senderFault: Bool

    /// Creates a failure.
    ///
    /// - Parameters:
    ///   - messageID: The message.
    ///   - code: The error code.
    ///   - message: The service's message.
    ///   - senderFault: Whether the request was at fault.
    public init(messageID: String, code: String, message: String? = nil, senderFault: Bool = false) {
        self.messageID = messageID
        self.code = code
        self.message = message
        self.senderFault = senderFault
    }

    /// `message <id>: <code> (<message>)`.
    public var description: String {
        "message \(messageID): \(code)" + (message.map { " (\($0))" } ?? "")
    }
}
