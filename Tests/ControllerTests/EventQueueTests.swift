import ControllerFakes
import Foundation
import Logging
import TestSupport
import Testing

@testable import Controller

@Suite("Kubernetes events, off the job's path")
struct EventQueueTests {
    @Test("cordons and drains never wait for their Kubernetes events; the events follow in each node's order")
    func eventsOffThePath() async throws {
        try await Harness.run(
            { $0.emitKubernetesEvents = true },
            setUp: { harness in
                harness.addNode(1)
                harness.addNode(2)
                harness.cluster.holdEvents()
            }
        ) { harness in
            // A held write outlives cancellation: whatever happens, the writes are let through before the
            // harness stops the coordinator, so that a failure here is reported, not a stop that never comes.
            do {
                harness.queue.send(Fixtures.asgTerminate(instance(1), time: "2026-11-29T10:00:00Z"))
                // Every event write is held: written inline, the first one would hold the cordon's fast path, and no
                // drain would start.
                try await eventually("node 1 drained while its first event write waits") {
                    harness.coordinator.statistics.drains == 1 && harness.cluster.heldEventWrites == 1
                }
                // A held write for node 1 does not hold node 2's events back.
                harness.queue.send(Fixtures.spot(instance(2)))
                try await eventually("node 2 drained, its first event write out beside node 1's") {
                    harness.coordinator.statistics.drains == 2 && harness.cluster.heldEventWrites == 2
                }
                #expect(harness.cluster.events.isEmpty)
            } catch {
                harness.cluster.releaseEvents()
                throw error
            }
            harness.cluster.releaseEvents()
            try await eventually("both post-drain events") {
                harness.cluster.events.filter { $0.reason == "PostDrain" }.count == 2
            }
            let node = "ip-10-0-0-1.ec2.internal"
            let reasons = harness.cluster.events.filter { $0.nodeName == node }.map(\.reason)
            #expect(reasons.first == "Cordon")
            #expect(reasons.last == "PostDrain")
            let order = ["ASGLifecycle", "PreDrain", "CordonAndDrain", "PostDrain"]
            #expect(reasons.filter(order.contains) == order)
            let times = harness.cluster.events.filter { $0.nodeName == node }.compactMap(\.time)
            #expect(times.count == reasons.count, "each event carries the time it was recorded")
            #expect(times == times.sorted())
        }
    }

    @Test("past 10,000 queued events, new ones are dropped and counted, not held")
    func full() async {
        let recorder = StatisticsRecorder(metrics: nil)
        let queue = NodeEventQueue(logger: .disabled, statistics: recorder)
        for index in 0...NodeEventQueue.capacity {
            await queue.record(NodeEvent(nodeName: "node-\(index)", reason: "Cordon", action: "Cordon", note: ""))
        }
        #expect(await queue.pendingCount == NodeEventQueue.capacity)
        #expect(recorder.snapshot.eventsDropped == 1)
    }
}
