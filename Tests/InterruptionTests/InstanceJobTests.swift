import Foundation
import Testing

@testable import Interruption

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func message(_ id: String, handle: String? = nil, at offset: TimeInterval = 0) -> QueueMessage {
    QueueMessage(messageID: id, receiptHandle: handle ?? "\(id)-handle", receivedAt: t0.addingTimeInterval(offset))
}

func event(
    _ kind: InterruptionKind, _ instance: String = "i-0b3a1c2d3e4f56789", id: String = "e-1",
    time offset: TimeInterval = 0, token: String? = nil
) throws -> InterruptionEvent {
    let instanceID = try #require(InstanceID(instance))
    let time = t0.addingTimeInterval(offset)
    let action = token.map {
        LifecycleAction(
            hookName: "hook", autoScalingGroupName: "workers-a", token: $0, instanceID: instanceID,
            transition: kind == .autoScalingLaunch ? .launching : .terminating)
    }
    return InterruptionEvent(
        kind: kind, instanceID: instanceID, eventID: id, time: time, receivedAt: time,
        deadline: DeadlineRules().deadline(for: kind, time: time, receivedAt: time), lifecycleAction: action)
}

@Suite("Instance jobs")
struct InstanceJobTests {
    @Test("a spot warning, its redelivery, a state change and an ASG hook make one job with every obligation")
    func coalesces() throws {
        var jobs = JobLedger(maxReceiveCount: 5)
        let first = jobs.record([try event(.spotInterruption)], message: message("m-1", at: 0))
        #expect(first.map(\.isNewJob) == [true])
        let redelivery = jobs.record([try event(.spotInterruption)], message: message("m-1", handle: "h-2", at: 30))
        #expect(redelivery.first?.isNewJob == false)
        #expect(redelivery.first?.isDuplicate == true)
        #expect(redelivery.first?.refreshedReceiptHandle == true)
        let state = jobs.record([try event(.instanceStateChange, id: "e-2", time: 60)], message: message("m-2", at: 61))
        #expect(state.first?.addedKinds == [.instanceStateChange])
        #expect(state.first?.addedMessage == true)
        let hook = jobs.record(
            [try event(.autoScalingTermination, id: "e-3", token: "tok-1")], message: message("m-3", at: 2))
        #expect(hook.first?.isNewJob == false)
        #expect(hook.first?.addedLifecycleActions.map(\.token) == ["tok-1"])

        #expect(jobs.machines.count == 1)
        let job = try #require(jobs.machines.values.first?.job)
        #expect(job.kinds == [.spotInterruption, .instanceStateChange, .autoScalingTermination])
        #expect(job.pendingMessages.map(\.messageID) == ["m-1", "m-2", "m-3"])
        #expect(job.messages["m-1"]?.receiptHandle == "h-2")
        #expect(job.pendingLifecycleActions.map(\.action.token) == ["tok-1"])
        // The state change is due when received (t0 + 60), before the spot deadline (t0 + 120).
        #expect(job.deadline == t0.addingTimeInterval(60))
        #expect(job.priority == .urgent)
        #expect(job.firstReceivedAt == t0)
    }

    @Test("a later, more urgent event raises the priority and moves the deadline earlier")
    func escalates() throws {
        var job = InstanceJob(event: try event(.rebalanceRecommendation), message: message("m-1"))
        #expect(job.priority == .advisory)
        #expect(job.deadline == nil)
        #expect(!job.announcesTermination)
        let update = job.record(try event(.spotInterruption, id: "e-2"), message: message("m-2"))
        #expect(update.raisedPriority)
        #expect(update.movedDeadlineEarlier)
        #expect(job.priority == .urgent)
        #expect(job.announcesTermination)
    }

    @Test("an event for another instance is not recorded")
    func otherInstance() throws {
        var job = InstanceJob(event: try event(.spotInterruption), message: message("m-1"))
        let before = job
        job.record(try event(.spotInterruption, "i-0123abcd"), message: message("m-2"))
        #expect(job == before)
    }

