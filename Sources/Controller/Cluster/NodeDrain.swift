import Clocks
import Foundation
import Interruption
import Kubernetes
import Locking
import Logging

/// One drain of one node, as ``KubernetesCluster/drain(_:progress:)`` runs it.
///
/// 1. **List** the node's pods (`fieldSelector=spec.nodeName=N`) from the apiserver's watch cache: with
///    `resourceVersion=<the cordon's>&resourceVersionMatch=NotOlderThan` by default, so the answer includes every
///    pod bound before the cordon without a quorum read.
/// 2. **Decide** with the ``DrainFilter``; a blocking pod stops the drain before any eviction (kubectl semantics).
/// 3. **Watch** the same selector from the list's resourceVersion, in parallel with the evictions: a pod that
///    appears (bound before the cordon but missing from a lagging cache, or tolerating the cordon) is decided and
///    evicted too; each `DELETED` completes a pod. The watch is re-opened from the last resourceVersion when it ends,
///    and the pods relisted from the cache after a 410.
/// 4. **Evict** each pod (policy/v1) with its grace period clamped to the time left, holding a slot of the global
///    ``EvictionBudget`` for the request only. A refusal (429) is retried after a jittered back-off that honours
///    the server's `retryAfterSeconds`; a 404 means the pod is gone.
/// 5. **Stop** when every awaited pod is gone, or at the deadline (``KubernetesCluster/Configuration/deleteLeadTime``
///    before it when the remaining pods are to be deleted, with a grace period that fits).
struct NodeDrain: Sendable {
    let cluster: KubernetesCluster
    let request: DrainRequest
    let progress: @Sendable (DrainProgress) -> Void

    /// What the tasks of a drain tell its loop.
    ///
    /// `indirect`, and pods as their ``PodDescription`` (what the rules read) rather than the decoded `Pod`: a
    /// signal is one pointer in the drain loop's async frame and in the stream's buffer, which every open drain of a
    /// mass reclaim holds at once (docs/performance.md, "Peak memory during a reclaim").
    indirect enum Signal: Sendable {
        /// A watch `ADDED` or `MODIFIED`.
        case seen(PodDescription)
        /// A watch `DELETED`.
        case deleted(PodReference)
        /// A watch `BOOKMARK`.
        case bookmark
        case relisted([PodDescription])
        case accepted(PodReference)
        case refused(PodReference)
        case failed(PodReference)
        case gone(PodReference)
        case cutoff
    }

    var selector: String { "spec.nodeName=\(request.nodeName)" }
    var configuration: KubernetesCluster.Configuration { cluster.configuration }

    /// When the drain stops evicting: the deadline, or `deleteLeadTime` before it when remaining pods are deleted.
    var cutoff: Date? {
        guard let deadline = request.deadline else { return nil }
        guard request.deleteRemainingAtDeadline else { return deadline }
        let (seconds, attoseconds) = configuration.deleteLeadTime.components
        return deadline.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
    }

    func run() async throws -> DrainOutcome {
        let (descriptions, listVersion) = try await withChildTaskStack { try await listPodDescriptions() }
        let plan = request.filter.plan(
            pods: descriptions, deadline: request.deadline, now: configuration.clock.now,
            rules: configuration.deadlineRules
        )
        for decision in plan.decisions { progress(.decided(decision)) }
        var state = DrainState(filter: request.filter)
        guard plan.canProceed else {
            return DrainOutcome(
                nodeName: request.nodeName, result: .blocked,
                skipped: plan.decisions.filter { $0.action == .skip }, blocking: plan.blocking,
                listResourceVersion: listVersion)
        }
        let initial = state.start(plan, pods: descriptions)
        if state.isComplete { return outcome(state, .drained, listVersion: listVersion) }

        let wanted = WantedPods(initial.map(\.reference))
        let (signals, continuation) = AsyncStream<Signal>.makeStream()
        let final = try await withThrowingTaskGroup(of: Void.self) { group -> DrainOutcome in
            group.addTask { await watch(from: listVersion, into: continuation) }
            if let cutoff {
                group.addTask {
                    let wait = cutoff.timeIntervalSince(configuration.clock.now)
                    if wait > 0 { try await configuration.clock.sleep(for: .milliseconds(Int64(wait * 1000))) }
                    continuation.yield(.cutoff)
                }
            }
            for pod in initial {
                group.addTask { await evict(pod, wanted: wanted, into: continuation) }
            }
            for await signal in signals {
                switch apply(signal, state: &state, wanted: wanted, group: &group, continuation: continuation) {
                case .following:
                    continue
                case .cutoff:
                    group.cancelAll()
                    return await deadlineReached(state, listVersion: listVersion)
                case .drained:
                    group.cancelAll()
                    return outcome(state, .drained, listVersion: listVersion)
                }
            }
            group.cancelAll()
            throw CancellationError()
        }
        continuation.finish()
        return final
    }

    // MARK: Steps

    /// Where the drain loop goes after a signal.
    enum Next {
        case following, cutoff, drained
    }

