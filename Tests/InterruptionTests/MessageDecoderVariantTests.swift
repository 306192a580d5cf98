import Foundation
import Testing

@testable import Interruption

@Suite("Decoding variants of the fixtures")
struct MessageDecoderVariantTests {
    let receivedAt = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("each actionable state is acted on exactly", arguments: InstanceState.allCases)
    func states(_ state: InstanceState) throws {
        let body = try variant("instance-state-change-stopping.json", detail { $0["state"] = state.rawValue })()
        let outcome = decoder.decode(body: body, receivedAt: receivedAt)
        if state.isActionable {
            #expect(outcome.events.map(\.instanceState) == [state])
        } else {
            #expect(outcome.rejection?.reason == .nonActionableState(state))
        }
    }

    @Test("an 8-digit instance id is accepted")
    func shortInstanceID() throws {
        let body = try variant("spot-interruption-warning.json", detail { $0["instance-id"] = "i-0123abcd" })()
        #expect(decoder.decode(body: body, receivedAt: receivedAt).events.map(\.instanceID.rawValue) == ["i-0123abcd"])
    }

    @Test("a direct lifecycle notification wrapped in SNS decodes like the raw one")
    func snsWrappedNotification() throws {
        let raw = try Fixtures.body("asg-terminate-lifecycle-direct.json")
        let wrapped = try Fixtures.encode(["Type": "Notification", "MessageId": "m-1", "Message": raw])
        let expected = decoder.decode(body: raw, receivedAt: receivedAt)
        #expect(!expected.events.isEmpty)
        #expect(decoder.decode(body: wrapped, receivedAt: receivedAt) == expected)
    }

    @Test("an EventBridge event wrapped in SNS decodes like the raw one")
    func snsWrappedEnvelope() throws {
        let raw = try Fixtures.body("spot-interruption-warning.json")
        let wrapped = try Fixtures.encode(["Type": "Notification", "Message": raw])
        #expect(
            decoder.decode(body: wrapped, receivedAt: receivedAt) == decoder.decode(body: raw, receivedAt: receivedAt))
    }

    @Test("an envelope with an empty detail-type is read as a direct notification, as NTH does")
    func emptyDetailType() throws {
        let body = try variant("asg-terminate-lifecycle-direct.json") { $0["detail-type"] = "" }()
        #expect(decoder.decode(body: body, receivedAt: receivedAt).events.map(\.kind) == [.autoScalingTermination])
    }

    @Test("a Health event skips entities that are not instances and repeated ones, and acts on the rest")
    func healthPartialEntities() throws {
        let body = try variant(
            "health-scheduled-change.json",
            detail {
                $0["affectedEntities"] = [
                    ["entityValue": "i-0b3a1c2d3e4f56789"], ["entityValue": "UNKNOWN"], ["nothing": true],
                    ["entityValue": "i-0b3a1c2d3e4f56789"], ["entityValue": "i-0123abcd"],
                ]
            })()
        guard case .events(let events, let skipped) = decoder.decode(body: body, receivedAt: receivedAt) else {
            Issue.record("expected events")
            return
        }
        #expect(events.map(\.instanceID.rawValue) == ["i-0b3a1c2d3e4f56789", "i-0123abcd"])
        #expect(
            skipped.map(\.reason) == [
                .malformedInstanceID(field: "detail.affectedEntities[1].entityValue", value: "UNKNOWN"),
                .missingField("detail.affectedEntities[2].entityValue"),
            ])
    }

    @Test("a Health event without a valid startTime is due now")
    func healthWithoutStartTime() throws {
        for start: (any Sendable)? in [nil, "next tuesday", 12] {
            let body = try variant("health-scheduled-change.json", detail { $0["startTime"] = start })()
            let events = decoder.decode(body: body, receivedAt: receivedAt).events
            #expect(events.count == 2)
            #expect(events.allSatisfy { $0.deadline == receivedAt })
        }
    }

    @Test("an event without a valid time uses the receive time, as NTH does")
    func invalidTime() throws {
        for time: (any Sendable)? in [nil, "yesterday", "2026-13-01T00:00:00Z", 3] {
            let body = try variant("spot-interruption-warning.json") { $0["time"] = time }()
            let event = try #require(decoder.decode(body: body, receivedAt: receivedAt).events.first)
            #expect(event.time == receivedAt)
            #expect(event.deadline == receivedAt.addingTimeInterval(120))
        }
    }

    @Test("deadlines follow the configured rules")
    func configuredRules() throws {
        let custom = MessageDecoder(
            deadlineRules: DeadlineRules(spotInterruptionNotice: 90, lifecycleHeartbeatTimeout: 3600))
        let time = try date("2026-11-29T10:00:00Z")
        let spot = custom.decode(body: try Fixtures.body("spot-interruption-warning.json"), receivedAt: receivedAt)
        #expect(spot.events.first?.deadline == time.addingTimeInterval(90))
        let hook = custom.decode(
            body: try Fixtures.body("asg-terminate-lifecycle-eventbridge.json"), receivedAt: receivedAt)
        #expect(hook.events.first?.deadline == time.addingTimeInterval(3600))
    }

    @Test("a body of exactly 256 KiB is decoded, one byte more is not")
    func sizeLimit() throws {
        let body = try Fixtures.body("spot-interruption-warning.json")
        let padded = body + String(repeating: " ", count: MessageDecoder.maximumBodySize - body.utf8.count)
        #expect(decoder.decode(body: padded, receivedAt: receivedAt).events.count == 1)
        #expect(decoder.decode(body: padded + " ", receivedAt: receivedAt).rejection?.code == "body-too-large")
    }

    @Test("decoding is deterministic")
    func deterministic() throws {
        for name in try Fixtures.names() {
            let body = try Fixtures.body(name)
            #expect(
                decoder.decode(body: body, receivedAt: receivedAt) == decoder.decode(body: body, receivedAt: receivedAt)
            )
        }
    }

    @Test("deeply nested JSON is rejected without crashing")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(decoder.decode(body: deep, receivedAt: receivedAt).rejection != nil)
        let deepObject =
            #"{"detail-type":"x","source":"y","detail":"# + String(repeating: #"{"a":"#, count: 5000)
            + "1" + String(repeating: "}", count: 5001)
        #expect(decoder.decode(body: deepObject, receivedAt: receivedAt).rejection != nil)
    }
}

@Suite("Instance ids")
struct InstanceIDTests {
    @Test(
        "valid ids are i- and 8 or 17 lower-case hex digits",
        arguments: ["i-0123abcd", "i-0b3a1c2d3e4f56789", "i-ffffffff", "i-00000000000000000"])
    func valid(_ text: String) throws {
        let id = try #require(InstanceID(text))
        #expect(id.rawValue == text)
        #expect(id.description == text)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "", "i-", "i-0123abc", "i-0123abcde", "i-0b3a1c2d3e4f5678", "i-0b3a1c2d3e4f567890", "I-0123abcd",
            "i_0123abcd", "i-0123ABCD", "i-0123abcg", "x-0123abcd", " i-0123abcd", "i-0123abcd ", "i-０１２３abcd",
            "i-0123\u{0}bcd",
        ])
    func invalid(_ text: String) {
        #expect(InstanceID(text) == nil)
    }
}
