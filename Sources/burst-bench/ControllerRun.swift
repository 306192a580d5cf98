import FakeKubernetes
import Foundation
import HTTPClient

/// One burst: a fresh `fake-apiserver` and `fake-sqs`, NODES spot warnings in the queue, then the release
/// `node-termination-handler run` in its own process until every job has ended or the hard bound (the latest spot
/// deadline + 30 s) has passed.
struct ControllerRun: Sendable {
    /// What to run.
    struct Settings: Sendable {
        var label: String
        var nodes: Int
        var podsPerNode: Int
        var latencyMilliseconds: Int
        /// Added to the controller's environment (after the bench's own `NTH_*`, `KUBE_API_*`, `WORKERS`).
        var environment: [String: String] = [:]
        /// Seconds from the fill to each node's spot deadline, spread evenly over this range in a shuffled queue
        /// order; `nil`: every warning is sent now (deadline 120 s after the fill) in node order.
        var deadlineSpread: ClosedRange<Double>?
    }

    /// The token the controller's kubeconfig carries: its user in the fake's ledger.
    static let controllerUser = "nth-controller"

    let settings: Settings
    let executables: Executables
    let directory: URL
    let http: HTTPClient

    func run() async throws -> RunFigures {
        let label = settings.label
        async let startedCluster = FakeCluster.start(
            executable: executables.fakeAPIServer, nodes: settings.nodes, podsPerNode: settings.podsPerNode,
            name: "apiserver-\(label)", directory: directory, http: http)
        async let startedQueue = FakeQueue.start(
            executable: executables.fakeSQS, latencyMilliseconds: settings.latencyMilliseconds, name: "sqs-\(label)",
            directory: directory, http: http)
        let cluster = try await startedCluster
        let queue = try await startedQueue
        var controller: ChildProcess?
        let observer = DeletionObserver()
        defer { observer.stop() }
        do {
            let figures = try await measure(cluster: cluster, queue: queue, observer: observer) { controller = $0 }
            await controller?.stop()
            await stopFakes(cluster, queue)
            return figures
        } catch {
            await controller?.stop()
            await stopFakes(cluster, queue)
            throw error
        }
    }

    private func stopFakes(_ cluster: FakeCluster, _ queue: FakeQueue) async {
        await cluster.process.stop()
        await queue.process.stop()
    }

