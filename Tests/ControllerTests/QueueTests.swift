import Clocks
import Controller
import ControllerFakes
import Foundation
import Interruption
import Locking
import TestSupport
import Testing

@Suite("Queue side: visibility extension, back-pressure, batched acknowledgements, releases")
struct QueueTests {
    @Test("a drain longer than the visibility timeout keeps its message hidden; it is never redelivered")
    func longDrainKeepsExtending() async throws {
        try await Harness.run(
            {
                $0.visibilityTimeoutSeconds = 20
                $0.visibilityExtensionSeconds = 10
            }, setUp: { $0.addNode(1) }
        ) { harness in
            let node = "ip-10-0-0-1.ec2.internal"
            harness.cluster.holdDrains(of: node)
            let id = harness.queue.send(Fixtures.spot(instance(1)))
            try await eventually("the drain to start") { harness.cluster.isHolding(node) }
            for step in 1...12 {  // 120 s: six visibility timeouts
                try await eventually("the extender to sleep") { harness.clock.sleeperCount >= 1 }
                harness.clock.advance(by: 10)
                try await eventually("extension \(step)") { harness.queue.calls.extendBatches.count == step }
                #expect(!harness.queue.isVisible(id))
            }
            #expect(harness.queue.receiveCount(id) == 1)
            #expect(harness.queue.calls.receives == 1)
            #expect(harness.queue.calls.extendBatches.allSatisfy { $0 == [id] })
            #expect(harness.queue.calls.staleHandles == 0)
            harness.cluster.finishDrain(node)
            try await harness.waitUntilQueueEmpty()
            #expect(harness.cluster.drainsStarted == [node])
            #expect(harness.coordinator.statistics.visibilityExtensions == 12)
        }
    }

    @Test("a message whose job ends while its extension is in flight is no extension failure and no warning")
    func extensionRacingTheEndOfItsJob() async throws {
        try await Harness.run(
            {
                $0.visibilityTimeoutSeconds = 20
                $0.visibilityExtensionSeconds = 10
            }, setUp: { $0.addNode(1) }
        ) { harness in
            let node = "ip-10-0-0-1.ec2.internal"
            harness.cluster.holdDrains(of: node)
            harness.queue.send(Fixtures.spot(instance(1)))
            try await eventually("the drain to start") { harness.cluster.isHolding(node) }
            // The extender has taken its list of live messages; before SQS answers, the job ends and its message
            // is deleted, so SQS refuses the stale receipt handle.
            harness.queue.beforeNextExtension {
                harness.cluster.finishDrain(node)
                try? await eventually("the message to be deleted") { harness.queue.remaining == 0 }
            }
            try await eventually("the extender to sleep") { harness.clock.sleeperCount >= 1 }
            harness.clock.advance(by: 10)
            try await eventually("the extension call") { harness.queue.calls.extendBatches.count == 1 }
            try await eventually("SQS to refuse the stale handle") { harness.queue.calls.staleHandles == 1 }
            // The extender sleeps again only once it has accounted for the answer.
            try await eventually("the extender to sleep again") { harness.clock.sleeperCount >= 1 }
            #expect(harness.coordinator.statistics.visibilityExtensionFailures == 0)
            #expect(!harness.logs.all.contains { $0.message.contains("visibility failed") })
        }
    }

    @Test("a finished job's message whose delete keeps failing stays hidden until it is deleted; never redelivered")
    func pendingDeleteStaysHidden() async throws {
        try await Harness.run(
            {
                $0.visibilityTimeoutSeconds = 20
                $0.visibilityExtensionSeconds = 10
                $0.deleteAttempts = 100
            }, setUp: { $0.addNode(1) }
        ) { harness in
            let id = harness.queue.send(Fixtures.spot(instance(1)))
            harness.queue.failDeletes(of: id, times: 1000)
            try await eventually("the job to finish") { harness.coordinator.statistics.jobsSucceeded == 1 }
            try await eventually("a delete to fail") { harness.queue.calls.deleteBatches.count >= 1 }
            // The acknowledger sleeps on the clock too (its back-off), so a sleeper does not say the extender is
            // asleep: time moves a second at a time, and a late sleep costs the extender a second, not a round.
            for step in 1...6 {  // over 60 s: three visibility timeouts
                try await harness.advance(by: 1, until: "extension \(step)") {
                    harness.queue.calls.extendBatches.count == step
                }
                #expect(!harness.queue.isVisible(id))
            }
            #expect(harness.queue.receiveCount(id) == 1)
            #expect(harness.coordinator.statistics.jobsStarted == 1)
            harness.queue.failDeletes(of: id, times: 0)
            try await harness.advance(by: 1, until: "the delete to go out") { harness.queue.remaining == 0 }
        }
    }

