import Foundation
import Testing

@testable import Interruption

/// The instances and messages of the scenarios: instance A gets a spot warning and a terminate hook, A and B share
/// an AWS Health event (one message, two jobs), B gets a rebalance recommendation.
enum Scenario {
    static let a = instance("i-0000000a")
    static let b = instance("i-0000000b")
    static let c = instance("i-0000000c")

    static func instance(_ text: String) -> InstanceID {
        guard let id = InstanceID(text) else { preconditionFailure("not an instance id: \(text)") }
        return id
    }

    static func hookEvent(_ id: InstanceID, eventID: String, token: String) -> InterruptionEvent {
        let action = LifecycleAction(
            hookName: "hook", autoScalingGroupName: "workers-a", token: token, instanceID: id,
            transition: .terminating)
        return InterruptionEvent(
            kind: .autoScalingTermination, instanceID: id, eventID: eventID, time: t0, receivedAt: t0,
            deadline: t0.addingTimeInterval(3600), lifecycleAction: action)
    }

    static func plain(_ kind: InterruptionKind, _ id: InstanceID, eventID: String) -> InterruptionEvent {
        InterruptionEvent(
            kind: kind, instanceID: id, eventID: eventID, time: t0, receivedAt: t0,
            deadline: kind.announcesTermination ? t0.addingTimeInterval(120) : nil)
    }

    static let spotA = MessageSpec(id: "m-1", events: [plain(.spotInterruption, a, eventID: "e-1")])
    static let hookA = MessageSpec(id: "m-2", events: [hookEvent(a, eventID: "e-2", token: "tok-a")])
    static let healthAB = MessageSpec(
        id: "m-3", events: [plain(.scheduledChange, a, eventID: "e-3"), plain(.scheduledChange, b, eventID: "e-3")])
    static let rebalanceB = MessageSpec(id: "m-4", events: [plain(.rebalanceRecommendation, b, eventID: "e-4")])

    /// A job resumed for C from its node: a spot warning and a terminate hook addressed by instance id, awaiting the
    /// message of event `e-r`.
    static var resumedC: JobMachine {
        let standIn = LifecycleAction(
            hookName: "hook", autoScalingGroupName: "workers-a",
            token: LifecycleAction.instanceAddressedTokenPrefix + "workers-a/hook", instanceID: c,
            transition: .terminating)
        let events = [
            plain(.spotInterruption, c, eventID: ""),
            InterruptionEvent(
                kind: .autoScalingTermination, instanceID: c, eventID: "", time: t0, receivedAt: t0,
                deadline: t0.addingTimeInterval(3600), lifecycleAction: standIn),
        ]
        guard
            let machine = JobMachine.resumed(
                events, nodeName: "node-c", cordon: ([.spotInterruption, .autoScalingTermination], "rv-0"),
                lastHeartbeat: nil,
                resumption: JobMachine.Resumption(eventIDs: ["e-r"], awaitMessagesUntil: t0.addingTimeInterval(100)))
        else { preconditionFailure("a resumed job needs events") }
        return machine
    }

    static let spotC = MessageSpec(id: "m-r", events: [plain(.spotInterruption, c, eventID: "e-r")])
    static let hookC = MessageSpec(id: "m-rh", events: [hookEvent(c, eventID: "e-rh", token: "tok-c")])
}

/// One thing that happens in a scenario, for the exhaustive orders.
enum WorldStep: Comparable, CustomStringConvertible {
    case receive(Int)
    case process(Int)
    case step(Int)
    case shutdown

    var description: String {
        switch self {
        case .receive(let index): "r\(index)"
        case .process(let index): "p\(index)"
        case .step(let index): "h\(index)"
        case .shutdown: "S"
        }
    }
}

/// Every distinct order of `items` (a multiset), each once: the next-permutation walk from the sorted order.
func distinctOrders<T: Comparable>(_ items: [T]) -> [[T]] {
    var current = items.sorted()
    var orders = [current]
    while true {
        guard let pivot = current.indices.dropLast().last(where: { current[$0] < current[$0 + 1] }) else { break }
        guard let successor = current.indices.last(where: { current[$0] > current[pivot] }) else { break }
        current.swapAt(pivot, successor)
        current[(pivot + 1)...].reverse()
        orders.append(current)
    }
    return orders
}

