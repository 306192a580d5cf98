import Clocks
internal import Foundation
internal import Interruption
import Logging

extension JobCoordinator {
    /// Resumes every job a previous controller (before a restart, or the previous leader) wrote on a node, before any
    /// receiver starts: the job drains by its priority at once instead of after its messages' visibility timeout.
    ///
    /// The job is rebuilt from the annotations: instance, kinds, deadline, start time, and each terminate hook, which
    /// is heartbeated on the original schedule and completed by instance id. Messages that come back join the job
    /// and are acknowledged when it ends. A node whose job state is unreadable, or names another instance than the
    /// node's providerID, is logged and left alone. In a dry run the plan is logged and nothing else happens.
    func resumeJobs(startJob: @Sendable (InstanceID) -> Void) async {
        for node in cluster.nodesWithJobState() {
            guard let state = node.jobState else {
                recorder.add(\.unreadableJobStates, 1)
                logger.warning(
                    "node carries unreadable job state; leaving it alone",
                    metadata: ["node.name": "\(node.name)", "reason": "\(node.unreadableJobState ?? "unknown")"])
                continue
            }
            let id = state.instanceID
            if let nodeInstance = node.instanceID, nodeInstance != id {
                recorder.add(\.unreadableJobStates, 1)
                logger.warning(
                    "node's job state names another instance; leaving it alone",
                    metadata: [
                        "node.name": "\(node.name)", "instance.id": "\(nodeInstance.rawValue)",
                        "annotated": "\(id.rawValue)",
                    ])
                continue
            }
            let events = Self.resumedEvents(state)
            let logger = self.logger.with([
                "instance.id": "\(id.rawValue)", "node.name": "\(node.name)",
                "event.kind": "\(state.kinds.map(\.rawValue).joined(separator: ","))",
                "started_at": "\(NodeJobState.format(state.startedAt))",
            ])
            if configuration.dryRun {
                var ledger = JobLedger(maxReceiveCount: configuration.maxReceiveCount)
                ledger.record(
                    events, message: QueueMessage(messageID: "", receiptHandle: "", receivedAt: state.startedAt))
                guard let job = ledger.machines[id]?.job else { continue }
                let steps = plannedSteps(for: job, resolution: .found(nodeName: node.name))
                logger.info(
                    "dry run: would resume this job",
                    metadata: ["steps": "\(steps.map { "\($0)" }.joined(separator: "; "))"])
                recorder.add(\.dryRunPlans, 1)  // after the log: a counted plan has been logged
                continue
            }
            guard let machine = resumedMachine(events, state: state, node: node), await board.resume(machine)
            else { continue }
            recorder.add(\.jobsResumed, 1)
            logger.info(
                "job resumed from the node's annotations")
            if await board.claimHandler(id) { startJob(id) }
        }
    }

    /// The events a job's annotations stand for: one per kind (no event id: the real ones come back with the
    /// messages), and one terminate event per hook, addressed by instance id.
    ///
    /// The start time stands in for every event's `time` (it is the first receive, a little later than the events),
    /// and the annotated deadline (the policy's drain deadline, the earliest of the job) for every event's deadline.
    static func resumedEvents(_ state: NodeJobState) -> [InterruptionEvent] {
        let id = state.instanceID
        func event(_ kind: InterruptionKind, _ action: LifecycleAction? = nil) -> InterruptionEvent {
            InterruptionEvent(
                kind: kind, instanceID: id, eventID: "", time: state.startedAt, receivedAt: state.startedAt,
                deadline: state.deadline, lifecycleAction: action)
        }
        let hooks = state.lifecycleHooks.map {
            event(.autoScalingTermination, .addressedByInstance($0, instanceID: id))
        }
        let kinds = hooks.isEmpty ? state.kinds : state.kinds.filter { $0 != .autoScalingTermination }
        return kinds.map { event($0) } + hooks
    }

    /// A resumed job: what it has done already, and how long it waits for its messages once its work is done.
    private func resumedMachine(_ events: [InterruptionEvent], state: NodeJobState, node: ClusterNode) -> JobMachine? {
        var cordon: (kinds: Set<InterruptionKind>, resourceVersion: String)?
        if node.isCordoned, let version = node.resourceVersion {
            // Cordoned by the previous controller: drain from the node as the cache has it, no second patch.
            cordon = (Set(state.kinds), version)
        }
        var lastHeartbeat: Date?
        if let schedule = configuration.heartbeat {
            // Keep the original schedule (a beat every interval from the first receive): one beat at once when any
            // fell due while no controller ran, then on the same grid, not a burst of missed beats.
            let due = (clock.now.timeIntervalSince(state.startedAt) / schedule.interval).rounded(.down)
            if due >= 1 { lastHeartbeat = state.startedAt.addingTimeInterval((due - 1) * schedule.interval) }
        }
        // The messages are hidden for at most one visibility timeout (less when the previous controller released
        // them on shutdown), then a long poll away.
        let wait = TimeInterval(configuration.visibilityTimeoutSeconds + configuration.receiveWaitSeconds)
        return JobMachine.resumed(
            events, nodeName: node.name, cordon: cordon, lastHeartbeat: lastHeartbeat,
            resumption: JobMachine.Resumption(
                eventIDs: Set(state.eventIDs), awaitMessagesUntil: clock.now.addingTimeInterval(wait)))
    }

    /// Once a resumed job's work is done, waits for the messages its annotations named to come back (they join the
    /// job and are acknowledged with it), for at most a visibility timeout and a long poll; then tells the job's
    /// machine, which goes round again (a message came back) or ends the wait (the time ran out).
    ///
    /// - Parameters:
    ///   - id: The instance.
    ///   - until: When the wait ends.
    ///   - recordings: The job's recordings count when the wait began.
    /// - Throws: `CancellationError` on shutdown.
    func awaitResumedMessages(_ id: InstanceID, until: Date, recordings: Int) async throws {
        if clock.now < until {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await self.clock.sleep(until: until) }
                group.addTask { await self.board.waitForRecording(id, after: recordings) }
                await group.next()
                group.cancelAll()
            }
            try Task.checkCancellation()
        }
        let now = clock.now
        await board.handle(.messagesAwaited(now: now), for: id)
        if now >= until {
            logger.info(
                "resumed job done; not every message came back in time, ending without them",
                metadata: ["instance.id": "\(id.rawValue)"])
        }
    }
}
