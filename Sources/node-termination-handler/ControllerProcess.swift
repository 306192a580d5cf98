import AWS
import Clocks
import Controller
import CoreMetrics
import Foundation
import HTTPClient
import Interruption
import Kubernetes
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The running controller: the AWS and Kubernetes clients, the cluster side and the coordinator, run together
/// until SIGTERM or SIGINT.
struct ControllerProcess {
    let configuration: ControllerConfiguration
    let environment: [String: String]
    let kubernetes: KubernetesConfiguration
    let logger: Logger
    /// The Prometheus registry `MetricsSystem` was bootstrapped with, when metrics are served.
    let registry: PrometheusCollectorRegistry?

    func run() async throws {
        // The one clock every client, loop and the elector are given.
        let clock = SystemClock()
        let metrics = registry.map { _ in ControllerMetrics() }
        var kubernetes = self.kubernetes
        kubernetes.metrics = metrics?.kubernetesRequests
        kubernetes.clock = clock
        // With leader election, every write but the Lease's waits on the term (docs/architecture.md, "Leader
        // election"): an old leader cut off from the apiserver sends nothing once its term's validity passed.
        let fence = electing ? WriteFence() : nil
        kubernetes.writeFence = fence
        let replica = ReplicaState()
        let http = try HTTPClient()
        defer { http.shutdown() }
        let aws = AWSClient(environment: environment, httpClient: http, clock: clock)
        let queueURL = configuration.queueURL ?? ""
        let sqs = try SQSClient(client: aws, queueURL: queueURL)
        let ec2 = EC2Client(client: aws)
        let autoScaling = AutoScalingClient(client: aws)
        let kubernetesClient = try KubernetesClient(
            configuration: configuration.applyingRateLimits(to: kubernetes), httpClient: http)

        var clusterConfiguration = configuration.clusterConfiguration
        clusterConfiguration.logger = logger
        clusterConfiguration.clock = clock
        let cluster = try KubernetesCluster(
            client: kubernetesClient, httpClient: http, configuration: clusterConfiguration)
        let queue = SQSInterruptionQueue(client: sqs)
        let directory = EC2InstanceDirectory(
            client: ec2, cacheSeconds: configuration.instanceCacheSeconds, clock: clock)
        let lifecycle = AutoScalingLifecycleActions(client: autoScaling)
        let webhook = WebhookNotifier(settings: configuration.webhook, client: http, logger: logger, clock: clock)
        let makeCoordinator: @Sendable () -> JobCoordinator = { [configuration, logger] in
            JobCoordinator(
                configuration: configuration, queue: queue, directory: directory, cluster: cluster,
                lifecycle: lifecycle, clock: clock, logger: logger, metrics: metrics, webhook: webhook,
                onIdle: { ProcessHeap.releaseFreePages() })
        }
        let elector = leaderElector(kubernetesClient, fence: fence, clock: clock)
        replica.setElecting(elector != nil)

        logger.info(
            "starting",
            metadata: [
                "queue": "\(redactedQueue(queueURL))", "apiserver": "\(kubernetes.server)",
                "dry_run": "\(configuration.dryRun)",
                "leader_election": "\(elector != nil)",
                "webhook.host": "\(configuration.webhook.url.flatMap { URL(string: $0)?.host } ?? "none")",
            ])
        for warning in configuration.eventOriginWarnings {
            logger.warning("event origin check incomplete", metadata: ["detail": "\(warning)"])
        }
        await checkIdentity(aws)

        let servers = ObservabilityServer.servers(configuration, registry: registry, replica: replica)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // First in the list, so the last the group shuts down: a second signal is heard until the very end.
            .init(
                service: ShutdownGuard(logger: logger, deadline: .seconds(configuration.shutdownTimeoutSeconds)),
                serviceName: "shutdown-guard")
        ]
        for server in servers {
            services.append(
                .init(
                    service: ClosureService { try await untilGracefulShutdown { try await server.run() } },
                    serviceName: "http-server-\(server.port)"))
        }
        services.append(
            .init(
                service: ClosureService { try await untilGracefulShutdown { await cluster.run() } },
                serviceName: "node-informer"))
        if let metrics {
            let census = ManagedInstanceCensus(
                ec2: ec2, managedTag: configuration.policy.managedTag,
                nodeInstances: { cluster.nodes.compactMapObjects(\.instanceID) }, metrics: metrics, logger: logger)
            services.append(
                .init(
                    service: ClosureService {
                        // The node count reads the node cache: count once it holds a full list.
                        try await untilGracefulShutdown {
                            try await cluster.waitUntilSynced()
                            await census.run()
                        }
                    }, serviceName: "managed-instance-census"))
        }
        // Last, so the first the group shuts down: the coordinator acknowledges, releases what it holds and hands
        // the Lease over while the informer and the probes still run.
        services.append(
            .init(
                service: ClosureService {
                    try await runTerms(
                        cluster: cluster, elector: elector, makeCoordinator: makeCoordinator, replica: replica,
                        leader: metrics?.leader)
                }, serviceName: "leadership"))
        var group = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(configuration.shutdownTimeoutSeconds)
        try await ServiceGroup(configuration: group).run()
        logger.info("stopped")
    }

    /// The elector, or `nil` when leader election is off (by setting, or in dry run, which writes nothing).
    private var electing: Bool { configuration.leaderElection.enabled && !configuration.dryRun }

    private func leaderElector(_ client: KubernetesClient, fence: WriteFence?, clock: any WallClock) -> LeaderElector? {
        let settings = configuration.leaderElection
        guard electing else { return nil }
        let host = ProcessInfo.processInfo.hostName
        var electorConfiguration = settings.electorConfiguration(
            defaultNamespace: kubernetes.namespace, defaultIdentity: "\(host)_\(UUID().uuidString.prefix(8))")
        electorConfiguration.clock = clock
        return LeaderElector(client: client, configuration: electorConfiguration, logger: logger, fence: fence)
    }

    /// Runs a coordinator for every term as leader (a fresh one each term: it resumes the jobs the previous term
    /// wrote on nodes), or one for good without leader election, once the node cache has synced; returns on the
    /// group's graceful shutdown, once the coordinator has stopped and the Lease is released.
    private func runTerms(
        cluster: KubernetesCluster, elector: LeaderElector?,
        makeCoordinator: @escaping @Sendable () -> JobCoordinator, replica: ReplicaState, leader: CoreMetrics.Gauge?
    ) async throws {
        leader?.record(0)
        try await untilGracefulShutdown { try await cluster.waitUntilSynced() }
        guard !Task.isShuttingDownGracefully else { return }
        // The first list's decoding was the heap's peak so far; a standby keeps the node cache only.
        ProcessHeap.releaseFreePages()
        replica.setSynced()
        guard let elector else {
            let coordinator = makeCoordinator()
            replica.setCoordinator(coordinator)
            leader?.record(1)
            defer { logger.info("coordinator stopped", metadata: ["statistics": "\(coordinator.statistics)"]) }
            try await coordinator.run()
            return
        }
        while !Task.isShuttingDownGracefully {
            let coordinator = makeCoordinator()
            let end: LeaderElector.TermEnd
            do {
                end = try await elector.lead {
                    replica.setCoordinator(coordinator)
                    leader?.record(1)
                    defer {
                        replica.setCoordinator(nil)
                        leader?.record(0)
                    }
                    try await coordinator.run()
                }
            } catch is CancellationError where Task.isShuttingDownGracefully {
                return  // a standby, told to stop while it waited for the Lease
            }
            logger.info("term ended", metadata: ["end": "\(end)", "statistics": "\(coordinator.statistics)"])
        }
    }

    /// Logs who we are to AWS (STS GetCallerIdentity) so that a wrong role shows at start-up; never fatal, since
    /// some VPCs have no STS endpoint.
    private func checkIdentity(_ aws: AWSClient) async {
        do {
            let identity = try await STSClient(client: aws).getCallerIdentity()
            logger.info("aws identity", metadata: ["arn": "\(identity.arn)", "account": "\(identity.account)"])
        } catch {
            logger.warning("aws identity check failed", metadata: ["error": "\(error)"])
        }
    }

    /// The queue URL without its account id path segment's neighbours: enough to recognise, nothing secret.
    private func redactedQueue(_ url: String) -> String {
        url.split(separator: "/").last.map(String.init) ?? "?"
    }
}

/// Runs `operation` until the service group's graceful shutdown, which cancels it: the `CancellationError` it then
/// throws is its normal end, not a failure of the group.
func untilGracefulShutdown(_ operation: @escaping @Sendable () async throws -> Void) async throws {
    do {
        try await cancelWhenGracefulShutdown(operation)
    } catch is CancellationError where Task.isShuttingDownGracefully {
        return
    }
}
