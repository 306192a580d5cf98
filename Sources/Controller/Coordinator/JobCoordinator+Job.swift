import Clocks
internal import CoreMetrics
internal import Foundation
internal import Interruption
internal import Kubernetes
internal import Locking
import Logging

extension JobCoordinator {
    /// How a round of a job's steps ended.
    enum RoundEnd: Sendable {
        /// Every step done: acknowledge (if nothing new arrived meanwhile).
        case acknowledge
        /// Leave the messages for a later receive.
        case retryLater
    }

    /// Runs one job to its end, with its lifecycle heartbeats alongside; the heartbeats stop on every path out.
    func handle(_ id: InstanceID) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.sendHeartbeats(id) }
            await self.runJob(id)
            group.cancelAll()
        }
    }

    /// The steps of the job, round after round until no new obligation arrived during the last one.
    private func runJob(_ id: InstanceID) async {
        var delayed = false
        var transientFailures = 0
        while let (job, progress) = await board.snapshot(id) {
            let resolution = progress.resolution ?? .notFound
            let logger = self.logger.with([
                "instance.id": "\(id.rawValue)",
                "event.kind": "\(job.kinds.map(\.rawValue).sorted().joined(separator: ","))",
            ])
            do {
                switch try await perform(plannedSteps(for: job, resolution: resolution), job: job, delayed: &delayed) {
                case .acknowledge:
                    if try await awaitResumedMessages(id) { continue }
                    switch await board.tryFinish(id, handled: job) {
                    case .changed:
                        continue
                    case .finished(let disposal):
                        recorder.add(\.jobsSucceeded, 1)
                        await notifyWebhook(job, resolution: resolution)
                        logger.info(
                            "job done; acknowledging",
                            metadata: ["messages": "\(disposal.delete.count)"])
                        await dispose(disposal)
                        if case .found(let node) = resolution {
                            try? await cluster.clearJobState(node: node)
                            if job.kinds != [.autoScalingLaunch] { await report(.postDrain, node: node) }
                        }
                        return
                    }
                case .retryLater:
                    recorder.add(\.jobsParked, 1)
                    logger.info(
                        "job waits; its messages come back after their visibility timeout")
                    await dispose(await board.park(id))
                    return
                }
            } catch {
                if Task.isCancelled { return }  // Shutdown: the messages are released by run().
                if let delay = transientRetryDelay(after: error, failures: transientFailures) {
                    transientFailures += 1
                    logger.warning(
                        "the apiserver failed a step of the job; retrying it, the messages stay held",
                        metadata: ["error": "\(error)", "retry_in_seconds": "\(delay)"])
                    do { try await clock.sleep(seconds: delay) } catch { return }
                    continue
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
                return
            }
        }
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

    /// Performs one round of steps.
    private func perform(_ steps: [NodeAction], job: InstanceJob, delayed: inout Bool) async throws -> RoundEnd {
        let id = job.instanceID
        var completion = LifecycleCompletion.continue
        for step in steps {
            guard let (current, progress) = await board.snapshot(id) else { return .acknowledge }
            switch step {
            case .labelExcludeFromLoadBalancers, .cordon:
                try await cordon(id)
            case .taint(let taint) where taint == .outOfService:
                if case .found(let node)? = progress.resolution { try await cluster.applyOutOfServiceTaint(node: node) }
            case .taint:
                try await cordon(id)
            case .drain:
                guard !progress.drained, case .found(let node)? = progress.resolution else { continue }
                if try await drain(job, node: node, after: progress.cordon?.resourceVersion) == .blocked {
                    return .retryLater
                }
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
                    switch configuration.launchTimeoutAction {
                    case .continue: completion = .continue
                    case .abandon: completion = .abandon
                    case .retry: return .retryLater
                    }
                }
            case .completeLifecycleAction(let action):
                // The current job: a notification that came back since the round began supersedes its stand-in.
                guard !isSettled(action, job: current, progress: progress) else { continue }
                if !delayed, let delay = configuration.policy.completeLifecycleActionDelay, delay > 0 {
                    try await clock.sleep(seconds: delay)
                }
                delayed = true
                do {
                    try await complete(action, result: completion, job: id)
                } catch {
                    if case .found(let node)? = progress.resolution, !(error is CancellationError) {
                        await report(.postDrain, node: node, error: "\(error)")
                    }
                    throw error
                }
            case .acknowledge:
                return .acknowledge
            case .retryLater:
                return .retryLater
            }
        }
        return .acknowledge
    }

    /// Drains a node under a worker slot, handing the slot back as soon as the drain only waits.
    private func drain(_ job: InstanceJob, node: String, after resourceVersion: String?) async throws
        -> DrainOutcome.Result
    {
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
            await board.setDrained(job.instanceID)
            logger.info("node drained")
        case .deadlineReached:
            // The instance goes away regardless: go on to complete its hooks and acknowledge.
            recorder.add(\.drainDeadlinesReached, 1)
            await emit(
                node: node, reason: "DrainDeadlineReached", action: "Drain",
                note: "Deadline reached with \(outcome.remaining.count) pods left", severity: .warning)
            await report(
                .cordonAndDrain, node: node, error: "drain deadline reached with \(outcome.remaining.count) pods left")
            await board.setDrained(job.instanceID)
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
            logger.warning(
                "drain blocked by pods the options do not allow to evict",
                metadata: ["blocking": "\(outcome.blocking.map(\.description).joined(separator: "; "))"])
        }
        return outcome.result
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
