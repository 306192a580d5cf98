internal import Controller
import Foundation

/// The figures printed at the end of a simulation and shown in its HTML report, as tables of strings: per kind,
/// latencies and deadlines; apiserver requests beside `kubectl drain`'s for the same nodes; AWS calls per message.
public struct SummaryTable: Sendable, Hashable {
    /// One table.
    public struct Section: Sendable, Hashable {
        /// Its title.
        public var title: String
        /// The column names.
        public var header: [String]
        /// The rows, each as many cells as ``header``.
        public var rows: [[String]]
    }

    /// The first line: how long, how many.
    public var headline: String
    /// The second line: what became of the messages and the lifecycle actions (`nil` for a bare timeline).
    public var outcome: String?
    /// The tables.
    public var sections: [Section]
    /// Notes under the tables.
    public var notes: [String]

    /// The table of `summary`.
    public init(_ summary: Simulation.Summary) {
        self.init(
            timeline: summary.timeline, finished: summary.finished, allCordoned: summary.allCordoned,
            apiserverRequests: summary.apiserverRequests, awsCalls: summary.awsCalls)
        let statistics = summary.statistics
        outcome =
            "messages: \(summary.messagesSent) sent, \(statistics.messagesReceived) received, "
            + "\(statistics.messagesDeleted) deleted; lifecycle actions completed: \(summary.lifecycleCompletions), "
            + "heartbeats: \(summary.heartbeats)"
    }

    /// The table of a run's figures.
    ///
    /// - Parameters:
    ///   - timeline: Each interrupted node's times.
    ///   - finished: How long the run took.
    ///   - allCordoned: When every interrupted node was cordoned, if ever.
    ///   - apiserverRequests: The controller's apiserver requests by class.
    ///   - awsCalls: The AWS calls.
    public init(
        timeline: Timeline, finished: Duration, allCordoned: Duration?, apiserverRequests: [String: Int],
        awsCalls: AWSCalls
    ) {
        let drained = timeline.nodes.count { $0.drains && $0.done != nil }
        headline =
            "done in \(Self.seconds(finished)): \(timeline.nodes.count) nodes interrupted, "
            + "\(timeline.nodes.count { $0.cordoned != nil }) cordoned, \(drained) drained, "
            + (allCordoned.map { "all cordoned after \(Self.seconds($0))" } ?? "not all cordoned")
        sections = [
            Self.kinds(timeline), Self.requests(apiserverRequests, timeline: timeline), Self.aws(awsCalls),
        ]
        notes = [
            "latencies from the controller's first receive of the message; deadlines are the controller's "
                + "(ActionPolicy.drainDeadline), slack is the deadline minus the time the last workload pod was gone",
            "kubectl drain: the request model measured by scripts/bench-drain against kubectl v1.32.5 on the same "
                + "fake (docs/bench-drain.md): one kubectl drain per drained node, kubectl cordon per cordoned-only "
                + "node",
            "consistentRead is an etcd quorum read on a real apiserver; event: the Kubernetes Events "
                + "EMIT_KUBERNETES_EVENTS writes (NTH writes the same ones; kubectl drain none), not in write",
        ]
        if timeline.droppedRequests > 0 {
            notes.append(
                "the fake's ledger keeps the last 100,000 requests: the rates and first evictions miss the first "
                    + "\(timeline.droppedRequests) (the counts by class are complete)")
        }
    }

    private static func kinds(_ timeline: Timeline) -> Section {
        let kinds = SimulatedEvents.Kind.allCases.filter { kind in timeline.nodes.contains { $0.kind == kind } }
        var rows = kinds.map { kind in row(kind.rawValue, timeline.nodes.filter { $0.kind == kind }, end: timeline.end)
        }
        if kinds.count > 1 { rows.append(row("all", timeline.nodes, end: timeline.end)) }
        return Section(
            title: "Interrupted nodes",
            header: [
                "kind", "nodes", "cordoned", "drained", "→cordon p50/p99/max", "→drained p50/p99/max",
                "deadline met", "missed", "min slack",
            ],
            rows: rows)
    }

