import Clocks
import ControllerFakes
import Foundation
import Interruption
import Logging
import TestSupport
import Testing

@testable import Controller

@Suite("Resuming the jobs a previous controller wrote on nodes")
struct ResumeTests {
    static let node = "ip-10-0-0-1.ec2.internal"

    static func id(_ n: Int = 1) throws -> InstanceID { try #require(InstanceID(instance(n))) }

    /// The job state a previous controller wrote, `age` seconds before the test's start.
    static func state(
        kinds: [InterruptionKind] = [.spotInterruption], eventIDs: [String] = ["e-spot"], age: TimeInterval = 10,
        hooks: [NodeJobState.LifecycleHook] = [], clock: ManualClock
    ) throws -> NodeJobState {
        NodeJobState(
            instanceID: try id(), eventIDs: eventIDs, kinds: kinds,
            deadline: clock.now.addingTimeInterval(120 - age), startedAt: clock.now.addingTimeInterval(-age),
            lifecycleHooks: hooks)
    }

    static func seed(_ harness: Harness, _ state: NodeJobState) {
        harness.cluster.addNode(node, instanceID: state.instanceID, jobState: state)
    }

    static let hook = NodeJobState.LifecycleHook(autoScalingGroupName: "workers-a", hookName: "drain")

    static func heartbeating(_ configuration: inout ControllerConfiguration) {
        configuration.heartbeat = HeartbeatSchedule(interval: 30, until: 600)
        configuration.visibilityExtensionSeconds = 1000  // keep the extender's sleeps out of the way
        configuration.visibilityTimeoutSeconds = 43_200
    }

    @Test("a resumed job drains at once, from the cached cordon, before any message comes back")
    func drainsWithoutMessage() async throws {
        try await Harness.run(setUp: { Self.seed($0, try Self.state(clock: $0.clock)) }) { harness in
            try await eventually("the resumed drain") { harness.cluster.drains.count == 1 }
            let drain = try #require(harness.cluster.drains.first)
            #expect(drain.nodeName == Self.node)
            #expect(drain.afterResourceVersion == "rv-\(Self.node)")
            #expect(drain.deadline == harness.clock.now.addingTimeInterval(110))
            #expect(harness.coordinator.statistics.messagesReceived == 0)
            #expect(harness.coordinator.statistics.jobsResumed == 1)
            #expect(harness.cluster.cordons.isEmpty)  // still cordoned: no second patch
            // Its message is still owed: the job waits for it, and the node keeps its job state.
            #expect(await harness.coordinator.liveJobs() == [try Self.id()])
            #expect(harness.cluster.clearedJobStates.isEmpty)
        }
    }

    @Test("the redelivered message joins the live job: one drain, deleted once, then the job state is cleared")
    func redeliveryJoins() async throws {
        // Held from the set-up: the resumed job drains as soon as the controller starts, before the body runs.
        try await Harness.run(
            setUp: {
                Self.seed($0, try Self.state(clock: $0.clock))
                $0.cluster.holdDrains(of: Self.node)
            }
        ) { harness in
            try await eventually("the resumed drain") { harness.cluster.isHolding(Self.node) }
            let message = harness.queue.send(Fixtures.spot(instance(1), id: "e-spot"))
            try await eventually("the redelivery") { harness.coordinator.statistics.messagesReceived == 1 }
            #expect(await harness.coordinator.liveJobs() == [try Self.id()])
            #expect(!harness.queue.isDeleted(message))
            harness.cluster.finishDrain(Self.node)
            try await harness.waitUntilQueueEmpty()
            try await eventually("the job to end") { await harness.coordinator.liveJobs().isEmpty }
            #expect(harness.cluster.drainsStarted == [Self.node])
            #expect(harness.queue.calls.deleteBatches.flatMap { $0 } == [message])
            #expect(harness.queue.receiveCount(message) == 1)
            #expect(harness.cluster.clearedJobStates == [Self.node])
            #expect(harness.coordinator.statistics.jobsSucceeded == 1)
            #expect(harness.coordinator.statistics.jobsStarted == 0)
        }
    }

    @Test("a message that comes back after the resumed drain finished is acknowledged without a second drain")
    func messageAfterDrain() async throws {
        try await Harness.run(setUp: { Self.seed($0, try Self.state(clock: $0.clock)) }) { harness in
            try await eventually("the resumed drain") { harness.cluster.drains.count == 1 }
            let message = harness.queue.send(Fixtures.spot(instance(1), id: "e-spot"))
            try await harness.waitUntilQueueEmpty()
            try await eventually("the job to end") { await harness.coordinator.liveJobs().isEmpty }
            #expect(harness.cluster.drainsStarted == [Self.node])
            #expect(harness.queue.calls.deleteBatches.flatMap { $0 } == [message])
            #expect(harness.cluster.clearedJobStates == [Self.node])
        }
    }

    @Test("a resumed job whose messages never come back ends after a visibility timeout and a long poll")
    func messagesNeverBack() async throws {
        try await Harness.run(
            {
                $0.visibilityTimeoutSeconds = 60
                $0.visibilityExtensionSeconds = 1000
            }, setUp: { Self.seed($0, try Self.state(clock: $0.clock)) }
        ) { harness in
            try await eventually("the resumed drain") { harness.cluster.drains.count == 1 }
            // The extender and the wait for the messages sleep.
            try await eventually("the wait for the messages") { harness.clock.sleeperCount == 2 }
            harness.clock.advance(by: 79)
            #expect(await harness.coordinator.liveJobs() == [try Self.id()])
            harness.clock.advance(by: 1)
            try await eventually("the job to end") { await harness.coordinator.liveJobs().isEmpty }
            #expect(harness.cluster.clearedJobStates == [Self.node])
            #expect(harness.coordinator.statistics.jobsSucceeded == 1)
            #expect(harness.queue.calls.deleteBatches.isEmpty)
        }
    }

    @Test("a resumed hook is heartbeated on its original schedule and completed by instance id, once")
    func lifecycleByInstance() async throws {
        let token = UUID().uuidString.lowercased()
        try await Harness.run(
            { Self.heartbeating(&$0) },
            setUp: { harness in
                let state = try Self.state(
                    kinds: [.autoScalingTermination], eventIDs: ["e-asg"], age: 100, hooks: [Self.hook],
                    clock: harness.clock)
                Self.seed(harness, state)
                harness.cluster.holdDrains(of: Self.node)
            }
        ) { harness in
            let start = harness.clock.now
            try await eventually { harness.cluster.isHolding(Self.node) }
            // 100 s after the first receive: the beat due at 90 s goes at once (not three), the next at 120 s.
            try await eventually("the catch-up heartbeat") { harness.lifecycle.heartbeats.count == 1 }
            try await eventually("the next heartbeat's sleeper") { harness.clock.sleeperCount == 2 }
            #expect(harness.lifecycle.heartbeats.count == 1)
            harness.clock.advance(by: 20)
            try await eventually("the heartbeat at 120 s") { harness.lifecycle.heartbeats.count == 2 }
            let beats = harness.lifecycle.heartbeats
            #expect(beats.map { $0.at.timeIntervalSince(start) } == [0, 20])
            #expect(beats.allSatisfy { $0.instanceID == instance(1) && $0.token.isEmpty })
            harness.cluster.finishDrain(Self.node)
            try await eventually("the completion") { harness.lifecycle.completions.count == 1 }
            let completion = try #require(harness.lifecycle.completions.first)
            #expect(completion.instanceID == instance(1))
            #expect(completion.token.isEmpty)
            #expect(completion.result == "CONTINUE")
            // The notification comes back with its token: it joins the job, the hook is not completed again.
            let message = harness.queue.send(Fixtures.asgTerminate(instance(1), token: token, id: "e-asg"))
            try await harness.waitUntilQueueEmpty()
            try await eventually("the job to end") { await harness.coordinator.liveJobs().isEmpty }
            #expect(harness.lifecycle.completions.count == 1)
            #expect(harness.queue.calls.deleteBatches.flatMap { $0 } == [message])
            #expect(harness.cluster.drainsStarted == [Self.node])
            #expect(harness.cluster.clearedJobStates == [Self.node])
        }
    }

    @Test("a hook whose notification comes back during the drain is heartbeated and completed by token only")
    func tokenWinsOverInstance() async throws {
        let token = UUID().uuidString.lowercased()
        try await Harness.run(
            setUp: { harness in
                Self.seed(
                    harness,
                    try Self.state(
                        kinds: [.autoScalingTermination], eventIDs: ["e-asg"], hooks: [Self.hook],
                        clock: harness.clock))
                harness.cluster.holdDrains(of: Self.node)
            }
        ) { harness in
            try await eventually { harness.cluster.isHolding(Self.node) }
            harness.queue.send(Fixtures.asgTerminate(instance(1), token: token, id: "e-asg"))
            // Recorded in the job, not only received (the count goes up before the message is decoded and recorded:
            // a drain finished in between completes the hook by its placeholder, as under ThreadSanitizer once).
            let id = try Self.id()
            try await eventually("the redelivery's token in the job") {
                await harness.coordinator.board.snapshot(id)?.job.lifecycleActions.values
                    .contains { $0.action.token == token } == true
            }
            harness.cluster.finishDrain(Self.node)
            try await harness.waitUntilQueueEmpty()
            try await eventually("the job to end") { await harness.coordinator.liveJobs().isEmpty }
            #expect(harness.lifecycle.completions.map(\.token) == [token])
            #expect(harness.lifecycle.completions.map(\.instanceID) == [nil])
        }
    }

    @Test("Auto Scaling calls name a resumed action by InstanceId, never by its placeholder token")
    func addressing() throws {
        let resumed = LifecycleAction.addressedByInstance(Self.hook, instanceID: try Self.id())
        #expect(AutoScalingLifecycleActions.address(resumed) == (instance(1), nil))
        let received = LifecycleAction(
            hookName: "drain", autoScalingGroupName: "workers-a", token: "t-1", instanceID: try Self.id(),
            transition: .terminating)
        #expect(!received.isAddressedByInstance)
        #expect(AutoScalingLifecycleActions.address(received) == (nil, "t-1"))
    }

    @Test("dry run: a resumed job is planned and logged, nothing is written or called")
    func dryRun() async throws {
        try await Harness.run(
            {
                $0.dryRun = true
                $0.heartbeat = HeartbeatSchedule(interval: 30, until: 600)
            },
            setUp: { harness in
                Self.seed(
                    harness,
                    try Self.state(
                        kinds: [.autoScalingTermination], eventIDs: ["e-asg"], age: 100, hooks: [Self.hook],
                        clock: harness.clock))
            }
        ) { harness in
            try await eventually("the plan") { harness.coordinator.statistics.dryRunPlans == 1 }
            #expect(harness.logs.contains("dry run: would resume this job"))
            harness.clock.advance(by: 60)
            #expect(harness.coordinator.statistics.jobsResumed == 0)
            #expect(await harness.coordinator.liveJobs().isEmpty)
            #expect(harness.cluster.writes == 0)
            #expect(harness.cluster.drainsStarted.isEmpty)
            #expect(harness.lifecycle.calls.isEmpty)
            #expect(harness.cluster.node(named: Self.node)?.jobState != nil)
        }
    }

    @Test("a node whose job state is unreadable, or names another instance, is logged and left alone")
    func malformedLeftAlone() async throws {
        try await Harness.run(setUp: { harness in
            harness.cluster.addNode(
                "broken", instanceID: try Self.id(2), jobState: nil,
                unreadableJobState: "node-termination-handler/started-at is missing or not an RFC 3339 time")
            var foreign = try Self.state(clock: harness.clock)
            foreign.instanceID = try Self.id(3)
            harness.cluster.addNode("reused", instanceID: try Self.id(4), jobState: foreign)
            Self.seed(harness, try Self.state(clock: harness.clock))
        }) { harness in
            try await eventually("the healthy node's drain") { harness.cluster.drains.count == 1 }
            #expect(harness.coordinator.statistics.unreadableJobStates == 2)
            #expect(harness.coordinator.statistics.jobsResumed == 1)
            #expect(harness.cluster.drainsStarted == [Self.node])
            let warnings = harness.logs.all.filter { $0.level == .warning }
            #expect(
                warnings.contains {
                    $0.message == "node carries unreadable job state; leaving it alone"
                        && $0.metadata["node.name"] == "broken" && $0.metadata["reason"]?.contains("started-at") == true
                })
            #expect(
                warnings.contains {
                    $0.message == "node's job state names another instance; leaving it alone"
                        && $0.metadata["node.name"] == "reused"
                })
            #expect(await harness.coordinator.liveJobs() == [try Self.id()])
            #expect(harness.cluster.writes == 0)
        }
    }
}