extension JobWorld {
    /// Applies one step of an order; a step not possible yet (a handler before its job was processed) does nothing.
    mutating func apply(_ step: WorldStep, messages: [MessageSpec], instances: [InstanceID]) {
        switch step {
        case .receive(let index): receive(messages[index])
        case .process(let index): process(instances[index])
        case .step(let index): self.step(instances[index])
        case .shutdown: shutDown()
        }
    }
}

@Suite("The job machine over every order of its inputs")
struct JobMachinePropertyTests {
    static let found: [InstanceID: NodeResolution] = [
        Scenario.a: .found(nodeName: "node-a"), Scenario.b: .found(nodeName: "node-b"),
        Scenario.c: .found(nodeName: "node-c"),
    ]

    /// Runs every order of `steps`, then settles, and returns the first world that broke an invariant.
    static func firstBreach(
        _ steps: [WorldStep], policy: ActionPolicy, outcomes: WorldOutcomes,
        resolutions: [InstanceID: NodeResolution] = found
    ) -> (order: [WorldStep], violations: [String])? {
        let messages = [Scenario.spotA, Scenario.hookA, Scenario.healthAB, Scenario.rebalanceB]
        let instances = [Scenario.a, Scenario.b]
        for order in distinctOrders(steps) {
            var world = JobWorld(policy: policy, outcomes: outcomes, resolutions: resolutions)
            for step in order { world.apply(step, messages: messages, instances: instances) }
            world.settle()
            if !world.violations.isEmpty { return (order, world.violations) }
        }
        return nil
    }

    static let outcomeVariants: [WorldOutcomes] = [
        WorldOutcomes(),
        WorldOutcomes(drain: .drainBlocked),
        WorldOutcomes(drain: .drainDeadlineReached, cordonFailsOnce: true),
        WorldOutcomes(completionFails: true),
        WorldOutcomes(nodeVanishes: true),
        WorldOutcomes(describeFails: true),
    ]

    @Test(
        "every order of four receives (one message shared by two jobs), two batches and handler steps keeps the rules",
        arguments: outcomeVariants)
    func everyOrder(outcomes: WorldOutcomes) {
        let steps: [WorldStep] = [
            .receive(0), .receive(1), .receive(2), .receive(3), .process(0), .process(1), .step(0),
        ]
        var policy = ActionPolicy()
        policy.rebalance = .cordonAndDrain
        let breach = Self.firstBreach(steps, policy: policy, outcomes: outcomes)
        #expect(breach == nil, "\(breach.map { "\($0.order): \($0.violations)" } ?? "")")
    }

    @Test("every order with no node for B, parking it, never deletes the message A shares with it")
    func sharedWithParked() {
        let steps: [WorldStep] = [
            .receive(0), .receive(2), .receive(3), .process(0), .process(1), .step(0),
            .step(1),
        ]
        var resolutions = Self.found
        resolutions[Scenario.b] = .notFound
        let breach = Self.firstBreach(
            steps, policy: ActionPolicy(), outcomes: WorldOutcomes(), resolutions: resolutions)
        #expect(breach == nil, "\(breach.map { "\($0.order): \($0.violations)" } ?? "")")
    }

    @Test("a shutdown anywhere releases every held message and deletes none that is unfinished")
    func shutdownAnywhere() {
        let steps: [WorldStep] = [.receive(0), .receive(1), .receive(2), .process(0), .process(1), .step(0), .shutdown]
        for outcomes in [WorldOutcomes(), WorldOutcomes(drain: .drainBlocked)] {
            let breach = Self.firstBreach(steps, policy: ActionPolicy(), outcomes: outcomes)
            #expect(breach == nil, "\(breach.map { "\($0.order): \($0.violations)" } ?? "")")
        }
    }
}
