import Controller
import Foundation
import Interruption
import Locking

/// An in-memory EC2: records each lookup, can fail.
final class FakeDirectory: InstanceDirectory {
    private struct State {
        var records: [InstanceID: InstanceRecord] = [:]
        var lookups: [Set<InstanceID>] = []
        var failing = false
    }

    private let state = Lock(State())

    func add(_ record: InstanceRecord) { state.withLock { $0.records[record.instanceID] = record } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
    var lookups: [Set<InstanceID>] { state.withLock { $0.lookups } }

    func describe(_ instanceIDs: Set<InstanceID>) async throws -> [InstanceID: InstanceRecord] {
        try state.withLock { state in
            state.lookups.append(instanceIDs)
            if state.failing { throw FakeError("DescribeInstances failed (injected)") }
            return state.records.filter { instanceIDs.contains($0.key) }
        }
    }
}

/// An in-memory Auto Scaling: records heartbeats and completions with the clock's time.
///
/// As Auto Scaling does, a completion ends the hook's hold on the instance under both of its addresses (token and
/// instance id): later calls under either answer "no active lifecycle action".
final class FakeLifecycle: LifecycleActions {
    struct Call: Equatable {
        var action: String
        var token: String
        var result: String?
        var at: Date
        /// The instance id, when the call named the action by instance (no token sent).
        var instanceID: String? = nil
    }

    private struct State {
        var calls: [Call] = []
        var completionFailures = 0
        var inactiveTokens: Set<String> = []
        var completedHolds: Set<String> = []
    }

    private static func hold(_ action: LifecycleAction) -> String {
        [action.autoScalingGroupName, action.hookName, action.instanceID.rawValue].joined(separator: "|")
    }

    private let state = Lock(State())
    let clock: ManualClock

    init(clock: ManualClock) {
        self.clock = clock
    }

    var calls: [Call] { state.withLock { $0.calls } }
    var heartbeats: [Call] { calls.filter { $0.action == "RecordLifecycleActionHeartbeat" } }
    var completions: [Call] { calls.filter { $0.action == "CompleteLifecycleAction" } }

    /// The next `count` completions fail with a transient error.
    func failCompletions(_ count: Int) { state.withLock { $0.completionFailures = count } }

    /// Calls for this token answer "no active lifecycle action".
    func markInactive(_ token: String) { state.withLock { _ = $0.inactiveTokens.insert(token) } }

    func recordHeartbeat(_ action: LifecycleAction) async throws -> LifecycleCallResult {
        let now = clock.now
        return state.withLock { state in
            if state.inactiveTokens.contains(action.token) || state.completedHolds.contains(Self.hold(action)) {
                return .noActiveAction
            }
            state.calls.append(
                Call(
                    action: "RecordLifecycleActionHeartbeat", token: action.isAddressedByInstance ? "" : action.token,
                    at: now, instanceID: action.isAddressedByInstance ? action.instanceID.rawValue : nil))
            return .accepted
        }
    }

    func complete(_ action: LifecycleAction, result: LifecycleCompletion) async throws -> LifecycleCallResult {
        let now = clock.now
        return try state.withLock { state in
            if state.completionFailures > 0 {
                state.completionFailures -= 1
                throw FakeError("CompleteLifecycleAction failed (injected)")
            }
            if state.inactiveTokens.contains(action.token) || state.completedHolds.contains(Self.hold(action)) {
                return .noActiveAction
            }
            state.calls.append(
                Call(
                    action: "CompleteLifecycleAction", token: action.isAddressedByInstance ? "" : action.token,
                    result: result.rawValue, at: now,
                    instanceID: action.isAddressedByInstance ? action.instanceID.rawValue : nil))
            state.inactiveTokens.insert(action.token)
            state.completedHolds.insert(Self.hold(action))
            return .accepted
        }
    }
}
