import ArgumentParser
import Foundation
import HTTPClient

/// `burst-bench`: a mass spot reclaim against the limit. Every peer is a process of its own: `fake-apiserver`,
/// `fake-sqs` (20 ms a call by default) and the release `node-termination-handler run`; this process starts them,
/// fills the queue, drives the limit line, watches pod deletions and reads the ledger, metrics and /proc. Used by
/// `scripts/bench-burst`; not a test. docs/performance.md has the figures.
@main
struct BurstBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "burst-bench",
        abstract: "A mass spot reclaim, end to end, measured against what the fake apiserver sustains.",
        discussion: """
            Default: the limit line (a plain load generator driving a fresh fake apiserver with the drain's request \
            mix), then NODES spot warnings in fake-sqs and the controller draining NODES nodes of PODS workload pods. \
            --curve: the same at 100x30, 1000x30 and 5000x10. --orders: the eviction budget's two orders, one after \
            the other, with evictions capped below what the burst needs and spot deadlines spread over the burst. \
            Prints progress on stderr, a one-line summary and a JSON summary on stdout (or --json FILE); exits 0 only \
            when every target is met.
            """)

    @Argument(help: "Interrupted nodes (default 1000; 200 with --orders).")
    var nodes: Int?

    @Argument(help: "Workload pods per node, two DaemonSet pods each on top (default 30).")
    var pods: Int?

    @Option(help: "The directory of the release node-termination-handler, fake-apiserver and fake-sqs.")
    var bin: String

    @Option(help: "fake-sqs's latency per call, in milliseconds (20 stands in for real SQS).")
    var latencyMs = 20

    @Option(help: "Also write the JSON summary to this file.")
    var json: String?

    @Flag(help: "The scale curve: 100x30, 1000x30 and 5000x10 (NODES and PODS are ignored).")
    var curve = false

    @Flag(help: "Deadline-first against priority-first eviction order, same burst, evictions capped.")
    var orders = false

    @Option(help: "The limit line's concurrent workers (the controller's default NTH_MAX_EVICTIONS_IN_FLIGHT is 50).")
    var limitWorkers = 50

    @Option(help: "About how many evictions the limit line sends (it drives the first nodes of the cluster).")
    var limitEvictions = 3000

    @Flag(help: "Also measure the limit line with an idle pod watch on every other node, as during the burst.")
    var limitWatchPerNode = false

    @Flag(help: "Skip the limit line.")
    var noLimit = false

    @Flag(help: "Only the limit line (no controller).")
    var limitOnly = false

    @Option(help: "With --orders: NTH_EVICTION_QPS (and NTH_EVICTION_BURST) for both runs.")
    var ordersEvictionQps = 60

    @Option(help: "With --orders: the earliest spot deadline, in seconds after the fill (the latest is 120).")
    var ordersFirstDeadline = 20.0

    func validate() throws {
        guard (nodes ?? 1) > 0, (pods ?? 0) >= 0, latencyMs >= 0, limitWorkers > 0 else {
            throw ValidationError("NODES, --limit-workers must be positive; PODS, --latency-ms at least 0")
        }
        guard !(curve && orders) else { throw ValidationError("--curve and --orders are separate runs") }
    }

    func run() async throws {
        let executables = try Executables(directory: bin)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("burst-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let http = try HTTPClient()
        let machine = Machine.now()
        let bench = Runner(
            executables: executables, directory: directory, http: http,
            options: .init(
                latencyMs: latencyMs, limitWorkers: limitWorkers, limitEvictions: limitEvictions, noLimit: noLimit,
                limitWatchPerNode: limitWatchPerNode,
                ordersEvictionQps: ordersEvictionQps, ordersFirstDeadline: ordersFirstDeadline))
        var report: [String: Any] = ["machine": try jsonObject(machine)]
        let met: Bool
        if curve {
            let rows = try await [(100, 30), (1000, 30), (5000, 10)].asyncMap {
                try await bench.burst(nodes: $0.0, pods: $0.1)
            }
            for row in rows { print(row.summary) }
            let flat = CurveCheck(rows)
            print(flat.summary)
            report["mode"] = "curve"
            report["rows"] = try rows.map(jsonObject)
            report["curve"] = try jsonObject(flat)
            met = rows.allSatisfy(\.met) && flat.flat
        } else if limitOnly {
            let limit = try await bench.limitLine(
                nodes: nodes ?? 1000, pods: pods ?? 30, watchPerNode: limitWatchPerNode)
            print(
                "limit line \(limit.nodes) of \(nodes ?? 1000) nodes x\(pods ?? 30): \(Int(limit.evictionsPerSecond)) evictions/s"
            )
            report["mode"] = "limit"
            report["limit"] = try jsonObject(limit)
            met = true
        } else if orders {
            let comparison = try await bench.orders(nodes: nodes ?? 200, pods: pods ?? 30)
            print(comparison.summary)
            report["mode"] = "orders"
            report["orders"] = try jsonObject(comparison)
            met = comparison.deadlineFirstNoWorse
        } else {
            let result = try await bench.burst(nodes: nodes ?? 1000, pods: pods ?? 30)
            print(result.summary)
            report["mode"] = "burst"
            report.merge(try jsonObject(result) as? [String: Any] ?? [:]) { $1 }
            met = result.met
        }
        report["verdict"] = met ? "PASS" : "FAIL"
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if let json { try data.write(to: URL(fileURLWithPath: json)) }
        try? FileManager.default.removeItem(at: directory)
        http.shutdown()
        if !met { throw ExitCode(1) }
    }
}

