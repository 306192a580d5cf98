import Controller
import FakeKubernetes
import Foundation
import Interruption
import JSONValues
import Kubernetes
import TestSupport
import Testing

@Suite("Cluster: resolution and the one-patch cordon", .timeLimit(.minutes(1)))
struct CordonTests {
    static let id1 = InstanceID.test(1)
    static let seed: [JSONValue] = [
        Seed.node("n1", id1.rawValue), Seed.node("n2", InstanceID.test(2).rawValue),
        ObjectFactory.namespace("shop"),
    ]

    static func state(deadline: Date? = Date(timeIntervalSince1970: 1_900_000_000)) -> NodeJobState {
        NodeJobState(
            instanceID: id1, eventIDs: ["evt-2", "evt-1"], kinds: [.spotInterruption, .autoScalingTermination],
            deadline: deadline, startedAt: Date(timeIntervalSince1970: 1_899_999_880.25))
    }

    @Test("instances resolve to nodes from the providerID index without any request")
    func resolution() async throws {
        try await withClusterHarness(seed: Self.seed) { harness in
            harness.server.ledger.reset()
            let resolved = harness.cluster.nodes(for: [Self.id1, .test(2), .test(3)])
            #expect(resolved[Self.id1]?.name == "n1")
            #expect(resolved[.test(2)]?.name == "n2")
            #expect(resolved[.test(3)] == nil)
            #expect(resolved[Self.id1]?.isReady == true)
            #expect(resolved[Self.id1]?.hasProviderID == true)
            #expect(harness.cluster.node(named: "n2")?.instanceID == .test(2))
            #expect(harness.cluster.node(named: "nope") == nil)
            #expect(harness.server.ledger.snapshot().total == 0)
        }
    }

    @Test("a cordon is one write: unschedulable, NTH taints, the exclude-from-LB label and the job's annotations")
    func cordonIsOneWrite() async throws {
        try await withClusterHarness(seed: Self.seed) { harness in
            harness.server.ledger.reset()
            let steps: [NodeAction] = [
                .labelExcludeFromLoadBalancers,
                .taint(
                    Interruption.Taint(
                        key: "aws-node-termination-handler/spot-itn", value: "evt-1", effect: .noSchedule)),
                .cordon, .drain, .taint(.outOfService), .acknowledge,
            ]
            let receipt = try await harness.cluster.cordon(node: "n1", steps: steps, state: Self.state())
            let ledger = harness.server.ledger.snapshot()
            // The node informer's own watch may open after the sync (and after the reset): not the cordon's.
            #expect(ledger.total - ledger.count(.watch) == 1)
            #expect(ledger.count(.write) == 1)
            #expect(ledger.entries.filter { $0.method != "GET" }.map(\.method) == ["PATCH"])
            #expect(receipt.writes == 1)
            #expect(receipt.wasCordoned == false)
            #expect(receipt.addedTaints == ["aws-node-termination-handler/spot-itn"])
            #expect(receipt.labels == ["node.kubernetes.io/exclude-from-external-load-balancers"])

            let node = try await harness.client.get(Node.self, name: "n1")
            #expect(receipt.resourceVersion == node.metadata.resourceVersion)
            #expect(node.spec?.unschedulable == true)
            let taints = node.spec?.taints ?? []
            #expect(taints.contains { $0.key == "aws-node-termination-handler/spot-itn" && $0.value == "evt-1" })
            #expect(!taints.contains { $0.key == "node.kubernetes.io/out-of-service" }, "not before the drain")
            #expect(node.metadata.labels?["node.kubernetes.io/exclude-from-external-load-balancers"] != nil)
            let annotations = node.metadata.annotations ?? [:]
            #expect(annotations["node-termination-handler/event-ids"] == "evt-1,evt-2")
            #expect(annotations["node-termination-handler/kinds"] == "asg-termination,spot-interruption")
            #expect(NodeJobState(annotations: annotations) == Self.state())
        }
    }

