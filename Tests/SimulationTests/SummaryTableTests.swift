import Foundation
import Simulation
import Testing

/// Timelines built by hand, with known figures.
enum HandTimelines {
    static func row(
        _ index: Int, _ kind: SimulatedEvents.Kind, cordoned: Double?, started: Double? = nil, done: Double? = nil,
        deadline: Double? = nil, evicted: Int = 0, node: String? = nil
    ) -> Timeline.NodeRow {
        Timeline.NodeRow(
            node: node ?? "node-\(index)", instanceID: "i-\(index)", kind: kind, drains: kind != .rebalance,
            queued: 0, received: 0.01, cordoned: cordoned, drainStarted: started, done: done, deadline: deadline,
            evictedPods: evicted, daemonSetPods: 2)
    }

    /// Three spot nodes (one misses its deadline at 2 s by 0.5 s), one hook, one rebalance (cordoned only), one
    /// whose name needs escaping.
    static let mixed = Timeline(
        start: Date(timeIntervalSince1970: 1_800_000_000), end: 3,
        nodes: [
            row(0, .spotWarning, cordoned: 0.11, started: 0.2, done: 1.01, deadline: 120, evicted: 30),
            row(1, .spotWarning, cordoned: 0.21, started: 0.3, done: 2.51, deadline: 2, evicted: 30),
            row(2, .autoScalingTerminate, cordoned: 0.31, started: 0.4, done: 1.51, deadline: 300, evicted: 30),
            row(3, .rebalance, cordoned: 0.41),
            row(
                4, .spotWarning, cordoned: 0.51, started: 0.6, done: 0.81, deadline: 120, evicted: 30,
                node: #"<b>"odd" & 'name'</b>"#),
        ],
        evictions: .binning([("evictions", 0.25), ("evictions", 0.35), ("evictions", 1.2)], duration: 3),
        requests: .binning([("eviction", 0.25), ("write", 0.1), ("write", 0.15), ("cacheRead", 2.9)], duration: 3))

    static let awsCalls = AWSCalls(
        messages: 5, receives: 1, emptyReceives: 3, deletes: 1, visibilityChanges: 0, describeInstances: 1,
        lifecycleCalls: 1)

    static var table: SummaryTable {
        SummaryTable(
            timeline: mixed, finished: .seconds(3), allCordoned: .milliseconds(510),
            apiserverRequests: ["eviction": 120, "write": 5, "cacheRead": 4, "watch": 4], awsCalls: awsCalls)
    }
}

@Suite("simulate's summary table")
struct SummaryTableTests {
    func section(_ title: String) throws -> SummaryTable.Section {
        try #require(HandTimelines.table.sections.first { $0.title.hasPrefix(title) })
    }

    func cell(_ section: SummaryTable.Section, row: String, column: String) throws -> String {
        let index = try #require(section.header.firstIndex(of: column))
        return try #require(section.rows.first { $0[0] == row })[index]
    }