/// The runs of one invocation.
struct Runner: Sendable {
    let executables: Executables
    let directory: URL
    let http: HTTPClient
    let options: Options

    /// The command's options the runs need.
    struct Options: Sendable {
        var latencyMs: Int
        var limitWorkers: Int
        var limitEvictions: Int
        var noLimit: Bool
        var limitWatchPerNode: Bool
        var ordersEvictionQps: Int
        var ordersFirstDeadline: Double
    }

    /// The limit line (unless skipped), then the controller.
    func burst(nodes: Int, pods: Int) async throws -> BurstResult {
        let limit = options.noLimit || pods == 0 ? nil : try await limitLine(nodes: nodes, pods: pods)
        let fanOut =
            options.limitWatchPerNode && pods > 0
            ? try await limitLine(nodes: nodes, pods: pods, watchPerNode: true) : nil
        log("burst: \(nodes) spot warnings, \(nodes)x\(pods) cluster, fake-sqs \(options.latencyMs) ms a call")
        let run = try await ControllerRun(
            settings: .init(
                label: "\(nodes)x\(pods)", nodes: nodes, podsPerNode: pods, latencyMilliseconds: options.latencyMs),
            executables: executables, directory: directory, http: http
        ).run()
        var result = BurstResult(limit: limit, run: run)
        result.limitWithWatchPerNode = fanOut
        return result
    }

    /// The limit line on a fresh fake of `nodes` x `pods`.
    func limitLine(nodes: Int, pods: Int, watchPerNode: Bool = false) async throws -> LimitLine {
        log(
            "limit line: fake-apiserver \(nodes)x\(pods), \(options.limitWorkers) workers"
                + (watchPerNode ? ", a pod watch on every node" : ""))
        let cluster = try await FakeCluster.start(
            executable: executables.fakeAPIServer, nodes: nodes, podsPerNode: pods,
            name: "apiserver-limit-\(nodes)", directory: directory, http: http)
        let driven = min(nodes, max(1, options.limitEvictions / max(1, pods)))
        let limit: LimitLine
        do {
            limit = try await LimitLine.measure(
                cluster: cluster, nodes: driven, workers: options.limitWorkers, watchPerNode: watchPerNode)
        } catch {
            await cluster.process.stop()
            throw error
        }
        await cluster.process.stop()
        log(
            "limit line: \(limit.evictions) evictions in \(format(limit.evictionSeconds)) s = \(Int(limit.evictionsPerSecond))/s"
        )
        return limit
    }

