import Foundation
import Testing

@testable import Interruption

/// The fixtures that decode to events (every one is from account 123456789012; the EventBridge ones from us-east-1).
let actionableFixtures = [
    "asg-launch-lifecycle-eventbridge.json", "asg-terminate-lifecycle-direct.json",
    "asg-terminate-lifecycle-eventbridge.json", "health-scheduled-change.json", "instance-state-change-stopping.json",
    "rebalance-recommendation.json", "spot-interruption-warning.json",
]

/// The fixtures sent through EventBridge that decode to events.
let eventBridgeFixtures = actionableFixtures.filter { $0 != "asg-terminate-lifecycle-direct.json" }

@Suite("Event origins: the queue's account and region, and the allowed ones")
struct EventOriginsTests {
    let receivedAt = Date(timeIntervalSince1970: 1_795_946_400)
    let queue = EventOrigins(queueAccount: "123456789012", queueRegion: "us-east-1")

    func outcome(_ body: String, _ origins: EventOrigins) -> DecodeOutcome {
        origins.check(MessageDecoder().decode(body: body, receivedAt: receivedAt))
    }

    func originRefusal(_ outcome: DecodeOutcome) -> OriginRefusal? {
        guard case .untrustedOrigin(let refusal)? = outcome.rejection?.reason else { return nil }
        return refusal
    }

    @Test("an event from the queue's own account and region passes unchanged", arguments: actionableFixtures)
    func sameOriginPasses(_ name: String) throws {
        let decoded = MessageDecoder().decode(body: try Fixtures.body(name), receivedAt: receivedAt)
        #expect(!decoded.events.isEmpty)
        #expect(queue.check(decoded) == decoded)
    }

    @Test("an event from another account is refused and deleted, naming both accounts", arguments: actionableFixtures)
    func foreignAccountRefused(_ name: String) throws {
        let field = name.hasSuffix("-direct.json") ? "AccountId" : "account"
        let body = try variant(name) { $0[field] = "999999999999" }()
        let result = outcome(body, queue)
        let rejection = try #require(result.rejection)
        #expect(rejection.disposition == .delete)
        #expect(rejection.code == "foreign-account")
        let refusal = try #require(originRefusal(result))
        #expect(refusal.field == field)
        #expect(refusal.account == "999999999999")
        #expect(refusal.acceptedAccounts == ["123456789012"])
        #expect(rejection.description.contains("\"999999999999\""))
        #expect(rejection.description.contains("123456789012"))
        #expect(rejection.description.hasSuffix("deleting the message"))
    }

    @Test("an account in the allowed list passes", arguments: actionableFixtures)
    func allowedAccountPasses(_ name: String) throws {
        let field = name.hasSuffix("-direct.json") ? "AccountId" : "account"
        let body = try variant(name) { $0[field] = "444455556666" }()
        var origins = queue
        origins.allowedAccounts = ["111122223333", "444455556666"]
        #expect(outcome(body, origins).rejection == nil)
        #expect(!outcome(body, origins).events.isEmpty)
    }

    @Test(
        "an EventBridge event from another region is refused, unless that region is allowed",
        arguments: eventBridgeFixtures)
    func foreignRegion(_ name: String) throws {
        let body = try variant(name) { $0["region"] = "eu-west-1" }()
        let refused = outcome(body, queue)
        #expect(refused.rejection?.code == "foreign-region")
        #expect(refused.rejection?.disposition == .delete)
        let refusal = try #require(originRefusal(refused))
        #expect(refusal.region == "eu-west-1")
        #expect(refusal.acceptedRegions == ["us-east-1"])
        #expect(refusal.logMetadata["event.region"] == "eu-west-1")
        #expect(refusal.logMetadata["expected.regions"] == "us-east-1")
        #expect(refusal.logMetadata["event.account"] == "123456789012")
        var origins = queue
        origins.allowedRegions = ["eu-west-1"]
        #expect(outcome(body, origins).rejection == nil)
    }

    @Test("an EventBridge event without account or region is refused: EventBridge always sets both")
    func missingFields() throws {
        for name in eventBridgeFixtures {
            let noAccount = outcome(try variant(name) { $0["account"] = nil }(), queue)
            #expect(noAccount.rejection?.code == "missing-account", "\(name)")
            #expect(noAccount.rejection?.disposition == .delete)
            let empty = outcome(try variant(name) { $0["account"] = "" }(), queue)
            #expect(empty.rejection?.code == "missing-account", "\(name)")
            let noRegion = outcome(try variant(name) { $0["region"] = nil }(), queue)
            #expect(noRegion.rejection?.code == "missing-region", "\(name)")
        }
    }

    @Test("a direct Auto Scaling notification is checked for AccountId only: it carries no region")
    func directNotification() throws {
        let name = "asg-terminate-lifecycle-direct.json"
        let decoded = MessageDecoder().decode(body: try Fixtures.body(name), receivedAt: receivedAt)
        let otherRegion = EventOrigins(queueAccount: "123456789012", queueRegion: "eu-west-1")
        #expect(otherRegion.check(decoded) == decoded)
        let noAccount = outcome(try variant(name) { $0["AccountId"] = nil }(), queue)
        #expect(originRefusal(noAccount)?.problem == .missingAccount)
        #expect(originRefusal(noAccount)?.field == "AccountId")
    }

