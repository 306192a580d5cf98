public import Foundation

/// How each event kind's deadline is derived, and how pod grace periods are clamped to it.
///
/// - Spot interruption: the event `time` + ``spotInterruptionNotice`` (two minutes, as EC2 documents).
/// - Auto Scaling terminate or launch: the event `time` + the hook's heartbeat timeout
///   (``lifecycleHeartbeatTimeout``); each heartbeat pushes it out again, up to the hook's global timeout
///   (see ``lifecycleDeadline(start:lastHeartbeat:)``).
/// - AWS Health scheduled change: the event's `startTime` (the receive time when it has none).
/// - State change: the receive time ("now": the instance is already stopping).
/// - Rebalance recommendation: none.
///
/// See [Spot Instance interruption notices](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html)
/// and [lifecycle hook timeouts](https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html).
public struct DeadlineRules: Sendable, Hashable {
    /// The time between a spot interruption warning and the interruption, in seconds. EC2 gives 120.
    public var spotInterruptionNotice: TimeInterval
    /// The lifecycle hooks' `HeartbeatTimeout`, in seconds (NTH's setup uses 300; Auto Scaling's default is 3600).
    public var lifecycleHeartbeatTimeout: TimeInterval
    /// The time kept free before a deadline when clamping pod grace periods, in seconds.
    public var safetyMargin: TimeInterval

    /// The longest Auto Scaling lets a lifecycle action be extended by heartbeats: 48 hours.
    public static let maximumLifecycleGlobalTimeout: TimeInterval = 172_800

    /// Creates deadline rules.
    ///
    /// - Parameters:
    ///   - spotInterruptionNotice: Seconds from a spot warning to the interruption.
    ///   - lifecycleHeartbeatTimeout: The hooks' `HeartbeatTimeout` in seconds.
    ///   - safetyMargin: Seconds kept free before a deadline when clamping grace periods.
    public init(
        spotInterruptionNotice: TimeInterval = 120,
        lifecycleHeartbeatTimeout: TimeInterval = 300,
        safetyMargin: TimeInterval = 10
    ) {
        self.spotInterruptionNotice = spotInterruptionNotice
        self.lifecycleHeartbeatTimeout = lifecycleHeartbeatTimeout
        self.safetyMargin = safetyMargin
    }

    /// The hook's global timeout: heartbeats cannot extend a lifecycle action beyond the smaller of 100 times the
    /// heartbeat timeout and 48 hours after it started.
    public var lifecycleGlobalTimeout: TimeInterval {
        min(100 * lifecycleHeartbeatTimeout, Self.maximumLifecycleGlobalTimeout)
    }

    /// The deadline of an event of `kind`.
    ///
    /// - Parameters:
    ///   - kind: The event kind.
    ///   - time: The event's `time`.
    ///   - receivedAt: When the message was received.
    ///   - scheduledStart: An AWS Health event's `startTime`.
    /// - Returns: When the instance is expected to go away, or `nil` when nothing announces it.
    public func deadline(
        for kind: InterruptionKind, time: Date, receivedAt: Date, scheduledStart: Date? = nil
    ) -> Date? {
        switch kind {
        case .spotInterruption: time.addingTimeInterval(spotInterruptionNotice)
        case .autoScalingTermination, .autoScalingLaunch: time.addingTimeInterval(lifecycleHeartbeatTimeout)
        case .scheduledChange: scheduledStart ?? receivedAt
        case .instanceStateChange: receivedAt
        case .rebalanceRecommendation: nil
        }
    }

    /// When a lifecycle action expires after a heartbeat.
    ///
    /// - Parameters:
    ///   - start: When the lifecycle action started (the event `time`).
    ///   - lastHeartbeat: When `RecordLifecycleActionHeartbeat` last succeeded, or `nil` if never.
    /// - Returns: The last heartbeat (or the start) plus the heartbeat timeout, but never later than the start plus
    ///   ``lifecycleGlobalTimeout``.
    public func lifecycleDeadline(start: Date, lastHeartbeat: Date?) -> Date {
        let extended = max(start, lastHeartbeat ?? start).addingTimeInterval(lifecycleHeartbeatTimeout)
        return min(extended, start.addingTimeInterval(lifecycleGlobalTimeout))
    }

    /// The grace period to put in a pod's eviction, clamped to the time left before the deadline.
    ///
    /// - Parameters:
    ///   - podGracePeriod: The pod's `terminationGracePeriodSeconds` (Kubernetes' default, 30, when `nil`).
    ///   - configured: `POD_TERMINATION_GRACE_PERIOD`, which overrides the pod's value when set.
    ///   - deadline: The job's deadline, or `nil` for none.
    ///   - now: The current time.
    /// - Returns: Whole seconds: the requested grace period, or the time left minus ``safetyMargin`` when that is
    ///   shorter, but at least 1 (0 asks the apiserver to delete at once) unless the request itself was 0.
    public func evictionGracePeriod(podGracePeriod: Int?, configured: Int? = nil, deadline: Date?, now: Date) -> Int {
        let requested = max(0, configured ?? podGracePeriod ?? 30)
        guard let deadline else { return requested }
        let left = deadline.timeIntervalSince(now) - safetyMargin
        let available = left.isFinite ? Int(max(1, min(left.rounded(.down), Double(Int32.max)))) : 1
        return min(requested, available)
    }
}