    @Test("an older receive never replaces a newer receipt handle")
    func olderReceive() throws {
        var job = InstanceJob(event: try event(.spotInterruption), message: message("m-1", handle: "new", at: 50))
        let redelivery = try event(.spotInterruption)
        let older = job.record(redelivery, message: message("m-1", handle: "old", at: 10))
        let newer = job.record(redelivery, message: message("m-1", handle: "newest", at: 90))
        #expect(!older.refreshedReceiptHandle)
        #expect(newer.refreshedReceiptHandle)
        #expect(job.messages["m-1"]?.receiptHandle == "newest")
    }

    @Test("the first event of each kind is kept whatever the order, for taint values and details")
    func firstEvents() throws {
        var job = InstanceJob(event: try event(.spotInterruption, id: "late", time: 10), message: message("m-1"))
        job.record(try event(.spotInterruption, id: "early", time: 5), message: message("m-2"))
        job.record(try event(.spotInterruption, id: "later", time: 20), message: message("m-3"))
        #expect(job.firstEvents[.spotInterruption]?.eventID == "early")
        #expect(job.deadline == t0.addingTimeInterval(125))
    }

    @Test("a message shared by several jobs is acknowledged when the last of them finishes")
    func sharedMessage() throws {
        var jobs = JobLedger(maxReceiveCount: 5)
        let health = [
            try event(.scheduledChange, "i-0b3a1c2d3e4f56789"), try event(.scheduledChange, "i-0123abcd"),
        ]
        #expect(jobs.record(health, message: message("m-health", at: 0)).map(\.isNewJob) == [true, true])
        jobs.record([try event(.spotInterruption, "i-0123abcd", id: "e-2")], message: message("m-spot"))
        // A later receive of the shared message refreshes its handle in both jobs.
        jobs.record(health, message: message("m-health", handle: "latest", at: 40))
        let ids = try [instance("i-0123abcd"), instance("i-0b3a1c2d3e4f56789")]
        for id in ids { jobs.handle(.resolved(.unmanaged), for: id) }
        let first = jobs.next(ids[0], policy: ActionPolicy())
        #expect(first?.action == .finish)
        #expect(first?.disposal.delete.map(\.messageID) == ["m-spot"])
        let last = jobs.next(ids[1], policy: ActionPolicy())
        #expect(last?.disposal.delete.map(\.receiptHandle) == ["latest"])
        #expect(jobs.machines.isEmpty)
        #expect(jobs.next(ids[1], policy: ActionPolicy()) == nil)
    }

    @Test("jobs drain by priority, then deadline; the pool takes ties in arrival order")
    func drainOrder() throws {
        var jobs = JobLedger(maxReceiveCount: 5)
        jobs.record([try event(.rebalanceRecommendation, "i-00000001")], message: message("m-1", at: 0))
        jobs.record([try event(.scheduledChange, "i-00000002")], message: message("m-2", at: 1))
        jobs.record([try event(.spotInterruption, "i-00000003", time: 30)], message: message("m-3", at: 2))
        jobs.record([try event(.autoScalingTermination, "i-00000004", token: "t")], message: message("m-4", at: 3))
        jobs.record([try event(.spotInterruption, "i-00000005", time: 0)], message: message("m-5", at: 4))
        jobs.record([try event(.rebalanceRecommendation, "i-00000006")], message: message("m-6", at: -1))
        jobs.record([try event(.instanceStateChange, "i-00000007")], message: message("m-7", at: 5))
        // Spot deadline t0+120 (i-5) and t0+150 (i-3); the ASG hook's is t0+300. Health and state change are due
        // at t0 (their receive time); rebalances have no deadline and go by first receive.
        // In arrival (first receive) order, then stably by drain order, as the pool grants them.
        let arrived = jobs.machines.values.map(\.job).sorted { $0.firstReceivedAt < $1.firstReceivedAt }
        let granted = arrived.enumerated().sorted { lhs, rhs in
            let (left, right) = (
                lhs.element.drainOrder(deadline: lhs.element.deadline),
                rhs.element.drainOrder(deadline: rhs.element.deadline)
            )
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
        #expect(
            granted.map(\.instanceID.rawValue) == [
                "i-00000005", "i-00000003", "i-00000004", "i-00000002", "i-00000007", "i-00000006", "i-00000001",
            ])
    }

