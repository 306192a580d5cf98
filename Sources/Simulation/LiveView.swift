import Controller
import Foundation

/// What `simulate` shows while it runs: a fixed block of lines redrawn in place on a terminal, or one plain line a
/// report when the output is not a terminal. Pure functions of a ``Simulation/Progress``.
public enum LiveView {
    /// The lines of the block, always ``lineCount`` of them, each cut to `width` columns (a wrapped line would
    /// break the redraw: the cursor moves up by lines, not by rows).
    public static func lines(_ progress: Simulation.Progress, width: Int = 100) -> [String] {
        let statistics = progress.statistics
        var controller =
            "heartbeats \(statistics.heartbeats)   hooks completed \(statistics.lifecycleCompletions)   "
            + "jobs live \(progress.liveJobs)"
        if let leader = progress.leader {
            controller += "   leader \(leader)"
        } else if progress.leaderElection {
            controller += "   leader none (standing for election)"
        }
        let lines = [
            "simulate \(progress.scenario)   elapsed \(seconds(progress.elapsed))",
            "messages   sent \(progress.messagesSent)/\(progress.interrupted)   received \(statistics.messagesReceived)"
                + "   deleted \(statistics.messagesDeleted)   in queue \(progress.queueDepth)",
            "nodes      cordoned \(progress.cordoned) of \(progress.interrupted)   drains running "
                + "\(progress.drainsRunning)   drains done \(statistics.drains)",
            "pods       evicted \(evictions(progress))   left \(progress.workloadPodsLeft) of \(progress.workloadPods) "
                + "on the interrupted nodes",
            "deadline   " + deadline(progress.nearestDeadline),
            "apiserver  " + requests(progress.requests, refused: progress.refused),
            "controller " + controller,
        ]
        return lines.map { fit($0, width: width) }
    }

    /// The block's height.
    public static let lineCount = 7

    /// The escape sequences that draw `lines` over the `previous` block (0 for the first draw): the cursor up to
    /// the block's first line, then each line cleared and written.
    public static func redraw(_ lines: [String], over previous: Int) -> String {
        var text = previous > 0 ? "\u{1B}[\(previous)A" : ""
        for line in lines { text += "\r\u{1B}[2K" + line + "\n" }
        return text
    }

    /// One line for logs and pipes.
    public static func line(_ progress: Simulation.Progress) -> String {
        let statistics = progress.statistics
        var line =
            "t=\(seconds(progress.elapsed)) sent \(progress.messagesSent)/\(progress.interrupted) received "
            + "\(statistics.messagesReceived) deleted \(statistics.messagesDeleted) cordoned "
            + "\(progress.cordoned)/\(progress.interrupted) drains running \(progress.drainsRunning) "
            + "pods evicted \(evictions(progress)) left \(progress.workloadPodsLeft) "
            + "nearest deadline \(deadline(progress.nearestDeadline)) apiserver "
            + requests(progress.requests, refused: progress.refused)
        if let leader = progress.leader { line += " leader \(leader)" }
        return line
    }

    /// Evictions the apiserver accepted: the ledger's evictions less those refused with 429.
    static func evictions(_ progress: Simulation.Progress) -> Int {
        max(0, (progress.requests["eviction"] ?? 0) - (progress.refused["eviction"] ?? 0))
    }

    /// `node in 1m 57.3s` (or `missed by …`), or `none pending`.
    static func deadline(_ deadline: Simulation.Progress.Deadline?) -> String {
        guard let deadline else { return "none pending" }
        let slack = deadline.slack
        return slack >= .zero
            ? "\(deadline.node) in \(seconds(slack)) (slack)" : "\(deadline.node) missed by \(seconds(.zero - slack))"
    }

    /// `cacheRead 12  watch 4  write 30  eviction 60  consistentRead 0  refused 429: eviction 5`.
    static func requests(_ requests: [String: Int], refused: [String: Int]) -> String {
        let order = ["cacheRead", "watch", "write", "eviction", "consistentRead"]
        var parts = order.map { "\($0) \(requests[$0] ?? 0)" }
        parts += requests.keys.filter { !order.contains($0) }.sorted().map { "\($0) \(requests[$0] ?? 0)" }
        var text = parts.joined(separator: "  ")
        if !refused.isEmpty {
            text +=
                "  429s: " + refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " ")
        }
        return text
    }

    /// `2.4s`, `1m 57.3s`.
    static func seconds(_ duration: Duration) -> String {
        let (whole, atto) = duration.components
        let total = Double(whole) + Double(atto) / 1e18
        guard total >= 60 else { return String(format: "%.1fs", total) }
        return String(format: "%dm %04.1fs", Int(total / 60), total.truncatingRemainder(dividingBy: 60))
    }

    private static func fit(_ line: String, width: Int) -> String {
        guard width > 1, line.count >= width else { return line }
        return String(line.prefix(width - 2)) + "…"
    }
}
