public import AWS
public import Interruption

/// ``LifecycleActions`` over the Auto Scaling API, addressing each action by its `LifecycleActionToken`, or by
/// `InstanceId` when the action was resumed from node annotations (``LifecycleAction/isAddressedByInstance``).
///
/// A `ValidationError` saying no active lifecycle action matches is ``LifecycleCallResult/noActiveAction``;
/// another validation error or an access error is a ``LifecycleActionError`` (not worth retrying); anything else is
/// thrown as is (the AWS client already retried throttling and 5xx). See
/// [CompleteLifecycleAction](https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html).
public struct AutoScalingLifecycleActions: LifecycleActions {
    /// The Auto Scaling client.
    public let client: AutoScalingClient

    /// Creates the lifecycle actions.
    ///
    /// - Parameter client: The Auto Scaling client.
    public init(client: AutoScalingClient) {
        self.client = client
    }

    /// Records a heartbeat.
    ///
    /// - Parameter action: The action.
    /// - Returns: Whether it was still pending.
    /// - Throws: ``AWSError`` or ``LifecycleActionError``.
    public func recordHeartbeat(_ action: LifecycleAction) async throws -> LifecycleCallResult {
        do {
            let (instanceID, token) = Self.address(action)
            try await client.recordLifecycleActionHeartbeat(
                groupName: action.autoScalingGroupName, hookName: action.hookName, instanceID: instanceID, token: token)
            return .accepted
        } catch {
            return try Self.classify(error)
        }
    }

    /// Completes the action.
    ///
    /// - Parameters:
    ///   - action: The action.
    ///   - result: `CONTINUE` or `ABANDON`.
    /// - Returns: Whether it was still pending.
    /// - Throws: ``AWSError`` or ``LifecycleActionError``.
    public func complete(_ action: LifecycleAction, result: LifecycleCompletion) async throws -> LifecycleCallResult {
        do {
            let (instanceID, token) = Self.address(action)
            try await client.completeLifecycleAction(
                groupName: action.autoScalingGroupName, hookName: action.hookName, instanceID: instanceID, token: token,
                result: result == .continue ? .continue : .abandon)
            return .accepted
        } catch {
            return try Self.classify(error)
        }
    }

    /// How a call names the action: by token, or by instance id for a resumed one.
    static func address(_ action: LifecycleAction) -> (instanceID: String?, token: String?) {
        action.isAddressedByInstance ? (action.instanceID.rawValue, nil) : (nil, action.token)
    }

    /// Whether an error means the action is no longer pending; rethrows otherwise.
    static func classify(_ error: AWSError) throws -> LifecycleCallResult {
        if error.code == "ValidationError" {
            if error.message.lowercased().contains("no active lifecycle action") { return .noActiveAction }
            throw LifecycleActionError("\(error)")
        }
        if error.hasCode(in: AWSError.authorizationCodes) || error.kind == .invalidArgument {
            throw LifecycleActionError("\(error)")
        }
        throw error
    }
}
