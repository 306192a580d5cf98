import Clocks
import Controller
import ControllerFakes
import Foundation
import Interruption
import TestSupport
import Testing

@Suite("Lifecycle hooks: heartbeats from receipt, completion with retries, launch readiness")
struct LifecycleTests {
    static func heartbeating(_ configuration: inout ControllerConfiguration) {
        configuration.heartbeat = HeartbeatSchedule(interval: 30, until: 600)
        configuration.visibilityExtensionSeconds = 1000  // keep the extender's sleeps out of the way
        configuration.visibilityTimeoutSeconds = 43_200
    }

    @Test("heartbeats start at receipt, even while the drain waits for a worker slot")
    func heartbeatFromReceipt() async throws {
        try await Harness.run(
            {
                Self.heartbeating(&$0)
                $0.workers = 1
            },
            setUp: { harness in
                harness.addNode(1)
                harness.addNode(2)
            }
        ) { harness in
            let busy = "ip-10-0-0-1.ec2.internal"
            harness.cluster.holdDrains(of: busy, beforeEvicting: true)  // holds the only worker slot
            harness.queue.send(Fixtures.spot(instance(1)))
            try await eventually { harness.cluster.isHolding(busy) }
            harness.queue.send(Fixtures.asgTerminate(instance(2)))
            // The extender and both jobs' heartbeat loops sleep; the second job waits for the slot.
            try await eventually("the heartbeat sleepers") { harness.clock.sleeperCount == 3 }
            harness.clock.advance(by: 30)
            try await eventually("a heartbeat") { harness.lifecycle.heartbeats.count == 1 }
            try await eventually("the next heartbeat sleepers") { harness.clock.sleeperCount == 3 }
            harness.clock.advance(by: 30)
            try await eventually("a second heartbeat") { harness.lifecycle.heartbeats.count == 2 }
            #expect(harness.lifecycle.heartbeats.map { $0.at.timeIntervalSince(harness.clock.now) } == [-30, 0])
            #expect(harness.cluster.drainsStarted == [busy])
            harness.cluster.finishDrain(busy)
            harness.cluster.finishDrain("ip-10-0-0-2.ec2.internal")
            try await harness.waitUntilQueueEmpty()
        }
    }

    enum Ending: String, CaseIterable, CustomStringConvertible {
        case drained, deadlineReached, blocked, drainFailed, completionRejected
        var description: String { rawValue }
    }

    @Test("heartbeats stop on every terminal path", arguments: Ending.allCases)
    func heartbeatsStop(_ ending: Ending) async throws {
        let node = "ip-10-0-0-1.ec2.internal"
        try await Harness.run(
            {
                Self.heartbeating(&$0)
                $0.lifecycleCompletionAttempts = 1
            }, setUp: { $0.addNode(1) }
        ) { harness in
            harness.cluster.holdDrains(of: node)
            let token = UUID().uuidString.lowercased()
            harness.queue.send(Fixtures.asgTerminate(instance(1), token: token))
            try await eventually { harness.cluster.isHolding(node) }
            try await eventually("the heartbeat sleeper") { harness.clock.sleeperCount == 2 }
            harness.clock.advance(by: 30)
            try await eventually("a heartbeat") { harness.lifecycle.heartbeats.count == 1 }
            switch ending {
            case .drained: harness.cluster.finishDrain(node)
            case .deadlineReached: harness.cluster.finishDrain(node, with: .result(.deadlineReached))
            case .blocked: harness.cluster.finishDrain(node, with: .result(.blocked))
            case .drainFailed: harness.cluster.finishDrain(node, with: .failure(InjectedFault("boom")))
            case .completionRejected:
                harness.lifecycle.failCompletions(1)
                harness.cluster.finishDrain(node)
            }
            try await eventually("the job to end") { await harness.coordinator.liveJobs().isEmpty }
            // Only the visibility extender still sleeps: no heartbeat loop is left.
            try await eventually("heartbeats to stop") { harness.clock.sleeperCount == 1 }
            harness.clock.advance(by: 300)
            #expect(harness.lifecycle.heartbeats.count == 1)
            let statistics = harness.coordinator.statistics
            switch ending {
            case .drained, .deadlineReached: #expect(statistics.jobsSucceeded == 1)
            case .blocked: #expect(statistics.jobsParked == 1)
            case .drainFailed, .completionRejected: #expect(statistics.jobsFailed >= 1)
            }
        }
    }

    @Test("heartbeats stop on shutdown")
    func heartbeatsStopOnShutdown() async throws {
        var clock: ManualClock?
        var lifecycle: InMemoryLifecycleActions?
        try await Harness.run({ Self.heartbeating(&$0) }, setUp: { $0.addNode(1) }) { harness in
            clock = harness.clock
            lifecycle = harness.lifecycle
            harness.cluster.holdDrains(of: "ip-10-0-0-1.ec2.internal")
            harness.queue.send(Fixtures.asgTerminate(instance(1)))
            try await eventually("the heartbeat sleeper") { harness.clock.sleeperCount == 2 }
        }
        let stopped = try #require(clock)
        #expect(stopped.sleeperCount == 0)
        stopped.advance(by: 300)
        #expect(lifecycle?.heartbeats.isEmpty == true)
    }

