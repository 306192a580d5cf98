import Controller
import FakeKubernetes
import Foundation
import Interruption
import JSONValues
import Kubernetes
import TestSupport
import Testing

@Suite("Cluster: launch readiness and the global eviction budget", .timeLimit(.minutes(1)))
struct ReadinessAndBudgetTests {
    static func notReady(_ name: String, _ id: InstanceID) -> JSONValue {
        var node = Seed.node(name, id.rawValue)
        node["status"]["conditions"] = [["type": "Ready", "status": "False", "reason": "KubeletNotReady"]]
        return node
    }

    @Test("a launch waits until the node joins and turns Ready, seen through the informer, without polling")
    func readyViaInformer() async throws {
        try await withClusterHarness(seed: [Seed.node("n1", InstanceID.test(1).rawValue)]) { harness in
            let id = InstanceID.test(7)
            harness.server.ledger.reset()
            let readiness = try await withThrowingTaskGroup(of: NodeReadiness?.self) { group in
                group.addTask { try await harness.cluster.waitUntilReady(instanceID: id, timeout: .seconds(20)) }
                group.addTask {
                    try await harness.store.seed(Self.notReady("n7", id))
                    try await eventually("the informer has n7") { harness.cluster.nodes(for: [id])[id] != nil }
                    #expect(harness.cluster.nodes(for: [id])[id]?.isReady == false)
                    _ = try await harness.client.patch(
                        Node.self, name: "n7",
                        patch: .strategicMerge([
                            "status": ["conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]]]
                        ]))
                    return nil
                }
                var readiness: NodeReadiness?
                for try await result in group { if let result { readiness = result } }
                return readiness
            }
            #expect(readiness == .ready(nodeName: "n7"))
            let nodeReads = harness.server.ledger.snapshot().entries.filter {
                $0.method == "GET" && $0.requestClass != .watch && $0.path.hasPrefix("/api/v1/nodes")
            }
            #expect(nodeReads.isEmpty, "readiness comes from the informer's watch, not from GETs")
        }
    }

    @Test("a node already Ready returns at once; one that never turns Ready times out")
    func readyOrTimeout() async throws {
        let seed = [Seed.node("n1", InstanceID.test(1).rawValue), Self.notReady("n2", .test(2))]
        try await withClusterHarness(seed: seed) { harness in
            #expect(
                try await harness.cluster.waitUntilReady(instanceID: .test(1), timeout: .seconds(5))
                    == .ready(nodeName: "n1"))
            let started = ContinuousClock.now
            let late = try await harness.cluster.waitUntilReady(instanceID: .test(2), timeout: .milliseconds(200))
            #expect(late == .timedOut(nodeName: "n2"))
            #expect(ContinuousClock.now - started < .seconds(3))
            let missing = try await harness.cluster.waitUntilReady(instanceID: .test(3), timeout: .milliseconds(100))
            #expect(missing == .timedOut(nodeName: nil))
        }
    }

    @Test("concurrent drains of two nodes never have more evictions in flight than the budget")
    func budgetRespected() async throws {
        var seed: [JSONValue] = [
            Seed.node("n1", InstanceID.test(1).rawValue), Seed.node("n2", InstanceID.test(2).rawValue),
            ObjectFactory.namespace("shop"),
        ]
        for node in ["n1", "n2"] {
            for index in 0..<12 { seed.append(Seed.web("\(node)-web-\(index)", on: node, grace: 5)) }
        }
        try await withClusterHarness(seed: seed, configuration: testClusterConfiguration(maxEvictionsInFlight: 3)) {
            harness in
            var faults = FaultPlan()
            faults.latencyMilliseconds = 30
            harness.server.faults = faults
            let outcomes = try await withThrowingTaskGroup(of: DrainOutcome.self) { group in
                for node in ["n1", "n2"] {
                    group.addTask {
                        let state = NodeJobState(
                            instanceID: .test(1), eventIDs: ["e"], kinds: [.spotInterruption], deadline: nil,
                            startedAt: Date())
                        let receipt = try await harness.cluster.cordon(node: node, steps: [.cordon], state: state)
                        return try await harness.cluster.drain(
                            DrainRequest(nodeName: node, afterResourceVersion: receipt.resourceVersion, deadline: nil),
                            progress: { _ in })
                    }
                }
                var outcomes: [DrainOutcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.allSatisfy { $0.result == .drained })
            #expect(outcomes.map(\.evicted.count) == [12, 12])
            let statistics = harness.cluster.budget.statistics
            #expect(statistics.peakInFlight == 3, "the budget is used to the full, and never beyond")
            #expect(statistics.granted == 24)
            #expect(statistics.inFlight == 0)
            #expect(harness.server.ledger.snapshot().count(.eviction) == 24)
        }
    }
}
