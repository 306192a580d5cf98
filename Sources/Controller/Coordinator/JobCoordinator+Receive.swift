import Clocks
internal import CoreMetrics
internal import Foundation
internal import Interruption
internal import Kubernetes
import Logging

extension JobCoordinator {
    /// Handles one receive batch: decode, record, resolve the batch's instances at once, cordon every affected node
    /// at once, start a handler for each new job. Rejected messages are deleted (or left) and counted.
    func process(_ received: [ReceivedMessage], startJob: @Sendable (InstanceID) -> Void) async {
        guard !received.isEmpty else { return }
        let now = clock.now
        recorder.add(\.messagesReceived, received.count)
        var affected: [InstanceID: Bool] = [:]  // instance → whether its job is new
        var rejectedToDelete: [QueueMessage] = []
        for item in received {
            if let metrics, let sentAt = item.sentAt {
                ControllerMetrics.record(metrics.messageAge, seconds: now.timeIntervalSince(sentAt))
            }
            let message = QueueMessage(
                messageID: item.messageID, receiptHandle: item.receiptHandle, receivedAt: now,
                receiveCount: item.receiveCount)
            switch configuration.eventOrigins.check(decoder.decode(body: item.body, receivedAt: now)) {
            case .rejected(let rejection):
                let delete = rejection.disposition == .delete
                recorder.reject(code: rejection.code, deleted: delete && !configuration.dryRun)
                let metadata: Logger.Metadata = [
                    "sqs.message.id": "\(item.messageID)", "reason": "\(rejection.code)",
                    "detail": "\(rejection.description)", "receive_count": "\(item.receiveCount)",
                ]
                if case .untrustedOrigin(let refusal) = rejection.reason {
                    logger.warning(
                        "message refused: its event comes from an account or region not accepted",
                        metadata: metadata.merging(Logger.Metadata(strings: refusal.logMetadata)) { lhs, _ in lhs })
                } else {
                    logger.log(level: delete ? .info : .warning, "message yields no event", metadata: metadata)
                }
                if delete, !configuration.dryRun { rejectedToDelete.append(message) }
            case .events(let events, let skipped):
                recorder.add(\.messagesWithEvents, 1)
                for rejection in skipped {
                    logger.warning(
                        "part of a message was skipped",
                        metadata: [
                            "sqs.message.id": "\(item.messageID)", "reason": "\(rejection.code)",
                            "detail": "\(rejection.description)",
                        ])
                }
                let updates = await board.record(events, message: message)
                if updates.allSatisfy(\.isDuplicate) { recorder.add(\.duplicateReceives, 1) }
                for update in updates where !update.isDuplicate {
                    affected[update.instanceID] = (affected[update.instanceID] ?? false) || update.isNewJob
                }
                for event in events {
                    logger.info(
                        "interruption event received",
                        metadata: Logger.Metadata(strings: event.logMetadata).merging([
                            "sqs.message.id": "\(item.messageID)"
                        ]) { lhs, _ in lhs })
                }
            }
        }
        await acknowledger.enqueue(rejectedToDelete)
        guard !affected.isEmpty else { return }
        recorder.add(\.jobsStarted, affected.values.filter { $0 }.count)
        let ids = Set(affected.keys)
        do {
            let (resolutions, lookedUp) = try await resolver.resolve(ids)
            if lookedUp { recorder.add(\.instanceLookups, 1) }
            for (id, resolution) in resolutions { await board.handle(.resolved(resolution), for: id) }
        } catch {
            logger.error("describing instances failed; the batch's new jobs retry", metadata: ["error": "\(error)"])
            for (id, isNew) in affected where isNew {
                recorder.add(\.jobsFailed, 1)
                await dispose(await board.fail(id))
            }
            return
        }
        if configuration.dryRun {
            for id in ids.sorted() { await logDryRun(id) }
            return
        }
        // The fast path: every affected node cordoned now, concurrently, never behind a drain; finished even when
        // a shutdown starts meanwhile.
        await shielded {
            await withDiscardingTaskGroup { group in
                for id in ids { group.addTask { try? await self.cordon(id) } }
            }
        }
        for id in ids.sorted() where affected[id] == true {
            if await board.claimHandler(id) { startJob(id) }
        }
    }

