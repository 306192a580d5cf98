import ControllerFakes
import Foundation
import Interruption
import TestSupport
import Testing

@testable import Controller

@Suite("Drain worker slots: priority order, free while waiting")
struct DrainSlotsTests {
    @Test("waiting drains are granted by priority, then deadline, then arrival")
    func priorityOrder() async throws {
        let slots = DrainSlots(capacity: 1)
        let first = try await slots.acquire(DrainOrder(priority: .advisory, deadline: nil))
        let order = OrderRecorder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let waiters: [(String, DrainPriority, TimeInterval?)] = [
                ("rebalance", .advisory, nil), ("health-late", .scheduled, 500), ("spot", .urgent, 100),
                ("health-early", .scheduled, 200), ("asg", .urgent, 300),
            ]
            for (index, (name, priority, deadline)) in waiters.enumerated() {
                group.addTask {
                    let slot = try await slots.acquire(
                        DrainOrder(priority: priority, deadline: deadline.map { Date(timeIntervalSince1970: $0) }))
                    await order.append(name)
                    slot.release()
                }
                // Each waiter queues up before the next (arrival order matters only for ties).
                try await eventually("waiter \(name) queued") { slots.waiting == index + 1 }
            }
            first.release()
            try await group.waitForAll()
        }
        #expect(await order.names == ["spot", "asg", "health-early", "health-late", "rebalance"])
    }

    @Test("a cancelled waiter leaves the queue; releasing twice gives back one slot")
    func cancellation() async throws {
        let slots = DrainSlots(capacity: 1)
        let held = try await slots.acquire(DrainOrder(priority: .urgent, deadline: nil))
        let waiter = Task { try await slots.acquire(DrainOrder(priority: .urgent, deadline: nil)) }
        try await eventually("the waiter queued") { slots.waiting == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        held.release()
        held.release()
        let again = try await slots.acquire(DrainOrder(priority: .advisory, deadline: nil))
        #expect(slots.busiest == 1)
        again.release()
        #expect(slots.unsettled == 0)
    }

    @Test("a waiter cancelled around its grant keeps or gives back its slot, and nothing of it is remembered")
    func cancellationAtGrant() async throws {
        let slots = DrainSlots(capacity: 1)
        for _ in 0..<300 {
            let held = try await slots.acquire(DrainOrder(priority: .urgent, deadline: nil))
            let waiter = Task { try await slots.acquire(DrainOrder(priority: .urgent, deadline: nil)) }
            try await eventually("the waiter queued") { slots.waiting == 1 }
            held.release()  // grants the waiter...
            waiter.cancel()  // ...which is cancelled at about the same moment
            if let slot = try? await waiter.value { slot.release() }
            #expect(slots.unsettled == 0)
        }
        let last = try await slots.acquire(DrainOrder(priority: .advisory, deadline: nil))
        #expect(slots.busiest == 1, "no slot was lost or doubled")
        last.release()
    }

    @Test("drain activity: only waiting once every listed pod is decided and every eviction issued")
    func activity() {
        var activity = DrainActivity()
        let pod = PodReference(namespace: "a", name: "b")
        let steps: [DrainProgress] = [
            .listed(pods: 2, resourceVersion: "1"),
            .decided(PodDecision(pod: pod, action: .evict, reason: .managed)),
            .decided(PodDecision(pod: pod, action: .skip, reason: .daemonSet)),
            .evicted(pod, gracePeriodSeconds: 30),
        ]
        let waiting = steps.map { activity.observe($0) }
        #expect(waiting == [false, false, false, true])
        var refused = DrainActivity()
        let afterRefusal = refused.observe(.evictionRefused(pod, message: "pdb", retryAfter: .seconds(5)))
        #expect(afterRefusal)
    }

    @Test("with one worker, drains that only wait do not block the next one")
    func waitingDrainsFree() async throws {
        try await Harness.run(
            { $0.workers = 1 },
            setUp: { harness in
                for n in 1...3 {
                    harness.cluster.holdDrains(of: harness.addNode(n))
                    harness.queue.send(Fixtures.spot(instance(n)))
                }
            }
        ) { harness in
            try await eventually("three drains waiting at once") { harness.cluster.drainsStarted.count == 3 }
            #expect(harness.coordinator.busiestDrainSlots == 1)
            for node in harness.cluster.drainsStarted { harness.cluster.finishDrain(node) }
            try await harness.waitUntilQueueEmpty()
        }
    }

    @Test("with one worker, a busy drain holds its slot: the next waits, spot before rebalance")
    func busyDrainHoldsSlot() async throws {
        try await Harness.run(
            {
                $0.workers = 1
                $0.policy.rebalance = .cordonAndDrain
            },
            setUp: { harness in
                harness.addNode(1)
                harness.addNode(2)
                harness.addNode(3)
            }
        ) { harness in
            let busy = "ip-10-0-0-1.ec2.internal"
            harness.cluster.holdDrains(of: busy, beforeEvicting: true)
            harness.queue.send(Fixtures.stateChange(instance(1)))
            try await eventually { harness.cluster.isHolding(busy) }
            harness.queue.send(Fixtures.rebalance(instance(2)))
            try await eventually("the rebalance cordon") { harness.cluster.cordons.count == 2 }
            harness.queue.send(Fixtures.spot(instance(3)))
            try await eventually("the spot cordon") { harness.cluster.cordons.count == 3 }
            try await eventually("both drains waiting for the slot") { harness.coordinator.slots.waiting == 2 }
            #expect(harness.cluster.drainsStarted == [busy])
            harness.cluster.finishDrain(busy)
            try await harness.waitUntilQueueEmpty()
            #expect(harness.cluster.drainsStarted == [busy, "ip-10-0-0-3.ec2.internal", "ip-10-0-0-2.ec2.internal"])
        }
    }
}

actor OrderRecorder {
    var names: [String] = []
    func append(_ name: String) { names.append(name) }
}
