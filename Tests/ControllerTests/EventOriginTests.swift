import Controller
import ControllerFakes
import Foundation
import Interruption
import Logging
import MetricsTestKit
import TestSupport
import Testing

/// The receive side applies the event origin check: a message from another account or region is refused, logged at
/// warning, counted and deleted, and its node is left alone.
@Suite("Coordinator: events from other accounts and regions")
struct EventOriginTests {
    /// The queue of `https://sqs.us-east-1.amazonaws.com/123456789012/nth`, read as `run` reads it.
    static func queueConfiguration(_ extra: [String: String] = [:]) throws -> ControllerConfiguration {
        var environment = ["QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/nth"]
        environment.merge(extra) { _, new in new }
        var configuration = try ControllerConfiguration(environment: environment)
        configuration.policy.checkTagBeforeDraining = false
        return configuration
    }

    @Test(
        "a spot warning from another account or region is deleted, counted and logged; the node is not cordoned",
        arguments: [
            ("account", "999999999999", "foreign-account"), ("region", "eu-west-1", "foreign-region"),
        ])
    func foreignEventRefused(field: String, value: String, code: String) async throws {
        let configuration = try Self.queueConfiguration()
        let factory = TestMetrics()
        let id = instance(1)
        let body = Fixtures.spot(id).replacingOccurrences(
            of: field == "account" ? #""account":"123456789012""# : #""region":"us-east-1""#,
            with: #""\#(field)":"\#(value)""#)
        #expect(body.contains(value))
        try await Harness.run(
            { $0 = configuration }, setUp: { $0.addNode(1) }, metrics: ControllerMetrics(factory: factory)
        ) { harness in
            let message = harness.queue.send(body)
            try await harness.waitUntilQueueEmpty()
            #expect(harness.queue.isDeleted(message))
            #expect(harness.coordinator.statistics.rejected == [code: 1])
            #expect(harness.coordinator.statistics.jobsStarted == 0)
            #expect(harness.cluster.cordons.isEmpty)
            #expect(harness.cluster.writes == 0)
            #expect(harness.directory.lookups.isEmpty)
            let line = try #require(harness.logs.all.first { $0.metadata["reason"] == code })
            #expect(line.level == .warning)
            #expect(line.metadata["event.\(field)"] == value)
            #expect(line.metadata["expected.accounts"] == "123456789012")
            #expect(line.metadata["expected.regions"] == "us-east-1")
            #expect(line.metadata["detail"]?.contains(value) == true)
        }
        #expect(
            try factory.expectCounter(
                "nth_sqs_messages_rejected_total", [("reason", code), ("disposition", "deleted")]
            ).totalValue == 1)
    }

    @Test("the same warning from the queue's account and region cordons and drains the node")
    func ownEventActedOn() async throws {
        let configuration = try Self.queueConfiguration()
        try await Harness.run({ $0 = configuration }, setUp: { $0.addNode(1) }) { harness in
            harness.queue.send(Fixtures.spot(instance(1)))
            try await harness.waitUntilQueueEmpty()
            try await eventually("the job to end") { harness.coordinator.statistics.jobsSucceeded == 1 }
            #expect(harness.cluster.cordonedNodes == ["ip-10-0-0-1.ec2.internal"])
            #expect(harness.coordinator.statistics.rejected.isEmpty)
        }
    }

    @Test("NTH_ALLOWED_EVENT_ACCOUNTS and NTH_ALLOWED_EVENT_REGIONS let another account's events in")
    func allowedOriginActedOn() async throws {
        let configuration = try Self.queueConfiguration([
            "NTH_ALLOWED_EVENT_ACCOUNTS": "444455556666", "NTH_ALLOWED_EVENT_REGIONS": "eu-west-1",
        ])
        let body = Fixtures.asgTerminate(instance(2))
            .replacingOccurrences(of: #""account":"123456789012""#, with: #""account":"444455556666""#)
            .replacingOccurrences(of: #""region":"us-east-1""#, with: #""region":"eu-west-1""#)
        try await Harness.run({ $0 = configuration }, setUp: { $0.addNode(2) }) { harness in
            harness.queue.send(body)
            try await harness.waitUntilQueueEmpty()
            #expect(harness.cluster.cordonedNodes == ["ip-10-0-0-2.ec2.internal"])
            #expect(harness.lifecycle.completions.count == 1)
        }
    }

    @Test("in dry run a foreign event is refused and left on the queue, as every rejection is")
    func dryRunLeavesIt() async throws {
        var configuration = try Self.queueConfiguration()
        configuration.dryRun = true
        let body = Fixtures.spot(instance(3)).replacingOccurrences(of: "123456789012", with: "999999999999")
        try await Harness.run({ $0 = configuration }, setUp: { $0.addNode(3) }) { harness in
            let message = harness.queue.send(body)
            try await eventually { harness.coordinator.statistics.rejected == ["foreign-account": 1] }
            #expect(!harness.queue.isDeleted(message))
            #expect(harness.cluster.writes == 0)
        }
    }
}