    @Test(
        "test notifications keep their own rejection, whatever their account",
        arguments: ["asg-test-notification-direct.json", "asg-test-notification-eventbridge.json"])
    func testNotifications(_ name: String) throws {
        let body = try variant(name) {
            $0["AccountId"] = $0["AccountId"] == nil ? nil : "999999999999"
            $0["account"] = $0["account"] == nil ? nil : "999999999999"
        }()
        #expect(outcome(body, queue).rejection == Rejection(.testNotification))
    }

    @Test("a health event for several instances is refused whole")
    func healthRefusedWhole() throws {
        let body = try variant("health-scheduled-change.json") { $0["account"] = "999999999999" }()
        let decoded = MessageDecoder().decode(body: body, receivedAt: receivedAt)
        #expect(!decoded.events.isEmpty)
        #expect(queue.check(decoded).events.isEmpty)
        #expect(queue.check(decoded).rejection?.code == "foreign-account")
    }

    @Test("an unknown queue account checks only the allowed accounts, and nothing when there are none")
    func unknownQueueAccount() throws {
        let foreign = try variant("spot-interruption-warning.json") { $0["account"] = "999999999999" }()
        let noAccount = EventOrigins(queueRegion: "us-east-1")
        #expect(!noAccount.checksAccounts)
        #expect(noAccount.checksRegions)
        #expect(outcome(foreign, noAccount).rejection == nil)
        let listed = EventOrigins(queueRegion: "us-east-1", allowedAccounts: ["123456789012"])
        #expect(listed.checksAccounts)
        #expect(outcome(foreign, listed).rejection?.code == "foreign-account")
        #expect(outcome(try Fixtures.body("spot-interruption-warning.json"), listed).rejection == nil)
        #expect(!EventOrigins().checksAccounts)
        #expect(!EventOrigins().checksRegions)
    }

    @Test("accepted lists put the queue's first and repeat nothing")
    func acceptedLists() {
        let origins = EventOrigins(
            queueAccount: "123456789012", queueRegion: "us-east-1",
            allowedAccounts: ["444455556666", "123456789012"], allowedRegions: ["us-east-1", "eu-west-1"])
        #expect(origins.acceptedAccounts == ["123456789012", "444455556666"])
        #expect(origins.acceptedRegions == ["us-east-1", "eu-west-1"])
    }

    @Test(
        "the account is the queue URL's first path segment when it is 12 digits",
        arguments: [
            ("https://sqs.eu-west-1.amazonaws.com/123456789012/nth", "123456789012"),
            ("https://eu-west-1.queue.amazonaws.com/123456789012/nth", "123456789012"),
            ("https://queue.amazonaws.com/123456789012/nth", "123456789012"),
            (
                "https://vpce-0a1b2c3d4e5f60718-abcdefgh.sqs.us-east-1.vpce.amazonaws.com/210987654321/nth",
                "210987654321"
            ),
            ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/nth", "123456789012"),
            ("http://127.0.0.1:5000/123456789012/nth", "123456789012"),
            ("http://localhost:4566/000000000000/nth", "000000000000"),
            ("https://sqs.eu-west-1.amazonaws.com/nth", nil),
            ("https://sqs.eu-west-1.amazonaws.com/12345/nth", nil),
            ("https://sqs.eu-west-1.amazonaws.com/1234567890123/nth", nil),
            ("http://proxy.internal/queues/123456789012/nth", nil),
            ("not a url", nil), ("", nil),
        ] as [(String, String?)])
    func accountInQueueURL(_ url: String, _ account: String?) {
        #expect(EventOrigins.account(inQueueURL: url) == account)
    }

    @Test("account ids are exactly 12 ASCII digits")
    func accountIDs() {
        #expect(EventOrigins.isAccountID("123456789012"))
        #expect(EventOrigins.isAccountID("000000000000"))
        for bad in ["12345678901", "1234567890123", "12345678901a", "", " 23456789012", "١٢٣٤٥٦٧٨٩٠١٢"] {
            #expect(!EventOrigins.isAccountID(bad), "\(bad)")
        }
    }

    @Test("origin codes differ from each other and from every decoding code")
    func codes() {
        let refusals = OriginRefusal.Problem.allCases.map {
            Rejection(
                .untrustedOrigin(
                    OriginRefusal(
                        problem: $0, field: "account", account: "1", region: "r", acceptedAccounts: ["2"],
                        acceptedRegions: ["s"])))
        }
        let decoding: [Rejection.Reason] = [
            .bodyTooLarge(bytes: 1), .notJSON, .unknownShape(""), .unsupportedEvent(source: "", detailType: ""),
            .unsupportedHealthEvent(service: "", category: ""), .testNotification, .nonActionableState(.running),
            .unknownInstanceState(""), .missingField(""), .malformedField("", value: ""),
            .malformedInstanceID(field: "", value: ""), .unknownLifecycleTransition(""),
        ]
        let codes = refusals.map(\.code) + decoding.map { Rejection($0).code }
        #expect(Set(codes).count == codes.count)
        #expect(Set(refusals.map(\.description)).count == refusals.count)
    }

    @Test("a hostile account value is cut in the description and the log metadata")
    func hostileValuesCut() throws {
        let long = String(repeating: "9", count: 5000)
        let body = try variant("spot-interruption-warning.json") { $0["account"] = long }()
        let result = outcome(body, queue)
        let rejection = try #require(result.rejection)
        #expect(rejection.description.count < 400)
        #expect((originRefusal(result)?.logMetadata["event.account"]?.count ?? 0) <= 81)
    }
}
