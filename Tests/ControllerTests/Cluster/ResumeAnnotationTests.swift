import Controller
import FakeKubernetes
import Foundation
import Interruption
import JSONValues
import Kubernetes
import Testing

@Suite("Cluster: the job state a resumed controller reads back", .timeLimit(.minutes(1)))
struct ResumeAnnotationTests {
    static let seed: [JSONValue] = [
        Seed.node("n1", InstanceID.test(1).rawValue), Seed.node("n2", InstanceID.test(2).rawValue),
    ]

    static let state = NodeJobState(
        instanceID: .test(1), eventIDs: ["evt-asg", "evt-spot"], kinds: [.spotInterruption, .autoScalingTermination],
        deadline: Date(timeIntervalSince1970: 1_900_000_000), startedAt: Date(timeIntervalSince1970: 1_899_999_880.25),
        lifecycleHooks: [
            NodeJobState.LifecycleHook(autoScalingGroupName: "eks-workers,blue", hookName: "team/drain"),
            NodeJobState.LifecycleHook(autoScalingGroupName: "eks-workers,blue", hookName: "audit"),
        ])

    @Test(
        "hooks and every other field round-trip through KubernetesCluster; old and malformed annotations read as such")
    func roundTrip() async throws {
        try await withClusterHarness(seed: Self.seed) { harness in
            // No token on the node: a resumed job addresses its hooks by instance id.
            let resumed = LifecycleAction.addressedByInstance(Self.state.lifecycleHooks[1], instanceID: .test(1))
            #expect(resumed.isAddressedByInstance)
            #expect(resumed.hookName == "team/drain" && resumed.autoScalingGroupName == "eks-workers,blue")
            _ = try await harness.cluster.cordon(node: "n1", steps: [.cordon], state: Self.state)
            // n2: written by a controller from before the lifecycle-hooks annotation, with a broken start time.
            let old = NodeJobState(
                instanceID: .test(2), eventIDs: ["evt-old"], kinds: [.autoScalingTermination], deadline: nil,
                startedAt: Date(timeIntervalSince1970: 1_899_999_000))
            _ = try await harness.cluster.cordon(node: "n2", steps: [.cordon], state: old)
            #expect(old.annotations[NodeJobState.lifecycleHooksKey] == nil)

            let stored = try await harness.client.get(Node.self, name: "n1").metadata.annotations ?? [:]
            let hooks = try #require(stored[NodeJobState.lifecycleHooksKey])
            #expect(
                hooks == #"[{"autoScalingGroupName":"eks-workers,blue","hookName":"audit"},"#
                    + #"{"autoScalingGroupName":"eks-workers,blue","hookName":"team/drain"}]"#)

            let restarted = try KubernetesCluster(client: harness.client, configuration: testClusterConfiguration())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await restarted.run() }
                try await restarted.waitUntilSynced()
                let nodes = restarted.nodesWithJobState()
                #expect(nodes.map(\.name) == ["n1", "n2"])
                #expect(nodes.first?.jobState == Self.state)
                #expect(nodes.last?.jobState == old)
                #expect(nodes.last?.jobState?.lifecycleHooks == [])
                group.cancelAll()
            }

            _ = try await harness.client.patch(
                Node.self, name: "n2",
                patch: .merge(["metadata": ["annotations": [NodeJobState.startedAtKey: "yesterday"]]]))
            let again = try KubernetesCluster(client: harness.client, configuration: testClusterConfiguration())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await again.run() }
                try await again.waitUntilSynced()
                let broken = again.nodesWithJobState().first { $0.name == "n2" }
                #expect(broken?.jobState == nil)
                #expect(broken?.unreadableJobState?.contains(NodeJobState.startedAtKey) == true)
                group.cancelAll()
            }

            try await harness.cluster.clearJobState(node: "n1")
            let cleared = try await harness.client.get(Node.self, name: "n1").metadata.annotations ?? [:]
            #expect(!cleared.keys.contains { $0.hasPrefix(NodeJobState.annotationPrefix) })
        }
    }
}
