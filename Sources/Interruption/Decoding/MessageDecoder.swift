public import Foundation
import JSONValues
import Timestamps

/// Turns the body of an SQS message from an interruption queue into typed events, or a typed rejection.
///
/// It reads EventBridge envelopes (`EC2 Spot Instance Interruption Warning`, `EC2 Instance Rebalance
/// Recommendation`, `EC2 Instance State-change Notification`, `AWS Health Event`, `EC2 Instance-terminate Lifecycle
/// Action`, `EC2 Instance-launch Lifecycle Action`) and Auto Scaling lifecycle notifications sent straight to SQS,
/// either raw or wrapped in an SNS notification's `Message` string. Decoding is pure: the receive time is a parameter
/// and the same body always gives the same outcome.
///
/// See [EventBridge event structure](https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html)
/// and [lifecycle hook notifications](https://docs.aws.amazon.com/autoscaling/ec2/userguide/prepare-for-lifecycle-notifications.html).
public struct MessageDecoder: Sendable {
    /// The largest body SQS accepts, and so the largest one decoded: 256 KiB.
    public static let maximumBodySize = 262_144

    /// How deadlines are derived from events.
    public var deadlineRules: DeadlineRules

    /// Creates a decoder.
    ///
    /// - Parameter deadlineRules: How deadlines are derived from events.
    public init(deadlineRules: DeadlineRules = DeadlineRules()) {
        self.deadlineRules = deadlineRules
    }

    /// Decodes one message body.
    ///
    /// - Parameters:
    ///   - body: The SQS message body.
    ///   - receivedAt: When the message was received; the deadline of a state change and the time of an event
    ///     without a valid `time`.
    /// - Returns: One event per instance, or a rejection that says why and whether to delete the message.
    public func decode(body: String, receivedAt: Date) -> DecodeOutcome {
        do {
            return try decodeEvents(body: body, receivedAt: receivedAt)
        } catch {
            return .rejected(error)
        }
    }

    /// Decodes one message body, throwing the rejection.
    ///
    /// - Parameters:
    ///   - body: The SQS message body.
    ///   - receivedAt: When the message was received.
    /// - Returns: ``DecodeOutcome/events(_:skipped:)`` with at least one event.
    /// - Throws: A ``Rejection`` when the message yields no event.
    public func decodeEvents(body: String, receivedAt: Date) throws(Rejection) -> DecodeOutcome {
        let size = body.utf8.count
        guard size <= Self.maximumBodySize else { throw Rejection(.bodyTooLarge(bytes: size)) }
        let root = try Self.parseObject(body)
        let message = Message(decoder: self, receivedAt: receivedAt)
        if Self.isEventBridgeEnvelope(root) {
            return try message.decodeEventBridge(root)
        }
        let members = root.objectValue ?? [:]
        if let wrapped = members["Message"], members["LifecycleTransition"] == nil, members["Event"] == nil {
            // An SNS notification: its `Message` is the notification (or event) as a JSON string. Unwrapped once.
            guard let text = wrapped.stringValue else {
                throw Rejection(.malformedField("Message", value: wrapped.typeName))
            }
            let inner = try Self.parseObject(text)
            if Self.isEventBridgeEnvelope(inner) {
                return try message.decodeEventBridge(inner)
            }
            return try message.decodeAutoScalingNotification(inner)
        }
        return try message.decodeAutoScalingNotification(root)
    }

    /// Parses `text` as a JSON object.
    private static func parseObject(_ text: String) throws(Rejection) -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw Rejection(.notJSON)
        }
        guard value.isObject else { throw Rejection(.unknownShape(value.typeName)) }
        return value
    }

    /// An object with a non-empty `detail-type` is an EventBridge event; NTH treats an empty one as a notification.
    private static func isEventBridgeEnvelope(_ object: JSONValue) -> Bool {
        guard let detailType = object.objectValue?["detail-type"] else { return false }
        return detailType.stringValue?.isEmpty != true
    }
}

/// The state of decoding one message: the rules and the receive time.
struct Message {
    let decoder: MessageDecoder
    let receivedAt: Date

    var rules: DeadlineRules { decoder.deadlineRules }

    /// A required, non-empty string field.
    func requiredString(_ object: JSONValue, _ key: String, path: String) throws(Rejection) -> String {
        guard let value = object.objectValue?[key] else { throw Rejection(.missingField(path)) }
        guard let text = value.stringValue else { throw Rejection(.malformedField(path, value: value.typeName)) }
        guard !text.isEmpty else { throw Rejection(.malformedField(path, value: "")) }
        return text
    }

    /// An optional string field: `nil` when absent, null or not a string.
    func optionalString(_ object: JSONValue, _ key: String) -> String? {
        object.objectValue?[key]?.stringValue
    }

    /// A required instance id field.
    func instanceID(_ object: JSONValue, _ key: String, path: String) throws(Rejection) -> InstanceID {
        let text = try requiredString(object, key, path: path)
        guard let id = InstanceID(text) else { throw Rejection(.malformedInstanceID(field: path, value: text)) }
        return id
    }

    /// An RFC 3339 time field, or the receive time when it is absent or invalid (as NTH does).
    func eventTime(_ object: JSONValue, _ key: String) -> Date {
        optionalString(object, key).flatMap { RFC3339.parse($0) } ?? receivedAt
    }
}
