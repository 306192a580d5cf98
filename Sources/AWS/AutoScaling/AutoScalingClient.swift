/// The Auto Scaling lifecycle-hook operations (query protocol, `Version=2011-01-01`): complete an action, record a
/// heartbeat, describe hooks.
///
/// See <https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html> and
/// <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/Welcome.html>.
public struct AutoScalingClient: Sendable {
    /// The transport.
    public let client: AWSClient
    /// The region, when it differs from the transport's.
    public let region: String?

    /// Creates an Auto Scaling client.
    ///
    /// - Parameters:
    ///   - client: the transport.
    ///   - region: the region, when it differs from the transport's.
    public init(client: AWSClient, region: String? = nil) {
        self.client = client
        self.region = region
    }

    /// Tells Auto Scaling to go on with (`CONTINUE`) or abandon (`ABANDON`) a lifecycle action. For a terminating
    /// instance both let the termination proceed; `ABANDON` also skips the remaining hooks.
    ///
    /// See <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html>.
    /// - Parameters:
    ///   - groupName: the Auto Scaling group.
    ///   - hookName: the lifecycle hook.
    ///   - instanceID: the instance, or `nil` when `token` is given.
    ///   - token: the `LifecycleActionToken` from the lifecycle event, or `nil` when `instanceID` is given.
    ///   - result: `CONTINUE` or `ABANDON`.
    /// - Throws: ``AWSError``, e.g. `ValidationError` when no such action is pending;
    ///   ``AWSError/Kind/invalidArgument`` when neither `instanceID` nor `token` is given.
    public func completeLifecycleAction(
        groupName: String, hookName: String, instanceID: String? = nil, token: String? = nil,
        result: LifecycleActionResult
    ) async throws(AWSError) {
        var parameters = try target("CompleteLifecycleAction", groupName, hookName, instanceID, token)
        parameters.append(("LifecycleActionResult", result.rawValue))
        _ = try await client.query(
            .autoScaling, action: "CompleteLifecycleAction", parameters: parameters, region: region)
    }

    /// Restarts the heartbeat timeout of a pending lifecycle action, to keep the instance in `Terminating:Wait`
    /// while it drains.
    ///
    /// See <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RecordLifecycleActionHeartbeat.html>.
    /// - Parameters:
    ///   - groupName: the Auto Scaling group.
    ///   - hookName: the lifecycle hook.
    ///   - instanceID: the instance, or `nil` when `token` is given.
    ///   - token: the `LifecycleActionToken`, or `nil` when `instanceID` is given.
    /// - Throws: ``AWSError``; ``AWSError/Kind/invalidArgument`` when neither `instanceID` nor `token` is given.
    public func recordLifecycleActionHeartbeat(
        groupName: String, hookName: String, instanceID: String? = nil, token: String? = nil
    ) async throws(AWSError) {
        let parameters = try target("RecordLifecycleActionHeartbeat", groupName, hookName, instanceID, token)
        _ = try await client.query(
            .autoScaling, action: "RecordLifecycleActionHeartbeat", parameters: parameters, region: region)
    }

    /// Describes a group's lifecycle hooks (for their heartbeat timeout and global timeout).
    ///
    /// See <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeLifecycleHooks.html>.
    /// - Parameters:
    ///   - groupName: the Auto Scaling group.
    ///   - hookNames: the hooks to describe; empty for all.
    /// - Returns: the hooks.
    /// - Throws: ``AWSError``.
    public func describeLifecycleHooks(groupName: String, hookNames: [String] = []) async throws(AWSError)
        -> [LifecycleHook]
    {
        let action = "DescribeLifecycleHooks"
        let parameters =
            [("AutoScalingGroupName", groupName)]
            + QueryEncoding.list("LifecycleHookNames", hookNames, member: true)
        let root = try await client.query(.autoScaling, action: action, parameters: parameters, region: region)
        guard let result = root.child(action + "Result") else {
            throw AWSError(
                kind: .unexpectedResponse, service: "AutoScaling", operation: action,
                message: "the response has no <\(action)Result>")
        }
        return (result.child("LifecycleHooks")?.children("member") ?? []).compactMap(LifecycleHook.parse)
    }

    private func target(
        _ action: String, _ groupName: String, _ hookName: String, _ instanceID: String?, _ token: String?
    ) throws(AWSError) -> [(String, String)] {
        var parameters = [("AutoScalingGroupName", groupName), ("LifecycleHookName", hookName)]
        if let instanceID { parameters.append(("InstanceId", instanceID)) }
        if let token { parameters.append(("LifecycleActionToken", token)) }
        guard instanceID != nil || token != nil else {
            throw AWSError(
                kind: .invalidArgument, service: "AutoScaling", operation: action,
                message: "give the instance id or the lifecycle action token")
        }
        return parameters
    }
}

/// How to complete a lifecycle action.
///
/// See <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html>.
public enum LifecycleActionResult: String, Sendable, Equatable, CaseIterable {
    /// Go on with the transition.
    case `continue` = "CONTINUE"
    /// Abandon the action (for termination: terminate now, skipping the remaining hooks).
    case abandon = "ABANDON"
}

/// A lifecycle hook of an Auto Scaling group.
///
/// See <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LifecycleHook.html>.
public struct LifecycleHook: Sendable, Equatable {
    /// The hook's name.
    public var name: String
    /// The group's name.
    public var groupName: String
    /// `autoscaling:EC2_INSTANCE_TERMINATING` or `autoscaling:EC2_INSTANCE_LAUNCHING`.
    public var transition: String?
    /// Seconds before the action times out without a heartbeat.
    public var heartbeatTimeout: Int?
    /// The longest an instance can stay in the wait state, in seconds (the smaller of 48 h and 100 × heartbeat).
    public var globalTimeout: Int?
    /// `CONTINUE` or `ABANDON` when the hook times out.
    public var defaultResult: String?
    /// Where lifecycle notifications go (an SQS queue or SNS topic), if set.
    public var notificationTargetARN: String?

    static func parse(_ member: XML.Element) -> LifecycleHook? {
        guard let name = member.value(at: "LifecycleHookName"), let group = member.value(at: "AutoScalingGroupName")
        else { return nil }
        return LifecycleHook(
            name: name, groupName: group, transition: member.value(at: "LifecycleTransition"),
            heartbeatTimeout: member.value(at: "HeartbeatTimeout").flatMap { Int($0) },
            globalTimeout: member.value(at: "GlobalTimeout").flatMap { Int($0) },
            defaultResult: member.value(at: "DefaultResult"),
            notificationTargetARN: member.value(at: "NotificationTargetARN"))
    }
}
