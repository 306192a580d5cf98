import Foundation
import Testing

@testable import Interruption

/// What one fixture must decode to.
struct FixtureExpectation: Sendable, CustomTestStringConvertible {
    var file: String
    var kind: InterruptionKind?
    var instances: [String] = []
    var rejection: Rejection.Reason?
    var time: String = "2026-11-29T10:00:00Z"
    /// Seconds after `time`, or `nil` when the deadline is not relative to it.
    var deadlineOffset: TimeInterval?
    var absoluteDeadline: String?
    var eventID: String = ""
    var transport: InterruptionEvent.Transport = .eventBridge

    var testDescription: String { file }
}

let fixtureTable: [FixtureExpectation] = [
    .init(
        file: "spot-interruption-warning.json", kind: .spotInterruption, instances: ["i-0b3a1c2d3e4f56789"],
        deadlineOffset: 120, eventID: "1e5527d7-bb36-4607-3370-4164db56a40e"),
    .init(
        file: "rebalance-recommendation.json", kind: .rebalanceRecommendation, instances: ["i-0b3a1c2d3e4f56789"],
        eventID: "5d5555d5-dd55-5555-5555-5555dd55d55d"),
    .init(
        file: "instance-state-change-stopping.json", kind: .instanceStateChange,
        instances: ["i-0b3a1c2d3e4f56789"], eventID: "7bf73129-1428-4cd3-a780-95db273d1602"),
    .init(file: "instance-state-change-running.json", rejection: .nonActionableState(.running)),
    .init(
        file: "health-scheduled-change.json", kind: .scheduledChange,
        instances: ["i-0b3a1c2d3e4f56789", "i-0c4b2d3e4f5a67890"], absoluteDeadline: "2026-12-02T10:00:00Z",
        eventID: "7fb65329-1628-4cf3-a740-95fd457a1402"),
    .init(
        file: "asg-terminate-lifecycle-eventbridge.json", kind: .autoScalingTermination,
        instances: ["i-0b3a1c2d3e4f56789"], deadlineOffset: 300, eventID: "782d5b4c-0f6f-1fd6-9d62-ecf6aed0a470"),
    .init(
        file: "asg-terminate-lifecycle-direct.json", kind: .autoScalingTermination,
        instances: ["i-040107f6ba000e5ee"], time: "2026-11-29T10:00:00.872Z", deadlineOffset: 300,
        eventID: "3775fac9-93c3-7ead-8713-159816566000", transport: .autoScalingNotification),
    .init(
        file: "asg-launch-lifecycle-eventbridge.json", kind: .autoScalingLaunch, instances: ["i-0a68bf5ef13e21b52"],
        deadlineOffset: 300, eventID: "83c632dd-0145-1ab0-ae93-a756ebf429b5"),
    .init(file: "asg-test-notification-eventbridge.json", rejection: .testNotification),
    .init(file: "asg-test-notification-direct.json", rejection: .testNotification),
]

@Suite("Decoding the shared event fixtures")
struct MessageDecoderFixtureTests {
    let receivedAt = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("every fixture in the shared directory has an expectation")
    func everyFixtureIsCovered() throws {
        let names = try Fixtures.names()
        #expect(!names.isEmpty)
        #expect(Set(names) == Set(fixtureTable.map(\.file)))
    }

    @Test(
        "each fixture decodes to its kind, instances, time, id and deadline, or to its rejection",
        arguments: fixtureTable)
    func decodesFixture(_ expected: FixtureExpectation) throws {
        let outcome = decoder.decode(body: try Fixtures.body(expected.file), receivedAt: receivedAt)
        if let reason = expected.rejection {
            let rejection = try #require(outcome.rejection)
            #expect(rejection.reason == reason)
            #expect(rejection.disposition == .delete)
            return
        }
        guard case .events(let events, let skipped) = outcome else {
            Issue.record("expected events, got \(outcome)")
            return
        }
        #expect(skipped.isEmpty)
        #expect(events.map(\.instanceID.rawValue) == expected.instances)
        let time = try date(expected.time)
        for event in events {
            #expect(event.kind == expected.kind)
            #expect(event.time == time)
            #expect(event.receivedAt == receivedAt)
            #expect(event.eventID == expected.eventID)
            #expect(event.transport == expected.transport)
            if let offset = expected.deadlineOffset {
                #expect(event.deadline == time.addingTimeInterval(offset))
            } else if let absolute = expected.absoluteDeadline {
                #expect(event.deadline == (try date(absolute)))
            } else if event.kind == .instanceStateChange {
                #expect(event.deadline == receivedAt)
            } else {
                #expect(event.deadline == nil)
            }
        }
    }

    @Test("a spot warning carries its instance action")
    func spotInstanceAction() throws {
        let event = try #require(
            decoder.decode(body: try Fixtures.body("spot-interruption-warning.json"), receivedAt: receivedAt).events
                .first)
        #expect(event.spotInstanceAction == "terminate")
        #expect(event.region == "us-east-1")
        #expect(event.account == "123456789012")
    }

    @Test("a state change carries the new state")
    func stateChangeState() throws {
        let event = try #require(
            decoder.decode(body: try Fixtures.body("instance-state-change-stopping.json"), receivedAt: receivedAt)
                .events.first)
        #expect(event.instanceState == .stopping)
    }

    @Test("lifecycle actions carry hook, group, token, transition and metadata")
    func lifecycleActions() throws {
        let terminate = try #require(
            decoder.decode(body: try Fixtures.body("asg-terminate-lifecycle-eventbridge.json"), receivedAt: receivedAt)
                .events.first?.lifecycleAction)
        #expect(
            terminate
                == LifecycleAction(
                    hookName: "node-termination-handler", autoScalingGroupName: "workers-a",
                    token: "0befcbdb-6ecd-498a-9ff7-ae9b54447cd6", instanceID: try instance("i-0b3a1c2d3e4f56789"),
                    transition: .terminating))
        let direct = try #require(
            decoder.decode(body: try Fixtures.body("asg-terminate-lifecycle-direct.json"), receivedAt: receivedAt)
                .events.first)
        #expect(direct.lifecycleAction?.token == "b4dd0f5b-0ef2-4479-9dad-6c55f027000e")
        #expect(direct.lifecycleAction?.notificationMetadata == #"{"cluster":"prod"}"#)
        #expect(direct.account == "123456789012")
        let launch = try #require(
            decoder.decode(body: try Fixtures.body("asg-launch-lifecycle-eventbridge.json"), receivedAt: receivedAt)
                .events.first?.lifecycleAction)
        #expect(launch.transition == .launching)
        #expect(launch.hookName == "node-termination-handler-launch")
    }

    @Test("an AWS Health event keeps its details for every affected instance")
    func healthDetails() throws {
        let events = decoder.decode(body: try Fixtures.body("health-scheduled-change.json"), receivedAt: receivedAt)
            .events
        #expect(events.count == 2)
        for event in events {
            #expect(event.scheduledChange?.eventTypeCode == "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED")
            #expect(event.scheduledChange?.startTime == (try date("2026-12-02T10:00:00Z")))
            #expect(event.scheduledChange?.endTime == (try date("2026-12-02T12:00:00Z")))
        }
    }
}