    private static func row(_ name: String, _ nodes: [Timeline.NodeRow], end: Double) -> [String] {
        let toCordon = nodes.compactMap { row in row.cordoned.flatMap { c in row.received.map { c - $0 } } }
        let drained = nodes.filter(\.drains)
        let toDrained = drained.compactMap { row in row.done.flatMap { d in row.received.map { d - $0 } } }
        let withDeadline = nodes.filter { $0.deadline != nil }
        let missed = withDeadline.filter { $0.missedDeadline(end: end) }.count
        let slack = withDeadline.compactMap(\.slack).min()
        return [
            name, "\(nodes.count)", "\(nodes.count { $0.cordoned != nil })",
            "\(drained.count { $0.done != nil })", latencies(toCordon), latencies(toDrained),
            withDeadline.isEmpty ? "–" : "\(withDeadline.count - missed)", withDeadline.isEmpty ? "–" : "\(missed)",
            slack.map { String(format: "%.1f s", $0) } ?? "–",
        ]
    }

    private static func requests(_ apiserverRequests: [String: Int], timeline: Timeline) -> Section {
        let kubectl = KubectlDrainModel.estimate(for: timeline)
        let classes = Set(apiserverRequests.keys).union(kubectl.high.keys).union(["consistentRead"])
            .sorted()
        func range(_ low: Int, _ high: Int) -> String { low == high ? "\(low)" : "\(low)–\(high)" }
        var rows = classes.map { name in
            [
                name + (name == "consistentRead" ? " (quorum reads)" : ""),
                "\(apiserverRequests[name] ?? 0)",
                range(kubectl.low[name] ?? 0, kubectl.high[name] ?? 0),
            ]
        }
        let ours = apiserverRequests.values.reduce(0, +)
        rows.append(["total", "\(ours)", range(kubectl.totalLow, kubectl.totalHigh)])
        return Section(
            title: "Apiserver requests", header: ["class", "controller", "kubectl drain, same nodes (model)"],
            rows: rows)
    }

    private static func aws(_ calls: AWSCalls) -> Section {
        func row(_ name: String, _ count: Int) -> [String] {
            [
                name, "\(count)",
                calls.messages == 0 ? "–" : String(format: "%.2f", Double(count) / Double(calls.messages)),
            ]
        }
        return Section(
            title: "AWS calls (\(calls.messages) messages)", header: ["call", "count", "per message"],
            rows: [
                row("SQS ReceiveMessage (with messages)", calls.receives),
                row("SQS DeleteMessageBatch", calls.deletes),
                row("SQS ChangeMessageVisibilityBatch", calls.visibilityChanges),
                row("EC2 DescribeInstances", calls.describeInstances),
                row("Auto Scaling lifecycle calls", calls.lifecycleCalls),
                row("total", calls.total),
                row("SQS ReceiveMessage (empty long polls, not in total)", calls.emptyReceives),
            ])
    }

    /// `p50 / p99 / max` of `values` (nearest rank) with one unit: `12 / 30 / 31 ms` under 10 s, else
    /// `0.5 / 12.3 / 20.0 s`; `–` without values.
    public static func latencies(_ values: [Double]) -> String {
        let points = [0.5, 0.99, 1].compactMap { percentile($0, of: values) }
        guard let largest = points.max() else { return "–" }
        if largest < 10 {
            return points.map { String(format: "%.0f", $0 * 1000) }.joined(separator: " / ") + " ms"
        }
        return points.map { String(format: "%.1f", $0) }.joined(separator: " / ") + " s"
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 1) of `values`.
    public static func percentile(_ p: Double, of values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }

    static func seconds(_ duration: Duration) -> String {
        let (whole, atto) = duration.components
        return String(format: "%.1f s", Double(whole) + Double(atto) / 1e18)
    }

    /// The tables as aligned plain text, for the terminal.
    public var text: String {
        var lines = [headline]
        if let outcome { lines.append(outcome) }
        for section in sections {
            lines.append("")
            lines.append(section.title)
            let all = [section.header] + section.rows
            let widths = section.header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
            for (index, row) in all.enumerated() {
                let cells = row.enumerated().map { column, cell in
                    let pad = String(repeating: " ", count: widths[column] - cell.count)
                    return column == 0 ? cell + pad : pad + cell
                }
                lines.append("  " + cells.joined(separator: "  "))
                if index == 0 {
                    lines.append("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
                }
            }
        }
        lines.append("")
        lines += notes.flatMap { Self.wrapped($0, width: Self.noteWidth).map { "  " + $0 } }
        return lines.joined(separator: "\n")
    }

    /// The notes' width: with the tables, the summary fits a terminal of 120 columns.
    static let noteWidth = 116

    /// `text` cut at spaces into lines of at most `width` characters (a longer word stands alone).
    public static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
