public import Foundation

/// A message attribute as a sender sets it: a data type (`String`, `Number`, `Binary`, optionally with a custom
/// suffix such as `String.json`) and a string or binary value.
public struct MessageAttributeValue: Sendable, Equatable {
    /// The data type, e.g. `String`.
    public var dataType: String
    /// The value of a `String` or `Number` attribute.
    public var stringValue: String?
    /// The value of a `Binary` attribute.
    public var binaryValue: Data?

    /// Creates an attribute.
    ///
    /// - Parameters:
    ///   - dataType: the data type.
    ///   - stringValue: the value of a `String` or `Number` attribute.
    ///   - binaryValue: the value of a `Binary` attribute.
    public init(dataType: String, stringValue: String? = nil, binaryValue: Data? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }
}

/// What a send stores: the message and its digests.
public struct SentMessage: Sendable, Equatable {
    /// The message id (a lower-case UUID).
    public let messageID: String
    /// The MD5 of the body.
    public let md5OfBody: String
    /// The MD5 of the message attributes, when there are any.
    public let md5OfAttributes: String?
}

/// One receive of one message: what `ReceiveMessage` returns for it.
public struct ReceivedMessage: Sendable, Equatable {
    /// The message id, the same on every receive.
    public let messageID: String
    /// The handle of this receive.
    public let receiptHandle: String
    /// The body.
    public let body: String
    /// The MD5 of the body.
    public let md5OfBody: String
    /// The message attributes the sender set.
    public let messageAttributes: [String: MessageAttributeValue]
    /// The MD5 of all the message attributes.
    public let md5OfAttributes: String?
    /// When the message was sent, in milliseconds since the epoch.
    public let sentTimestamp: Int64
    /// Who sent it.
    public let senderID: String
    /// How many times it has been received, this receive included.
    public let receiveCount: Int
    /// When it was first received, in milliseconds since the epoch.
    public let firstReceiveTimestamp: Int64
}

/// A message as the queue stores it.
struct StoredMessage: Sendable {
    let sequence: UInt64
    let id: String
    let body: String
    let md5OfBody: String
    let attributes: [String: MessageAttributeValue]
    let md5OfAttributes: String?
    let sentAt: Int64
    let senderID: String
    var receiveCount = 0
    var firstReceivedAt: Int64 = 0
    /// When the latest receive happened (the 12-hour visibility limit counts from it).
    var receivedAt: Int64 = 0
    /// Until when the message is hidden (a delay or a visibility timeout); 0 when visible.
    var hiddenUntil: Int64
    /// Bumped whenever the message is queued as visible, so that older visible-heap entries are recognised as stale.
    var visibleEpoch: UInt64 = 0
    /// Every receipt handle issued for it, the latest last.
    var handles: [String] = []

    /// Received, and hidden by its visibility timeout.
    var isInFlight: Bool { receiveCount > 0 && hiddenUntil != 0 }
    /// Never received, and hidden by its delay.
    var isDelayed: Bool { receiveCount == 0 && hiddenUntil != 0 }

    func received(handle: String) -> ReceivedMessage {
        ReceivedMessage(
            messageID: id, receiptHandle: handle, body: body, md5OfBody: md5OfBody, messageAttributes: attributes,
            md5OfAttributes: md5OfAttributes, sentTimestamp: sentAt, senderID: senderID, receiveCount: receiveCount,
            firstReceiveTimestamp: firstReceivedAt)
    }
}

/// A visible-heap entry: messages are received in the order they were sent.
struct VisibleEntry: Comparable, Sendable {
    let sequence: UInt64
    let epoch: UInt64

    static func < (left: VisibleEntry, right: VisibleEntry) -> Bool { left.sequence < right.sequence }
}

/// A hidden-heap entry: when a delayed or in-flight message shows again.
struct HiddenEntry: Comparable, Sendable {
    let until: Int64
    let sequence: UInt64

    static func < (left: HiddenEntry, right: HiddenEntry) -> Bool {
        (left.until, left.sequence) < (right.until, right.sequence)
    }
}