    private func measure(
        cluster: FakeCluster, queue: FakeQueue, observer: DeletionObserver, started: (ChildProcess) -> Void
    ) async throws -> RunFigures {
        let nodes = settings.nodes
        let fill = Date()
        let deadlines = deadlineOffsets().map { fill.addingTimeInterval($0) }
        let order = settings.deadlineSpread == nil ? Array(0..<nodes) : Self.shuffled(nodes)
        try await queue.send(
            warnings: order.map { (ClusterGenerator.instanceID($0), deadlines[$0].addingTimeInterval(-120)) })
        let filled = Date()

        _ = try await cluster.debug(.delete, "ledger")
        observer.start(http: http, server: cluster.url, revision: try await cluster.revision())
        let metricsPort = try ProcessFigures.freePort()
        let kubeconfig = try cluster.writeKubeconfig(token: Self.controllerUser, directory: directory)
        let apiserverCPU = ProcessFigures.cpuSeconds(cluster.process.pid)
        let launched = Date()
        // A profiler's hook: `BURST_CONTROLLER_WRAPPER=/path/to/script` starts `script CONTROLLER run …` instead
        // (the peak RSS and CPU read from /proc are then the wrapper's process's, not the controller's).
        let wrapper = ProcessInfo.processInfo.environment["BURST_CONTROLLER_WRAPPER"].flatMap { $0.isEmpty ? nil : $0 }
        let arguments = ["run", "--kubeconfig", kubeconfig]
        let controller = try ChildProcess(
            name: "controller-\(settings.label)", executable: wrapper ?? executables.controller,
            arguments: wrapper == nil ? arguments : [executables.controller] + arguments,
            environment: controllerEnvironment(queue: queue, metricsPort: metricsPort), directory: directory)
        started(controller)
        let receiving = try await controller.awaitLog(
            containing: "\"receiving interruption messages\"", within: .seconds(120))
        let bound = (deadlines.max() ?? fill.addingTimeInterval(120)).addingTimeInterval(30)
        let metricsURL = "http://127.0.0.1:\(metricsPort)/metrics"
        var metrics = PrometheusText("")
        var lastProgress = ""
        var nextProgress = Date()
        var timedOut = false
        while true {
            metrics = try await readMetrics(metricsURL)
            let ended = Int(metrics.sum("nth_jobs_ended_total"))
            if ended >= nodes { break }
            if Date() > bound {
                timedOut = true
                break
            }
            guard controller.isRunning else {
                throw BenchError("the controller exited during the burst: \(controller.errorTail())")
            }
            if Date() >= nextProgress {
                let line =
                    "  [\(settings.label)] cordoned \(Int(metrics.sum("actions_total", ["node_action=\"cordon\"", "node_status=\"success\""])))"
                    + ", pods deleted \(observer.deleted)/\(nodes * settings.podsPerNode), jobs ended \(ended)/\(nodes)"
                if line != lastProgress {
                    let elapsed = String(format: "t=%5.1fs", Date().timeIntervalSince(receiving))
                    FileHandle.standardError.write(Data((elapsed + line + "\n").utf8))
                    lastProgress = line
                }
                nextProgress = Date().addingTimeInterval(5)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let done = Date()
        let apiserverCPUSeconds = ProcessFigures.cpuSeconds(cluster.process.pid) - apiserverCPU
        // Deletions of pods evicted just before the last job ended arrive within the kubelet's 0.3 s.
        try await Task.sleep(for: .milliseconds(500))
        let cpu = ProcessFigures.cpuSeconds(controller.pid)
        let peak = ProcessFigures.statusMiB(controller.pid, "VmHWM")
        let rss = ProcessFigures.statusMiB(controller.pid, "VmRSS")
        let calls = try await queue.calls()
        let ledger = try await cluster.ledger()
        observer.stop()
        return RunFigures(
            settings: settings,
            times: .init(fill: fill, filled: filled, launched: launched, receiving: receiving, done: done),
            deadlines: deadlines, timedOut: timedOut, metrics: metrics, ledger: ledger, deletions: observer.byNode,
            calls: calls, controllerCPUSeconds: cpu, controllerPeakRSSMiB: peak, controllerRSSAtEndMiB: rss,
            apiserverCPUSeconds: apiserverCPUSeconds)
    }

    private func readMetrics(_ url: String) async throws -> PrometheusText {
        let response = try await http.execute(HTTPRequest(url: url, timeout: .seconds(10)))
        guard response.status == 200 else { throw BenchError("GET \(url): HTTP \(response.status)") }
        return PrometheusText(String(decoding: response.body, as: UTF8.self))
    }

    /// Seconds from the fill to each node's deadline, by node index.
    private func deadlineOffsets() -> [Double] {
        guard let spread = settings.deadlineSpread, settings.nodes > 1 else {
            return Array(repeating: 120, count: settings.nodes)
        }
        let step = (spread.upperBound - spread.lowerBound) / Double(settings.nodes - 1)
        return (0..<settings.nodes).map { spread.lowerBound + step * Double($0) }
    }

    /// 0..<count in a fixed scrambled order, the same every run (so both orders see the same queue): index i goes
    /// to position (i × 7919) mod count, a permutation since 7919 is prime (node order when count is a multiple).
    static func shuffled(_ count: Int) -> [Int] {
        guard count % 7919 != 0 else { return Array(0..<count) }
        var order = Array(repeating: 0, count: count)
        for index in 0..<count { order[index * 7919 % count] = index }
        return order
    }

    /// The chart's environment for queue mode, pointed at the fakes: the queue and its endpoint and keys, leader
    /// election identity, metrics on a free port. `CHECK_TAG_BEFORE_DRAINING=false` because fake-sqs serves SQS only
    /// (no EC2 `DescribeInstances`); nodes are found by providerID in the node cache, as with the tag check off.
    /// The bench's own `NTH_*`, `KUBE_API_*`, `WORKERS`, `MALLOC_*` and `GLIBC_TUNABLES` variables pass through.
    private func controllerEnvironment(queue: FakeQueue, metricsPort: Int) -> [String: String] {
        var environment = ["PATH": "/usr/bin:/bin"]
        for (name, value) in ProcessInfo.processInfo.environment
        where name.hasPrefix("NTH_") || name.hasPrefix("KUBE_API_") || name == "WORKERS" || name.hasPrefix("MALLOC_")
            || name == "GLIBC_TUNABLES"
        {
            environment[name] = value
        }
        environment.merge(queue.awsEnvironment) { $1 }
        environment.merge([
            "QUEUE_URL": queue.queueURL, "POD_NAME": "bench-0", "NAMESPACE": "kube-system",
            "ENABLE_PROMETHEUS_SERVER": "true", "PROMETHEUS_SERVER_PORT": "\(metricsPort)",
            "CHECK_TAG_BEFORE_DRAINING": "false",
        ]) { $1 }
        environment.merge(settings.environment) { $1 }
        return environment
    }
}
