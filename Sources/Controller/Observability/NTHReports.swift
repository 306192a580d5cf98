internal import Foundation
internal import Interruption
internal import Timestamps

/// NTH's node actions as it reports them, so that a switching user's dashboards and alerts keep working: the
/// `node_action` values of `actions_total{node_action,node_status}` and the Kubernetes event reasons and messages
/// of NTH's `pkg/observability/k8s-events.go`.
///
/// What each means here: `pre-drain` is the cordon write that also carries the taints (NTH's pre-drain task taints
/// the node and starts the heartbeats), for every kind NTH gives a pre-drain task (all but state changes);
/// `cordon-and-drain` is the drain's end (an error when it was blocked or reached its deadline, or the cordon
/// failed); `cordon` is a cordon-only job's cordon; `post-drain` is the job's end after its node actions: lifecycle
/// actions completed and messages acknowledged (an error when a completion failed).
enum NTHNodeAction: String, Sendable, CaseIterable {
    /// A cordon without a drain (`CORDON_ONLY`, a cordon-only rebalance recommendation).
    case cordon
    /// A cordon and a drain.
    case cordonAndDrain = "cordon-and-drain"
    /// The taints (and heartbeats) before the drain.
    case preDrain = "pre-drain"
    /// The lifecycle completions and the acknowledgement after the node actions.
    case postDrain = "post-drain"

    /// The event reason of a success (`Cordon`, `CordonAndDrain`, `PreDrain`, `PostDrain`); a failure's is this
    /// with `Error` appended.
    var reason: String {
        switch self {
        case .cordon: "Cordon"
        case .cordonAndDrain: "CordonAndDrain"
        case .preDrain: "PreDrain"
        case .postDrain: "PostDrain"
        }
    }

    /// NTH's message of a success.
    var successMessage: String {
        switch self {
        case .cordon: "Node successfully cordoned"
        case .cordonAndDrain: "Node successfully cordoned and drained"
        case .preDrain: "Pre-drain task successfully executed"
        case .postDrain: "Post-drain task successfully executed"
        }
    }

    /// NTH's message of a failure, with what went wrong.
    func errorMessage(_ detail: String) -> String {
        switch self {
        case .cordon: "There was a problem while trying to cordon the node: \(detail)"
        case .cordonAndDrain: "There was a problem while trying to cordon and drain the node: \(detail)"
        case .preDrain: "There was a problem executing the pre-drain task: \(detail)"
        case .postDrain: "There was a problem executing the post-drain task: \(detail)"
        }
    }
}

extension InterruptionKind {
    /// NTH's event reason for an interruption of this kind (its `GetReasonForKind`).
    var nthReason: String {
        switch self {
        case .spotInterruption: "SpotInterruption"
        case .rebalanceRecommendation: "RebalanceRecommendation"
        case .instanceStateChange: "StateChange"
        case .scheduledChange: "ScheduledEvent"
        case .autoScalingTermination: "ASGLifecycle"
        case .autoScalingLaunch: "UnknownInterruption"
        }
    }

    /// Whether NTH runs a pre-drain task for this kind (a taint, and for Auto Scaling the heartbeats).
    var hasNTHPreDrainTask: Bool {
        switch self {
        case .spotInterruption, .rebalanceRecommendation, .scheduledChange, .autoScalingTermination: true
        case .instanceStateChange, .autoScalingLaunch: false
        }
    }
}

extension InterruptionEvent {
    /// NTH's `Kind` of this event (`SPOT_ITN`, `ASG_LIFECYCLE`, …), as its webhook template sees it.
    var nthKind: String {
        switch kind {
        case .spotInterruption: "SPOT_ITN"
        case .rebalanceRecommendation: "REBALANCE_RECOMMENDATION"
        case .instanceStateChange: "STATE_CHANGE"
        case .scheduledChange: "SCHEDULED_EVENT"
        case .autoScalingTermination: "ASG_LIFECYCLE"
        case .autoScalingLaunch: "ASG_LAUNCH_LIFECYCLE"
        }
    }

    /// NTH's `Description` of this event, in NTH's words where NTH has them: the webhook's `{{ .Description }}`
    /// and the message of the interruption's Kubernetes event.
    var nthDescription: String {
        switch kind {
        case .spotInterruption:
            "Spot ITN received. Instance will be interrupted at \(RFC3339.format(deadline ?? time))"
        case .rebalanceRecommendation:
            "Rebalance recommendation received. Instance will be cordoned at \(RFC3339.format(time))"
        case .instanceStateChange:
            "EC2 State Change event received. Instance went into \(instanceState?.rawValue ?? "?")"
        case .scheduledChange:
            "AWS Health scheduled change: \(scheduledChange?.eventTypeCode ?? "?")"
        case .autoScalingTermination:
            "ASG Lifecycle Termination event received. Instance will be interrupted at \(RFC3339.format(time))"
        case .autoScalingLaunch:
            "ASG Lifecycle Launch event received"
        }
    }
}
