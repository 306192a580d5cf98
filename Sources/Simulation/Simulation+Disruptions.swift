import FakeKubernetes
import Foundation
import JSONValues

extension Simulation {
    /// The generated cluster's objects: its PodDisruptionBudgets only when the scenario blocks drains with them.
    ///
    /// No ReplicaSet controller runs in the fake, so evicted pods are never replaced: a budget blocks every drain
    /// of its set after the first eviction, until ``relaxBudgets(in:)``.
    func clusterObjects() -> [JSONValue] {
        let objects = ClusterGenerator(nodes: configuration.nodes, podsPerNode: configuration.podsPerNode).objects()
        guard configuration.blockingBudgets == nil else { return objects }
        return objects.filter { $0["kind"].stringValue != "PodDisruptionBudget" }
    }

    /// The scenario's timed disruptions, counted from `start`: throttling until its end, budgets relaxed at their
    /// time. Returns when the last is done.
    func disrupt(_ server: FakeAPIServer, from start: ContinuousClock.Instant) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let throttling = configuration.throttling {
                var plan = FaultPlan()
                for verb in throttling.verbs {
                    plan.errors[verb] = FaultPlan.ErrorRate(
                        rate: throttling.rate, status: 429, retryAfterSeconds: throttling.retryAfterSeconds)
                }
                server.faults = plan
                group.addTask {
                    try await Task.sleep(until: start + .milliseconds(Int64(throttling.forSeconds * 1000)))
                    server.faults = FaultPlan()
                }
            }
            if let budgets = configuration.blockingBudgets {
                group.addTask {
                    try await Task.sleep(until: start + .milliseconds(Int64(budgets.relaxAfterSeconds * 1000)))
                    try await Self.relaxBudgets(in: server.store)
                }
            }
            try await group.waitForAll()
        }
    }

    /// Replaces every PodDisruptionBudget with one that allows every disruption (`maxUnavailable: 100%`).
    static func relaxBudgets(in store: ClusterStore) async throws {
        for budget in await store.objects(.podDisruptionBudgets) {
            let name = budget["metadata"]["name"].stringValue ?? ""
            let namespace = budget["metadata"]["namespace"].stringValue ?? ""
            _ = try await store.remove(.podDisruptionBudgets, namespace: namespace, name: name)
            var relaxed = ObjectFactory.podDisruptionBudget(
                name: name, namespace: namespace, selector: [:], maxUnavailable: "100%")
            relaxed["spec"]["selector"] = budget["spec"]["selector"]
            _ = try await store.seed(relaxed)
        }
    }
}
