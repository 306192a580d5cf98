import Controller
import Foundation
import Simulation
import Testing

/// Each built-in scenario played to the end, with the outcome it exists to show.
@Suite("the built-in scenarios run to completion with their outcomes", .serialized)
struct ScenarioRunTests {
    static func run(_ scenario: Scenario, environment: [String: String] = [:]) async throws -> (
        Simulation.Summary, [Simulation.Progress]
    ) {
        var configuration = try scenario.configuration(environment: environment)
        configuration.timeout = .seconds(120)
        configuration.progressInterval = .milliseconds(250)
        let reports = ReportLog()
        let summary = try await Simulation(configuration: configuration).run(progress: { reports.add($0) })
        let all = reports.all
        // The reports move forward, and the last one is the end: every message handled, no job left.
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.elapsed < $1.elapsed })
        let last = try #require(all.last)
        #expect(last.queueDepth == 0 && last.liveJobs == 0 && last.messagesSent == last.interrupted)
        #expect(last.nearestDeadline == nil)
        #expect(summary.messagesDeletedTwice == 0)
        #expect(summary.apiserverRequests["consistentRead"] == nil)
        return (summary, all)
    }

    @Test("default: every kind cordoned, spot and Auto Scaling drained, hooks completed, events written")
    func standard() async throws {
        let (summary, reports) = try await Self.run(.standard)
        #expect(summary.cordoned == 12)
        #expect(summary.drained == 8)  // rebalance recommendations are cordoned only (NTH's default)
        #expect(summary.lifecycleCompletions == 4)
        #expect(summary.statistics.messagesDeleted == 12)
        let text = SummaryTable(summary).text.split(separator: "\n").map(String.init)
        #expect(
            text.count > 1 && text[1].hasPrefix("messages: 12 sent, 12 received, 12 deleted; "), "\(text.prefix(2))")
        // Events are on, counted apart from the other writes: at least a Cordon event for every node, and the
        // run ends once they are all written.
        #expect((summary.apiserverRequests["event"] ?? 0) >= 12 * 4)
        #expect((summary.apiserverRequests["write"] ?? 0) == 12 * 2, "a cordon and a clear per node")
        #expect(reports.contains { $0.nearestDeadline != nil })
    }

    @Test("spot-burst: 300 warnings, every node cordoned and drained, every message deleted once")
    func spotBurst() async throws {
        let (summary, reports) = try await Self.run(.spotBurst)
        #expect(summary.cordoned == 300)
        #expect(summary.drained == 300)
        #expect(summary.statistics.messagesDeleted == 300)
        #expect(summary.apiserverRequests["eviction"] == 1200)
        #expect(reports.contains { $0.drainsRunning > 1 })
    }

    @Test("hooks: drains outlast the hooks' 2 s heartbeat timeout; heartbeats keep them alive, then they complete")
    func hooks() async throws {
        let (summary, reports) = try await Self.run(.hooks)
        #expect(summary.cordoned == 24)
        #expect(summary.drained == 16)
        #expect(summary.lifecycleCompletions == 8)
        #expect(summary.finished > .seconds(2))
        // Each of the 8 hooks got heartbeats, and no drain ran out of time.
        #expect(summary.heartbeats >= 8)
        #expect(summary.statistics.drainDeadlinesReached == 0)
        // While hooks are live the nearest deadline is a hook's, within its 2 s timeout of now, and never passes:
        // the heartbeats keep moving it (once the hooks are done, a spot warning's two minutes is the nearest).
        let slacks = reports.compactMap(\.nearestDeadline?.slack)
        let described = reports.compactMap { report in
            report.nearestDeadline.map { "\(report.elapsed): \($0.node) \($0.slack)" }
        }
        #expect(slacks.contains { $0 <= .seconds(2) }, "\(described)")
        #expect(slacks.allSatisfy { $0 > .zero }, "\(described)")
    }

    @Test("pdb-blocked: budgets refuse evictions (429) until relaxed after 2 s, then every node drains")
    func pdbBlocked() async throws {
        let (summary, reports) = try await Self.run(.pdbBlocked)
        #expect((summary.refused["eviction"] ?? 0) > 0)
        #expect(summary.cordoned == 12)
        #expect(summary.drained == 12)
        #expect(summary.finished > .seconds(2))
        #expect(summary.statistics.messagesDeleted == 12)
        // Blocked while the budgets held: pods were still left on the nodes at 1.5 s.
        #expect(reports.contains { $0.elapsed > .milliseconds(1500) && $0.workloadPodsLeft > 0 })
    }

    @Test("throttled: 429s with Retry-After in the ledger, and still every node done")
    func throttled() async throws {
        let (summary, _) = try await Self.run(.throttled)
        #expect(summary.refused.values.reduce(0, +) > 0)
        #expect(summary.cordoned == 20)
        #expect(summary.drained == 14)
        #expect(summary.lifecycleCompletions == 7)
        #expect(summary.statistics.messagesDeleted == 20)
    }

    @Test("hand-over: the leader stops mid-run, the standby takes over; no message lost or deleted twice")
    func handOver() async throws {
        let (summary, reports) = try await Self.run(.handOverScenario)
        #expect(summary.leaders == ["replica-a", "replica-b"])
        #expect(summary.messagesSent == 24)
        #expect(summary.statistics.messagesDeleted == 24)
        #expect(summary.messagesDeletedTwice == 0)
        // The first leader handed unfinished work back: messages released, received again by the standby.
        #expect(summary.statistics.messagesReleased > 0)
        #expect(summary.statistics.messagesReceived > 24)
        #expect(summary.cordoned == 24)
        #expect(summary.drained == 24)
        #expect(summary.lifecycleCompletions == 12)
        #expect(reports.contains { $0.leader == "replica-a" } && reports.contains { $0.leader == "replica-b" })
    }
}
