import Foundation

/// One standard queue: the state machine of SQS messages, synchronous and driven by the time it is given.
///
/// A message is visible, delayed (sent with a delay, never received) or in flight (received, hidden by its
/// visibility timeout). Receives take visible messages in send order (the order moto returns them in; SQS only
/// tries), count each receive and issue a new receipt handle every time. Only the latest handle of a message acts
/// on it: deleting with an older one succeeds without deleting (as the DeleteMessage reference says), changing its
/// visibility is refused as expired. Deleting a deleted message again succeeds. Times are milliseconds since the
/// epoch. See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html>.
public struct QueueState: Sendable {
    /// What a delete did.
    public enum DeleteOutcome: Sendable, Equatable {
        /// The message is gone.
        case deleted
        /// The message had already been deleted with one of its handles.
        case alreadyDeleted
        /// The handle is not the message's latest: SQS answers success and keeps the message.
        case staleHandleIgnored
    }

    /// The queue's name.
    public let name: String
    /// `arn:aws:sqs:<region>:<account>:<name>`.
    public let arn: String
    /// The configurable attributes.
    public private(set) var settings: QueueSettings
    /// When the queue was created, in milliseconds since the epoch.
    public let createdAt: Int64

    private var messages: [UInt64: StoredMessage] = [:]
    private var visible = Heap<VisibleEntry>()
    private var hidden = Heap<HiddenEntry>()
    /// Every handle issued for a message still stored, to its message.
    private var handleIndex: [String: UInt64] = [:]
    /// Every handle of a deleted message.
    private var deletedHandles: Set<String> = []
    private var nextSequence: UInt64 = 1

    /// Creates an empty queue.
    ///
    /// - Parameters:
    ///   - name: the queue's name.
    ///   - arn: the queue's ARN.
    ///   - settings: its attributes.
    ///   - now: the creation time.
    public init(name: String, arn: String, settings: QueueSettings = QueueSettings(), now: Int64) {
        self.name = name
        self.arn = arn
        self.settings = settings
        self.createdAt = now
    }

    /// Stores a message; it is visible at once unless `delaySeconds` (or the queue's `DelaySeconds`) holds it back.
    ///
    /// - Parameters:
    ///   - body: the body.
    ///   - attributes: the message attributes.
    ///   - delaySeconds: the delay, or `nil` for the queue's.
    ///   - senderID: the `SenderId` attribute receives report.
    ///   - now: the time of the send.
    /// - Returns: the message id and digests.
    public mutating func send(
        body: String, attributes: [String: MessageAttributeValue] = [:], delaySeconds: Int? = nil,
        senderID: String, now: Int64
    ) -> SentMessage {
        let sequence = nextSequence
        nextSequence += 1
        let delay = delaySeconds ?? settings.delaySeconds
        let message = StoredMessage(
            sequence: sequence, id: UUID().uuidString.lowercased(), body: body,
            md5OfBody: MessageDigest.md5(body: body), attributes: attributes,
            md5OfAttributes: MessageDigest.md5(attributes: attributes), sentAt: now, senderID: senderID,
            hiddenUntil: delay > 0 ? now + Int64(delay) * 1000 : 0)
        messages[sequence] = message
        if delay > 0 {
            hidden.push(HiddenEntry(until: message.hiddenUntil, sequence: sequence))
        } else {
            visible.push(VisibleEntry(sequence: sequence, epoch: 0))
        }
        return SentMessage(
            messageID: message.id, md5OfBody: message.md5OfBody, md5OfAttributes: message.md5OfAttributes)
    }

    /// Receives up to `maxMessages` visible messages and hides them for `visibilityTimeout` seconds (the queue's when
    /// `nil`; 0 leaves them visible).
    ///
    /// - Parameters:
    ///   - maxMessages: 1...10.
    ///   - visibilityTimeout: seconds, or `nil` for the queue's.
    ///   - now: the time of the receive.
    /// - Returns: the messages, each with a new receipt handle; empty when none is visible.
    public mutating func receive(maxMessages: Int, visibilityTimeout: Int? = nil, now: Int64) -> [ReceivedMessage] {
        revealDue(now: now)
        let timeout = Int64(visibilityTimeout ?? settings.visibilityTimeout) * 1000
        var result: [ReceivedMessage] = []
        var stayVisible: [UInt64] = []
        while result.count < maxMessages, let entry = visible.pop() {
            guard var message = messages[entry.sequence], message.hiddenUntil == 0,
                message.visibleEpoch == entry.epoch
            else { continue }
            message.receiveCount += 1
            if message.firstReceivedAt == 0 { message.firstReceivedAt = now }
            message.receivedAt = now
            let handle = Self.newHandle()
            message.handles.append(handle)
            handleIndex[handle] = entry.sequence
            if timeout > 0 {
                message.hiddenUntil = now + timeout
                hidden.push(HiddenEntry(until: message.hiddenUntil, sequence: entry.sequence))
            } else {
                stayVisible.append(entry.sequence)
            }
            messages[entry.sequence] = message
            result.append(message.received(handle: handle))
        }
        for sequence in stayVisible { makeVisible(sequence) }
        return result
    }