    /// The same capped burst with each eviction order.
    func orders(nodes: Int, pods: Int) async throws -> OrderComparison {
        var runs: [String: RunFigures] = [:]
        for order in ["deadline", "priority"] {
            log(
                "order \(order): \(nodes)x\(pods), NTH_EVICTION_QPS=\(options.ordersEvictionQps), deadlines "
                    + "\(format(options.ordersFirstDeadline))–120 s after the fill")
            runs[order] = try await ControllerRun(
                settings: .init(
                    label: "\(order)-\(nodes)x\(pods)", nodes: nodes, podsPerNode: pods,
                    latencyMilliseconds: options.latencyMs,
                    environment: [
                        "NTH_EVICTION_ORDER": order, "NTH_EVICTION_QPS": "\(options.ordersEvictionQps)",
                        "NTH_EVICTION_BURST": "\(options.ordersEvictionQps)",
                    ],
                    deadlineSpread: options.ordersFirstDeadline...120),
                executables: executables, directory: directory, http: http
            ).run()
        }
        return OrderComparison(deadlineFirst: runs["deadline"], priorityFirst: runs["priority"])
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Deadline-first against priority-first: nodes that missed their deadline with pods left.
struct OrderComparison: Codable, Sendable {
    var deadlineFirst: RunFigures?
    var priorityFirst: RunFigures?

    var deadlineFirstNoWorse: Bool {
        guard let deadlineFirst, let priorityFirst else { return false }
        return deadlineFirst.deadlinesMissed <= priorityFirst.deadlinesMissed
    }

    var summary: String {
        func part(_ name: String, _ run: RunFigures?) -> String {
            guard let run else { return "\(name): not run" }
            return
                "\(name): \(run.deadlinesMissed) of \(run.nodes) nodes missed their deadline with \(run.podsLeftAtDeadline) pods left"
        }
        return "eviction order, \(deadlineFirst?.nodes ?? 0)x\(deadlineFirst?.podsPerNode ?? 0): "
            + part("deadline-first", deadlineFirst) + "; " + part("priority-first", priorityFirst)
            + (deadlineFirstNoWorse ? ": PASS" : ": FAIL")
    }
}

/// Cost per node across the curve: requests per node above the pods, and the controller's CPU per request it made
/// (per node would flatter runs whose drains stopped at their deadlines).
struct CurveCheck: Codable, Sendable {
    struct Row: Codable, Sendable {
        var nodes: Int
        var podsPerNode: Int
        var requestsPerDrainedNode: Double
        var requestsPerNodeAbovePods: Double
        var controllerCPUMillisecondsPerNode: Double
        var controllerCPUMillisecondsPerRequest: Double
        var podsDeleted: Int
    }

    var rows: [Row]
    /// Overhead per node within 4 requests at every size, CPU per request within 1.5× of the cheapest.
    var flat: Bool

    init(_ results: [BurstResult]) {
        rows = results.map {
            Row(
                nodes: $0.run.nodes, podsPerNode: $0.run.podsPerNode,
                requestsPerDrainedNode: $0.run.requestsPerDrainedNode,
                requestsPerNodeAbovePods: $0.run.requestsPerDrainedNode - Double($0.run.podsPerNode),
                controllerCPUMillisecondsPerNode: $0.run.controllerCPUMillisecondsPerNode,
                controllerCPUMillisecondsPerRequest: $0.run.controllerCPUSeconds * 1000
                    / Double(max(1, $0.run.requestsByClass.values.reduce(0, +))),
                podsDeleted: $0.run.podsDeleted)
        }
        let cpu = rows.map(\.controllerCPUMillisecondsPerRequest)
        flat = rows.allSatisfy { $0.requestsPerNodeAbovePods <= 4 } && (cpu.max() ?? 0) <= 1.5 * (cpu.min() ?? 0)
    }

    var summary: String {
        "curve: "
            + rows.map {
                "\($0.nodes)x\($0.podsPerNode) \(format($0.requestsPerDrainedNode)) requests/node, "
                    + "\(format($0.controllerCPUMillisecondsPerRequest, digits: 2)) CPU ms/request"
            }.joined(separator: "; ") + (flat ? ": flat" : ": NOT flat")
    }
}

/// A Codable value as a JSON object for JSONSerialization.
func jsonObject<T: Encodable>(_ value: T) throws -> Any {
    try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value))
}

extension Array {
    /// `map` with an async transform, one element after the other.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
