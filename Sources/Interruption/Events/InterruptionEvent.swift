public import Foundation

/// One thing AWS announced about one instance, decoded from a queue message.
///
/// A message yields one event per instance: an AWS Health event with three affected instances yields three events
/// that share the message's ``eventID``. Events are grouped into one ``InstanceJob`` per instance.
public struct InterruptionEvent: Sendable, Hashable {
    /// How the message reached the queue.
    public enum Transport: String, Sendable, Hashable {
        /// An EventBridge envelope (`version`, `id`, `detail-type`, `source`, `time`, `detail`, ...).
        case eventBridge
        /// An Auto Scaling lifecycle notification sent straight to SQS, possibly wrapped in an SNS `Message`.
        case autoScalingNotification
    }

    /// What was announced.
    public var kind: InterruptionKind
    /// The instance it concerns.
    public var instanceID: InstanceID
    /// The EventBridge `id`, or the notification's `RequestId` (empty when the message had neither).
    public var eventID: String
    /// When AWS emitted the event (`time` / `Time`); the receive time when the message carried no valid time.
    public var time: Date
    /// When the message was received from the queue.
    public var receivedAt: Date
    /// When the instance is expected to go away, or `nil` when nothing announces it (rebalance recommendations).
    ///
    /// See ``DeadlineRules`` for how each kind's deadline is derived.
    public var deadline: Date?
    /// How the message reached the queue.
    public var transport: Transport
    /// The EventBridge `region`, when present.
    public var region: String?
    /// The EventBridge `account` or the notification's `AccountId`, when present.
    public var account: String?
    /// The lifecycle action to complete, for ``InterruptionKind/autoScalingTermination`` and
    /// ``InterruptionKind/autoScalingLaunch``.
    public var lifecycleAction: LifecycleAction?
    /// The new instance state, for ``InterruptionKind/instanceStateChange``.
    public var instanceState: InstanceState?
    /// The spot `instance-action` (`terminate`, `stop` or `hibernate`), for ``InterruptionKind/spotInterruption``.
    public var spotInstanceAction: String?
    /// The AWS Health details, for ``InterruptionKind/scheduledChange``.
    public var scheduledChange: ScheduledChange?

    /// Creates an event; the decoder is the usual source, tests build variants directly.
    ///
    /// - Parameters:
    ///   - kind: What was announced.
    ///   - instanceID: The instance it concerns.
    ///   - eventID: The EventBridge `id` or the notification's `RequestId`.
    ///   - time: When AWS emitted the event.
    ///   - receivedAt: When the message was received.
    ///   - deadline: When the instance is expected to go away.
    ///   - transport: How the message reached the queue.
    ///   - region: The EventBridge `region`.
    ///   - account: The AWS account.
    ///   - lifecycleAction: The lifecycle action to complete.
    ///   - instanceState: The new instance state.
    ///   - spotInstanceAction: The spot `instance-action`.
    ///   - scheduledChange: The AWS Health details.
    public init(
        kind: InterruptionKind,
        instanceID: InstanceID,
        eventID: String,
        time: Date,
        receivedAt: Date,
        deadline: Date?,
        transport: Transport = .eventBridge,
        region: String? = nil,
        account: String? = nil,
        lifecycleAction: LifecycleAction? = nil,
        instanceState: InstanceState? = nil,
        spotInstanceAction: String? = nil,
        scheduledChange: ScheduledChange? = nil
    ) {
        self.kind = kind
        self.instanceID = instanceID
        self.eventID = eventID
        self.time = time
        self.receivedAt = receivedAt
        self.deadline = deadline
        self.transport = transport
        self.region = region
        self.account = account
        self.lifecycleAction = lifecycleAction
        self.instanceState = instanceState
        self.spotInstanceAction = spotInstanceAction
        self.scheduledChange = scheduledChange
    }
}

extension InterruptionEvent {
    /// Log metadata with the project's keys: `instance.id`, `event.kind`, `event.id`, and `asg.name` for lifecycle
    /// actions.
    public var logMetadata: [String: String] {
        var metadata = ["instance.id": instanceID.rawValue, "event.kind": kind.rawValue, "event.id": eventID]
        if let lifecycleAction { metadata["asg.name"] = lifecycleAction.autoScalingGroupName }
        return metadata
    }
}

/// The details of an AWS Health `scheduledChange` event for EC2.
///
/// See [AWS Health events](https://docs.aws.amazon.com/health/latest/ug/aws-health-concepts-and-terms.html).
public struct ScheduledChange: Sendable, Hashable {
    /// `eventArn`.
    public var eventARN: String?
    /// `eventTypeCode`, for example `AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED`.
    public var eventTypeCode: String?
    /// `startTime` (RFC 1123), when the change begins.
    public var startTime: Date?
    /// `endTime` (RFC 1123), when present.
    public var endTime: Date?

    /// Creates the details.
    ///
    /// - Parameters:
    ///   - eventARN: `eventArn`.
    ///   - eventTypeCode: `eventTypeCode`.
    ///   - startTime: `startTime`.
    ///   - endTime: `endTime`.
    public init(eventARN: String? = nil, eventTypeCode: String? = nil, startTime: Date? = nil, endTime: Date? = nil) {
        self.eventARN = eventARN
        self.eventTypeCode = eventTypeCode
        self.startTime = startTime
        self.endTime = endTime
    }
}
