import AWS
import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import SigV4
import TestSupport
import Testing

/// SIGTERM to the leader while a PodDisruptionBudget holds its drain: nothing is lost. The leader releases the
/// message and the Lease; the standby leads, resumes the job from the node's annotations, receives the message at
/// once, and finishes the drain when the budget allows it. Two processes, moto, the fake apiserver over HTTPS with
/// the chart's RBAC.
@Suite("Failover in the middle of a drain", .serialized)
struct FailoverEndToEndTests {
    @Test("SIGTERM mid-drain: the standby takes over, resumes the job, and drains once the budget allows")
    func sigtermMidDrain() async throws {
        let instance = "i-0bbbbbbbbbbbbbbb1"
        // Every pod must stay: the drain is refused until the budget goes.
        let objects =
            ReplicasEndToEndTests.nodeWithPods("node-1", instance: instance, labels: ["app": "web"]) + [
                ObjectFactory.podDisruptionBudget(
                    name: "web", namespace: "apps", selector: ["app": "web"], minAvailable: .int(3))
            ]
        try await ReplicasEndToEndTests.withWorld("failover", seed: objects) { world in
            let (leader, standby) = try await world.electedPair()
            _ = try await world.queue.sendMessage(body: ReplicasEndToEndTests.spotWarning(instance))
            try await world.eventually("the budget to refuse an eviction") {
                world.server.ledger.snapshot().entries.contains { $0.requestClass == .eviction && $0.status == 429 }
            }
            let cordoned = await world.store.object(.nodes, name: "node-1")
            #expect(cordoned?["spec"]["unschedulable"].boolValue == true)
            #expect(
                cordoned?["metadata"]["annotations"]["node-termination-handler/instance-id"].stringValue == instance,
                "the job state is on the node")

            try await leader.expectCleanExit()
            #expect(leader.log.contains("released the lease"))
            try await world.eventually("the standby to lead") { await world.holder() == standby.name }
            try await world.eventually("the standby to resume the job from the node's annotations") {
                standby.log.contains("job resumed from the node's annotations")
            }
            try await world.store.remove(.podDisruptionBudgets, namespace: "apps", name: "web")
            try await world.eventually("node-1 to be drained") { await world.drained("node-1") }
            // Deleted by the standby: the leader is gone, and had released it.
            try await world.eventually("the message to be deleted") {
                try await ReplicasEndToEndTests.queueDepth(world.queue) == 0
            }
            try await standby.expectCleanExit()
            let refused = world.server.ledger.snapshot().entries.filter { $0.status == 403 }
            #expect(refused.isEmpty, "\(refused.map(\.path))")
        }
    }
}
