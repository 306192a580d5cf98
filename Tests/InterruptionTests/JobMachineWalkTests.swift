import Foundation
import Testing

@testable import Interruption

/// One of `items`, drawn with `generator`.
func pick<T>(_ items: [T], _ generator: inout SeededGenerator) -> T {
    items[Int.random(in: 0..<items.count, using: &generator)]
}

@Suite("The job machine on seeded random walks")
struct JobMachineWalkTests {
    /// The messages a walk draws from: every message of the exhaustive scenarios, a launch, a second spot warning
    /// for B, and the messages a resumed job for C awaits.
    static let pool: [MessageSpec] = [
        Scenario.spotA, Scenario.hookA, Scenario.healthAB, Scenario.rebalanceB,
        MessageSpec(id: "m-5", events: [Scenario.plain(.instanceStateChange, Scenario.b, eventID: "e-5")]),
        MessageSpec(
            id: "m-6",
            events: [
                InterruptionEvent(
                    kind: .autoScalingLaunch, instanceID: Scenario.c, eventID: "e-6", time: t0, receivedAt: t0,
                    deadline: nil,
                    lifecycleAction: LifecycleAction(
                        hookName: "launch", autoScalingGroupName: "workers-a", token: "tok-launch",
                        instanceID: Scenario.c, transition: .launching))
            ]),
        Scenario.spotC, Scenario.hookC,
    ]

    static func policy(_ choice: Int) -> ActionPolicy {
        var policy = ActionPolicy()
        switch choice {
        case 1: policy.deleteMessageIfNodeNotFound = true
        case 2: policy.cordonOnly = true
        case 3:
            policy.rebalance = .cordonAndDrain
            policy.outOfServiceTaint = true
            policy.completeLifecycleActionDelay = 5
        case 4: policy.rebalance = .ignore
        default: break
        }
        return policy
    }

    @Test(
        "two thousand random worlds: receives, redeliveries, batches, handler steps, heartbeats, a resumed job, shutdowns"
    )
    func randomWalks() {
        var generator = SeededGenerator(seed: 14)
        let instances = [Scenario.a, Scenario.b, Scenario.c]
        let drains: [JobInput] = [.drained, .drained, .drainDeadlineReached, .drainBlocked]
        let resolutionChoices: [NodeResolution] = [
            .found(nodeName: "node"), .found(nodeName: "node"), .notFound, .unmanaged,
        ]
        for world in 0..<2000 {
            let outcomes = WorldOutcomes(
                drain: pick(drains, &generator),
                completionFails: Int.random(in: 0..<8, using: &generator) == 0,
                cordonFailsOnce: Bool.random(using: &generator),
                nodeVanishes: Int.random(in: 0..<8, using: &generator) == 0,
                describeFails: Int.random(in: 0..<10, using: &generator) == 0)
            var resolutions: [InstanceID: NodeResolution] = [:]
            for id in instances { resolutions[id] = pick(resolutionChoices, &generator) }
            let policyChoice = Int.random(in: 0..<5, using: &generator)
            var state = JobWorld(policy: Self.policy(policyChoice), outcomes: outcomes, resolutions: resolutions)
            if Bool.random(using: &generator) { state.resume(Scenario.resumedC) }
            for _ in 0..<Int.random(in: 4..<30, using: &generator) {
                let id = pick(instances, &generator)
                switch Int.random(in: 0..<100, using: &generator) {
                case 0..<30: state.receive(pick(Self.pool, &generator))
                case 30..<50: state.process(id)
                case 50..<90: state.step(id)
                case 90..<98: state.heartbeat(id)
                default: state.shutDown()
                }
            }
            state.settle()
            #expect(
                state.violations.isEmpty,
                "world \(world), policy \(policyChoice), \(outcomes), \(resolutions): \(state.violations)")
            if !state.violations.isEmpty { return }
        }
    }
}
