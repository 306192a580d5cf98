import Foundation
import Testing

@testable import Interruption

@Suite("The job machine, step by step")
struct JobMachineTests {
    static let nodeA = NodeResolution.found(nodeName: "node-a")

    /// Runs a job's handler with every action succeeding; returns the actions.
    static func run(_ ledger: inout JobLedger, _ id: InstanceID, policy: ActionPolicy = ActionPolicy()) -> [JobAction] {
        var actions: [JobAction] = []
        while let step = ledger.next(id, policy: policy) {
            actions.append(step.action)
            switch step.action {
            case .cordon:
                let kinds = ledger.machines[id]?.job.kinds ?? []
                ledger.handle(.cordoned(kinds: kinds, resourceVersion: "rv"), for: id)
            case .drain: ledger.handle(.drained, for: id)
            case .completeLifecycleAction(let action, _, _):
                ledger.handle(.lifecycleActionCompleted(token: action.token), for: id)
            case .awaitMessages(let until, _): ledger.handle(.messagesAwaited(now: until), for: id)
            case .finish, .park: return actions
            case .taintOutOfService, .waitForNodeReady: break
            }
        }
        return actions
    }

    @Test("a spot warning: cordon, drain, finish; the message is deleted")
    func spot() {
        var ledger = JobLedger(maxReceiveCount: 5)
        ledger.record(Scenario.spotA.events, message: message("m-1"))
        ledger.handle(.resolved(Self.nodeA), for: Scenario.a)
        let actions = Self.run(&ledger, Scenario.a)
        #expect(
            actions == [.cordon, .drain(nodeName: "node-a", afterResourceVersion: "rv"), .finish])
        #expect(ledger.machines.isEmpty)
    }

    @Test("a message joining after the drain is acknowledged by a second round without a second drain")
    func joinsAfterDrain() {
        var ledger = JobLedger(maxReceiveCount: 5)
        let policy = ActionPolicy()
        ledger.record(Scenario.spotA.events, message: message("m-1"))
        ledger.handle(.resolved(Self.nodeA), for: Scenario.a)
        let first = ledger.next(Scenario.a, policy: policy)
        #expect(first?.action == .cordon)
        ledger.handle(.cordoned(kinds: [.spotInterruption], resourceVersion: "rv"), for: Scenario.a)
        let second = ledger.next(Scenario.a, policy: policy)
        #expect(second?.action == .drain(nodeName: "node-a", afterResourceVersion: "rv"))
        ledger.handle(.drained, for: Scenario.a)
        ledger.record(Scenario.hookA.events, message: message("m-2"))
        // The new kind needs a cordon (its taint and annotations); then only the hook: no drain.
        let rest = Self.run(&ledger, Scenario.a)
        #expect(rest.filter { if case .drain = $0 { true } else { false } }.isEmpty)
        #expect(rest.last == .finish)
        #expect(
            rest.contains {
                if case .completeLifecycleAction(let action, _, _) = $0 { action.token == "tok-a" } else { false }
            })
    }

    @Test("a finish hands out the messages no other job holds; the last holder's finish deletes the shared one")
    func sharedMessage() throws {
        var ledger = JobLedger(maxReceiveCount: 5)
        ledger.record(Scenario.healthAB.events, message: message("m-3"))
        for id in [Scenario.a, Scenario.b] { ledger.handle(.resolved(.unmanaged), for: id) }
        let firstStep = ledger.next(Scenario.a, policy: ActionPolicy())
        let first = try #require(firstStep)
        #expect(first.action == .finish)
        #expect(first.disposal == MessageDisposal())
        let lastStep = ledger.next(Scenario.b, policy: ActionPolicy())
        let last = try #require(lastStep)
        #expect(last.disposal.delete.map(\.messageID) == ["m-3"])
    }

    @Test("a failed holder retains a shared message: the other's success leaves it, a new receive clears that")
    func failedHolderRetains() throws {
        var ledger = JobLedger(maxReceiveCount: 5)
        ledger.record(Scenario.healthAB.events, message: message("m-3"))
        for id in [Scenario.a, Scenario.b] { ledger.handle(.resolved(.unmanaged), for: id) }
        let failed = ledger.fail(Scenario.a)
        #expect(failed == MessageDisposal())
        #expect(ledger.retained == ["m-3"])
        let lastStep = ledger.next(Scenario.b, policy: ActionPolicy())
        let last = try #require(lastStep)
        #expect(last.disposal.leave.map(\.messageID) == ["m-3"])
        #expect(last.disposal.delete.isEmpty)
        #expect(ledger.retained.isEmpty)
    }

    @Test("a failed job's message is released under the receive-count limit and left at it")
    func receiveCountLimit() {
        var ledger = JobLedger(maxReceiveCount: 3)
        ledger.record(
            Scenario.spotA.events,
            message: QueueMessage(messageID: "m-1", receiptHandle: "h", receivedAt: t0, receiveCount: 2))
        let released = ledger.fail(Scenario.a)
        #expect(released.release.map(\.messageID) == ["m-1"])
        ledger.record(
            Scenario.spotA.events,
            message: QueueMessage(messageID: "m-1", receiptHandle: "h2", receivedAt: t0, receiveCount: 3))
        let left = ledger.fail(Scenario.a)
        #expect(left.leave.map(\.messageID) == ["m-1"])
    }

    @Test("a blocked drain parks the job; the messages are left")
    func blockedDrainParks() throws {
        var ledger = JobLedger(maxReceiveCount: 5)
        ledger.record(Scenario.spotA.events, message: message("m-1"))
        ledger.handle(.resolved(Self.nodeA), for: Scenario.a)
        ledger.handle(.cordoned(kinds: [.spotInterruption], resourceVersion: "rv"), for: Scenario.a)
        let drain = ledger.next(Scenario.a, policy: ActionPolicy())
        #expect(drain?.action == .drain(nodeName: "node-a", afterResourceVersion: "rv"))
        ledger.handle(.drainBlocked, for: Scenario.a)
        let stepStep = ledger.next(Scenario.a, policy: ActionPolicy())
        let step = try #require(stepStep)
        #expect(step.action == .park)
        #expect(step.disposal.leave.map(\.messageID) == ["m-1"])
    }

    @Test("a resumed job waits for its messages; both messages are deleted, the stand-in hook stands aside")
    func resumedJob() throws {
        var ledger = JobLedger(maxReceiveCount: 5)
        let resumed = ledger.resume(Scenario.resumedC)
        #expect(resumed)
        ledger.record(Scenario.hookC.events, message: message("m-rh"))
        let policy = ActionPolicy()
        var actions: [JobAction] = []
        while let step = ledger.next(Scenario.c, policy: policy) {
            actions.append(step.action)
            if case .finish = step.action {
                #expect(step.disposal.delete.map(\.messageID) == ["m-r", "m-rh"])
                break
            }
            switch step.action {
            case .drain: ledger.handle(.drained, for: Scenario.c)
            case .completeLifecycleAction(let action, _, _):
                ledger.handle(.lifecycleActionCompleted(token: action.token), for: Scenario.c)
            case .awaitMessages(let until, let recordings):
                #expect(recordings == 1)
                ledger.handle(.messagesAwaited(now: until.addingTimeInterval(-1)), for: Scenario.c)
                ledger.record(Scenario.spotC.events, message: message("m-r"))
            default: break
            }
        }
        let completions = actions.compactMap { action -> String? in
            if case .completeLifecycleAction(let action, _, _) = action { action.token } else { nil }
        }
        #expect(completions == ["tok-c"])
        #expect(actions.contains(.awaitMessages(until: t0.addingTimeInterval(100), recordings: 1)))
        #expect(actions.last == .finish)
    }
}
