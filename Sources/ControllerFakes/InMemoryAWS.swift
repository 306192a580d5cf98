public import Clocks
public import Controller
public import Foundation
public import Interruption
import Locking

/// An in-memory EC2 `DescribeInstances`: the records added, each lookup logged; can be made to fail.
public final class InMemoryInstanceDirectory: InstanceDirectory {
    private struct State {
        var records: [InstanceID: InstanceRecord] = [:]
        var lookups: [Set<InstanceID>] = []
        var failing = false
    }

    private let state = Lock(State())

    /// A directory of `records`.
    public init(_ records: [InstanceRecord] = []) {
        for record in records { add(record) }
    }

    /// Adds (or replaces) an instance.
    public func add(_ record: InstanceRecord) { state.withLock { $0.records[record.instanceID] = record } }

    /// While set, every lookup fails.
    public func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// The ids each lookup asked for, in order.
    public var lookups: [Set<InstanceID>] { state.withLock { $0.lookups } }

    public func describe(_ instanceIDs: Set<InstanceID>) async throws -> [InstanceID: InstanceRecord] {
        try state.withLock { state in
            state.lookups.append(instanceIDs)
            if state.failing { throw InjectedFault("DescribeInstances failed (injected)") }
            return state.records.filter { instanceIDs.contains($0.key) }
        }
    }
}

/// An in-memory Auto Scaling lifecycle API: heartbeats and completions logged with the clock's time.
///
/// As Auto Scaling does, a completion ends the hook's hold on the instance under both of its addresses (token and
/// instance id): later calls under either answer "no active lifecycle action".
public final class InMemoryLifecycleActions: LifecycleActions {
    /// One call answered.
    public struct Call: Sendable, Equatable {
        /// `RecordLifecycleActionHeartbeat` or `CompleteLifecycleAction`.
        public var action: String
        /// The token sent; empty when the call named the action by instance.
        public var token: String
        /// The completion's result.
        public var result: String?
        /// When, on the clock.
        public var at: Date
        /// The instance id, when the call named the action by instance (no token sent).
        public var instanceID: String? = nil
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
    /// The clock calls are stamped with.
    public let clock: any WallClock

    /// No calls yet.
    public init(clock: any WallClock = SystemClock()) {
        self.clock = clock
    }

    /// Every call answered, in order.
    public var calls: [Call] { state.withLock { $0.calls } }
    /// The heartbeats answered.
    public var heartbeats: [Call] { calls.filter { $0.action == "RecordLifecycleActionHeartbeat" } }
    /// The completions answered.
    public var completions: [Call] { calls.filter { $0.action == "CompleteLifecycleAction" } }

    /// The next `count` completions fail with a transient error.
    public func failCompletions(_ count: Int) { state.withLock { $0.completionFailures = count } }

    /// Calls for this token answer "no active lifecycle action".
    public func markInactive(_ token: String) { state.withLock { _ = $0.inactiveTokens.insert(token) } }

    public func recordHeartbeat(_ action: LifecycleAction) async throws -> LifecycleCallResult {
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

    public func complete(_ action: LifecycleAction, result: LifecycleCompletion) async throws -> LifecycleCallResult {
        let now = clock.now
        return try state.withLock { state in
            if state.completionFailures > 0 {
                state.completionFailures -= 1
                throw InjectedFault("CompleteLifecycleAction failed (injected)")
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
