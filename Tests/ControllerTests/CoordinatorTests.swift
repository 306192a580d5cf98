import Clocks
import Controller
import ControllerFakes
import Foundation
import Interruption
import Kubernetes
import Locking
import TestSupport
import Testing

@Suite("Coordinator: coalescing, poison messages, instances without a node")
struct CoordinatorTests {
    @Test("three events for one instance: one cordon, one drain, three deletes, one lifecycle completion")
    func threeEventsOneJob() async throws {
        let id = instance(1)
        try await Harness.run(setUp: { $0.addNode(1) }) { harness in
            let node = "ip-10-0-0-1.ec2.internal"
            harness.cluster.holdDrains(of: node)
            let spot = harness.queue.send(Fixtures.spot(id))
            try await eventually("the drain to start") { harness.cluster.isHolding(node) }
            let hook = harness.queue.send(Fixtures.asgTerminate(id))
            let state = harness.queue.send(Fixtures.stateChange(id))
            try await eventually("the two later messages to join the job") {
                harness.coordinator.statistics.messagesWithEvents == 3
            }
            harness.cluster.finishDrain(node)
            try await harness.waitUntilQueueEmpty()
            #expect([spot, hook, state].allSatisfy { harness.queue.isDeleted($0) })
            #expect(harness.cluster.drainsStarted == [node])
            #expect(harness.lifecycle.completions.count == 1)
            #expect(harness.coordinator.statistics.jobsStarted == 1)
            #expect(harness.coordinator.statistics.jobsSucceeded == 1)
            #expect(harness.queue.calls.deleteBatches.flatMap { $0 }.count == 3)
            // The later kinds were cordoned (tainted) on receipt, while the drain ran.
            #expect(harness.cluster.cordons.count >= 1)
        }
    }

    @Test("the idle hook runs when the last live job ends, not while another job is live")
    func idleHookAfterTheLastJob() async throws {
        let idleCalls = Lock(0)
        try await Harness.run(
            setUp: { harness in
                harness.addNode(3)
                harness.addNode(4)
            }, onIdle: { idleCalls.withLock { $0 += 1 } }
        ) { harness in
            let first = "ip-10-0-0-3.ec2.internal"
            let second = "ip-10-0-0-4.ec2.internal"
            harness.cluster.holdDrains(of: first)
            harness.cluster.holdDrains(of: second)
            harness.queue.send(Fixtures.spot(instance(3)))
            harness.queue.send(Fixtures.spot(instance(4)))
            try await eventually("both drains to start") {
                harness.cluster.isHolding(first) && harness.cluster.isHolding(second)
            }
            harness.cluster.finishDrain(first)
            try await eventually("the first job to end") { harness.coordinator.statistics.jobsSucceeded == 1 }
            // The first job's handler checks for idleness after its end; the second job still holds its drain.
            try await eventually("the first job's handler to return") {
                await harness.coordinator.liveJobs().count == 1
            }
            #expect(idleCalls.withLock { $0 } == 0)
            harness.cluster.finishDrain(second)
            try await eventually("the idle hook after the last job") { idleCalls.withLock { $0 } == 1 }
            try await harness.waitUntilQueueEmpty()
            #expect(idleCalls.withLock { $0 } == 1)
        }
    }

    @Test("three events in one receive: one job, one drain, one batch of three deletes")
    func threeEventsOneBatch() async throws {
        let id = instance(2)
        try await Harness.run(setUp: { harness in
            harness.addNode(2)
            harness.queue.send(Fixtures.spot(id))
            harness.queue.send(Fixtures.asgTerminate(id))
            harness.queue.send(Fixtures.stateChange(id))
        }) { harness in
            try await harness.waitUntilQueueEmpty()
            #expect(harness.cluster.drainsStarted.count == 1)
            #expect(harness.cluster.cordons.count == 1)
            #expect(harness.lifecycle.completions.count == 1)
            #expect(harness.queue.calls.deleteBatches.map(\.count) == [3])
        }
    }

