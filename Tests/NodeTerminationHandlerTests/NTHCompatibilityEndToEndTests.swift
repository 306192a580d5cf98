import AWS
import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import JSONValues
import SigV4
import TestSupport
import Testing

/// The executable as a switching NTH user runs it: no `AWS_REGION` (the queue URL names it), the managed-tag check
/// on, Kubernetes events on. moto (auth on) holds the queue, the Auto Scaling group and its tagged instance in
/// eu-west-1, so EC2 and Auto Scaling calls signed for any other region find nothing; the fake apiserver over HTTPS
/// enforces the chart's RBAC; NTH's metrics are scraped from `/metrics` and NTH's events read with the real kubectl.
@Suite("NTH compatibility of the executable", .serialized)
struct NTHCompatibilityEndToEndTests {
    static let region = "eu-west-1"

    static func asgTermination(group: String, instance: String) -> String {
        let time = Date().formatted(.iso8601)
        return
            #"{"version":"0","id":"\#(UUID())","detail-type":"EC2 Instance-terminate Lifecycle Action","source":"aws.autoscaling","account":"123456789012","time":"\#(time)","region":"\#(region)","resources":[],"detail":{"LifecycleActionToken":"\#(UUID().uuidString.lowercased())","AutoScalingGroupName":"\#(group)","LifecycleHookName":"drain","EC2InstanceId":"\#(instance)","LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"}}"#
    }