    /// Deletes the message whose latest receipt handle is `handle`.
    ///
    /// - Parameter handle: a receipt handle.
    /// - Returns: what happened.
    /// - Throws: ``SQSFault`` `ReceiptHandleIsInvalid` for a handle this queue never issued.
    @discardableResult
    public mutating func delete(handle: String) throws(SQSFault) -> DeleteOutcome {
        if deletedHandles.contains(handle) { return .alreadyDeleted }
        guard let sequence = handleIndex[handle], let message = messages[sequence] else {
            throw .receiptHandleIsInvalid(handle)
        }
        guard message.handles.last == handle else { return .staleHandleIgnored }
        messages[sequence] = nil
        for issued in message.handles {
            handleIndex[issued] = nil
            deletedHandles.insert(issued)
        }
        return .deleted
    }

    /// Changes the visibility timeout of the in-flight message whose latest handle is `handle`, counted from now; 0
    /// makes it visible at once.
    ///
    /// - Parameters:
    ///   - handle: a receipt handle.
    ///   - timeout: seconds, 0...43200.
    ///   - now: the time of the change.
    /// - Throws: ``SQSFault``: `ReceiptHandleIsInvalid` for a handle never issued or of a deleted message,
    ///   `InvalidParameterValue` for an expired handle (not the latest, or its message visible again) or a total
    ///   visibility beyond 12 hours since the receive.
    public mutating func changeVisibility(handle: String, timeout: Int, now: Int64) throws(SQSFault) {
        guard (0...43_200).contains(timeout) else {
            throw .invalidParameterValue(
                "Value \(timeout) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.")
        }
        revealDue(now: now)
        guard let sequence = handleIndex[handle], var message = messages[sequence] else {
            throw .receiptHandleIsInvalid(handle)
        }
        guard message.handles.last == handle, message.isInFlight else { throw .receiptHandleExpired(handle) }
        guard now + Int64(timeout) * 1000 - message.receivedAt <= 43_200_000 else {
            throw .invalidParameterValue(
                "Value \(timeout) for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the "
                    + "message is beyond the limit [43200 seconds]")
        }
        if timeout == 0 {
            messages[sequence] = message
            makeVisible(sequence)
        } else {
            message.hiddenUntil = now + Int64(timeout) * 1000
            messages[sequence] = message
            hidden.push(HiddenEntry(until: message.hiddenUntil, sequence: sequence))
        }
    }

    /// Deletes every message, in flight or not.
    public mutating func purge() {
        messages.removeAll()
        visible.removeAll()
        hidden.removeAll()
        handleIndex.removeAll()
    }

    /// When the next hidden message shows again, if any: a long poll wakes then.
    public var nextReveal: Int64? { hidden.min?.until }

    /// Counts of visible, in-flight and delayed messages at `now`.
    public mutating func counts(now: Int64) -> (visible: Int, inFlight: Int, delayed: Int) {
        revealDue(now: now)
        var counts = (visible: 0, inFlight: 0, delayed: 0)
        for message in messages.values {
            if message.isInFlight {
                counts.inFlight += 1
            } else if message.isDelayed {
                counts.delayed += 1
            } else {
                counts.visible += 1
            }
        }
        return counts
    }

    /// Every attribute `GetQueueAttributes` reports, as strings.
    public mutating func attributes(now: Int64) -> [String: String] {
        let counts = counts(now: now)
        var result = settings.strings
        result["QueueArn"] = arn
        result["ApproximateNumberOfMessages"] = String(counts.visible)
        result["ApproximateNumberOfMessagesNotVisible"] = String(counts.inFlight)
        result["ApproximateNumberOfMessagesDelayed"] = String(counts.delayed)
        result["CreatedTimestamp"] = String(createdAt / 1000)
        result["LastModifiedTimestamp"] = String(createdAt / 1000)
        return result
    }

    /// The attribute names `GetQueueAttributes` accepts besides `All`.
    public static let attributeNames: Set<String> = QueueSettings.settable.union(QueueSettings.passiveNames).union([
        "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
    ])

    /// Moves every message whose delay or visibility timeout has run out to the visible messages.
    private mutating func revealDue(now: Int64) {
        while let entry = hidden.min, entry.until <= now {
            _ = hidden.pop()
            guard let message = messages[entry.sequence], message.hiddenUntil == entry.until else { continue }
            makeVisible(entry.sequence)
        }
    }

    private mutating func makeVisible(_ sequence: UInt64) {
        guard var message = messages[sequence] else { return }
        message.hiddenUntil = 0
        message.visibleEpoch += 1
        messages[sequence] = message
        visible.push(VisibleEntry(sequence: sequence, epoch: message.visibleEpoch))
    }

    /// A receipt handle: 144 random bits, base64url, prefixed like SQS's (`AQEB`).
    private static func newHandle() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "AQEB"
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}
