import Clocks
import Controller
import ControllerFakes
import Foundation
import Interruption
import Kubernetes
import MetricsTestKit
import TestSupport
import Testing

/// The coordinator's metrics on a test factory (nothing is bootstrapped): NTH's series, ours, and their labels.
@Suite("Metrics")
struct MetricsTests {
    @Test("a spot warning counts NTH's actions_total for cordon and cordon-and-drain, and records the latencies")
    func spotWarningCounts() async throws {
        let factory = TestMetrics()
        let metrics = ControllerMetrics(factory: factory)
        try await Harness.run(setUp: { $0.addNode(1) }, metrics: metrics) { harness in
            let sentAt = harness.clock.now.addingTimeInterval(-4)
            harness.queue.send(Fixtures.spot(instance(1)), sentAt: sentAt)
            harness.queue.send("poison: not json")
            try await harness.waitUntilQueueEmpty()
            try await eventually("the job to end") { harness.coordinator.statistics.jobsSucceeded == 1 }
        }
        let cordon = try factory.expectCounter(
            "actions_total", [("node_action", "cordon"), ("node_status", "success")])
        #expect(cordon.totalValue == 1)
        let drained = try factory.expectCounter(
            "actions_total", [("node_action", "cordon-and-drain"), ("node_status", "success")])
        #expect(drained.totalValue == 1)
        #expect(try factory.expectCounter("nth_drains_total", [("outcome", "drained")]).totalValue == 1)
        #expect(try factory.expectCounter("nth_sqs_messages_received_total").totalValue == 2)
        #expect(
            try factory.expectCounter("nth_sqs_messages_disposed_total", [("disposition", "deleted")]).totalValue == 2)
        #expect(
            try factory.expectCounter(
                "nth_sqs_messages_rejected_total", [("reason", "not-json"), ("disposition", "deleted")]
            ).totalValue == 1)
        #expect(try factory.expectCounter("nth_jobs_ended_total", [("result", "succeeded")]).totalValue == 1)
        #expect(factory.counterTotal(label: "events_error_total") == 0)
        // The manual clock stands still: the warning was 4 s old at receipt; cordon and drain took no time.
        #expect(try factory.expectTimer("nth_sqs_message_age_seconds").values == [4_000_000_000])
        #expect(try factory.expectTimer("nth_receive_to_cordon_seconds").values == [0])
        #expect(try factory.expectTimer("nth_receive_to_drain_end_seconds").values == [0])
        #expect(try factory.expectGauge("nth_drains_running").values.contains(1))
        #expect(try factory.expectGauge("nth_sqs_messages_in_flight").lastValue == 0)
    }

    @Test("failed receives count as NTH's events_error_total{event_error_where=SQS_MONITOR}")
    func receiveFailures() async throws {
        let factory = TestMetrics()
        try await Harness.run(metrics: ControllerMetrics(factory: factory)) { harness in
            harness.queue.failReceives(2)
            try await eventually("two failed receives") { harness.coordinator.statistics.receiveFailures >= 1 }
        }
        #expect(
            factory.counterTotal(label: "events_error_total", dimensions: [("event_error_where", "SQS_MONITOR")]) >= 1)
    }

    @Test("apiserver requests are counted by verb, resource and code, with their durations")
    func kubernetesRequests() {
        let factory = TestMetrics()
        let requests = ControllerMetrics(factory: factory).kubernetesRequests
        requests.record(verb: "evict", resource: "pods", code: 429, duration: .milliseconds(12))
        requests.record(verb: "evict", resource: "pods", code: 201, duration: .milliseconds(8))
        requests.record(verb: "evict", resource: "pods", code: 201, duration: .milliseconds(9))
        #expect(
            factory.counterTotal(
                label: "nth_kubernetes_requests_total",
                dimensions: [("verb", "evict"), ("resource", "pods"), ("code", "201")]) == 2)
        #expect(
            factory.counterTotal(
                label: "nth_kubernetes_requests_total",
                dimensions: [("verb", "evict"), ("resource", "pods"), ("code", "429")]) == 1)
        let durations = (try? factory.expectTimer("nth_kubernetes_request_duration_seconds", [("verb", "evict")]))?
            .values
        #expect(durations == [12_000_000, 8_000_000, 9_000_000])
    }

    @Test("the receive loop is fresh after a receive, or while it waits for room; stale otherwise")
    func pollFreshness() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        var poll = PollState(startedAt: start)
        #expect(poll.isFresh(at: start.addingTimeInterval(60), staleAfter: 90))
        #expect(!poll.isFresh(at: start.addingTimeInterval(91), staleAfter: 90))
        poll.lastReceive = start.addingTimeInterval(80)
        #expect(poll.isFresh(at: start.addingTimeInterval(91), staleAfter: 90))
        #expect(!poll.isFresh(at: start.addingTimeInterval(171), staleAfter: 90))
        poll.waitingForRoom = 1
        #expect(poll.isFresh(at: start.addingTimeInterval(500), staleAfter: 90))
    }
}