    @Test("a restarted controller finds the job state on the node through its informer, until it is cleared")
    func resumeFromAnnotations() async throws {
        try await withClusterHarness(seed: Self.seed) { harness in
            let receipt = try await harness.cluster.cordon(node: "n1", steps: [.cordon], state: Self.state())
            // A second cluster (a new leader) over the same apiserver.
            let restarted = try KubernetesCluster(client: harness.client, configuration: testClusterConfiguration())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await restarted.run() }
                try await restarted.waitUntilSynced()
                let resumed = restarted.nodesWithJobState()
                #expect(resumed.map(\.name) == ["n1"])
                #expect(resumed.first?.jobState == Self.state())
                #expect(resumed.first?.isCordoned == true)
                #expect(resumed.first?.resourceVersion == receipt.resourceVersion)
                group.cancelAll()
            }
            try await harness.cluster.clearJobState(node: "n1")
            let node = try await harness.client.get(Node.self, name: "n1")
            #expect(node.metadata.annotations?["node-termination-handler/instance-id"] == nil)
            #expect(node.spec?.unschedulable == true, "clearing the state leaves the node cordoned")
            try await harness.cluster.clearJobState(node: "gone")
        }
    }

    @Test("a taint already present is kept; a concurrent taint change costs one conflict, one GET and one retry")
    func taintConflict() async throws {
        try await withClusterHarness(seed: Self.seed) { harness in
            let taint = Interruption.Taint(
                key: "aws-node-termination-handler/spot-itn", value: "e", effect: .noSchedule)
            // Someone else taints n2 while the informer's copy lags behind: its resourceVersion is stale.
            await harness.store.setCacheLag(.seconds(2))
            _ = try await harness.client.patch(
                Node.self, name: "n2",
                patch: .strategicMerge(["spec": ["taints": [["key": "other", "effect": "NoSchedule"]]]]))
            harness.server.ledger.reset()
            let receipt = try await harness.cluster.cordon(
                node: "n2", steps: [.taint(taint), .cordon], state: Self.state())
            #expect(receipt.writes == 2)
            let ledger = harness.server.ledger.snapshot()
            #expect(ledger.count(.write) == 2)
            #expect(ledger.entries.map(\.method) == ["PATCH", "GET", "PATCH"])
            await harness.store.setCacheLag(.zero)
            let node = try await harness.client.get(Node.self, name: "n2")
            let keys = Set((node.spec?.taints ?? []).map(\.key))
            #expect(keys.isSuperset(of: ["other", "aws-node-termination-handler/spot-itn"]))
            try await eventually("the informer sees n2 cordoned") {
                harness.cluster.node(named: "n2")?.isCordoned == true
            }
            let again = try await harness.cluster.cordon(
                node: "n2", steps: [.taint(taint), .cordon], state: Self.state())
            #expect(again.addedTaints.isEmpty)
            #expect(again.wasCordoned)
        }
    }

    @Test("the out-of-service taint is added after the drain, once")
    func outOfService() async throws {
        try await withClusterHarness(seed: Self.seed) { harness in
            try await harness.cluster.applyOutOfServiceTaint(node: "n1")
            try await harness.cluster.applyOutOfServiceTaint(node: "n1")
            let node = try await harness.client.get(Node.self, name: "n1")
            let matching = (node.spec?.taints ?? []).filter { $0.key == "node.kubernetes.io/out-of-service" }
            #expect(matching.count == 1)
            #expect(matching.first?.effect == "NoExecute")
            #expect(matching.first?.value == "nodeshutdown")
            #expect(matching.first?.timeAdded != nil)
        }
    }

    @Test("a cordon of a node that does not exist is a 404")
    func missingNode() async throws {
        try await withClusterHarness(seed: Self.seed) { harness in
            let error = try await #require(throws: KubernetesError.self) {
                _ = try await harness.cluster.cordon(node: "nope", steps: [.cordon], state: Self.state())
            }
            #expect(error.isNotFound)
        }
    }

    @Test("events are recorded about the node in default, with its instance id and the extra annotations")
    func events() async throws {
        var configuration = testClusterConfiguration()
        configuration.eventAnnotations = ["team": "platform", "pager": "on=call"]
        try await withClusterHarness(seed: Self.seed, configuration: configuration) { harness in
            await harness.cluster.recordEvent(
                NodeEvent(nodeName: "n1", reason: "Cordon", action: "Cordon", note: "spot interruption evt-1"))
            let events = try await harness.client.list(Kubernetes.Event.self, namespace: "default")
            #expect(events.items.count == 1)
            #expect(events.items.first?.regarding?.name == "n1")
            #expect(events.items.first?.regarding?.kind == "Node")
            #expect(events.items.first?.reason == "Cordon")
            let annotations = events.items.first?.metadata.annotations ?? [:]
            #expect(annotations["team"] == "platform")
            #expect(annotations["pager"] == "on=call")
            #expect(annotations["instance-id"] != nil)
        }
    }
}
