import AWS
import Controller
import Foundation
import HTTPClient
import Kubernetes

/// The running controller: the AWS and Kubernetes clients, the cluster side and the coordinator, run together
/// until SIGTERM or SIGINT.
struct ControllerProcess {
    let configuration: ControllerConfiguration
    let environment: [String: String]
    let kubernetes: KubernetesConfiguration
    let logger: ControllerLogger

    func run() async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let aws = AWSClient(environment: environment, httpClient: http)
        let queueURL = configuration.queueURL ?? ""
        let sqs = try SQSClient(client: aws, queueURL: queueURL)
        let ec2 = EC2Client(client: aws)
        let autoScaling = AutoScalingClient(client: aws)
        let kubernetesClient = try KubernetesClient(
            configuration: configuration.applyingRateLimits(to: kubernetes), httpClient: http)

        var clusterConfiguration = configuration.clusterConfiguration
        clusterConfiguration.log = { [logger] message, metadata in logger.log(.info, message, metadata) }
        let cluster = try KubernetesCluster(
            client: kubernetesClient, httpClient: http, configuration: clusterConfiguration)
        let coordinator = JobCoordinator(
            configuration: configuration, queue: SQSInterruptionQueue(client: sqs),
            directory: EC2InstanceDirectory(client: ec2, cacheSeconds: configuration.instanceCacheSeconds),
            cluster: cluster, lifecycle: AutoScalingLifecycleActions(client: autoScaling), logger: logger)

        logger.log(
            .info, "starting",
            ["queue": redactedQueue(queueURL), "apiserver": kubernetes.server, "dry_run": "\(configuration.dryRun)"])
        await checkIdentity(aws)

        let signals = SignalWatcher(signals: [SIGTERM, SIGINT])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await cluster.run() }
            group.addTask { try await coordinator.run() }
            group.addTask {
                let received = await signals.next()
                logger.log(.info, "shutting down", ["signal": received.map(String.init) ?? "none"])
            }
            // The first child to finish (a signal, or a failure) ends the rest: cancellation is the graceful path.
            defer { group.cancelAll() }
            try await group.next()
        }
        let statistics = coordinator.statistics
        logger.log(.info, "stopped", ["statistics": "\(statistics)"])
    }

    /// Logs who we are to AWS (STS GetCallerIdentity) so that a wrong role shows at start-up; never fatal, since
    /// some VPCs have no STS endpoint.
    private func checkIdentity(_ aws: AWSClient) async {
        do {
            let identity = try await STSClient(client: aws).getCallerIdentity()
            logger.log(.info, "aws identity", ["arn": identity.arn, "account": identity.account])
        } catch {
            logger.log(.warning, "aws identity check failed", ["error": "\(error)"])
        }
    }

    /// The queue URL without its account id path segment's neighbours: enough to recognise, nothing secret.
    private func redactedQueue(_ url: String) -> String {
        url.split(separator: "/").last.map(String.init) ?? "?"
    }
}
