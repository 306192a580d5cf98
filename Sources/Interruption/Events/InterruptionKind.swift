/// What AWS announced about an instance.
///
/// The raw value is a stable, bounded label for logs and metrics (`event.kind`).
public enum InterruptionKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `EC2 Spot Instance Interruption Warning`: the spot instance is reclaimed two minutes after the event.
    case spotInterruption = "spot-interruption"
    /// `EC2 Instance Rebalance Recommendation`: the spot instance is at elevated risk of interruption.
    case rebalanceRecommendation = "rebalance-recommendation"
    /// `EC2 Instance State-change Notification` for `stopping`, `stopped`, `shutting-down` or `terminated`.
    case instanceStateChange = "instance-state-change"
    /// `AWS Health Event` for service `EC2`, category `scheduledChange` (retirement, maintenance, reboot).
    case scheduledChange = "scheduled-change"
    /// An Auto Scaling `autoscaling:EC2_INSTANCE_TERMINATING` lifecycle action: a hook holds the instance.
    case autoScalingTermination = "asg-termination"
    /// An Auto Scaling `autoscaling:EC2_INSTANCE_LAUNCHING` lifecycle action: complete it once the node is Ready.
    case autoScalingLaunch = "asg-launch"

    /// The label itself.
    public var description: String { rawValue }

    /// How urgently a job with this kind is drained; see ``DrainPriority``.
    public var priority: DrainPriority {
        switch self {
        case .spotInterruption, .autoScalingTermination: .urgent
        case .scheduledChange, .instanceStateChange: .scheduled
        case .rebalanceRecommendation, .autoScalingLaunch: .advisory
        }
    }

    /// Whether this kind, on its own, means the instance is going away and its node must be drained.
    ///
    /// A rebalance recommendation only might; a launch lifecycle action never does.
    public var announcesTermination: Bool {
        switch self {
        case .spotInterruption, .autoScalingTermination, .scheduledChange, .instanceStateChange: true
        case .rebalanceRecommendation, .autoScalingLaunch: false
        }
    }

    /// The taint key NTH puts on the node for this kind when `TAINT_NODE` is on, or `nil` when NTH has none
    /// (state changes and launches).
    public var taintKey: String? {
        switch self {
        case .spotInterruption: "aws-node-termination-handler/spot-itn"
        case .rebalanceRecommendation: "aws-node-termination-handler/rebalance-recommendation"
        case .scheduledChange: "aws-node-termination-handler/scheduled-maintenance"
        case .autoScalingTermination: "aws-node-termination-handler/asg-lifecycle-termination"
        case .instanceStateChange, .autoScalingLaunch: nil
        }
    }
}

/// The order in which drains compete for the eviction budget: higher first.
///
/// Spot interruptions and Auto Scaling terminations have the shortest, hardest deadlines; AWS Health scheduled changes
/// and state changes come next; rebalance recommendations (and launches, which never drain) come last.
public enum DrainPriority: Int, Sendable, Hashable, Comparable, CaseIterable {
    /// Rebalance recommendations and launch lifecycle actions.
    case advisory = 0
    /// AWS Health scheduled changes and instance state changes.
    case scheduled = 1
    /// Spot interruption warnings and Auto Scaling terminate lifecycle actions.
    case urgent = 2

    /// Orders by urgency: `advisory < scheduled < urgent`.
    public static func < (lhs: DrainPriority, rhs: DrainPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}
