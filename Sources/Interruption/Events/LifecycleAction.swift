/// An Auto Scaling lifecycle action: what `CompleteLifecycleAction` and `RecordLifecycleActionHeartbeat` need.
///
/// See [Amazon EC2 Auto Scaling lifecycle hooks](https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html).
public struct LifecycleAction: Sendable, Hashable {
    /// The lifecycle transition of a hook.
    public enum Transition: String, Sendable, Hashable, CaseIterable {
        /// `autoscaling:EC2_INSTANCE_TERMINATING`.
        case terminating = "autoscaling:EC2_INSTANCE_TERMINATING"
        /// `autoscaling:EC2_INSTANCE_LAUNCHING`.
        case launching = "autoscaling:EC2_INSTANCE_LAUNCHING"
    }

    /// `LifecycleHookName`.
    public var hookName: String
    /// `AutoScalingGroupName`.
    public var autoScalingGroupName: String
    /// `LifecycleActionToken`: identifies this one action.
    public var token: String
    /// `EC2InstanceId`.
    public var instanceID: InstanceID
    /// `LifecycleTransition`.
    public var transition: Transition
    /// `NotificationMetadata`, when the hook has any.
    public var notificationMetadata: String?

    /// Creates a lifecycle action.
    ///
    /// - Parameters:
    ///   - hookName: `LifecycleHookName`.
    ///   - autoScalingGroupName: `AutoScalingGroupName`.
    ///   - token: `LifecycleActionToken`.
    ///   - instanceID: `EC2InstanceId`.
    ///   - transition: `LifecycleTransition`.
    ///   - notificationMetadata: `NotificationMetadata`.
    public init(
        hookName: String,
        autoScalingGroupName: String,
        token: String,
        instanceID: InstanceID,
        transition: Transition,
        notificationMetadata: String? = nil
    ) {
        self.hookName = hookName
        self.autoScalingGroupName = autoScalingGroupName
        self.token = token
        self.instanceID = instanceID
        self.transition = transition
        self.notificationMetadata = notificationMetadata
    }
}

extension LifecycleAction {
    /// The token prefix of an action addressed by instance id: a job resumed from node annotations knows the group,
    /// hook and instance but never the token (annotations do not carry secrets). Real tokens are UUIDs.
    public static let instanceAddressedTokenPrefix = "instance-addressed/"

    /// Whether the action is addressed by its instance id (a resumed job's stand-in): send `InstanceId`, not the
    /// placeholder token.
    public var isAddressedByInstance: Bool { token.hasPrefix(Self.instanceAddressedTokenPrefix) }

    /// Whether both actions are the same hook's hold on the same instance (one addressed by token, the other by
    /// instance id, say).
    public func isSameHold(as other: LifecycleAction) -> Bool {
        instanceID == other.instanceID && autoScalingGroupName == other.autoScalingGroupName
            && hookName == other.hookName && transition == other.transition
    }
}
