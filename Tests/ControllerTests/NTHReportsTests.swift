import Clocks
import ControllerFakes
import Foundation
import Interruption
import Kubernetes
import Logging
import MetricsTestKit
import TestSupport
import Testing

@testable import Controller

/// What NTH reports, reproduced for users switching over: `actions_total` for every node action, NTH's event
/// reasons and messages, its tagged-instance gauges, and its webhook fields.
@Suite("NTH's reports")
struct NTHReportsTests {
    @Test("an ASG termination counts pre-drain, cordon-and-drain and post-drain, with NTH's events and messages")
    func asgTermination() async throws {
        let factory = TestMetrics()
        try await Harness.run(
            { $0.emitKubernetesEvents = true }, setUp: { $0.addNode(1) }, metrics: ControllerMetrics(factory: factory)
        ) { harness in
            harness.queue.send(Fixtures.asgTerminate(instance(1), time: "2026-11-29T10:00:00Z"))
            try await eventually("the post-drain event") {
                harness.cluster.events.contains { $0.reason == "PostDrain" }
            }
            let node = "ip-10-0-0-1.ec2.internal"
            let events = harness.cluster.events.filter { $0.nodeName == node }
            let nth = events.filter { ["ASGLifecycle", "PreDrain", "CordonAndDrain", "PostDrain"].contains($0.reason) }
            #expect(
                nth.map { "\($0.reason): \($0.note)" } == [
                    "ASGLifecycle: ASG Lifecycle Termination event received. Instance will be interrupted at "
                        + "2026-11-29T10:00:00Z",
                    "PreDrain: Pre-drain task successfully executed",
                    "CordonAndDrain: Node successfully cordoned and drained",
                    "PostDrain: Post-drain task successfully executed",
                ])
            #expect(nth.allSatisfy { $0.severity == .normal })
            #expect(events.contains { $0.reason == "Drained" }, "ours stay, with what they add (the pod count)")
        }
        for action in ["pre-drain", "cordon-and-drain", "post-drain"] {
            #expect(
                factory.counterTotal(
                    label: "actions_total", dimensions: [("node_action", action), ("node_status", "success")]) == 1,
                "\(action)")
            #expect(
                factory.counterTotal(
                    label: "actions_total", dimensions: [("node_action", action), ("node_status", "error")]) == 0,
                "\(action)")
        }
    }

    @Test("a state change has no pre-drain in NTH: its reason is StateChange and pre-drain is not counted")
    func stateChange() async throws {
        let factory = TestMetrics()
        try await Harness.run(
            { $0.emitKubernetesEvents = true }, setUp: { $0.addNode(1) }, metrics: ControllerMetrics(factory: factory)
        ) { harness in
            harness.queue.send(Fixtures.stateChange(instance(1), state: "stopping"))
            try await eventually("the post-drain event") {
                harness.cluster.events.contains { $0.reason == "PostDrain" }
            }
            let reasons = harness.cluster.events.map(\.reason)
            #expect(reasons.contains("StateChange"))
            #expect(!reasons.contains("PreDrain"))
        }
        #expect(factory.counterTotal(label: "actions_total", dimensions: [("node_action", "pre-drain")]) == 0)
    }

    @Test("a blocked drain is NTH's CordonAndDrainError; a failed completion is PostDrainError and post-drain error")
    func errors() async throws {
        let factory = TestMetrics()
        try await Harness.run(
            {
                $0.emitKubernetesEvents = true
                $0.lifecycleCompletionAttempts = 1
            },
            setUp: { harness in
                harness.addNode(1)
                harness.addNode(2)
                harness.cluster.setDrainResult(.blocked, for: "ip-10-0-0-2.ec2.internal")
                harness.lifecycle.failCompletions(1)
            }, metrics: ControllerMetrics(factory: factory)
        ) { harness in
            harness.queue.send(Fixtures.asgTerminate(instance(1)))
            harness.queue.send(Fixtures.spot(instance(2)))
            try await eventually("both errors") {
                let reasons = Set(harness.cluster.events.map(\.reason))
                return reasons.isSuperset(of: ["PostDrainError", "CordonAndDrainError"])
            }
            let blocked = try #require(harness.cluster.events.first { $0.reason == "CordonAndDrainError" })
            #expect(blocked.nodeName == "ip-10-0-0-2.ec2.internal")
            #expect(blocked.severity == .warning)
            #expect(blocked.note.hasPrefix("There was a problem while trying to cordon and drain the node: blocked by"))
            let postDrain = try #require(harness.cluster.events.first { $0.reason == "PostDrainError" })
            #expect(postDrain.nodeName == "ip-10-0-0-1.ec2.internal")
            #expect(postDrain.note.hasPrefix("There was a problem executing the post-drain task: "))
        }
        #expect(
            factory.counterTotal(
                label: "actions_total", dimensions: [("node_action", "cordon-and-drain"), ("node_status", "error")])
                == 1)
        #expect(
            factory.counterTotal(
                label: "actions_total", dimensions: [("node_action", "post-drain"), ("node_status", "error")]) == 1)
    }

    @Test("nth_tagged_instances counts the tagged instances, nth_tagged_nodes the nodes among them; 0 at start")
    func census() async throws {
        let factory = TestMetrics()
        let metrics = ControllerMetrics(factory: factory)
        #expect(try factory.expectGauge("nth_tagged_instances").lastValue == 0)
        #expect(try factory.expectGauge("nth_tagged_nodes").lastValue == 0)
        let failing = ManagedInstanceCensus(
            taggedInstances: { throw CensusError() }, nodeInstances: { [] }, metrics: metrics,
            logger: .disabled, intervalSeconds: 30, clock: ManualClock())
        await failing.refresh()
        #expect(try factory.expectGauge("nth_tagged_instances").lastValue == 0, "a failure leaves the gauges")
        let census = ManagedInstanceCensus(
            taggedInstances: { ["i-1", "i-2", "i-3"] }, nodeInstances: { ["i-1", "i-2", "i-9"] }, metrics: metrics,
            logger: .disabled, intervalSeconds: 30, clock: ManualClock())
        await census.refresh()
        #expect(try factory.expectGauge("nth_tagged_instances").lastValue == 3)
        #expect(try factory.expectGauge("nth_tagged_nodes").lastValue == 2)
    }

    private struct CensusError: Error {}

    @Test("NTH's webhook template gets InstanceType and AvailabilityZone from the node")
    func webhookFields() throws {
        // The Microsoft Teams template of NTH's README (webhook configuration), which names both fields.
        let template = try WebhookTemplate(
            #"{"Content":"[NTH][Instance Interruption] InstanceId: {{ .InstanceID }} - Node: {{ .NodeName }} - InstanceType: {{ .InstanceType }} - AvailabilityZone: {{ .AvailabilityZone }} - Kind: {{ .Kind }} - Start Time: {{ .StartTime }}"}"#
        )
        let outcome = MessageDecoder().decode(
            body: Fixtures.spot(instance(1), time: "2026-11-29T10:00:00Z"), receivedAt: Date())
        guard case .events(let events, _) = outcome, let event = events.first else {
            Issue.record("the fixture did not decode: \(outcome)")
            return
        }
        let fields = WebhookNotifier.fields(
            for: event, node: "ip-10-0-0-1.ec2.internal", instanceType: "m5.large", availabilityZone: "eu-west-1b")
        #expect(
            template.render(fields, escapeForJSON: true)
                == #"{"Content":"[NTH][Instance Interruption] InstanceId: \#(instance(1)) - Node: ip-10-0-0-1.ec2.internal - InstanceType: m5.large - AvailabilityZone: eu-west-1b - Kind: SPOT_ITN - Start Time: 2026-11-29T10:00:00Z"}"#
        )
        let unknown = WebhookNotifier.fields(for: event, node: nil)
        #expect(unknown["InstanceType"] == nil && unknown["AvailabilityZone"] == nil)
    }

    @Test("the node cache keeps the instance type and zone labels (zone from the providerID without the label)")
    func nodeLabels() {
        var node = Node(
            metadata: ObjectMeta(
                name: "ip-10-0-0-1.ec2.internal",
                labels: [
                    "node.kubernetes.io/instance-type": "c6i.xlarge", "topology.kubernetes.io/zone": "eu-west-1c",
                    "team": "payments",
                ]))
        node.spec = NodeSpec(providerID: "aws:///eu-west-1c/i-0123456789abcdef0")
        let cached = KubernetesCluster.cached(node)
        #expect(
            cached.metadata.labels?.keys.sorted() == [
                "node.kubernetes.io/instance-type", "topology.kubernetes.io/zone",
            ])
        let described = KubernetesCluster.describe(cached)
        #expect(described.instanceType == "c6i.xlarge")
        #expect(described.availabilityZone == "eu-west-1c")
        node.metadata.labels = nil
        let unlabelled = KubernetesCluster.describe(KubernetesCluster.cached(node))
        #expect(unlabelled.instanceType == nil)
        #expect(unlabelled.availabilityZone == "eu-west-1c")
    }
}
