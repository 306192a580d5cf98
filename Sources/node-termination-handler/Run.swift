import AWS
import ArgumentParser
import Controller
import CoreMetrics
import Foundation
import HTTPClient
import Interruption
import Kubernetes
import Logging
import Prometheus

/// `node-termination-handler run`: the controller in queue mode, until SIGTERM or SIGINT.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the controller: receive interruption events from SQS, cordon and drain nodes.",
        discussion: """
            Every option falls back to its environment variable (aws-node-termination-handler's names), so a \
            Deployment that ran NTH in queue mode runs this unchanged. SIGTERM stops receiving, lets cordons in \
            flight finish, and hands every held message back to the queue.
            """
    )

    @Option(help: "The SQS queue URL (env QUEUE_URL).")
    var queueURL: String?

    @Option(help: "A kubeconfig file (env KUBECONFIG); in-cluster configuration when unset inside a pod.")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use (its current context when unset).")
    var context: String?

    @Flag(help: "Plan and log only: no Kubernetes, SQS or Auto Scaling writes (env DRY_RUN).")
    var dryRun = false

    @Option(help: "Log level: debug, info, warning or error (env NTH_LOG_LEVEL, else NTH's LOG_LEVEL).")
    var logLevel: String?

    /// The environment with the command-line options written over their variables.
    func effectiveEnvironment(_ base: [String: String]) -> [String: String] {
        var environment = base
        if let queueURL { environment["QUEUE_URL"] = queueURL }
        if dryRun { environment["DRY_RUN"] = "true" }
        if let logLevel { environment["NTH_LOG_LEVEL"] = logLevel }
        return environment
    }

    /// `NTH_LOG_LEVEL`, else NTH's `LOG_LEVEL` (`info`, `debug`, `error`, any case), else info.
    static func logLevel(_ environment: [String: String]) throws -> Logger.Level {
        try Logger.Level(setting: environment["NTH_LOG_LEVEL"] ?? environment["LOG_LEVEL"])
    }

    /// Reads and checks the configuration; every problem is reported at once (exit 64): the controller's variables,
    /// the policy's, the AWS SDK's and the log level, a missing `QUEUE_URL`, and no region to be found.
    func controllerConfiguration(_ environment: [String: String]) throws -> ControllerConfiguration {
        var problems: [ControllerConfigurationError.Problem] = []
        var configuration = ControllerConfiguration()
        do {
            configuration = try ControllerConfiguration(environment: environment)
        } catch {
            problems = error.problems
        }
        if (environment["QUEUE_URL"] ?? "").isEmpty {
            problems.append(
                ControllerConfigurationError.Problem(
                    variable: "QUEUE_URL", value: nil,
                    expected: "the SQS queue EventBridge delivers to is required (or --queue-url)"))
        } else if let queueURL = configuration.queueURL, !problems.contains(where: { $0.variable.hasPrefix("AWS_") }),
            (try? Self.awsEnvironment(environment, queueURL: queueURL)) == nil
        {
            problems.append(
                ControllerConfigurationError.Problem(
                    variable: "AWS_REGION", value: nil,
                    expected: "a region: the queue URL names none, so set AWS_REGION to the queue's, e.g. eu-west-1"))
        }
        guard problems.isEmpty else {
            throw ValidationError(ControllerConfigurationError(problems: problems).description)
        }
        return configuration
    }

    /// `environment` with `AWS_REGION` set to the region every AWS client uses: the configured one, else the queue
    /// URL's, as NTH does for all its clients (not SQS only).
    /// - Throws: `ValidationError` (exit 64) when that region is not a region name, or there is none.
    static func awsEnvironment(_ environment: [String: String], queueURL: String) throws -> [String: String] {
        let configured = AWSConfiguration(environment: environment).region
        var environment = environment
        do {
            environment["AWS_REGION"] = try Region.resolve(configured: configured, queueURL: queueURL)
        } catch {
            throw ValidationError(error.message + ". Set AWS_REGION to the queue's region, e.g. eu-west-1.")
        }
        return environment
    }

    mutating func run() async throws {
        var environment = effectiveEnvironment(ProcessInfo.processInfo.environment)
        var configuration = try controllerConfiguration(environment)
        environment = try Self.awsEnvironment(environment, queueURL: configuration.queueURL ?? "")
        // The queue's region for the event origin check: the URL's, else the one every AWS client uses.
        configuration = configuration.expectingEvents(inRegion: environment["AWS_REGION"])
        let level = try Self.logLevel(environment)
        let logger = JSONLogHandler.logger(label: "node-termination-handler", minimum: level)
        let kubernetes = try KubernetesConfiguration.load(
            kubeconfigPath: kubeconfig, context: context, environment: environment)
        // Only main bootstraps a metrics backend, and only when it is served.
        var registry: PrometheusCollectorRegistry?
        if configuration.observability.prometheusEnabled {
            let prometheus = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))
            registry = prometheus
        }
        try await ControllerProcess(
            configuration: configuration, environment: environment, kubernetes: kubernetes, logger: logger,
            registry: registry
        ).run()
    }
}
