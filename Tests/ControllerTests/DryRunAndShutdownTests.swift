import Controller
import ControllerFakes
import Foundation
import Interruption
import TestSupport
import Testing

@Suite("Dry run and graceful shutdown")
struct DryRunAndShutdownTests {
    @Test("dry run has no side effects anywhere: no cluster writes, no queue writes, no Auto Scaling calls")
    func dryRun() async throws {
        try await Harness.run(
            {
                $0.dryRun = true
                $0.heartbeat = HeartbeatSchedule(interval: 30, until: 600)
            },
            setUp: { harness in
                harness.addNode(1)
                harness.addNode(2)
                harness.queue.send(Fixtures.spot(instance(1)))
                harness.queue.send(Fixtures.asgTerminate(instance(2)))
                harness.queue.send("poison")
                harness.queue.send(try Fixtures.body("asg-test-notification-direct.json"))
            }
        ) { harness in
            try await eventually("the plans") { harness.coordinator.statistics.dryRunPlans == 2 }
            try await eventually("the rejections") { harness.coordinator.statistics.rejected.values.reduce(0, +) == 2 }
            // Nothing is deleted, so every message comes back after its visibility timeout and is planned again.
            // Time moves until that is seen: a redelivery received while its earlier plan is still being logged
            // joins that job and is planned only at its next return.
            try await harness.advance(by: 30, until: "the redeliveries") {
                harness.coordinator.statistics.dryRunPlans >= 4
            }
            #expect(harness.cluster.writes == 0)
            #expect(harness.cluster.drainsStarted.isEmpty)
            #expect(harness.lifecycle.calls.isEmpty)
            #expect(harness.queue.calls.deleteBatches.isEmpty)
            #expect(harness.queue.calls.extendBatches.isEmpty)
            #expect(harness.queue.calls.releaseBatches.isEmpty)
            #expect(harness.queue.remaining == 4)
            #expect(harness.coordinator.statistics.rejectedDeleted == 0)
            #expect(harness.logs.contains("dry run: would perform these steps"))
        }
    }

    @Test("shutdown: receiving stops, finished jobs' deletes go out, unfinished jobs' messages are released")
    func shutdown() async throws {
        var queue: InMemoryQueue?
        var cluster: FakeCluster?
        var ids: [String] = []
        try await Harness.run(setUp: { harness in
            harness.addNode(1)
            harness.addNode(2)
        }) { harness in
            queue = harness.queue
            cluster = harness.cluster
            harness.cluster.holdDrains(of: "ip-10-0-0-2.ec2.internal")
            ids.append(harness.queue.send(Fixtures.spot(instance(1))))
            ids.append(harness.queue.send(Fixtures.spot(instance(2))))
            try await eventually { harness.queue.isDeleted(ids[0]) }
            try await eventually { harness.cluster.isHolding("ip-10-0-0-2.ec2.internal") }
        }
        let stopped = try #require(queue)
        #expect(stopped.isDeleted(ids[0]))
        #expect(!stopped.isDeleted(ids[1]))
        #expect(stopped.isVisible(ids[1]))
        #expect(stopped.calls.releaseBatches == [[ids[1]]])
        #expect(cluster?.cordonedNodes.sorted() == ["ip-10-0-0-1.ec2.internal", "ip-10-0-0-2.ec2.internal"])
        // Nothing secret in the logs: no receipt handle or body.
    }

    @Test("logs carry ids, never receipt handles, lifecycle tokens or bodies")
    func noSecretsInLogs() async throws {
        let token = UUID().uuidString.lowercased()
        try await Harness.run(setUp: { harness in
            harness.addNode(1)
            harness.queue.send(Fixtures.asgTerminate(instance(1), token: token))
            harness.queue.send("secret-looking poison body")
        }) { harness in
            try await harness.waitUntilQueueEmpty()
            let text = harness.logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            #expect(!text.contains(token))
            #expect(!text.contains("-h1"))  // the fake's receipt handles
            #expect(!text.contains("secret-looking"))
            #expect(text.contains(instance(1)))
        }
    }

    @Test("EMIT_KUBERNETES_EVENTS records cordon, drain, hook and failure events; off by default and in dry run")
    func events() async throws {
        try await Harness.run(
            { $0.emitKubernetesEvents = true },
            setUp: { harness in
                harness.addNode(1)
                harness.addNode(2)
                harness.cluster.setDrainResult(.blocked, for: "ip-10-0-0-2.ec2.internal")
                harness.queue.send(Fixtures.asgTerminate(instance(1)))
                harness.queue.send(Fixtures.spot(instance(2)))
            }
        ) { harness in
            try await eventually { harness.coordinator.statistics.jobsSucceeded == 1 }
            try await eventually { harness.coordinator.statistics.jobsParked == 1 }
            // Ours, and NTH's reasons next to them (NTHReportsTests has their messages).
            let expected = [
                "ip-10-0-0-1.ec2.internal ASGLifecycle", "ip-10-0-0-1.ec2.internal Cordon",
                "ip-10-0-0-1.ec2.internal CordonAndDrain", "ip-10-0-0-1.ec2.internal Drained",
                "ip-10-0-0-1.ec2.internal LifecycleActionCompleted", "ip-10-0-0-1.ec2.internal PostDrain",
                "ip-10-0-0-1.ec2.internal PreDrain", "ip-10-0-0-2.ec2.internal Cordon",
                "ip-10-0-0-2.ec2.internal CordonAndDrainError", "ip-10-0-0-2.ec2.internal DrainBlocked",
                "ip-10-0-0-2.ec2.internal PreDrain", "ip-10-0-0-2.ec2.internal SpotInterruption",
            ]
            try await eventually("every event") {
                harness.cluster.events.map { "\($0.nodeName) \($0.reason)" }.sorted() == expected
            }
        }
        try await Harness.run(setUp: { harness in
            harness.addNode(1)
            harness.queue.send(Fixtures.spot(instance(1)))
        }) { harness in
            try await harness.waitUntilQueueEmpty()
            #expect(harness.cluster.events.isEmpty)
        }
    }
}
