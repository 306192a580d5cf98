public import Interruption

/// Auto Scaling lifecycle actions as the controller uses them: heartbeats while a drain runs, completion after it.
///
/// Two implementations: ``AutoScalingLifecycleActions`` over the Auto Scaling API and the tests' in-memory fake.
public protocol LifecycleActions: Sendable {
    /// Restarts the hook's heartbeat timeout (`RecordLifecycleActionHeartbeat`).
    ///
    /// - Parameter action: The action.
    /// - Returns: ``LifecycleCallResult/noActiveAction`` when the action is no longer pending (stop heartbeating).
    /// - Throws: The transport's or service's error.
    func recordHeartbeat(_ action: LifecycleAction) async throws -> LifecycleCallResult

    /// Completes the action (`CompleteLifecycleAction`).
    ///
    /// - Parameters:
    ///   - action: The action.
    ///   - result: `CONTINUE` or `ABANDON`.
    /// - Returns: ``LifecycleCallResult/noActiveAction`` when it was no longer pending, which counts as done.
    /// - Throws: The transport's or service's error; ``LifecycleActionError`` when retrying cannot help.
    func complete(_ action: LifecycleAction, result: LifecycleCompletion) async throws -> LifecycleCallResult
}

/// How a lifecycle action is completed.
public enum LifecycleCompletion: String, Sendable, Hashable, CaseIterable {
    /// `CONTINUE`: the instance goes on (launching) or terminates (terminating).
    case `continue` = "CONTINUE"
    /// `ABANDON`: the launch is abandoned (the instance terminated) or the remaining terminate hooks skipped.
    case abandon = "ABANDON"
}

/// What a lifecycle call found.
public enum LifecycleCallResult: Sendable, Hashable {
    /// The call was accepted.
    case accepted
    /// No such action is pending (already completed, timed out, or the instance is gone): nothing left to do.
    case noActiveAction
}

/// A lifecycle call that retrying will not fix (a validation error other than "no active lifecycle action",
/// access denied).
public struct LifecycleActionError: Error, Sendable, CustomStringConvertible {
    /// What failed, with what to do.
    public var description: String

    /// Creates an error.
    ///
    /// - Parameter description: What failed, with what to do.
    public init(_ description: String) {
        self.description = description
    }
}

extension LifecycleAction {
    /// An action addressed by instance id instead of its `LifecycleActionToken` (`CompleteLifecycleAction` and
    /// `RecordLifecycleActionHeartbeat` accept either): what a controller resumed after a restart completes.
    ///
    /// - Parameters:
    ///   - hook: The group and hook, as written on the node.
    ///   - instanceID: The instance the hook holds.
    /// - Returns: A terminating action whose ``isAddressedByInstance`` is `true`.
    public static func addressedByInstance(_ hook: NodeJobState.LifecycleHook, instanceID: InstanceID)
        -> LifecycleAction
    {
        LifecycleAction(
            hookName: hook.hookName, autoScalingGroupName: hook.autoScalingGroupName,
            token: instanceAddressedTokenPrefix + hook.autoScalingGroupName + "/" + hook.hookName,
            instanceID: instanceID, transition: .terminating)
    }
}