    @Test("one slow ChangeMessageVisibilityBatch does not hold up the rest of the sweep")
    func extensionSweepIsConcurrent() async throws {
        try await Harness.run(
            {
                $0.visibilityTimeoutSeconds = 20
                $0.visibilityExtensionSeconds = 10
                $0.workers = 40
            },
            setUp: { harness in for n in 1...40 { harness.addNode(n) } }
        ) { harness in
            for n in 1...40 {
                harness.cluster.holdDrains(of: "ip-10-0-0-\(n).ec2.internal")
                harness.queue.send(Fixtures.spot(instance(n)))
            }
            try await eventually("40 drains to start") {
                (1...40).allSatisfy { harness.cluster.isHolding("ip-10-0-0-\($0).ec2.internal") }
            }
            let released = Lock(false)
            harness.queue.beforeNextExtension {
                while !released.withLock({ $0 }), !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            }
            try await eventually("the extender to sleep") { harness.clock.sleeperCount >= 1 }
            harness.clock.advance(by: 10)
            // The first batch hangs (the queue records a call once it answers); the other three go out meanwhile.
            try await eventually("three batches answered") { harness.queue.calls.extendBatches.count == 3 }
            released.withLock { $0 = true }
            try await eventually("40 extensions") { harness.coordinator.statistics.visibilityExtensions == 40 }
            for n in 1...40 { harness.cluster.finishDrain("ip-10-0-0-\(n).ec2.internal") }
            try await harness.waitUntilQueueEmpty()
        }
    }

    @Test("without extension the same drain would be redelivered (the test can fail)")
    func withoutExtensionRedelivered() async throws {
        try await Harness.run(
            {
                $0.visibilityTimeoutSeconds = 20
                $0.visibilityExtensionSeconds = 1000
            }, setUp: { $0.addNode(1) }
        ) { harness in
            let node = "ip-10-0-0-1.ec2.internal"
            harness.cluster.holdDrains(of: node)
            let id = harness.queue.send(Fixtures.spot(instance(1)))
            try await eventually("the drain to start") { harness.cluster.isHolding(node) }
            harness.clock.advance(by: 21)
            try await eventually("the redelivery") { harness.queue.receiveCount(id) == 2 }
            try await eventually { harness.coordinator.statistics.duplicateReceives == 1 }
            harness.cluster.finishDrain(node)
            try await harness.waitUntilQueueEmpty()
            // Deleted with the newest receipt handle: no stale-handle failure.
            #expect(harness.queue.calls.staleHandles == 0)
            #expect(harness.cluster.drainsStarted == [node])
        }
    }

    @Test("back-pressure: no more messages are received than the in-flight bound")
    func backPressure() async throws {
        try await Harness.run(
            { $0.maxMessagesInFlight = 2 },
            setUp: { harness in
                for n in 1...3 {
                    let node = harness.addNode(n)
                    harness.cluster.holdDrains(of: node)
                    harness.queue.send(Fixtures.spot(instance(n)))
                }
            }
        ) { harness in
            try await eventually("two drains") { harness.cluster.drainsStarted.count == 2 }
            #expect(harness.queue.calls.receiveSizes.reduce(0, +) == 2)
            let waiting = "m-0003"
            #expect(harness.queue.receiveCount(waiting) == 0)
            harness.cluster.finishDrain(harness.cluster.drainsStarted[0])
            try await eventually("the third message") { harness.queue.receiveCount(waiting) == 1 }
            for node in harness.cluster.drainsStarted { harness.cluster.finishDrain(node) }
            try await eventually("the third drain") { harness.cluster.drainsStarted.count == 3 }
            harness.cluster.finishDrain(harness.cluster.drainsStarted[2])
            try await harness.waitUntilQueueEmpty()
        }
    }