    @Test("without AWS_REGION every client takes the queue URL's; NTH's metrics and events report the drain")
    func derivedRegionAndNTHReports() async throws {
        let executable = ReplicasEndToEndTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "no executable at \(executable)")
        let kubectlPath = try #require(
            ["/usr/local/bin/kubectl", "/usr/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "kubectl not found")
        try await MotoServer.with { moto in
            let name = MotoServer.unique("nth-region")
            let motoQueueURL = try await moto.createQueue(name, region: Self.region)
            let queue = try SQSClient(client: moto.client(region: Self.region), queueURL: motoQueueURL)
            let group = try await moto.createGroup(size: 1, region: Self.region)
            let instance = try #require(group.instances.first)
            _ = try await moto.client(region: Self.region).query(
                .ec2, action: "CreateTags",
                parameters: [
                    ("ResourceId.1", instance), ("Tag.1.Key", "aws-node-termination-handler/managed"),
                    ("Tag.1.Value", ""),
                ])
            var serverConfiguration = FakeAPIServer.Configuration()
            serverConfiguration.serveHTTPS()
            var rules = try ReplicasEndToEndTests.chartAccessRules(events: true)
            // The fake serves one identity; the operator's kubectl (below) may read events, the chart's role may not.
            rules.rules.append(.init(apiGroups: [""], resources: ["events"], verbs: ["list"], namespace: "default"))
            serverConfiguration.accessRules = rules
            var storeConfiguration = ClusterStore.Configuration()
            storeConfiguration.timeScale = 0.01
            try await FakeAPIServer.withRunning(
                store: ClusterStore(configuration: storeConfiguration), configuration: serverConfiguration
            ) { server in
                try await server.store.seed(
                    all: [ObjectFactory.namespace("apps"), ObjectFactory.namespace("kube-system")]
                        + ReplicasEndToEndTests.nodeWithPods("node-1", instance: instance))
                let kubeconfig = try ReplicasEndToEndTests.writeKubeconfig(server)
                defer { try? FileManager.default.removeItem(at: kubeconfig) }
                var environment = ReplicasEndToEndTests.environment(
                    queueURL: "https://sqs.\(Self.region).amazonaws.com/\(MotoServer.account)/\(name)", moto: moto)
                environment["AWS_REGION"] = nil
                environment["CHECK_TAG_BEFORE_DRAINING"] = "true"
                environment["HOME"] = "/nonexistent"
                let replica = try ReplicasEndToEndTests.Replica(
                    name: "replica-a", executable: executable, kubeconfig: kubeconfig, environment: environment)
                defer { if replica.process.isRunning { replica.process.terminate() } }
                func eventually(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
                    try await ReplicasEndToEndTests.eventually(what, replicas: [replica], condition)
                }

                _ = try await queue.sendMessage(body: Self.asgTermination(group: group.name, instance: instance))
                try await eventually("node-1 to be drained") {
                    let left = await server.store.objects(.pods, namespace: "apps").filter {
                        $0["spec"]["nodeName"].stringValue == "node-1"
                    }
                    let node = await server.store.object(.nodes, name: "node-1")
                    return left.isEmpty && node?["spec"]["unschedulable"].boolValue == true
                }
                // Auto Scaling in eu-west-1: the group exists only there.
                try await eventually("the lifecycle action to be completed") {
                    try await moto.lifecycleCalls().contains {
                        $0["Action"] == "CompleteLifecycleAction" && $0["AutoScalingGroupName"] == group.name
                    }
                }
                try await eventually("the message to be deleted") {
                    try await ReplicasEndToEndTests.queueDepth(queue) == 0
                }
                let http = moto.httpClient
                try await eventually("NTH's series on /metrics") {
                    let metrics = await replica.get("/metrics", port: replica.metricsPort, client: http).body
                    return metrics.contains(#"actions_total{node_action="post-drain",node_status="success"} 1"#)
                        && metrics.contains("nth_tagged_nodes 1")
                }
                let metrics = await replica.get("/metrics", port: replica.metricsPort, client: http).body
                for action in ["pre-drain", "cordon-and-drain", "post-drain"] {
                    #expect(
                        metrics.contains(#"actions_total{node_action="\#(action)",node_status="success"} 1"#),
                        "\(action): \(metrics)")
                }
                let tagged = metrics.split(separator: "\n").first { $0.hasPrefix("nth_tagged_instances ") }
                #expect(
                    tagged.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 1 } == true,
                    "EC2 in eu-west-1 counts the tagged instance: \(metrics)")
                #expect(!replica.log.contains("no region"), "\(replica.log.suffix(2000))")

                // NTH's events, as `kubectl get events` lists them (events.k8s.io/v1 written, core v1 read).
                try await eventually("NTH's PostDrain event") {
                    await server.store.objects(.coreEvents, namespace: "default").contains {
                        $0["reason"] == "PostDrain"
                    }
                }
                let listed = try await Self.kubectl(
                    kubectlPath, kubeconfig: kubeconfig, ["get", "events", "-n", "default"])
                for expected in [
                    "CordonAndDrain", "Node successfully cordoned and drained", "ASGLifecycle", "PreDrain",
                    "PostDrain", "node/node-1",
                ] {
                    #expect(listed.contains(expected), "\(expected) missing from:\n\(listed)")
                }
                try await replica.expectCleanExit()
            }
        }
    }

    @Test("an unusable region stops run at start-up with exit 64, naming AWS_REGION")
    func unusableRegion() async throws {
        let executable = ReplicasEndToEndTests.executable
        for (region, queueURL) in [
            (nil, "http://127.0.0.1:1/123456789012/no-region-here"),
            ("not a region", "https://sqs.eu-west-1.amazonaws.com/123456789012/q"),
        ] {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["run", "--kubeconfig", "/nonexistent"]
            var environment = ["PATH": "/usr/bin:/bin", "QUEUE_URL": queueURL, "HOME": "/nonexistent"]
            environment["AWS_REGION"] = region
            process.environment = environment
            let result = try await process.runToEnd()
            let output = result.errors
            #expect(result.status == 64, "\(region ?? "unset"): \(output)")
            #expect(output.contains("AWS_REGION"), "\(output)")
        }
    }

    /// Runs kubectl with `kubeconfig`; its standard output (a failure records standard error).
    static func kubectl(_ path: String, kubeconfig: URL, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--request-timeout", "10s"] + arguments
        process.environment = ["HOME": FileManager.default.temporaryDirectory.path, "PATH": "/usr/bin:/bin"]
        let result = try await process.runToEnd()
        #expect(result.status == 0, "kubectl \(arguments): \(result.errors)")
        return result.output
    }
}
