import Foundation
import Interruption

/// The bookkeeping of one drain, with no I/O: which pods are known, which are still outstanding (to evict, or
/// evicted and not yet deleted), and what happened to each. ``NodeDrain`` feeds it the list, watch events and
/// eviction results, and starts the evictions it returns.
struct DrainState: Sendable {
    let filter: DrainFilter
    /// Pods seen on the node and not deleted since, with their decision.
    private(set) var known: [PodReference: PodDecision] = [:]
    /// Pods the drain still waits for: evictions not yet accepted, and pods not yet deleted.
    private(set) var outstanding: Set<PodReference> = []
    /// Pods whose eviction was accepted, in order.
    private(set) var evicted: [PodReference] = []
    private var evictedSet: Set<PodReference> = []
    /// Pods left alone.
    private(set) var skipped: [PodDecision] = []
    /// Pods that block the drain (from the first list), or that appeared later and would have.
    private(set) var blocking: [PodDecision] = []
    /// PodDisruptionBudget (or throttling) refusals.
    var refusals = 0
    /// Each known pod's own `terminationGracePeriodSeconds`, for deletes at the deadline.
    private(set) var gracePeriods: [PodReference: Int] = [:]

    init(filter: DrainFilter) {
        self.filter = filter
    }

    /// Whether every outstanding pod is done.
    var isComplete: Bool { outstanding.isEmpty }

    /// Applies the plan of the first list.
    /// - Returns: the pods to evict now.
    mutating func start(_ plan: DrainPlan, pods: [PodDescription]) -> [PodDescription] {
        let byReference = Dictionary(pods.map { ($0.reference, $0) }, uniquingKeysWith: { first, _ in first })
        for pod in pods { gracePeriods[pod.reference] = pod.terminationGracePeriodSeconds }
        return plan.decisions.compactMap { decision in
            accept(decision).flatMap { byReference[$0] }
        }
    }

    /// A pod seen after the first list (a watch `ADDED`, or a `MODIFIED` for a pod not yet known).
    /// - Returns: the decision and whether to evict it, or `nil` when the pod is already known.
    mutating func observe(_ pod: PodDescription) -> (decision: PodDecision, evict: Bool)? {
        guard known[pod.reference] == nil else { return nil }
        gracePeriods[pod.reference] = pod.terminationGracePeriodSeconds
        let decision = filter.decide(pod)
        return (decision, accept(decision) != nil)
    }

    /// Records a decision; returns the pod when it must be evicted.
    private mutating func accept(_ decision: PodDecision) -> PodReference? {
        known[decision.pod] = decision
        switch decision.action {
        case .evict, .evictWithoutWaiting:
            outstanding.insert(decision.pod)
            return decision.pod
        case .waitForDeletion:
            outstanding.insert(decision.pod)
        case .skip:
            skipped.append(decision)
        case .block:
            blocking.append(decision)
        }
        return nil
    }

    /// The apiserver accepted a pod's eviction. Finished pods are done at once; others when deleted.
    mutating func evictionAccepted(_ pod: PodReference) {
        if evictedSet.insert(pod).inserted { evicted.append(pod) }
        if known[pod]?.action == .evictWithoutWaiting { outstanding.remove(pod) }
    }

    /// A pod is gone: a watch `DELETED`, or a 404 from its eviction.
    /// - Returns: whether the drain was waiting for it.
    @discardableResult
    mutating func deleted(_ pod: PodReference) -> Bool {
        known[pod] = nil
        gracePeriods[pod] = nil
        return outstanding.remove(pod) != nil
    }

    /// Whether the drain still wants to evict this pod (it is outstanding and its eviction not yet accepted).
    func wantsEviction(_ pod: PodReference) -> Bool {
        outstanding.contains(pod) && !evictedSet.contains(pod)
    }

    /// The outstanding pods, sorted.
    var remaining: [PodReference] { outstanding.sorted() }
}