    /// Cordons (and taints and labels) the job's node if the last cordon did not cover every kind of the job
    /// (``JobMachine/cordonSteps(policy:)``).
    ///
    /// A node that turns out to be gone makes the resolution `notFound`.
    /// - Throws: The cluster's error (other than a missing node).
    func cordon(_ id: InstanceID) async throws {
        guard let (machine, steps) = await board.pendingCordon(id), case .found(let node)? = machine.resolution
        else { return }
        let job = machine.job
        do {
            var state = NodeJobState(job: job, deadline: drainDeadline(for: job))
            if let resumed = machine.resumption?.eventIDs {
                // Events rebuilt from annotations have no id: keep the annotated ones until their messages are back.
                state.eventIDs = Array(resumed.union(state.eventIDs)).sorted()
            }
            let receipt = try await cluster.cordon(node: node, steps: steps, state: state)
            await board.handle(.cordoned(kinds: job.kinds, resourceVersion: receipt.resourceVersion), for: id)
            recorder.add(\.cordons, 1)
            if let metrics, let receivedAt = Self.firstReceipt(of: job) {
                ControllerMetrics.record(metrics.receiveToCordon, seconds: clock.now.timeIntervalSince(receivedAt))
            }
            let kinds = job.kinds.map(\.rawValue).sorted().joined(separator: ", ")
            await emit(
                node: node, reason: "Cordon", action: "Cordon",
                note: "Cordoned for instance \(id.rawValue): \(kinds)")
            await reportInterruptions(job.kinds.subtracting(machine.cordonedKinds), of: job, node: node)
            logger.info(
                "node cordoned",
                metadata: [
                    "instance.id": "\(id.rawValue)", "node.name": "\(node)",
                    "event.kind": "\(job.kinds.map(\.rawValue).sorted().joined(separator: ","))",
                ])
        } catch  where Self.isNotFound(error) {
            recorder.add(\.cordonFailures, 1)
            await board.handle(.nodeVanished, for: id)
            logger.warning(
                "node vanished before its cordon", metadata: ["instance.id": "\(id.rawValue)", "node.name": "\(node)"])
        } catch {
            recorder.add(\.cordonFailures, 1)
            logger.warning(
                "cordon failed",
                metadata: ["instance.id": "\(id.rawValue)", "node.name": "\(node)", "error": "\(error)"])
            if job.kinds.subtracting(machine.cordonedKinds).contains(where: \.hasNTHPreDrainTask) {
                await report(.preDrain, node: node, error: "\(error)")
            }
            await report(nthCordonAction(for: job, node: node), node: node, error: "\(error)")
            throw error
        }
    }

    /// Whether an error says the node does not exist.
    static func isNotFound(_ error: any Error) -> Bool {
        if let error = error as? ClusterError { return error.code == .nodeNotFound }
        if let error = error as? KubernetesError { return error.code == .notFound }
        return false
    }

    /// Logs what would be done for a job, and forgets it (nothing is written anywhere).
    private func logDryRun(_ id: InstanceID) async {
        guard let machine = await board.snapshot(id) else { return }
        let steps = plannedSteps(for: machine.job, resolution: machine.resolution ?? .notFound)
        logger.info(
            "dry run: would perform these steps",
            metadata: ["instance.id": "\(id.rawValue)", "steps": "\(steps.map { "\($0)" }.joined(separator: "; "))"])
        await board.drop(id)
        recorder.add(\.dryRunPlans, 1)  // after the log and the drop: a counted plan is logged and forgotten
    }

    /// When the job's earliest message still held was received; `nil` for a resumed job without its messages.
    static func firstReceipt(of job: InstanceJob) -> Date? {
        job.pendingMessages.filter { !JobMachine.isResumeMarker($0) }.map(\.receivedAt).min()
    }
}