    @Test("acknowledgements go out in batches of at most 10; failed entries are retried")
    func batchedDeletes() async throws {
        try await Harness.run(
            {
                $0.receivers = 3
                // Time moves fast here (the back-off); a long visibility keeps that from redelivering anything.
                $0.visibilityTimeoutSeconds = 43_200
                $0.visibilityExtensionSeconds = 1000
            },
            setUp: { harness in
                for n in 1...25 {
                    harness.addNode(n)
                    let id = harness.queue.send(Fixtures.spot(instance(n)))
                    if n == 7 { harness.queue.failDeletes(of: id, times: 2) }
                }
            }
        ) { harness in
            // The acknowledger backs off a second after a failed entry.
            try await harness.advance(by: 1, until: "every message deleted") { harness.queue.remaining == 0 }
            let batches = harness.queue.calls.deleteBatches
            #expect(batches.allSatisfy { $0.count <= 10 })
            let tries = batches.joined().filter { (id: String) in id == "m-0007" }.count
            #expect(tries == 3)
            #expect(harness.coordinator.statistics.messagesDeleted == 25)
            #expect(harness.cluster.drainsStarted.count == 25)
        }
    }

    @Test("jobs that end one after another share DeleteMessageBatch calls instead of one call each")
    func deletesWaitForCompany() async throws {
        try await Harness.run(
            { $0.visibilityTimeoutSeconds = 43_200 },
            setUp: { harness in
                for n in 1...12 {
                    let node = harness.addNode(n)
                    harness.cluster.holdDrains(of: node)
                    harness.queue.send(Fixtures.spot(instance(n)))
                }
            }
        ) { harness in
            try await eventually("twelve drains") { harness.cluster.drainsStarted.count == 12 }
            // The jobs end one at a time, each after the previous one's message was handed to the acknowledger.
            for (index, node) in harness.cluster.drainsStarted.enumerated() {
                harness.cluster.finishDrain(node)
                try await eventually("job \(index + 1) ended") {
                    harness.coordinator.statistics.postDrains == index + 1
                }
            }
            try await harness.waitUntilQueueEmpty()
            let batches = harness.queue.calls.deleteBatches
            #expect(batches.joined().count == 12)
            // Without the batch wait each job's delete is a call of its own (12); with it, a full batch of ten
            // goes at once and the rest waits at most half a second for company (a slow machine may split them
            // once or twice more).
            #expect(batches.count <= 6, "\(batches.map(\.count))")
        }
    }

    @Test("receive failures back off and recover")
    func receiveFailures() async throws {
        try await Harness.run(
            {
                $0.visibilityTimeoutSeconds = 43_200  // time moves fast here; nothing is redelivered meanwhile
                $0.visibilityExtensionSeconds = 1000
            },
            setUp: { harness in
                harness.addNode(1)
                harness.queue.failReceives(4)
                harness.queue.send(Fixtures.spot(instance(1)))
            }
        ) { harness in
            try await harness.advance(by: 1, until: "recovery") { harness.queue.remaining == 0 }
            #expect(harness.coordinator.statistics.receiveFailures == 4)
        }
    }

    @Test("a failed drain releases the message at once (visibility 0); the retry succeeds")
    func failedDrainReleased() async throws {
        try await Harness.run(setUp: { $0.addNode(1) }) { harness in
            let node = "ip-10-0-0-1.ec2.internal"
            harness.cluster.holdDrains(of: node)
            let id = harness.queue.send(Fixtures.spot(instance(1)))
            try await eventually { harness.cluster.isHolding(node) }
            harness.cluster.finishDrain(node, with: .failure(InjectedFault("watch failed")))
            try await harness.waitUntilQueueEmpty()
            #expect(harness.queue.calls.releaseBatches == [[id]])
            #expect(harness.queue.receiveCount(id) == 2)
            #expect(harness.coordinator.statistics.jobsFailed == 1)
            #expect(harness.coordinator.statistics.jobsSucceeded == 1)
            #expect(harness.cluster.drainsStarted == [node, node])
        }
    }

    @Test("a blocked drain is parked: the message is neither deleted nor released, and comes back later")
    func blockedDrainParked() async throws {
        try await Harness.run(setUp: { $0.addNode(1) }) { harness in
            let node = "ip-10-0-0-1.ec2.internal"
            harness.cluster.setDrainResult(.blocked, for: node)
            let id = harness.queue.send(Fixtures.spot(instance(1)))
            try await eventually { harness.coordinator.statistics.jobsParked == 1 }
            #expect(!harness.queue.isDeleted(id))
            #expect(!harness.queue.isVisible(id))
            #expect(harness.queue.calls.releaseBatches.isEmpty)
        }
    }
}
