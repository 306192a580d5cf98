import Clocks
internal import CoreMetrics
internal import Foundation
internal import Interruption
internal import Kubernetes
internal import Locking
import Logging

extension JobCoordinator {
    /// Runs one job to its end, with its lifecycle heartbeats alongside; the heartbeats stop on every path out.
    func handle(_ id: InstanceID) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.sendHeartbeats(id) }
            await self.runJob(id)
            group.cancelAll()
        }
        if let onIdle, !Task.isCancelled, await board.isIdle { onIdle() }
    }

    /// Carries out the actions of the job's machine (``JobMachine/next(policy:)``) until the job ends.
    ///
    /// Every job of a reclaim runs this at once, and its async frame lives as long as the job, so the ends of a job
    /// (finish, park, failure) are functions of their own, not inlined: the frame keeps the step and the failure
    /// count only (docs/performance.md, "Peak memory during a reclaim").
    private func runJob(_ id: InstanceID) async {
        var transientFailures = 0
        while let step = await board.next(id) {
            switch step.action {
            case .finish:
                await finish(step, id: id)
                return
            case .park:
                await park(step, id: id)
                return
            default:
                break
            }
            do {
                try await performInChildTask(step.action, of: step.machine)
            } catch {
                if Task.isCancelled { return }  // Shutdown: the messages are released by run().
                guard await stepFailed(step, id: id, error: error, failures: transientFailures) else { return }
                transientFailures += 1
            }
        }
    }

    /// Runs ``perform(_:of:)`` in a child task of its own (``withChildTaskStack(_:)``): a cordon's deep stack (the
    /// node update's) is given back when the cordon ends instead of being held for as long as the job runs, and a
    /// drain's when the drain ends.
    @inline(never)
    private func performInChildTask(_ action: JobAction, of machine: JobMachine) async throws {
        try await withChildTaskStack { try await self.perform(action, of: machine) }
    }

    /// The logger of a job's step.
    private func jobLogger(_ id: InstanceID, _ job: InstanceJob) -> Logger {
        logger.with([
            "instance.id": "\(id.rawValue)",
            "event.kind": "\(job.kinds.map(\.rawValue).sorted().joined(separator: ","))",
        ])
    }

    /// The job is done: notify, acknowledge its messages, clear the job's state from its node.
    @inline(never)
    private func finish(_ step: JobLedger.Step, id: InstanceID) async {
        let job = step.machine.roundJob
        let resolution = step.machine.roundResolution
        recorder.add(\.jobsSucceeded, 1)
        await notifyWebhook(job, resolution: resolution)
        jobLogger(id, job).info(
            "job done; acknowledging",
            metadata: ["messages": "\(step.disposal.delete.count)"])
        await dispose(step.disposal)
        if case .found(let node) = resolution {
            try? await cluster.clearJobState(node: node)
            if job.kinds != [.autoScalingLaunch] { await report(.postDrain, node: node) }
        }
    }

    /// The job waits for its messages to come back.
    @inline(never)
    private func park(_ step: JobLedger.Step, id: InstanceID) async {
        recorder.add(\.jobsParked, 1)
        jobLogger(id, step.machine.roundJob).info(
            "job waits; its messages come back after their visibility timeout")
        await dispose(step.disposal)
    }

    /// A step failed: waits and returns `true` when the apiserver's failure is waited out in place (the step runs
    /// again), or fails the job, releasing its messages, and returns `false`.
    @inline(never)
    private func stepFailed(_ step: JobLedger.Step, id: InstanceID, error: any Error, failures: Int) async -> Bool {
        let job = step.machine.roundJob
        let resolution = step.machine.roundResolution
        let logger = jobLogger(id, job)
        if let delay = transientRetryDelay(after: error, failures: failures) {
            logger.warning(
                "the apiserver failed a step of the job; retrying it, the messages stay held",
                metadata: ["error": "\(error)", "retry_in_seconds": "\(delay)"])
            do { try await clock.sleep(seconds: delay) } catch { return false }
            await board.handle(.stepFailedTransiently, for: id)
            return true
        }
        recorder.add(\.jobsFailed, 1)
        await notifyWebhook(job, resolution: resolution)
        logger.error(
            "job failed; releasing its messages for a retry",
            metadata: ["error": "\(error)"]
        )
        if case .found(let node) = resolution {
            await emit(
                node: node, reason: "JobFailed", action: "Retry",
                note: "Failed; the interruption messages go back to the queue: \(error)", severity: .warning)
        }
        await dispose(await board.fail(id))
        return false
    }

    /// How long to wait before the job's steps run again after `error`, or nil when the job fails instead.
    ///
    /// An apiserver that is down, overloaded or failing (transport errors, 429, 5xx) is waited out in place, with
    /// the messages held (their visibility extended), backing off from 0.5 s to 8 s: releasing them would bring them
    /// straight back, and each receive counts toward the queue's redrive limit, so a 20-second outage would send a
    /// burst's messages to the dead-letter queue unhandled. Steps are idempotent (a cordon of a cordoned node, a
    /// drain that finds its pods gone), so running them again is safe. The wait ends with the apiserver's return,
    /// or with the term (leadership lost when the Lease cannot be renewed, or shutdown: the messages are then
    /// released). Other errors (403, 404, 422, AWS failures) fail the job as before: waiting does not cure them.
    func transientRetryDelay(after error: any Error, failures: Int) -> Double? {
        guard let error = error as? KubernetesError, NodeDrain.isTransient(error) else { return nil }
        return min(8, 0.5 * Double(1 << min(failures, 5)))
    }

    /// Queues the job's webhook notification (NTH posts one after the node actions, whether they succeeded or
    /// not): one per job, from its most urgent event (the earliest of those).
    private func notifyWebhook(_ job: InstanceJob, resolution: NodeResolution) async {
        let event = job.firstEvents.values.min { first, second in
            first.kind.priority != second.kind.priority
                ? first.kind.priority > second.kind.priority : first.time < second.time
        }
        guard let webhook, let event else { return }
        let node: String? = if case .found(let name) = resolution { name } else { nil }
        let described = node.flatMap { cluster.node(named: $0) }
        await webhook.notify(
            WebhookNotifier.fields(
                for: event, node: node, instanceType: described?.instanceType,
                availabilityZone: described?.availabilityZone))
    }

    /// The steps for a job: the policy's plan (``ActionPolicy/plan(for:node:)``).
    func plannedSteps(for job: InstanceJob, resolution: NodeResolution) -> [NodeAction] {
        configuration.policy.plan(for: job, node: resolution).steps
    }

    /// Carries out one action of the job's machine and reports its result to the machine.
    ///
    /// - Parameters:
    ///   - action: The action (not ``JobAction/finish`` or ``JobAction/park``: the board ended the job already).
    ///   - machine: The job as the machine was when it decided.
    private func perform(_ action: JobAction, of machine: JobMachine) async throws {
        let id = machine.job.instanceID
        switch action {
        case .cordon:
            try await cordon(id)
        case .taintOutOfService(let node):
            try await cluster.applyOutOfServiceTaint(node: node)
        case .drain(let node, let resourceVersion):
            try await drain(machine.roundJob, node: node, after: resourceVersion)
        case .waitForNodeReady:
            let readiness = try await cluster.waitUntilReady(
                instanceID: id, timeout: .seconds(configuration.launchReadyTimeoutSeconds))
            if case .timedOut(let node) = readiness {
                logger.warning(
                    "launched node not Ready in time",
                    metadata: [
                        "instance.id": "\(id.rawValue)", "node.name": "\(node ?? "")",
                        "action": "\(configuration.launchTimeoutAction.rawValue)",
                    ])
                let fallback: JobInput.LaunchFallback =
                    switch configuration.launchTimeoutAction {
                    case .continue: .continueHook
                    case .abandon: .abandonHook
                    case .retry: .retryLater
                    }
                await board.handle(.launchNotReady(fallback), for: id)
            }
        case .completeLifecycleAction(let action, let abandon, let delay):
            if let delay { try await clock.sleep(seconds: delay) }
            do {
                try await complete(action, result: abandon ? .abandon : .continue, job: id)
            } catch {
                if case .found(let node)? = machine.resolution, !(error is CancellationError) {
                    await report(.postDrain, node: node, error: "\(error)")
                }
                throw error
            }
        case .awaitMessages(let until, let recordings):
            try await awaitResumedMessages(id, until: until, recordings: recordings)
        case .finish, .park:
            break
        }
    }

    /// Drains a node under a worker slot, handing the slot back as soon as the drain only waits.
    @inline(never)
    private func drain(_ job: InstanceJob, node: String, after resourceVersion: String?) async throws {
        let deadline = drainDeadline(for: job)
        let slot = try await slots.acquire(job.drainOrder(deadline: deadline))
        defer { slot.release() }
        let activity = DrainActivityBox()
        let request = DrainRequest(
            nodeName: node, afterResourceVersion: resourceVersion, deadline: deadline,
            filter: configuration.policy.drainFilter, priority: job.priority, listing: configuration.podListing,
            deleteRemainingAtDeadline: configuration.deleteRemainingAtDeadline)
        let running = runningDrains.withLock { running in
            running += 1
            return running
        }
        metrics?.drainsRunning.record(running)
        defer {
            let running = runningDrains.withLock { running in
                running -= 1
                return running
            }
            metrics?.drainsRunning.record(running)
        }
        let outcome = try await cluster.drain(request) { progress in
            if activity.observe(progress) { slot.release() }
        }
        await drained(job, node: node, outcome: outcome)
    }

    /// Records, reports and logs a drain's outcome, and tells the job's machine. Not inlined: its temporaries stay
    /// out of ``drain(_:node:after:)``'s async frame, which lives as long as the drain.
    @inline(never)
    private func drained(_ job: InstanceJob, node: String, outcome: DrainOutcome) async {
        recorder.add(\.drains, 1)
        if let metrics, let receivedAt = Self.firstReceipt(of: job) {
            ControllerMetrics.record(metrics.receiveToDrainEnd, seconds: clock.now.timeIntervalSince(receivedAt))
        }
        let logger = self.logger.with([
            "instance.id": "\(job.instanceID.rawValue)", "node.name": "\(node)", "result": "\(outcome.result.rawValue)",
            "evicted": "\(outcome.evicted.count)", "refusals": "\(outcome.refusals)",
        ])
        switch outcome.result {
        case .drained:
            await emit(
                node: node, reason: "Drained", action: "Drain",
                note: "Drained: \(outcome.evicted.count) pods evicted")
            await report(.cordonAndDrain, node: node)
            await board.handle(.drained, for: job.instanceID)
            logger.info("node drained")
        case .deadlineReached:
            // The instance goes away regardless: go on to complete its hooks and acknowledge.
            recorder.add(\.drainDeadlinesReached, 1)
            await emit(
                node: node, reason: "DrainDeadlineReached", action: "Drain",
                note: "Deadline reached with \(outcome.remaining.count) pods left", severity: .warning)
            await report(
                .cordonAndDrain, node: node, error: "drain deadline reached with \(outcome.remaining.count) pods left")
            await board.handle(.drainDeadlineReached, for: job.instanceID)
            logger.warning(
                "drain deadline reached with pods left",
                metadata: ["remaining": "\(outcome.remaining.count)"])
        case .blocked:
            recorder.add(\.drainsBlocked, 1)
            await emit(
                node: node, reason: "DrainBlocked", action: "Drain",
                note: "Blocked by \(outcome.blocking.count) pods the drain options do not allow to evict",
                severity: .warning)
            await report(
                .cordonAndDrain, node: node,
                error: "blocked by \(outcome.blocking.count) pods the drain options do not allow to evict")
            await board.handle(.drainBlocked, for: job.instanceID)
            logger.warning(
                "drain blocked by pods the options do not allow to evict",
                metadata: ["blocking": "\(outcome.blocking.map(\.description).joined(separator: "; "))"])
        }
    }

    /// The drain's deadline now (``ActionPolicy/drainDeadline(for:rules:minimumDrain:now:)``): what the drain works
    /// to and what the cordon records on the node, so that a job resumed from the node keeps it.
    func drainDeadline(for job: InstanceJob) -> Date {
        configuration.policy.drainDeadline(
            for: job, rules: configuration.deadlineRules,
            minimumDrain: TimeInterval(configuration.minimumDrainSeconds), now: clock.now)
    }
}

/// ``DrainActivity`` behind a lock, for the drain's synchronous progress callback.
final class DrainActivityBox: Sendable {
    private let activity = Lock(DrainActivity())

    /// Feeds one step; returns whether the drain now only waits.
    func observe(_ progress: DrainProgress) -> Bool {
        activity.withLock { $0.observe(progress) }
    }
}