    @Test("heartbeats move an ASG job's deadline out, but never past an earlier spot deadline")
    func heartbeatDeadline() throws {
        let rules = DeadlineRules()
        var job = InstanceJob(event: try event(.autoScalingTermination, token: "tok"), message: message("m-1"))
        #expect(job.deadline(rules: rules, lastHeartbeat: nil) == t0.addingTimeInterval(300))
        #expect(job.deadline(rules: rules, lastHeartbeat: t0.addingTimeInterval(250)) == t0.addingTimeInterval(550))
        job.record(try event(.spotInterruption, id: "s"), message: message("m-2"))
        #expect(job.deadline(rules: rules, lastHeartbeat: t0.addingTimeInterval(250)) == t0.addingTimeInterval(120))
        let rebalance = InstanceJob(event: try event(.rebalanceRecommendation), message: message("m-3"))
        #expect(rebalance.deadline(rules: rules, lastHeartbeat: nil) == nil)
    }

    @Test("events carry log metadata with the project's keys")
    func logMetadata() throws {
        #expect(
            try event(.autoScalingTermination, id: "e-9", token: "tok").logMetadata == [
                "instance.id": "i-0b3a1c2d3e4f56789", "event.kind": "asg-termination", "event.id": "e-9",
                "asg.name": "workers-a",
            ])
        #expect(try event(.spotInterruption).logMetadata["asg.name"] == nil)
    }

    @Test("priorities order spot and ASG terminate before Health and state change, before rebalance")
    func priorities() {
        #expect(InterruptionKind.spotInterruption.priority == .urgent)
        #expect(InterruptionKind.autoScalingTermination.priority == .urgent)
        #expect(InterruptionKind.scheduledChange.priority == .scheduled)
        #expect(InterruptionKind.instanceStateChange.priority == .scheduled)
        #expect(InterruptionKind.rebalanceRecommendation.priority == .advisory)
        #expect(DrainPriority.urgent > .scheduled && DrainPriority.scheduled > .advisory)
    }

    @Test(
        "any interleaving of the same events and receives yields one equal job with every obligation", arguments: 0..<50
    )
    func coalescingProperty(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var deliveries: [(InterruptionEvent, QueueMessage)] = []
        var latestHandle: [String: QueueMessage] = [:]
        var tokens: Set<String> = []
        var deadlines: [Date] = []
        let kinds: [InterruptionKind] = InterruptionKind.allCases
        for index in 0..<Int.random(in: 1...12, using: &random) {
            let kind = try #require(kinds.randomElement(using: &random))
            let token = kind == .autoScalingTermination || kind == .autoScalingLaunch ? "tok-\(index % 3)" : nil
            let interruption = try event(
                kind, id: "e-\(index)", time: TimeInterval(Int.random(in: -100...100, using: &random)), token: token)
            if let token { tokens.insert(token) }
            if let deadline = interruption.deadline { deadlines.append(deadline) }
            // Each message is received one to three times, at distinct times.
            let messageID = "m-\(Int.random(in: 0...5, using: &random))"
            for receive in 0..<Int.random(in: 1...3, using: &random) {
                let received = message(
                    messageID, handle: "\(messageID)-\(index)-\(receive)",
                    at: TimeInterval(index * 10 + receive) + Double(Int.random(in: 0...1000, using: &random)) / 1e4)
                deliveries.append((interruption, received))
                if latestHandle[messageID].map({ received.isNewer(than: $0) }) ?? true {
                    latestHandle[messageID] = received
                }
            }
        }
        var results: [InstanceJob] = []
        for _ in 0..<4 {
            var jobs = JobLedger(maxReceiveCount: 5)
            for (interruption, received) in deliveries.shuffled(using: &random) {
                jobs.record([interruption], message: received)
            }
            #expect(jobs.machines.count == 1)
            results.append(try #require(jobs.machines.values.first?.job))
        }
        let job = try #require(results.first)
        #expect(results.allSatisfy { $0 == job })
        #expect(job.kinds == Set(deliveries.map(\.0.kind)))
        #expect(job.messages == latestHandle)
        #expect(Set(job.lifecycleActions.keys) == tokens)
        #expect(job.deadline == deadlines.min())
    }
}
