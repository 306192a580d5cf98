import Clocks
internal import Foundation
internal import Interruption
import Logging

extension JobCoordinator {
    /// Sends `RecordLifecycleActionHeartbeat` for the job's pending terminate actions on `HEARTBEAT_INTERVAL`,
    /// counted from the job's first receive (not from when a drain starts), until `HEARTBEAT_UNTIL`.
    ///
    /// Runs beside the job's handler, which cancels it on every way out. An action that is no longer active stops
    /// getting heartbeats; other failures are logged and the next beat tried.
    ///
    /// The loop sleeps for most of a job's life, beside every other job's, so what a round does is a function of its
    /// own (not inlined): the sleeping async frame keeps the schedule and the job's id only.
    func sendHeartbeats(_ id: InstanceID) async {
        guard let schedule = configuration.heartbeat, !configuration.dryRun else { return }
        while !Task.isCancelled {
            guard let next = await nextHeartbeat(of: id, schedule: schedule) else { return }
            do { try await clock.sleep(until: next) } catch { return }
            guard !Task.isCancelled, await sendHeartbeatRound(of: id, due: next) else { return }
        }
    }

    /// When the job's next heartbeat is due, or `nil` when it has none (or has ended).
    @inline(never)
    private func nextHeartbeat(of id: InstanceID, schedule: HeartbeatSchedule) async -> Date? {
        guard let machine = await board.snapshot(id) else { return nil }
        return schedule.nextHeartbeat(start: machine.job.firstReceivedAt, lastHeartbeat: machine.lastHeartbeat)
    }

    /// Records a heartbeat for each of the job's lifecycle actions; `false` when the job has ended.
    @inline(never)
    private func sendHeartbeatRound(of id: InstanceID, due next: Date) async -> Bool {
        guard let current = await board.snapshot(id) else { return false }
        for action in current.heartbeatTargets {
            do {
                switch try await lifecycle.recordHeartbeat(action) {
                case .accepted:
                    recorder.add(\.heartbeats, 1)
                case .noActiveAction:
                    await board.handle(.heartbeatsStopped(token: action.token), for: id)
                }
            } catch let error as LifecycleActionError {
                // Refused for good (AccessDenied, a validation error): say so, or the hook times out unexplained.
                logger.warning(
                    "lifecycle heartbeats stopped: the heartbeat was refused",
                    metadata: [
                        "instance.id": "\(id.rawValue)", "asg.name": "\(action.autoScalingGroupName)",
                        "error": "\(error)",
                    ])
                await board.handle(.heartbeatsStopped(token: action.token), for: id)
            } catch {
                if Task.isCancelled { return false }
                logger.warning(
                    "lifecycle heartbeat failed",
                    metadata: [
                        "instance.id": "\(id.rawValue)", "asg.name": "\(action.autoScalingGroupName)",
                        "error": "\(error)",
                    ])
            }
        }
        await board.handle(.heartbeatRoundDue(next), for: id)
        return true
    }

    /// Completes a lifecycle action, retrying with back-off (1, 2, 4 … 30 s); "no active lifecycle action" is done.
    ///
    /// - Throws: The last error after every attempt, a ``LifecycleActionError`` at once, or `CancellationError`.
    func complete(_ action: LifecycleAction, result: LifecycleCompletion, job id: InstanceID) async throws {
        let logger = self.logger.with([
            "instance.id": "\(id.rawValue)", "asg.name": "\(action.autoScalingGroupName)", "hook": "\(action.hookName)",
            "result": "\(result.rawValue)",
        ])
        var attempt = 0
        while true {
            attempt += 1
            do {
                let answer = try await lifecycle.complete(action, result: result)
                recorder.add(\.lifecycleCompletions, 1)
                await board.handle(.lifecycleActionCompleted(token: action.token), for: id)
                if case .found(let node)? = await board.snapshot(id)?.resolution {
                    await emit(
                        node: node, reason: "LifecycleActionCompleted", action: "CompleteLifecycleAction",
                        note: "Auto Scaling lifecycle action of \(action.autoScalingGroupName)/\(action.hookName) "
                            + "completed with \(result.rawValue)")
                }
                logger.info(
                    answer == .accepted ? "lifecycle action completed" : "lifecycle action was no longer active")
                return
            } catch let error as LifecycleActionError {
                recorder.add(\.lifecycleCompletionFailures, 1)
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                recorder.add(\.lifecycleCompletionFailures, 1)
                guard attempt < configuration.lifecycleCompletionAttempts else { throw error }
                let delay = min(30, pow(2, Double(attempt - 1)))
                logger.warning(
                    "completing a lifecycle action failed; retrying",
                    metadata: ["error": "\(error)", "delay_seconds": "\(delay)"])
                try await clock.sleep(seconds: delay)
            }
        }
    }
}
