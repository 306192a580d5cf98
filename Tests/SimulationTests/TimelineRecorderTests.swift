import Foundation
import Simulation
import Testing

@Suite("simulate's timeline: every interrupted node's times, from the fake's watches, ledger and queue", .serialized)
struct TimelineRecorderTests {
    static func run(environment: [String: String] = [:]) async throws -> Simulation.Summary {
        var configuration = try Simulation.Configuration(environment: environment)
        configuration.nodes = 10
        configuration.podsPerNode = 4
        configuration.interruptions = 6
        configuration.kinds = [.spotWarning, .autoScalingTerminate, .rebalance]
        configuration.timeout = .seconds(60)
        return try await Simulation(configuration: configuration).run()
    }

    @Test("every target has its times in order: queued, received, cordoned, first eviction, done")
    func timesInOrder() async throws {
        let summary = try await Self.run()
        let timeline = summary.timeline
        #expect(timeline.nodes.map(\.node) == (0..<6).map { "ip-10-0-0-\($0).ec2.internal" })
        for row in timeline.nodes {
            let received = try #require(row.received, "\(row.node) never received")
            let cordoned = try #require(row.cordoned, "\(row.node) never cordoned")
            #expect(row.queued >= 0)
            #expect(row.queued <= received)
            #expect(received <= cordoned)
            #expect(cordoned <= timeline.end)
            #expect(row.daemonSetPods == 2)
            if row.kind == .rebalance {
                // NTH's default: a rebalance recommendation cordons only.
                #expect(!row.drains)
                #expect(row.drainStarted == nil && row.done == nil && row.deadline == nil)
                #expect(row.evictedPods == 0)
            } else {
                #expect(row.drains)
                let started = try #require(row.drainStarted, "\(row.node) never evicted")
                let done = try #require(row.done, "\(row.node) never done")
                #expect(cordoned <= started)
                #expect(started <= done)
                #expect(done <= timeline.end)
                #expect(row.evictedPods == 4)
            }
        }
    }

    @Test("deadlines: a spot warning's is its time + 2 min, an Auto Scaling hook's its heartbeat timeout; none missed")
    func deadlines() async throws {
        let summary = try await Self.run()
        let timeline = summary.timeline
        for row in timeline.nodes where row.drains {
            let deadline = try #require(row.deadline)
            // The event's `time` is the send time, written in whole seconds or milliseconds (RFC 3339).
            let notice = row.kind == .spotWarning ? 120.0 : 300.0
            #expect(abs(deadline - (row.queued + notice)) < 1.01, "\(row.node): \(deadline - row.queued)")
            #expect(!row.missedDeadline(end: timeline.end))
            #expect((row.slack ?? 0) > notice - 30)
        }
        // With heartbeats until 600 s, a hook's deadline is the last heartbeat's plus the heartbeat timeout.
        let longer = try await Self.run(environment: ["HEARTBEAT_INTERVAL": "30", "HEARTBEAT_UNTIL": "600"])
        for row in longer.timeline.nodes where row.kind == .autoScalingTerminate {
            let deadline = try #require(row.deadline)
            #expect(abs(deadline - (row.queued + 900)) < 1.01, "\(row.node): \(deadline - row.queued)")
        }
    }

    @Test("the rates count the controller's requests alone, and every accepted eviction")
    func rates() async throws {
        let summary = try await Self.run()
        let timeline = summary.timeline
        // The recorder's own watches are not in the ledger's counts nor in the rates.
        #expect(timeline.requests.totals.reduce(0, +) == summary.apiserverRequests.values.reduce(0, +))
        #expect(timeline.evictions.totals.reduce(0, +) == 16)
        #expect(summary.apiserverRequests["eviction"] == 16)
        #expect(timeline.requests.counts["eviction"]?.reduce(0, +) == 16)
        #expect(timeline.evictions.binWidth == 0.1)
        #expect(Double(timeline.evictions.binCount) * 0.1 >= timeline.end - 1e-9)
        // Every eviction lies between its node's first eviction and the end.
        let firstEviction = timeline.nodes.compactMap(\.drainStarted).min() ?? 0
        let firstBin = timeline.evictions.counts["evictions"]?.firstIndex { $0 > 0 } ?? -1
        #expect(firstBin == Int(firstEviction / 0.1))
    }

    @Test("AWS calls: every message received and deleted in batches, one completion per hook")
    func awsCalls() async throws {
        let summary = try await Self.run()
        let calls = summary.awsCalls
        #expect(calls.messages == 6)
        #expect(calls.receives >= 1 && calls.receives <= 6)
        #expect(calls.deletes >= 1 && calls.deletes <= 6)
        #expect(calls.lifecycleCalls >= 2)
        #expect(calls.describeInstances >= 1)
        #expect(
            calls.total == calls.receives + calls.deletes + calls.visibilityChanges + calls.describeInstances
                + calls.lifecycleCalls)
        #expect(calls.perMessage == Double(calls.total) / 6)
    }
}
