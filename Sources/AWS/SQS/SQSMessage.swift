public import Foundation

/// A message received from an SQS queue.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Message.html>.
public struct SQSMessage: Sendable, Equatable {
    /// The message id, stable across receives.
    public var messageID: String
    /// The handle of this receive, needed to delete the message or change its visibility; changes on every receive.
    public var receiptHandle: String
    /// The body.
    public var body: String
    /// The MD5 of the body as SQS computed it.
    public var md5OfBody: String?
    /// System attributes asked for, e.g. `SentTimestamp` and `ApproximateReceiveCount` (values are strings).
    public var attributes: [String: String]
    /// Message attributes set by the sender.
    public var messageAttributes: [String: SQSMessageAttribute]

    /// Creates a message.
    ///
    /// - Parameters:
    ///   - messageID: the message id.
    ///   - receiptHandle: the receipt handle.
    ///   - body: the body.
    ///   - md5OfBody: the body's MD5.
    ///   - attributes: the system attributes.
    ///   - messageAttributes: the message attributes.
    public init(
        messageID: String, receiptHandle: String, body: String, md5OfBody: String? = nil,
        attributes: [String: String] = [:], messageAttributes: [String: SQSMessageAttribute] = [:]
    ) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.md5OfBody = md5OfBody
        self.attributes = attributes
        self.messageAttributes = messageAttributes
    }

    /// When the message was sent (`SentTimestamp`, epoch milliseconds), if that attribute was asked for.
    public var sentTimestamp: Date? {
        attributes["SentTimestamp"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
    }

    /// How many times the message was received (`ApproximateReceiveCount`), if that attribute was asked for.
    public var approximateReceiveCount: Int? {
        attributes["ApproximateReceiveCount"].flatMap { Int($0) }
    }
}

/// A message attribute: a type and a string or binary value.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html>.
public struct SQSMessageAttribute: Sendable, Equatable {
    /// `String`, `Number`, `Binary`, or one of those with a custom suffix (`Number.float`).
    public var dataType: String
    /// The value of `String` and `Number` attributes.
    public var stringValue: String?
    /// The value of `Binary` attributes.
    public var binaryValue: Data?

    /// Creates an attribute.
    ///
    /// - Parameters:
    ///   - dataType: the data type.
    ///   - stringValue: the string value.
    ///   - binaryValue: the binary value.
    public init(dataType: String, stringValue: String? = nil, binaryValue: Data? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    /// A `String` attribute.
    ///
    /// - Parameter value: the string.
    /// - Returns: the attribute.
    public static func string(_ value: String) -> SQSMessageAttribute {
        SQSMessageAttribute(dataType: "String", stringValue: value)
    }
}

/// One entry of `DeleteMessageBatch`.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatchRequestEntry.html>.
public struct SQSDeleteEntry: Sendable, Equatable {
    /// An id unique within the batch (up to 80 of `[A-Za-z0-9_-]`), echoed in the result.
    public var id: String
    /// The receipt handle of the message to delete.
    public var receiptHandle: String

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - id: an id unique within the batch.
    ///   - receiptHandle: the latest receipt handle of the message.
    public init(id: String, receiptHandle: String) {
        self.id = id
        self.receiptHandle = receiptHandle
    }
}

/// One entry of `ChangeMessageVisibilityBatch`.
///
/// See
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatchRequestEntry.html>.
public struct SQSVisibilityEntry: Sendable, Equatable {
    /// An id unique within the batch, echoed in the result.
    public var id: String
    /// The receipt handle of the message.
    public var receiptHandle: String
    /// The new visibility timeout in seconds from now (0...43200); 0 makes the message visible at once.
    public var visibilityTimeout: Int

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - id: an id unique within the batch.
    ///   - receiptHandle: the latest receipt handle of the message.
    ///   - visibilityTimeout: seconds from now.
    public init(id: String, receiptHandle: String, visibilityTimeout: Int) {
        self.id = id
        self.receiptHandle = receiptHandle
        self.visibilityTimeout = visibilityTimeout
    }
}

/// The outcome of a batch call: which entries succeeded and which failed, and why. A batch call succeeds as a
/// whole (HTTP 200) even when entries fail.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_BatchResultErrorEntry.html>.
public struct SQSBatchResult: Sendable, Equatable {
    /// The ids of the entries that succeeded.
    public var successful: [String]
    /// The entries that failed.
    public var failed: [Failure]

    /// A failed entry.
    public struct Failure: Sendable, Equatable {
        /// The entry's id.
        public var id: String
        /// The error code, e.g. `ReceiptHandleIsInvalid`.
        public var code: String
        /// The error message.
        public var message: String?
        /// Whether the entry itself was at fault (a bad receipt handle) rather than SQS.
        public var senderFault: Bool
    }

    /// Whether every entry succeeded.
    public var allSucceeded: Bool { failed.isEmpty }
}
