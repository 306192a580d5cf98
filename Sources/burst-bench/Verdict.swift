import Foundation

/// One target of issue 13 ("Targets": 1,000 nodes × 30 pods, 20 ms SQS latency, release build, 2 cores).
struct Target: Codable, Sendable {
    var name: String
    var limit: String
    var measured: String
    var met: Bool
}

/// A run, the limit line it is compared to, and its targets.
struct BurstResult: Codable, Sendable {
    var limit: LimitLine?
    /// The limit line with an idle pod watch on every other node (`--limit-watch-per-node`), for the fan-out's cost.
    var limitWithWatchPerNode: LimitLine?
    var run: RunFigures
    /// Workload pods ÷ the limit line's evictions per second.
    var capacityBoundMinimumSeconds: Double?
    /// The controller's drain throughput (deleted pods / seconds to the last deletion) ÷ the limit line's rate.
    var fractionOfLimit: Double?
    var targets: [Target]
    var met: Bool

    init(limit: LimitLine?, run: RunFigures) {
        self.limit = limit
        self.run = run
        if let limit, limit.evictionsPerSecond > 0 {
            capacityBoundMinimumSeconds = Double(run.workloadPods) / limit.evictionsPerSecond
            fractionOfLimit = run.drainPodsPerSecond / limit.evictionsPerSecond
        }
        targets = Self.targets(run, minimum: capacityBoundMinimumSeconds)
        met = targets.allSatisfy(\.met)
    }

    static func targets(_ run: RunFigures, minimum: Double?) -> [Target] {
        let drained = run.allDrainedSeconds
        let drainBound = max(60, 1.25 * (minimum ?? 0))
        return [
            Target(
                name: "every node cordoned within 10 s of the burst", limit: "10 s",
                measured: "\(run.cordonedNodes) cordoned, last at \(format(run.lastCordonSeconds)) s",
                met: run.cordonedNodes == run.nodes && run.lastCordonSeconds <= 10),
            Target(
                name: "p99 receipt→cordon", limit: "5 s",
                measured: "\(format(run.receiptToCordonP99Seconds)) s (p50 \(format(run.receiptToCordonP50Seconds)) s)",
                met: run.receiptToCordonP99Seconds >= 0 && run.receiptToCordonP99Seconds <= 5),
            Target(
                name: "every workload pod evicted before its node's deadline", limit: "0 nodes missed",
                measured: "\(run.deadlinesMissed) missed, \(run.podsLeftAtDeadline) pods left at their deadline",
                met: run.deadlinesMissed == 0),
            Target(
                name: "all drained within 60 s, or within 1.25× the capacity-bound minimum",
                limit: minimum.map { "60 s or 1.25 × \(format($0)) s = \(format(1.25 * $0)) s" } ?? "60 s",
                measured: drained < 0
                    ? "not all drained (\(run.podsDeleted) of \(run.workloadPods))" : "\(format(drained)) s",
                met: drained >= 0 && drained <= drainBound),
            Target(
                name: "quorum reads", limit: "0", measured: "\(run.quorumReads) (the Lease's: \(run.leaseQuorumReads))",
                met: run.quorumReads == 0),
            Target(
                name: "requests per drained node", limit: "pods + 4 = \(run.podsPerNode + 4)",
                measured: format(run.requestsPerDrainedNode),
                met: run.requestsPerDrainedNode <= Double(run.podsPerNode + 4)),
            Target(
                name: "controller peak RSS during the burst", limit: "64 MiB",
                measured: "\(format(run.controllerPeakRSSMiB)) MiB", met: run.controllerPeakRSSMiB <= 64),
            Target(
                name: "AWS calls per message", limit: "0.2", measured: format(run.awsCallsPerMessage, digits: 3),
                met: run.awsCallsPerMessage <= 0.2),
        ]
    }

    /// One line for people.
    var summary: String {
        let run = self.run
        var line = "burst \(run.nodes)x\(run.podsPerNode): last cordon \(format(run.lastCordonSeconds)) s"
        line += ", p99 receipt→cordon \(format(run.receiptToCordonP99Seconds)) s"
        line += run.allDrainedSeconds >= 0 ? ", all drained \(format(run.allDrainedSeconds)) s" : ", NOT all drained"
        if let limit, let minimum = capacityBoundMinimumSeconds, let fraction = fractionOfLimit {
            line += " (limit \(Int(limit.evictionsPerSecond)) evictions/s → minimum \(format(minimum)) s; "
            line += "\(Int((fraction * 100).rounded()))% of the limit)"
        }
        line += ", \(run.deadlinesMissed) deadlines missed, \(run.quorumReads) quorum reads"
        line +=
            ", \(format(run.requestsPerDrainedNode)) requests/node, \(format(run.awsCallsPerMessage, digits: 3)) AWS calls/msg"
        line += ", \(format(run.controllerPeakRSSMiB)) MiB peak, \(format(run.controllerCPUSeconds)) CPU s"
        line += " (fake apiserver \(Int((run.apiserverCoreShare * 100).rounded()))% of a core)"
        let missed = targets.filter { !$0.met }.map(\.name)
        return line + (missed.isEmpty ? ": PASS" : ": FAIL (\(missed.joined(separator: "; ")))")
    }
}

/// `value` with `digits` decimals.
func format(_ value: Double, digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}

/// The machine and build a result was measured on.
struct Machine: Codable, Sendable {
    var date: String
    var cores: Int
    var memoryGiB: Double
    var loadAverageAtStart: String

    static func now() -> Machine {
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ")
        return Machine(
            date: ISO8601DateFormatter().string(from: Date()), cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30) * 10).rounded() / 10,
            loadAverageAtStart: load ?? "")
    }
}
