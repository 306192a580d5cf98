import AWS
import FakeKubernetes
import Foundation
import HTTPClient
import SigV4
import TestSupport
import Testing

/// SIGTERM to the leader while a PodDisruptionBudget holds its drain: nothing is lost. The leader releases the
/// message and the Lease; the standby leads, resumes the job from the node's annotations, receives the message at
/// once, and finishes the drain when the budget allows it. Two processes, moto, the fake apiserver over HTTPS with
/// the chart's RBAC.
@Suite("Failover in the middle of a drain", .serialized)
struct FailoverEndToEndTests {
    @Test("SIGTERM mid-drain: the standby takes over, resumes the job, and drains once the budget allows")
    func sigtermMidDrain() async throws {
        let executable = ReplicasEndToEndTests.executable
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "the executable is not built next to the tests at \(executable.path)")
        try await MotoServer.with { moto in
            let queueURL = try await moto.createQueue(MotoServer.unique("failover"), attributes: [:])
            let queue = try SQSClient(client: moto.client(), queueURL: queueURL)
            var storeConfiguration = ClusterStore.Configuration()
            storeConfiguration.timeScale = 0.01
            var serverConfiguration = FakeAPIServer.Configuration()
            serverConfiguration.tls = true
            serverConfiguration.accessRules = try ReplicasEndToEndTests.chartAccessRules(events: true)
            try await FakeAPIServer.withRunning(
                store: ClusterStore(configuration: storeConfiguration), configuration: serverConfiguration
            ) { server in
                let instance = "i-0bbbbbbbbbbbbbbb1"
                var objects: [JSON] = [
                    ObjectFactory.namespace("apps"), ObjectFactory.namespace("kube-system"),
                    ObjectFactory.node(name: "node-1", instanceID: instance),
                    // Every pod must stay: the drain is refused until the budget goes.
                    ObjectFactory.podDisruptionBudget(
                        name: "web", namespace: "apps", selector: ["app": "web"], minAvailable: .int(3)),
                ]
                for pod in 0..<3 {
                    objects.append(
                        ObjectFactory.pod(
                            name: "web-\(pod)", namespace: "apps", nodeName: "node-1", labels: ["app": "web"],
                            owner: .replicaSet(name: "web", uid: ObjectFactory.stableUID("web")),
                            terminationGracePeriodSeconds: 5))
                }
                try await server.store.seed(all: objects)
                let kubeconfig = try ReplicasEndToEndTests.writeKubeconfig(server)
                defer { try? FileManager.default.removeItem(at: kubeconfig) }
                let environment = ReplicasEndToEndTests.environment(queueURL: queueURL, moto: moto)
                let replicas = try ["replica-a", "replica-b"].map {
                    try ReplicasEndToEndTests.Replica(
                        name: $0, executable: executable, kubeconfig: kubeconfig, environment: environment)
                }
                defer { for replica in replicas where replica.process.isRunning { replica.process.terminate() } }
                let store = server.store
                let holder: @Sendable () async -> String? = {
                    await store.object(.leases, namespace: "kube-system", name: "node-termination-handler")?["spec"][
                        "holderIdentity"
                    ].stringValue
                }
                let eventually = { (what: String, condition: @Sendable () async throws -> Bool) in
                    try await ReplicasEndToEndTests.eventually(what, replicas: replicas, condition)
                }

                try await eventually("a replica to take the Lease") {
                    await holder().map { $0.hasPrefix("replica-") } ?? false
                }
                let leaderName = try #require(await holder())
                let leader = try #require(replicas.first { $0.name == leaderName })
                let standby = try #require(replicas.first { $0.name != leaderName })

                _ = try await queue.sendMessage(body: ReplicasEndToEndTests.spotWarning(instance))
                try await eventually("the budget to refuse an eviction") {
                    server.ledger.snapshot().entries.contains { $0.requestClass == .eviction && $0.status == 429 }
                }
                let cordoned = await store.object(.nodes, name: "node-1")
                #expect(cordoned?["spec"]["unschedulable"].boolValue == true)
                #expect(
                    cordoned?["metadata"]["annotations"]["node-termination-handler/instance-id"].stringValue
                        == instance, "the job state is on the node")

                #expect(try await leader.terminate() == 0)
                #expect(leader.log.contains("released the lease"))
                try await eventually("the standby to lead") { await holder() == standby.name }
                try await eventually("the standby to resume the job from the node's annotations") {
                    standby.log.contains("job resumed from the node's annotations")
                }
                try await store.remove(.podDisruptionBudgets, namespace: "apps", name: "web")
                try await eventually("node-1 to be drained") {
                    await store.objects(.pods, namespace: "apps").isEmpty
                }
                // Deleted by the standby: the leader is gone, and had released it.
                try await eventually("the message to be deleted") {
                    try await ReplicasEndToEndTests.queueDepth(queue) == 0
                }
                #expect(try await standby.terminate() == 0)
                let refused = server.ledger.snapshot().entries.filter { $0.status == 403 }
                #expect(refused.isEmpty, "\(refused.map(\.path))")
            }
        }
    }
}