    @Test("a heartbeating hook's node records the drain's own deadline, so a resumed job keeps it")
    func recordedDeadlineIsTheDrains() async throws {
        let node = "ip-10-0-0-1.ec2.internal"
        try await Harness.run({ Self.heartbeating(&$0) }, setUp: { $0.addNode(1) }) { harness in
            let start = harness.clock.now
            harness.cluster.holdDrains(of: node)
            harness.queue.send(Fixtures.asgTerminate(instance(1), time: start.formatted(.iso8601)))
            try await eventually("the drain") { harness.cluster.isHolding(node) }
            // Heartbeats until 600 s push the hook's deadline to 600 + 300 s; the node recorded 300 s before.
            #expect(harness.cluster.jobState(of: node)?.deadline == start.addingTimeInterval(900))
            harness.cluster.finishDrain(node)
            try await eventually("the drain to end") { !harness.cluster.drains.isEmpty }
            #expect(harness.cluster.drains.first?.deadline == start.addingTimeInterval(900))
        }
    }

    @Test("CompleteLifecycleAction is retried with back-off; the message is deleted after it succeeds")
    func completionRetried() async throws {
        try await Harness.run(setUp: { harness in
            harness.addNode(1)
            harness.lifecycle.failCompletions(2)
            harness.queue.send(Fixtures.asgTerminate(instance(1)))
        }) { harness in
            try await eventually("completion") {
                harness.clock.advance(by: 1)
                return harness.queue.remaining == 0
            }
            #expect(harness.lifecycle.completions.count == 1)
            #expect(harness.coordinator.statistics.lifecycleCompletionFailures == 2)
        }
    }

    @Test("'no active lifecycle action' counts as done")
    func noActiveAction() async throws {
        let token = UUID().uuidString.lowercased()
        try await Harness.run(setUp: { harness in
            harness.addNode(1)
            harness.lifecycle.markInactive(token)
            harness.queue.send(Fixtures.asgTerminate(instance(1), token: token))
        }) { harness in
            try await harness.waitUntilQueueEmpty()
            #expect(harness.lifecycle.completions.isEmpty)
            #expect(harness.coordinator.statistics.lifecycleCompletions == 1)
        }
    }

    @Test("COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS waits on the clock before completing")
    func completionDelay() async throws {
        try await Harness.run(
            { $0.policy.completeLifecycleActionDelay = 5 },
            setUp: { harness in
                harness.addNode(1)
                harness.queue.send(Fixtures.asgTerminate(instance(1)))
            }
        ) { harness in
            try await eventually { harness.cluster.drains.count == 1 }
            try await eventually("the delay sleeper") { harness.clock.sleeperCount == 2 }
            #expect(harness.lifecycle.completions.isEmpty)
            harness.clock.advance(by: 5)
            try await harness.waitUntilQueueEmpty()
            #expect(harness.lifecycle.completions.count == 1)
        }
    }

    @Test("a launch hook completes once its node joins and is Ready")
    func launchReady() async throws {
        try await Harness.run { harness in
            harness.queue.send(Fixtures.asgLaunch(instance(1)))
            try await eventually { harness.clock.sleeperCount >= 2 }  // the extender and the readiness timeout
            harness.addNode(1, ready: false)
            #expect(harness.lifecycle.completions.isEmpty)
            harness.cluster.markReady("ip-10-0-0-1.ec2.internal")
            try await harness.waitUntilQueueEmpty()
            #expect(harness.lifecycle.completions.map(\.result) == ["CONTINUE"])
            #expect(harness.cluster.writes == 0)  // a launch never cordons
        }
    }

    @Test(
        "a launch hook whose node is not Ready in time follows NTH_LAUNCH_TIMEOUT_ACTION",
        arguments: [
            ControllerConfiguration.LaunchTimeoutAction.continue, .abandon, .retry,
        ])
    func launchTimeout(_ action: ControllerConfiguration.LaunchTimeoutAction) async throws {
        try await Harness.run({
            $0.launchTimeoutAction = action
            $0.launchReadyTimeoutSeconds = 60
            $0.visibilityExtensionSeconds = 1000
            $0.visibilityTimeoutSeconds = 43_200
        }) { harness in
            let id = harness.queue.send(Fixtures.asgLaunch(instance(1)))
            try await eventually { harness.clock.sleeperCount >= 2 }
            harness.clock.advance(by: 60)
            switch action {
            case .continue, .abandon:
                try await harness.waitUntilQueueEmpty()
                #expect(harness.lifecycle.completions.map(\.result) == [action == .continue ? "CONTINUE" : "ABANDON"])
            case .retry:
                try await eventually { harness.coordinator.statistics.jobsParked == 1 }
                #expect(harness.lifecycle.completions.isEmpty)
                #expect(!harness.queue.isDeleted(id))
            }
        }
    }
}
