import ArgumentParser
import Controller
import FakeKubernetes
import Foundation
import Locking
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
            real controller against both until every message is handled, as a scenario says (--scenario: \
            blocking PodDisruptionBudgets, a throttling apiserver, a leader hand-over, …). Shows a live view on a \
            terminal. The controller's environment variables (NTH's names: CORDON_ONLY, WORKERS, …) apply as they \
            do to `run`; Kubernetes events are on unless EMIT_KUBERNETES_EVENTS=false. Watch it with kubectl \
            through --kubeconfig-out.
            """
    )

    @Option(
        help: ArgumentHelp(
            "A built-in scenario (default, spot-burst, hooks, pdb-blocked, throttled, hand-over) or a YAML file.",
            valueName: "name-or-file"))
    var scenario = "default"

    @Option(help: "Multiply the scenario's nodes and interruptions by this.")
    var scale = 1

    @Flag(help: "Print a plain line a second instead of the live view (also when stdout is not a terminal).")
    var noProgress = false

    @Flag(help: "List the built-in scenarios and exit.")
    var listScenarios = false

    @Option(help: "Nodes in the generated cluster (overrides the scenario's).")
    var nodes: Int?

    @Option(help: "Workload pods per node, two DaemonSet pods on top (overrides the scenario's).")
    var podsPerNode: Int?

    @Option(help: "Instances to interrupt, the first ones of the cluster (overrides the scenario's).")
    var interruptions: Int?

    @Option(help: "Kinds to send, round-robin: spot-warning, asg-terminate, rebalance (overrides the scenario's).")
    var kinds: String?

    @Option(
        help: "The fake kubelet's factor on pod grace periods, 0.02 turns 30 s into 0.6 s (overrides the scenario's).")
    var timeScale: Double?

    @Option(help: "The fake apiserver's port on 127.0.0.1 (0: any free port).")
    var port: UInt16 = 0

    @Option(help: "Write a kubeconfig for the fake apiserver here, for kubectl (get nodes -w, get events -A).")
    var kubeconfigOut: String?

    @Option(help: "Seconds to wait after the fake apiserver starts, before sending the messages (to start kubectl -w).")
    var startDelay = 0

    @Option(help: "Write a self-contained HTML report here: a timeline per node, request rates, the summary.")
    var report: String?

    @Option(help: "The controller's log level on stderr: debug, info, warning or error.")
    var logLevel = "warning"

    func validate() throws {
        guard nodes.map({ $0 > 0 }) ?? true, podsPerNode.map({ $0 >= 0 }) ?? true,
            interruptions.map({ $0 > 0 }) ?? true, scale > 0
        else {
            throw ValidationError(
                "--nodes, --interruptions and --scale must be positive, --pods-per-node not negative")
        }
        _ = try parsedKinds()
    }

    private func parsedKinds() throws -> [SimulatedEvents.Kind]? {
        guard let kinds else { return nil }
        let parsed = kinds.split(separator: ",").map { SimulatedEvents.Kind(rawValue: String($0)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--kinds takes spot-warning, asg-terminate and rebalance, comma-separated")
        }
        return parsed.compactMap { $0 }
    }

    /// The scenario named, or read from the file named.
    private func loadScenario() throws -> Scenario {
        if let builtIn = Scenario.named(scenario) { return builtIn }
        guard scenario.contains("/") || scenario.hasSuffix(".yaml") || scenario.hasSuffix(".yml") else {
            throw SimulateError(
                "--scenario: no built-in scenario '\(scenario)' (known: \(Scenario.builtInNames)); a file's name "
                    + "ends in .yaml or contains a /")
        }
        do {
            return try Scenario(contentsOf: scenario)
        } catch {
            throw SimulateError("--scenario: \(error.description)")
        }
    }

    func run() async throws {
        if listScenarios {
            for scenario in Scenario.builtIn { print("\(scenario.name): \(scenario.description)") }
            return
        }
        var configuration: Simulation.Configuration
        let scenario = try loadScenario()
        do {
            configuration = try scenario.configuration(environment: ProcessInfo.processInfo.environment, scale: scale)
        } catch {
            throw SimulateError(error.description)
        }
        if let nodes { configuration.nodes = nodes }
        if let podsPerNode { configuration.podsPerNode = podsPerNode }
        if let interruptions { configuration.interruptions = interruptions }
        if let kinds = try parsedKinds() { configuration.kinds = kinds }
        if let timeScale { configuration.timeScale = timeScale }
        configuration.port = port
        let live = !noProgress && isatty(STDOUT_FILENO) == 1
        configuration.progressInterval = live ? .milliseconds(200) : .seconds(1)
        let logger = JSONLogHandler.logger(label: "simulate", minimum: try Logger.Level(setting: logLevel))
        let kubeconfigPath = kubeconfigOut
        let delay = startDelay
        let kindNames = configuration.kinds.map(\.rawValue).joined(separator: ",")
        print(
            "simulating \(scenario.name): \(min(configuration.interruptions, configuration.nodes)) interruptions "
                + "(\(kindNames)), \(configuration.nodes) nodes × \(configuration.podsPerNode) workload pods")
        let screen = LiveScreen(live: live)
        let summary = try await Simulation(configuration: configuration).run(
            started: { server in
                print("fake apiserver: \(server.baseURL)")
                if let kubeconfigPath {
                    try Self.writeKubeconfig(server: server.baseURL, to: kubeconfigPath)
                    print("kubeconfig: \(kubeconfigPath) (kubectl --kubeconfig \(kubeconfigPath) get events -A)")
                }
                if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
            },
            progress: { screen.show($0) }, logger: logger)
        print(SummaryTable(summary).text)
        if let reportPath = report {
            try Data(HTMLReport.render(summary).utf8).write(to: URL(fileURLWithPath: reportPath))
            print("report: \(reportPath)")
        }
    }

    static func writeKubeconfig(server: String, to path: String) throws {
        try Data(Simulation.kubeconfig(server: server).utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// Where the progress goes: the live view redrawn in place on a terminal, else a plain line each report.
final class LiveScreen: Sendable {
    private let live: Bool
    private let drawn = Lock(0)

    init(live: Bool) { self.live = live }

    func show(_ progress: Simulation.Progress) {
        guard live else {
            print(LiveView.line(progress))
            fflush(nil)
            return
        }
        let lines = LiveView.lines(progress, width: Self.terminalWidth())
        drawn.withLock { previous in
            print(LiveView.redraw(lines, over: previous), terminator: "")
            fflush(nil)
            previous = lines.count
        }
    }

    /// The terminal's columns (`TIOCGWINSZ`), else `$COLUMNS`, else 100.
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
    }
}

/// A scenario or a setting `simulate` cannot use; printed as `Error: <description>`, exit status 1.
struct SimulateError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
