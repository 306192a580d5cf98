import ArgumentParser
import Controller
import FakeKubernetes
import Foundation
import Logging
import Simulation

/// `node-termination-handler simulate`: a mass interruption played against in-process fakes, with the real
/// controller, to see what it does without an AWS account or a cluster.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a mass interruption against in-process fakes and print what the controller does.",
        discussion: """
            Starts a fake apiserver with a generated cluster, puts interruption messages (spot warnings, Auto \
            Scaling terminate hooks, rebalance recommendations, round-robin) in an in-memory queue, and runs the \
            real controller against both until every message is handled. The controller's environment variables \
            (NTH's names: CORDON_ONLY, WORKERS, …) apply as they do to `run`. Watch it with kubectl through \
            --kubeconfig-out.
            """
    )

    @Option(help: "Nodes in the generated cluster.")
    var nodes = 30

    @Option(help: "Workload pods per node (two DaemonSet pods come on top).")
    var podsPerNode = 10

    @Option(help: "Instances to interrupt (the first ones of the cluster).")
    var interruptions = 12

    @Option(help: "Kinds to send, round-robin: spot-warning, asg-terminate, rebalance (comma-separated).")
    var kinds = "spot-warning,asg-terminate,rebalance"

    @Option(help: "The fake kubelet's factor on pod grace periods (0.02 turns 30 s into 0.6 s).")
    var timeScale = 0.02

    @Option(help: "The fake apiserver's port on 127.0.0.1 (0: any free port).")
    var port: UInt16 = 0

    @Option(help: "Write a kubeconfig for the fake apiserver here, for kubectl (get nodes -w, get pods -A -w).")
    var kubeconfigOut: String?

    @Option(help: "Seconds to wait after the fake apiserver starts, before sending the messages (to start kubectl -w).")
    var startDelay = 0

    @Option(help: "Write a self-contained HTML report here: a timeline per node, request rates, the summary.")
    var report: String?

    @Option(help: "The controller's log level on stderr: debug, info, warning or error.")
    var logLevel = "warning"

    func validate() throws {
        guard nodes > 0, podsPerNode >= 0, interruptions > 0 else {
            throw ValidationError("--nodes and --interruptions must be positive, --pods-per-node not negative")
        }
        _ = try parsedKinds()
    }

    private func parsedKinds() throws -> [SimulatedEvents.Kind] {
        let parsed = kinds.split(separator: ",").map { SimulatedEvents.Kind(rawValue: String($0)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--kinds takes spot-warning, asg-terminate and rebalance, comma-separated")
        }
        return parsed.compactMap { $0 }
    }

    func run() async throws {
        var configuration: Simulation.Configuration
        do {
            configuration = try Simulation.Configuration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        configuration.nodes = nodes
        configuration.podsPerNode = podsPerNode
        configuration.interruptions = interruptions
        configuration.kinds = try parsedKinds()
        configuration.timeScale = timeScale
        configuration.port = port
        let logger = JSONLogHandler.logger(label: "simulate", minimum: try Logger.Level(setting: logLevel))
        let kubeconfigPath = kubeconfigOut
        let delay = startDelay
        print(
            "simulating \(min(interruptions, nodes)) interruptions (\(kinds)) in a cluster of \(nodes) nodes × "
                + "\(podsPerNode) workload pods")
        let summary = try await Simulation(configuration: configuration).run(
            started: { server in
                print("fake apiserver: \(server.baseURL)")
                if let kubeconfigPath {
                    try Self.writeKubeconfig(server: server.baseURL, to: kubeconfigPath)
                    print("kubeconfig: \(kubeconfigPath) (kubectl --kubeconfig \(kubeconfigPath) get nodes -w)")
                }
                if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
            },
            progress: { report in
                let seconds = Double(report.elapsed.components.seconds)
                print(
                    String(
                        format: "t=%3.0fs  cordoned %d  workload pods left %d  messages left %d  drains %d", seconds,
                        report.cordoned, report.workloadPodsLeft, report.queueDepth, report.statistics.drains))
            }, logger: logger)
        print(SummaryTable(summary).text)
        if let reportPath = report {
            try Data(HTMLReport.render(summary).utf8).write(to: URL(fileURLWithPath: reportPath))
            print("report: \(reportPath)")
        }
    }

    static func writeKubeconfig(server: String, to path: String) throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters: [{name: simulated, cluster: {server: "\(server)"}}]
            contexts: [{name: simulated, context: {cluster: simulated, user: simulated}}]
            current-context: simulated
            users: [{name: simulated, user: {token: simulated}}]
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
