internal import Interruption

extension JobCoordinator {
    /// Reports one of NTH's node actions on `node`: NTH's event (with `EMIT_KUBERNETES_EVENTS`), and for pre- and
    /// post-drain its `actions_total` count (cordon and cordon-and-drain are counted from the cordon and drain
    /// statistics). `error` says what went wrong; `nil` is a success.
    func report(_ action: NTHNodeAction, node: String, error detail: String? = nil) async {
        switch (action, detail) {
        case (.preDrain, nil): recorder.add(\.preDrains, 1)
        case (.preDrain, .some): recorder.add(\.preDrainFailures, 1)
        case (.postDrain, nil): recorder.add(\.postDrains, 1)
        case (.postDrain, .some): recorder.add(\.postDrainFailures, 1)
        case (.cordon, _), (.cordonAndDrain, _): break
        }
        if let detail {
            await emit(
                node: node, reason: action.reason + "Error", action: action.reason, note: action.errorMessage(detail),
                severity: .warning)
        } else {
            await emit(node: node, reason: action.reason, action: action.reason, note: action.successMessage)
        }
    }

    /// After a cordon that newly covered `kinds`: NTH's interruption event for each (`SpotInterruption`,
    /// `ASGLifecycle`, …), then its pre-drain report when one of them has a pre-drain task in NTH.
    func reportInterruptions(_ kinds: Set<InterruptionKind>, of job: InstanceJob, node: String) async {
        for kind in kinds.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let event = job.firstEvents[kind] else { continue }
            await emit(node: node, reason: kind.nthReason, action: "Interruption", note: event.nthDescription)
        }
        if kinds.contains(where: \.hasNTHPreDrainTask) { await report(.preDrain, node: node) }
    }

    /// Whether the plan for `job` on its node drains (NTH's `cordon-and-drain`) or only cordons (`cordon`).
    func nthCordonAction(for job: InstanceJob, node: String) -> NTHNodeAction {
        configuration.policy.plan(for: job, node: .found(nodeName: node)).effectiveSteps.contains(.drain)
            ? .cordonAndDrain : .cordon
    }
}
