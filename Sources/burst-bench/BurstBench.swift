import AWS
import Controller
import FakeKubernetes
import Foundation
import HTTPClient
import Interruption
import Kubernetes

/// `burst-bench NODES PODS_PER_NODE MOTO_URL [IN_FLIGHT WORKERS]`: a mass spot reclaim, end to end. NODES spot
/// interruption warnings wait in a moto SQS queue; the controller (the real coordinator and cluster side, over
/// HTTP) runs against an in-process fake apiserver seeded with NODES nodes of PODS_PER_NODE workload pods (plus two
/// DaemonSet pods each, no PodDisruptionBudgets). Prints one JSON line: seconds until every node was cordoned,
/// until every workload pod was gone, until the queue was empty; apiserver requests by class; peak RSS (of this
/// process, which also holds the fake apiserver). Used by `scripts/bench-burst`; not a test.
@main
enum BurstBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, let nodes = Int(arguments[1]), let podsPerNode = Int(arguments[2]) else {
            FileHandle.standardError.write(
                Data("usage: burst-bench NODES PODS_PER_NODE MOTO_URL [IN_FLIGHT WORKERS]\n".utf8))
            exit(2)
        }
        let motoURL = arguments[3]
        let inFlight = arguments.count > 4 ? Int(arguments[4]) : nil
        let workers = arguments.count > 5 ? Int(arguments[5]) : nil

        var storeConfiguration = ClusterStore.Configuration()
        storeConfiguration.timeScale = 0.01  // the kubelet removes an evicted pod after 1/100 of its grace period
        let store = ClusterStore(configuration: storeConfiguration)
        let objects = ClusterGenerator(nodes: nodes, podsPerNode: podsPerNode).objects()
            .filter { $0["kind"].stringValue != "PodDisruptionBudget" }
        try await store.seed(all: objects)
        let server = FakeAPIServer(store: store)
        try await server.start()
        defer { Task { await server.stop() } }

        let http = try HTTPClient()
        let aws = AWSClient(
            environment: [
                "AWS_ENDPOINT": motoURL, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
            ], httpClient: http)
        let queueURL = try await createQueue(aws)
        try await sendWarnings(aws, queueURL: queueURL, nodes: nodes)

        // The controller's own configuration from the environment (KUBE_API_QPS, NTH_EVICTION_QPS, …), as `run` reads it.
        var configuration = try ControllerConfiguration(environment: ProcessInfo.processInfo.environment)
        configuration.queueURL = queueURL
        configuration.receiveWaitSeconds = 1
        configuration.policy.checkTagBeforeDraining = false
        if let inFlight { configuration.maxMessagesInFlight = inFlight }
        if let workers { configuration.workers = workers }
        let started = ContinuousClock.now
        let verbose = ProcessInfo.processInfo.environment["BURST_LOG"] != nil
        let logger = ControllerLogger { level, message, metadata in
            guard verbose else { return }
            let at = seconds(started.duration(to: ContinuousClock.now))
            FileHandle.standardError.write(Data("\(String(format: "%.3f", at)) \(level) \(message) \(metadata)\n".utf8))
        }
        var clusterConfiguration = configuration.clusterConfiguration
        clusterConfiguration.log = { message, metadata in logger.log(.debug, message, metadata) }
        let client = try KubernetesClient(
            configuration: configuration.applyingRateLimits(to: KubernetesConfiguration(server: server.baseURL)),
            httpClient: http)
        let cluster = try KubernetesCluster(client: client, httpClient: http, configuration: clusterConfiguration)
        let sqs = try SQSClient(client: aws, queueURL: queueURL)
        let coordinator = JobCoordinator(
            configuration: configuration, queue: SQSInterruptionQueue(client: sqs),
            directory: EC2InstanceDirectory(client: EC2Client(client: aws)), cluster: cluster,
            lifecycle: AutoScalingLifecycleActions(client: AutoScalingClient(client: aws)), logger: logger)

        let workloadPods = nodes * podsPerNode
        let clock = ContinuousClock()
        let start = clock.now
        var cordonedAt: Duration?
        var drainedAt: Duration?
        var emptyAt: Duration?
        var lastReport = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await cluster.run() }
            group.addTask { try await coordinator.run() }
            server.ledger.reset()
            while emptyAt == nil || drainedAt == nil {
                try await Task.sleep(for: .milliseconds(50))
                let elapsed = start.duration(to: clock.now)
                guard elapsed < .seconds(600) else { throw BenchError("not done within 600 s") }
                if cordonedAt == nil {
                    let cordoned = await store.objects(.nodes).filter { $0["spec"]["unschedulable"].boolValue == true }
                    if cordoned.count == nodes { cordonedAt = elapsed }
                }
                if drainedAt == nil {
                    let left = await store.objects(.pods).filter {
                        $0["metadata"]["name"].stringValue?.hasPrefix("app-") == true
                    }
                    if workloadPods - left.count == workloadPods { drainedAt = elapsed }
                }
                if emptyAt == nil, try await queueIsEmpty(sqs) { emptyAt = elapsed }
                let reportedSeconds = Int(seconds(elapsed))
                if reportedSeconds > lastReport {
                    lastReport = reportedSeconds + 4
                    let cordoned = await store.objects(.nodes).count { $0["spec"]["unschedulable"].boolValue == true }
                    let left = await store.objects(.pods).count {
                        $0["metadata"]["name"].stringValue?.hasPrefix("app-") == true
                    }
                    FileHandle.standardError.write(
                        Data(
                            "t=\(reportedSeconds)s cordoned=\(cordoned) workloadPodsLeft=\(left) \(coordinator.statistics)\n"
                                .utf8))
                }
            }
            group.cancelAll()
        }
        let ledger = server.ledger.snapshot()
        var result: [String: Any] = [
            "nodes": nodes, "podsPerNode": podsPerNode, "workers": configuration.workers,
            "maxMessagesInFlight": configuration.maxMessagesInFlight,
            "secondsUntilAllCordoned": seconds(cordonedAt), "secondsUntilAllDrained": seconds(drainedAt),
            "secondsUntilQueueEmpty": seconds(emptyAt), "peakRSSMiB": peakResidentMiB(),
        ]
        result["apiserverRequests"] = ledger.byClass
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
        http.shutdown()
        exit(0)
    }

    static func createQueue(_ aws: AWSClient) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: [
            "QueueName": "burst-\(UUID().uuidString.prefix(8))", "Attributes": ["VisibilityTimeout": "30"],
        ])
        let data = try await aws.json(.sqs, operation: "CreateQueue", body: body)
        guard let url = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["QueueUrl"] as? String else {
            throw BenchError("CreateQueue returned no QueueUrl")
        }
        return url
    }

    /// One spot interruption warning per node, sent ten at a time.
    static func sendWarnings(_ aws: AWSClient, queueURL: String, nodes: Int) async throws {
        let time = Date().formatted(.iso8601)
        for batch in stride(from: 0, to: nodes, by: 10) {
            let entries = (batch..<min(batch + 10, nodes)).map { index -> [String: String] in
                let instance = ClusterGenerator.instanceID(index)
                let event: [String: Any] = [
                    "version": "0", "id": UUID().uuidString, "detail-type": "EC2 Spot Instance Interruption Warning",
                    "source": "aws.ec2", "account": "123456789012", "time": time, "region": "us-east-1",
                    "resources": ["arn:aws:ec2:us-east-1a:instance/\(instance)"],
                    "detail": ["instance-id": instance, "instance-action": "terminate"],
                ]
                let body = (try? JSONSerialization.data(withJSONObject: event)).map {
                    String(decoding: $0, as: UTF8.self)
                }
                return ["Id": "m\(index)", "MessageBody": body ?? "{}"]
            }
            let request = try JSONSerialization.data(withJSONObject: ["QueueUrl": queueURL, "Entries": entries])
            _ = try await aws.json(.sqs, operation: "SendMessageBatch", body: request)
        }
    }

    static func queueIsEmpty(_ sqs: SQSClient) async throws -> Bool {
        let attributes = try await sqs.getQueueAttributes([
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        ])
        return attributes["ApproximateNumberOfMessages"] == "0"
            && attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    }

    static func seconds(_ duration: Duration?) -> Double {
        guard let duration else { return -1 }
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// VmHWM from /proc/self/status, in MiB.
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
