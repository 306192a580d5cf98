import Foundation
import Testing

@testable import Interruption

/// A variant of a fixture, built in code, and the rejection it must give.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var body: @Sendable () throws -> String
    var reason: Rejection.Reason
    var disposition: Rejection.Disposition = .delete

    var testDescription: String { name }
}

/// Builds a body from a fixture with `change` applied to its JSON object.
func variant(_ file: String, _ change: @escaping @Sendable (inout [String: Any]) -> Void)
    -> @Sendable () throws -> String
{
    {
        var object = try Fixtures.object(file)
        change(&object)
        return try Fixtures.encode(object)
    }
}

/// Changes `detail` of an envelope.
func detail(_ change: @escaping @Sendable (inout [String: Any]) -> Void) -> @Sendable (inout [String: Any]) -> Void {
    { object in
        var detail = object["detail"] as? [String: Any] ?? [:]
        change(&detail)
        object["detail"] = detail
    }
}

let rejectionCases: [RejectionCase] = [
    .init(name: "not JSON", body: { "this is not json" }, reason: .notJSON),
    .init(name: "empty body", body: { "" }, reason: .notJSON),
    .init(name: "truncated JSON", body: { #"{"version": "0", "id": "# }, reason: .notJSON),
    .init(name: "a JSON array", body: { "[1, 2]" }, reason: .unknownShape("an array")),
    .init(name: "a JSON string", body: { #""hello""# }, reason: .unknownShape("a string")),
    .init(
        name: "an object of unknown shape", body: { #"{"hello": "world"}"# },
        reason: .unknownShape("an object without detail-type, LifecycleTransition or Event")),
    .init(
        name: "a body over 256 KiB", body: { String(repeating: " ", count: 262_145) },
        reason: .bodyTooLarge(bytes: 262_145)),
    .init(
        name: "an unknown source",
        body: variant("spot-interruption-warning.json") { $0["source"] = "aws.s3" },
        reason: .unsupportedEvent(source: "aws.s3", detailType: "EC2 Spot Instance Interruption Warning")),
    .init(
        name: "an unknown EC2 detail-type",
        body: variant("spot-interruption-warning.json") { $0["detail-type"] = "EC2 Fleet Error" },
        reason: .unsupportedEvent(source: "aws.ec2", detailType: "EC2 Fleet Error")),
    .init(
        name: "an Auto Scaling event that is not a lifecycle action",
        body: variant("asg-terminate-lifecycle-eventbridge.json") {
            $0["detail-type"] = "EC2 Instance Terminate Successful"
        },
        reason: .unsupportedEvent(source: "aws.autoscaling", detailType: "EC2 Instance Terminate Successful")),
    .init(
        name: "a missing source",
        body: variant("spot-interruption-warning.json") { $0["source"] = nil }, reason: .missingField("source")),
    .init(
        name: "a source that is not a string",
        body: variant("spot-interruption-warning.json") { $0["source"] = 42 },
        reason: .malformedField("source", value: "a number")),
    .init(
        name: "a missing detail",
        body: variant("spot-interruption-warning.json") { $0["detail"] = nil }, reason: .missingField("detail")),
    .init(
        name: "a detail that is not an object",
        body: variant("spot-interruption-warning.json") { $0["detail"] = ["i-0b3a1c2d3e4f56789"] },
        reason: .malformedField("detail", value: "an array")),
    .init(
        name: "a missing instance id",
        body: variant("spot-interruption-warning.json", detail { $0["instance-id"] = nil }),
        reason: .missingField("detail.instance-id")),
    .init(
        name: "an instance id with 16 hex digits",
        body: variant("spot-interruption-warning.json", detail { $0["instance-id"] = "i-0b3a1c2d3e4f5678" }),
        reason: .malformedInstanceID(field: "detail.instance-id", value: "i-0b3a1c2d3e4f5678")),
    .init(
        name: "an instance id with upper-case hex",
        body: variant("rebalance-recommendation.json", detail { $0["instance-id"] = "i-0B3A1C2D3E4F56789" }),
        reason: .malformedInstanceID(field: "detail.instance-id", value: "i-0B3A1C2D3E4F56789")),
    .init(
        name: "an instance id that is an ARN",
        body: variant(
            "rebalance-recommendation.json",
            detail { $0["instance-id"] = "arn:aws:ec2:us-east-1:1:instance/i-0b3a1c2d3e4f56789" }),
        reason: .malformedInstanceID(
            field: "detail.instance-id", value: "arn:aws:ec2:us-east-1:1:instance/i-0b3a1c2d3e4f56789")),
    .init(
        name: "an empty instance id",
        body: variant("spot-interruption-warning.json", detail { $0["instance-id"] = "" }),
        reason: .malformedField("detail.instance-id", value: "")),
    .init(
        name: "an empty state",
        body: variant("instance-state-change-stopping.json", detail { $0["state"] = "" }),
        reason: .unknownInstanceState("")),
    .init(
        name: "a state in upper case",
        body: variant("instance-state-change-stopping.json", detail { $0["state"] = "STOPPING" }),
        reason: .unknownInstanceState("STOPPING")),
    .init(
        name: "a state that is a substring of the actionable list",
        body: variant("instance-state-change-stopping.json", detail { $0["state"] = "stop" }),
        reason: .unknownInstanceState("stop")),
    .init(
        name: "a pending state",
        body: variant("instance-state-change-stopping.json", detail { $0["state"] = "pending" }),
        reason: .nonActionableState(.pending)),
    .init(
        name: "a missing state",
        body: variant("instance-state-change-stopping.json", detail { $0["state"] = nil }),
        reason: .missingField("detail.state")),
    .init(
        name: "a Health event for another service",
        body: variant("health-scheduled-change.json", detail { $0["service"] = "RDS" }),
        reason: .unsupportedHealthEvent(service: "RDS", category: "scheduledChange")),
    .init(
        name: "a Health event of another category",
        body: variant("health-scheduled-change.json", detail { $0["eventTypeCategory"] = "issue" }),
        reason: .unsupportedHealthEvent(service: "EC2", category: "issue")),
    .init(
        name: "a Health event without affected entities",
        body: variant("health-scheduled-change.json", detail { $0["affectedEntities"] = nil }),
        reason: .missingField("detail.affectedEntities")),
    .init(
        name: "a Health event whose only entity is not an instance",
        body: variant("health-scheduled-change.json", detail { $0["affectedEntities"] = [["entityValue": "vol-1"]] }),
        reason: .malformedInstanceID(field: "detail.affectedEntities[0].entityValue", value: "vol-1")),
    .init(
        name: "a Health event with an empty entity list",
        body: variant("health-scheduled-change.json", detail { $0["affectedEntities"] = [Any]() }),
        reason: .malformedField("detail.affectedEntities", value: "[]")),
    .init(
        name: "a lifecycle action with an unknown transition",
        body: variant(
            "asg-terminate-lifecycle-eventbridge.json",
            detail { $0["LifecycleTransition"] = "autoscaling:EC2_INSTANCE_WARMED" }),
        reason: .unknownLifecycleTransition("autoscaling:EC2_INSTANCE_WARMED"), disposition: .retry),
    .init(
        name: "a lifecycle action without a token",
        body: variant("asg-terminate-lifecycle-eventbridge.json", detail { $0["LifecycleActionToken"] = nil }),
        reason: .missingField("detail.LifecycleActionToken")),
    .init(
        name: "a lifecycle action without a transition",
        body: variant("asg-terminate-lifecycle-eventbridge.json", detail { $0["LifecycleTransition"] = nil }),
        reason: .missingField("detail.LifecycleTransition")),
    .init(
        name: "a direct notification without an instance id",
        body: variant("asg-terminate-lifecycle-direct.json") { $0["EC2InstanceId"] = nil },
        reason: .missingField("EC2InstanceId")),
    .init(
        name: "a direct notification without a hook name",
        body: variant("asg-terminate-lifecycle-direct.json") { $0["LifecycleHookName"] = nil },
        reason: .missingField("LifecycleHookName")),
    .init(
        name: "a plain Auto Scaling notification",
        body: variant("asg-test-notification-direct.json") { $0["Event"] = "autoscaling:EC2_INSTANCE_TERMINATE" },
        reason: .unsupportedEvent(source: "aws.autoscaling", detailType: "autoscaling:EC2_INSTANCE_TERMINATE")),
    .init(
        name: "a test notification given only as a transition",
        body: variant("asg-terminate-lifecycle-direct.json") {
            $0["LifecycleTransition"] = "autoscaling:TEST_NOTIFICATION"
        },
        reason: .testNotification),
    .init(
        name: "an SNS notification whose Message is not JSON",
        body: { #"{"Type": "Notification", "Message": "hello"}"# }, reason: .notJSON),
    .init(
        name: "an SNS notification whose Message is not a string",
        body: { #"{"Type": "Notification", "Message": {"a": 1}}"# },
        reason: .malformedField("Message", value: "an object")),
    .init(
        name: "an SNS-wrapped test notification",
        body: {
            try Fixtures.encode([
                "Type": "Notification", "Message": try Fixtures.body("asg-test-notification-direct.json"),
            ])
        },
        reason: .testNotification),
]

@Suite("Rejecting messages that yield no event")
struct MessageDecoderRejectionTests {
    let receivedAt = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(
        "each malformed or unsupported message is rejected with its reason and disposition", arguments: rejectionCases)
    func rejects(_ testCase: RejectionCase) throws {
        let outcome = decoder.decode(body: try testCase.body(), receivedAt: receivedAt)
        let rejection = try #require(outcome.rejection, "expected a rejection, got \(outcome)")
        #expect(rejection.reason == testCase.reason)
        #expect(rejection.disposition == testCase.disposition)
        #expect(!rejection.description.isEmpty)
        #expect(!rejection.code.isEmpty)
        #expect(outcome.events.isEmpty)
    }

    @Test("the typed-throwing entry point throws the same rejection")
    func typedThrows() throws {
        #expect(throws: Rejection(.notJSON)) { try decoder.decodeEvents(body: "nope", receivedAt: receivedAt) }
    }

    @Test("a description names the problem and the disposition, and cuts long values")
    func descriptions() {
        let long = Rejection(.unknownInstanceState(String(repeating: "x", count: 500)))
        #expect(long.description.count < 200)
        #expect(long.description.hasSuffix("deleting the message"))
        #expect(Rejection(.unknownLifecycleTransition("x")).description.contains("dead-letter queue"))
        #expect(Rejection(.bodyTooLarge(bytes: 300_000)).description.contains("300000 bytes"))
    }

    @Test("every reason has a distinct code")
    func codes() {
        let reasons: [Rejection.Reason] = [
            .bodyTooLarge(bytes: 1), .notJSON, .unknownShape(""), .unsupportedEvent(source: "", detailType: ""),
            .unsupportedHealthEvent(service: "", category: ""), .testNotification, .nonActionableState(.running),
            .unknownInstanceState(""), .missingField(""), .malformedField("", value: ""),
            .malformedInstanceID(field: "", value: ""), .unknownLifecycleTransition(""),
        ]
        let rejections = reasons.map(Rejection.init)
        #expect(Set(rejections.map(\.code)).count == reasons.count)
        #expect(Set(rejections.map(\.description)).count == reasons.count)
    }
}