    @Test(
        "a poison message is deleted at once and counted; nothing else happens",
        arguments: [
            ("not json at all", "not-json"), ("[1,2,3]", "unknown-shape"), (#"{"hello":"world"}"#, "unknown-shape"),
            (Fixtures.spot("i-nothex"), "malformed-instance-id"),
        ])
    func poison(body: String, code: String) async throws {
        try await Harness.run { harness in
            let id = harness.queue.send(body)
            try await harness.waitUntilQueueEmpty()
            #expect(harness.queue.isDeleted(id))
            #expect(harness.coordinator.statistics.rejected == [code: 1])
            #expect(harness.coordinator.statistics.rejectedDeleted == 1)
            #expect(harness.cluster.writes == 0)
            #expect(harness.logs.contains("message yields no event"))
        }
    }

    @Test("an unknown lifecycle transition is left for the dead-letter queue, not deleted")
    func unknownTransitionLeft() async throws {
        let body = Fixtures.asgTerminate(instance(3)).replacingOccurrences(
            of: "autoscaling:EC2_INSTANCE_TERMINATING", with: "autoscaling:EC2_INSTANCE_HIBERNATING")
        try await Harness.run { harness in
            let id = harness.queue.send(body)
            try await eventually { harness.coordinator.statistics.rejectedLeft == 1 }
            #expect(!harness.queue.isDeleted(id))
            #expect(!harness.queue.isVisible(id))
            #expect(harness.queue.calls.releaseBatches.isEmpty)
        }
    }

    @Test("node not found, DELETE_SQS_MSG_IF_NODE_NOT_FOUND off: nothing done, the message comes back later")
    func nodeNotFoundKept() async throws {
        try await Harness.run { harness in
            let id = harness.queue.send(Fixtures.spot(instance(4)))
            try await eventually { harness.coordinator.statistics.jobsParked == 1 }
            #expect(
                harness.directory.lookups == [
                    [InstanceID(instance(4))].compactMap { $0 }.reduce(into: Set()) { $0.insert($1) }
                ])
            #expect(!harness.queue.isDeleted(id))
            #expect(!harness.queue.isVisible(id))
            #expect(harness.cluster.writes == 0)
            #expect(harness.queue.calls.releaseBatches.isEmpty)
            harness.clock.advance(by: 21)
            try await eventually("the redelivery") { harness.queue.receiveCount(id) == 2 }
        }
    }

    @Test("node not found, DELETE_SQS_MSG_IF_NODE_NOT_FOUND on: acknowledged without touching the cluster")
    func nodeNotFoundDeleted() async throws {
        try await Harness.run({ $0.deleteMessageIfNodeNotFound = true }) { harness in
            let id = harness.queue.send(Fixtures.spot(instance(5)))
            try await harness.waitUntilQueueEmpty()
            #expect(harness.queue.isDeleted(id))
            #expect(harness.cluster.writes == 0)
        }
    }

    @Test("node not found: an ASG terminate hook is completed anyway (configurable); the message follows the option")
    func nodeNotFoundHookCompleted() async throws {
        try await Harness.run { harness in
            let id = harness.queue.send(Fixtures.asgTerminate(instance(6)))
            try await eventually { harness.lifecycle.completions.count == 1 }
            try await eventually { harness.coordinator.statistics.jobsParked == 1 }
            #expect(!harness.queue.isDeleted(id))
        }
        try await Harness.run({ $0.completeLifecycleActionIfNodeNotFound = false }) { harness in
            harness.queue.send(Fixtures.asgTerminate(instance(6)))
            try await eventually { harness.coordinator.statistics.jobsParked == 1 }
            #expect(harness.lifecycle.completions.isEmpty)
        }
        try await Harness.run({ $0.deleteMessageIfNodeNotFound = true }) { harness in
            harness.queue.send(Fixtures.asgTerminate(instance(6)))
            try await harness.waitUntilQueueEmpty()
            #expect(harness.lifecycle.completions.count == 1)
        }
    }

