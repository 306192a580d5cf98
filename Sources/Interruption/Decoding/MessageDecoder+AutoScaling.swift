internal import Foundation
import JSONValues

extension Message {
    /// The test notification Auto Scaling sends when a hook or notification target is set up.
    static let testNotification = "autoscaling:TEST_NOTIFICATION"

    /// Decodes an Auto Scaling notification sent straight to SQS (already unwrapped from SNS).
    func decodeAutoScalingNotification(_ notification: JSONValue) throws(Rejection) -> DecodeOutcome {
        let members = notification.objectValue ?? [:]
        guard members["LifecycleTransition"] != nil || members["Event"] != nil else {
            throw Rejection(.unknownShape("an object without detail-type, LifecycleTransition or Event"))
        }
        let base = EnvelopeFields(
            eventID: optionalString(notification, "RequestId") ?? "",
            time: eventTime(notification, "Time"),
            region: nil,
            account: optionalString(notification, "AccountId")
        )
        return try decodeLifecycleAction(notification, base: base, transport: .autoScalingNotification, path: "")
    }

    /// Decodes the lifecycle action fields shared by EventBridge `detail` and direct notifications.
    func decodeLifecycleAction(
        _ fields: JSONValue, base: EnvelopeFields, transport: InterruptionEvent.Transport, path: String
    ) throws(Rejection) -> DecodeOutcome {
        let event = optionalString(fields, "Event")
        let transitionText = optionalString(fields, "LifecycleTransition")
        if event == Self.testNotification || transitionText == Self.testNotification {
            throw Rejection(.testNotification)
        }
        guard fields.objectValue?["LifecycleTransition"] != nil else {
            if let event {
                // A plain Auto Scaling notification (EC2_INSTANCE_LAUNCH, _TERMINATE, ..._ERROR): nothing to do.
                throw Rejection(.unsupportedEvent(source: "aws.autoscaling", detailType: event))
            }
            throw Rejection(.missingField(path + "LifecycleTransition"))
        }
        let transitionValue = try requiredString(fields, "LifecycleTransition", path: path + "LifecycleTransition")
        guard let transition = LifecycleAction.Transition(rawValue: transitionValue) else {
            throw Rejection(.unknownLifecycleTransition(transitionValue))
        }
        let instanceID = try instanceID(fields, "EC2InstanceId", path: path + "EC2InstanceId")
        let action = LifecycleAction(
            hookName: try requiredString(fields, "LifecycleHookName", path: path + "LifecycleHookName"),
            autoScalingGroupName: try requiredString(
                fields, "AutoScalingGroupName", path: path + "AutoScalingGroupName"),
            token: try requiredString(fields, "LifecycleActionToken", path: path + "LifecycleActionToken"),
            instanceID: instanceID,
            transition: transition,
            notificationMetadata: optionalString(fields, "NotificationMetadata")
        )
        let kind: InterruptionKind =
            switch transition {
            case .terminating: .autoScalingTermination
            case .launching: .autoScalingLaunch
            }
        let interruption = InterruptionEvent(
            kind: kind,
            instanceID: instanceID,
            eventID: base.eventID,
            time: base.time,
            receivedAt: receivedAt,
            deadline: rules.deadline(for: kind, time: base.time, receivedAt: receivedAt),
            transport: transport,
            region: base.region,
            account: base.account,
            lifecycleAction: action
        )
        return .events([interruption], skipped: [])
    }
}