    @Test("per kind: counts, receipt→cordon and receipt→drained p50 / p99 / max, deadlines met, missed, min slack")
    func kinds() throws {
        let kinds = try section("Interrupted nodes")
        #expect(kinds.rows.map { $0[0] } == ["spot-warning", "asg-terminate", "rebalance", "all"])
        #expect(kinds.rows.allSatisfy { $0.count == kinds.header.count })
        #expect(try cell(kinds, row: "spot-warning", column: "nodes") == "3")
        #expect(try cell(kinds, row: "spot-warning", column: "drained") == "3")
        // From receipt (0.01): cordons at 0.1, 0.2 and 0.5 s; drained at 0.8, 1.0 and 2.5 s.
        #expect(
            try cell(kinds, row: "spot-warning", column: "→cordon p50/p99/max") == "200 / 500 / 500 ms"
        )
        #expect(
            try cell(kinds, row: "spot-warning", column: "→drained p50/p99/max")
                == "1000 / 2500 / 2500 ms")
        #expect(try cell(kinds, row: "spot-warning", column: "deadline met") == "2")
        #expect(try cell(kinds, row: "spot-warning", column: "missed") == "1")
        #expect(try cell(kinds, row: "spot-warning", column: "min slack") == "-0.5 s")
        #expect(try cell(kinds, row: "asg-terminate", column: "min slack") == "298.5 s")
        #expect(try cell(kinds, row: "rebalance", column: "drained") == "0")
        #expect(try cell(kinds, row: "rebalance", column: "deadline met") == "–")
        #expect(try cell(kinds, row: "all", column: "nodes") == "5")
        #expect(try cell(kinds, row: "all", column: "missed") == "1")
        #expect(try cell(kinds, row: "all", column: "deadline met") == "3")
    }

    @Test("the text fits a terminal of 120 columns, drains of minutes included; the notes wrap at spaces")
    func fitsATerminal() {
        let text = HandTimelines.table.text
        let widest = text.split(separator: "\n").map(\.count).max() ?? 0
        #expect(widest <= 120, "\(widest) columns")
        #expect(SummaryTable.latencies([0.5, 12.3, 200]) == "12.3 / 200.0 / 200.0 s")
        #expect(SummaryTable.latencies([]) == "–")
        #expect(SummaryTable.wrapped("aa bb cc", width: 5) == ["aa bb", "cc"])
        #expect(SummaryTable.wrapped("averyverylongword x", width: 5) == ["averyverylongword", "x"])
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        let values = (1...100).map(Double.init).shuffled()
        #expect(SummaryTable.percentile(0.5, of: values) == 50)
        #expect(SummaryTable.percentile(0.99, of: values) == 99)
        #expect(SummaryTable.percentile(1, of: values) == 100)
        #expect(SummaryTable.percentile(0.5, of: [7]) == 7)
        #expect(SummaryTable.percentile(0.5, of: []) == nil)
    }

    @Test("kubectl drain's model gives the bench's measured figures for one node of 30 pods")
    func kubectlModelMatchesTheBench() {
        let one = Timeline(
            start: Date(), end: 1,
            nodes: [
                HandTimelines.row(0, .spotWarning, cordoned: 0.1, started: 0.2, done: 0.9, deadline: 120, evicted: 30)
            ],
            evictions: .binning([], duration: 1), requests: .binning([], duration: 1))
        let estimate = KubectlDrainModel.estimate(for: one)
        // docs/bench-drain.md, 1 node: 83 requests, 43 quorum reads, 9 discovery, 30 evictions, 1 write (one run);
        // 90.7 per node at 100 nodes at once: the high end.
        #expect(estimate.totalLow == 83)
        #expect(estimate.low["consistentRead"] == 43)
        #expect(estimate.high["consistentRead"] == 51)
        #expect(estimate.totalHigh == 91)
        #expect(estimate.low["discovery"] == 9 && estimate.low["eviction"] == 30 && estimate.low["write"] == 1)
    }

    @Test("apiserver requests beside kubectl drain's, quorum reads always listed; AWS calls per message")
    func requestsAndAWS() throws {
        let requests = try section("Apiserver requests")
        #expect(try cell(requests, row: "consistentRead (quorum reads)", column: "controller") == "0")
        // Four drained nodes of 30 evictions (kubectl drain) and one cordoned-only node (kubectl cordon).
        #expect(try cell(requests, row: "discovery", column: "kubectl drain, same nodes (model)") == "\(4 * 9 + 8)")
        #expect(try cell(requests, row: "eviction", column: "kubectl drain, same nodes (model)") == "120")
        #expect(try cell(requests, row: "total", column: "controller") == "133")
        #expect(
            try cell(requests, row: "total", column: "kubectl drain, same nodes (model)")
                == "\(4 * 83 + 10)–\(4 * 91 + 10)")
        let aws = try section("AWS calls")
        #expect(try cell(aws, row: "total", column: "count") == "4")
        #expect(try cell(aws, row: "total", column: "per message") == "0.80")
        #expect(try cell(aws, row: "SQS DeleteMessageBatch", column: "per message") == "0.20")
        let text = HandTimelines.table.text
        #expect(text.contains("kubectl drain, same nodes (model)"))
        #expect(text.hasPrefix("done in 3.0 s: 5 nodes interrupted, 5 cordoned, 4 drained, all cordoned after 0.5 s"))
    }

    @Test("a ledger that dropped requests says so under the tables")
    func droppedRequests() {
        var timeline = HandTimelines.mixed
        #expect(!HandTimelines.table.notes.joined().contains("ledger keeps"))
        timeline.droppedRequests = 12
        let table = SummaryTable(
            timeline: timeline, finished: .seconds(3), allCordoned: nil, apiserverRequests: [:],
            awsCalls: HandTimelines.awsCalls)
        #expect(table.notes.last?.contains("miss the first 12") == true)
        #expect(table.headline.hasSuffix("drained, not all cordoned"))
    }

    @Test("rates: bins of 0.1 s below 20 s, of 1 s from 20 s; counts per bin")
    func binning() {
        let short = Timeline.RateSeries.binning([("a", 0), ("a", 0.05), ("b", 0.95), ("a", 2)], duration: 1)
        #expect(short.binWidth == 0.1)
        #expect(short.binCount == 10)
        #expect(short.counts["a"]?[0] == 2)
        #expect(short.counts["a"]?[9] == 1)  // after the end: the last bin
        #expect(short.counts["b"]?[9] == 1)
        #expect(short.peakPerSecond == 20)
        let long = Timeline.RateSeries.binning([("a", 19.5), ("a", 19.7)], duration: 25)
        #expect(long.binWidth == 1)
        #expect(long.binCount == 25)
        #expect(long.counts["a"]?[19] == 2)
    }
}