    @Test("a node without a providerID is found through EC2's private DNS name, with one lookup per batch")
    func ec2Fallback() async throws {
        try await Harness.run(setUp: { harness in
            for n in 10..<13 {
                harness.cluster.addNode("ip-10-0-1-\(n).ec2.internal", instanceID: nil)
                let id = try #require(InstanceID(instance(n)))
                harness.directory.add(InstanceRecord(instanceID: id, privateDNSName: "ip-10-0-1-\(n).ec2.internal"))
                harness.queue.send(Fixtures.spot(instance(n)))
            }
        }) { harness in
            try await harness.waitUntilQueueEmpty()
            #expect(harness.directory.lookups.count == 1)
            #expect(harness.directory.lookups.first?.count == 3)
            #expect(Set(harness.cluster.drainsStarted) == Set((10..<13).map { "ip-10-0-1-\($0).ec2.internal" }))
        }
    }

    @Test("the managed-tag check: an untagged instance is acknowledged and left alone")
    func unmanaged() async throws {
        try await Harness.run(
            { $0.policy.checkTagBeforeDraining = true },
            setUp: { harness in
                harness.addNode(20)
                harness.addNode(21)
                let untagged = try #require(InstanceID(instance(20)))
                let tagged = try #require(InstanceID(instance(21)))
                harness.directory.add(InstanceRecord(instanceID: untagged, privateDNSName: nil))
                harness.directory.add(
                    InstanceRecord(
                        instanceID: tagged, privateDNSName: nil, tags: ["aws-node-termination-handler/managed": ""]))
                harness.queue.send(Fixtures.spot(instance(20)))
                harness.queue.send(Fixtures.spot(instance(21)))
            }
        ) { harness in
            try await harness.waitUntilQueueEmpty()
            #expect(harness.cluster.drainsStarted == ["ip-10-0-0-21.ec2.internal"])
            #expect(harness.directory.lookups.count == 1)
        }
    }

    @Test("an apiserver that is down is waited out with the message held, not released toward the redrive limit")
    func apiserverOutageHoldsTheMessage() async throws {
        try await Harness.run({ $0.maxReceiveCount = 2 }) { harness in
            let node = harness.addNode(31)
            harness.cluster.failCordons(of: node, times: 3)
            let id = harness.queue.send(Fixtures.spot(instance(31)))
            try await harness.advance(by: 1, until: "the job done") { harness.queue.isDeleted(id) }
            #expect(harness.cluster.cordonedNodes == [node])
            #expect(harness.queue.receiveCount(id) == 1)
            #expect(harness.coordinator.statistics.messagesReleased == 0)
            #expect(harness.coordinator.statistics.jobsFailed == 0)
            #expect(harness.logs.contains("retrying it, the messages stay held"))
        }
    }

    @Test("a cordon refused for good (403) fails the job and releases the message")
    func forbiddenCordonFailsTheJob() async throws {
        try await Harness.run { harness in
            let node = harness.addNode(32)
            // Two: the receive's fast-path cordon, then the job's own.
            harness.cluster.failCordons(
                of: node, times: 2,
                with: KubernetesError(
                    code: .forbidden, verb: "PATCH", path: "/api/v1/nodes", httpStatus: 403, message: "forbidden"))
            let id = harness.queue.send(Fixtures.spot(instance(32)))
            try await eventually("the job done after one release") { harness.queue.isDeleted(id) }
            #expect(harness.coordinator.statistics.jobsFailed == 1)
            #expect(harness.coordinator.statistics.messagesReleased == 1)
            #expect(harness.queue.receiveCount(id) == 2)
        }
    }

    @Test("a failing EC2 lookup releases the message at once until the receive-count limit, then leaves it")
    func redrive() async throws {
        try await Harness.run({ $0.maxReceiveCount = 3 }, setUp: { $0.directory.setFailing(true) }) { harness in
            let id = harness.queue.send(Fixtures.spot(instance(30)))
            try await eventually("three receives") { harness.queue.receiveCount(id) == 3 }
            // The release is counted once SQS answered it, so the next receive can come first: wait for both counts.
            try await eventually("the message left after two releases") {
                let statistics = harness.coordinator.statistics
                return statistics.messagesLeft == 1 && statistics.messagesReleased == 2
            }
            #expect(harness.coordinator.statistics.jobsFailed == 3)
            #expect(!harness.queue.isVisible(id))
            #expect(harness.logs.contains("redrive policy"))
        }
    }
}