    /// Applies one signal to the drain's state, starting the evictions it calls for. Synchronous and not inlined,
    /// so that its temporaries stay out of the drain loop's async frame, which lives as long as the drain.
    @inline(never)
    private func apply(
        _ signal: Signal, state: inout DrainState, wanted: WantedPods,
        group: inout ThrowingTaskGroup<Void, any Error>, continuation: AsyncStream<Signal>.Continuation
    ) -> Next {
        switch signal {
        case .seen(let pod):
            observe(pod, state: &state, wanted: wanted, group: &group, continuation: continuation)
        case .deleted(let pod):
            podGone(pod, state: &state, wanted: wanted)
        case .bookmark:
            break
        case .relisted(let pods):
            let present = Set(pods.map(\.reference))
            for pod in state.remaining where !present.contains(pod) {
                podGone(pod, state: &state, wanted: wanted)
            }
            for pod in pods {
                observe(pod, state: &state, wanted: wanted, group: &group, continuation: continuation)
            }
        case .accepted(let pod):
            state.evictionAccepted(pod)
        case .refused:
            state.refusals += 1
        case .failed:
            break
        case .gone(let pod):
            podGone(pod, state: &state, wanted: wanted)
        case .cutoff:
            return .cutoff
        }
        return state.isComplete && !wanted.hasRequestsInFlight ? .drained : .following
    }

    private func observe(
        _ description: PodDescription, state: inout DrainState, wanted: WantedPods,
        group: inout ThrowingTaskGroup<Void, any Error>, continuation: AsyncStream<Signal>.Continuation
    ) {
        guard let (decision, evict) = state.observe(description) else { return }
        progress(.decided(decision))
        guard evict else { return }
        wanted.insert(description.reference)
        group.addTask { await self.evict(description, wanted: wanted, into: continuation) }
    }

    private func podGone(_ pod: PodReference, state: inout DrainState, wanted: WantedPods) {
        wanted.remove(pod)
        if state.deleted(pod) { progress(.deleted(pod)) }
    }

    func outcome(
        _ state: DrainState, _ result: DrainOutcome.Result, listVersion: String?, deleted: [PodReference] = []
    ) -> DrainOutcome {
        DrainOutcome(
            nodeName: request.nodeName, result: result, evicted: state.evicted, skipped: state.skipped,
            blocking: state.blocking, remaining: result == .drained ? [] : state.remaining,
            deletedAtDeadline: deleted, refusals: state.refusals, listResourceVersion: listVersion)
    }

    /// Reports the pods left and, if asked, deletes them with a grace period that fits before the deadline.
    @inline(never)
    private func deadlineReached(_ state: DrainState, listVersion: String?) async -> DrainOutcome {
        let remaining = state.remaining
        progress(.deadlineReached(remaining: remaining))
        configuration.logger.info(
            "drain deadline reached",
            metadata: ["node.name": "\(request.nodeName)", "pods.remaining": "\(remaining.count)"])
        guard request.deleteRemainingAtDeadline, !remaining.isEmpty else {
            return outcome(state, .deadlineReached, listVersion: listVersion)
        }
        let deleted = await withTaskGroup(of: PodReference?.self) { group in
            for pod in remaining {
                let grace = state.gracePeriods[pod]
                group.addTask { await delete(pod, podGracePeriod: grace) ? pod : nil }
            }
            var deleted: [PodReference] = []
            for await pod in group { if let pod { deleted.append(pod) } }
            return deleted.sorted()
        }
        return outcome(state, .deadlineReached, listVersion: listVersion, deleted: deleted)
    }

    /// Deletes a pod (bypassing budgets) with its grace period clamped to the deadline; `true` when it is gone or
    /// going.
    private func delete(_ pod: PodReference, podGracePeriod: Int?) async -> Bool {
        let grace = configuration.deadlineRules.evictionGracePeriod(
            podGracePeriod: podGracePeriod, configured: request.filter.podTerminationGracePeriod,
            deadline: request.deadline,
            now: configuration.clock.now)
        do {
            try await cluster.budget.withSlot(priority: request.priority, deadline: request.deadline) { [cluster] in
                try await cluster.evictionClient.delete(
                    Pod.self, name: pod.name, namespace: pod.namespace,
                    options: DeleteOptions(gracePeriodSeconds: Int64(grace)))
            }
            return true
        } catch let error as KubernetesError where error.isNotFound {
            return true
        } catch {
            configuration.logger.info(
                "could not delete a pod at the deadline", metadata: ["pod": "\(pod)", "error": "\(error)"])
            return false
        }
    }
}

/// The pods a drain still wants evicted, shared with its eviction tasks so that a pod deleted meanwhile is not
/// evicted again; and the pods whose eviction request is on the wire, so that a drain whose last pod is deleted
/// while its eviction's answer is still coming waits for that answer (and reports the eviction).
final class WantedPods: Sendable {
    private let state: Lock<(wanted: Set<PodReference>, requesting: Set<PodReference>)>

    init(_ pods: [PodReference]) { self.state = Lock((Set(pods), [])) }

    func insert(_ pod: PodReference) { state.withLock { _ = $0.wanted.insert(pod) } }

    func remove(_ pod: PodReference) { state.withLock { _ = $0.wanted.remove(pod) } }

    func contains(_ pod: PodReference) -> Bool { state.withLock { $0.wanted.contains(pod) } }

    /// Marks a request as sent; the task yields its result signal only after ``endRequest(_:)``.
    func beginRequest(_ pod: PodReference) { state.withLock { _ = $0.requesting.insert(pod) } }

    /// Marks a request as answered.
    func endRequest(_ pod: PodReference) { state.withLock { _ = $0.requesting.remove(pod) } }

    /// Whether any eviction request awaits its answer.
    var hasRequestsInFlight: Bool { state.withLock { !$0.requesting.isEmpty } }
}
