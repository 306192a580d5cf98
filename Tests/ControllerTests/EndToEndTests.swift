import AWS
import Controller
import FakeKubernetes
import Foundation
import Interruption
import JSONValues
import Kubernetes
import Locking
import Logging
import TestSupport
import Testing

/// The controller in-process against moto (SQS, EC2, Auto Scaling; signature checking on, lifecycle extension) and
/// the fake apiserver, with the real `KubernetesCluster`.
@Suite("End to end: moto + fake apiserver + KubernetesCluster", .serialized)
struct EndToEndTests {
    /// What one scenario set up.
    struct World: Sendable {
        let moto: Moto
        let queue: SQSClient
        let group: String
        let groupInstances: [String]
        let spotInstances: [(id: String, dns: String)]
    }

    /// Runs the coordinator until `done` holds (at most `timeout`), then shuts it down; returns its statistics.
    static func runController(
        world: World, cluster: KubernetesCluster, configure: (inout ControllerConfiguration) -> Void = { _ in },
        logs: LogLines, timeout: Duration = .seconds(90),
        until done: @escaping @Sendable (ControllerStatistics) async throws -> Bool
    ) async throws -> (ControllerStatistics, Duration) {
        var configuration = ControllerConfiguration()
        configuration.receiveWaitSeconds = 2
        configuration.visibilityTimeoutSeconds = 30
        configuration.visibilityExtensionSeconds = 10
        configure(&configuration)
        let aws = world.moto.client()
        let coordinator = JobCoordinator(
            configuration: configuration, queue: SQSInterruptionQueue(client: world.queue),
            directory: EC2InstanceDirectory(client: EC2Client(client: aws)), cluster: cluster,
            lifecycle: AutoScalingLifecycleActions(client: AutoScalingClient(client: aws)),
            logger: logs.logger)
        let start = ContinuousClock.now
        let elapsed = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await coordinator.run() }
            defer { group.cancelAll() }
            do {
                try await eventually("the scenario to finish", timeout: timeout) {
                    try await done(coordinator.statistics)
                }
            } catch {
                for line in logs.all.suffix(80) { print("  [\(line.level)] \(line.message) \(line.metadata)") }
                print("  statistics: \(coordinator.statistics)")
                throw error
            }
            return ContinuousClock.now - start
        }
        return (coordinator.statistics, elapsed)
    }

    static func makeWorld(spot: Int, groupSize: Int) async throws -> World {
        let moto = try await Moto.shared()
        let url = try await moto.createQueue(Moto.unique("nth"), visibilityTimeout: 30)
        let queue = try SQSClient(client: moto.client(), queueURL: url)
        let group = try await moto.createManagedGroup(size: groupSize)
        let spotInstances = try await moto.runInstances(
            count: spot, tags: ["aws-node-termination-handler/managed": "true"])
        return World(
            moto: moto, queue: queue, group: group.name, groupInstances: group.instances, spotInstances: spotInstances)
    }

    /// Messages on the queue, visible or not.
    static func queueDepth(_ queue: SQSClient) async throws -> Int {
        let attributes = try await queue.getQueueAttributes([
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        ])
        return (Int(attributes["ApproximateNumberOfMessages"] ?? "") ?? 0)
            + (Int(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "") ?? 0)
    }

    static func seed(
        nodes: [(name: String, instanceID: String?)], podsPerNode: Int, labels: [String: String] = [:]
    ) -> [JSONValue] {
        var objects: [JSONValue] = [ObjectFactory.namespace("apps")]
        objects.append(
            ObjectFactory.daemonSet(
                name: "kube-proxy", namespace: "kube-system", uid: ObjectFactory.stableUID("kube-proxy"), labels: [:]))
        objects.append(ObjectFactory.namespace("kube-system"))
        for node in nodes {
            var object = ObjectFactory.node(name: node.name, instanceID: node.instanceID ?? "i-00000000")
            if node.instanceID == nil { object["spec"] = .emptyObject }
            objects.append(object)
            objects.append(
                ObjectFactory.pod(
                    name: "kube-proxy-\(node.name)", namespace: "kube-system", nodeName: node.name,
                    owner: .daemonSet(name: "kube-proxy", uid: ObjectFactory.stableUID("kube-proxy"))))
            for index in 0..<podsPerNode {
                objects.append(
                    ObjectFactory.pod(
                        name: "web-\(node.name)-\(index)", namespace: "apps", nodeName: node.name, labels: labels,
                        owner: .replicaSet(name: "web", uid: ObjectFactory.stableUID("web")),
                        terminationGracePeriodSeconds: 5))
            }
        }
        return objects
    }

    /// Pods on a node other than DaemonSet pods.
    static func workloadPods(_ store: ClusterStore, node: String) async -> Int {
        await store.objects(.pods, namespace: "apps").filter { $0["spec"]["nodeName"].stringValue == node }.count
    }

    @Test("every kind of message: nodes cordoned and drained, hooks completed, queue empty, no quorum reads of pods")
    func fullFlow() async throws {
        let world = try await Self.makeWorld(spot: 3, groupSize: 2)
        let now = Date().formatted(.iso8601)
        let spotA = world.spotInstances[0]  // providerID
        let spotB = world.spotInstances[1]  // no providerID: EC2's private DNS name
        let rebalanced = world.spotInstances[2]
        let hooked = world.groupInstances[0]
        let token = UUID().uuidString.lowercased()
        let ghost = "i-0fedcba9876543210"  // not in the cluster, not in EC2
        let nodes: [(name: String, instanceID: String?)] = [
            ("node-a", spotA.id), (spotB.dns, nil), ("node-r", rebalanced.id), ("node-h", hooked),
        ]
        let logs = LogLines()
        try await withClusterHarness(seed: Self.seed(nodes: nodes, podsPerNode: 3)) { harness in
            harness.server.ledger.reset()
            let bodies = [
                Fixtures.spot(spotA.id, time: now), Fixtures.spot(spotB.id, time: now),
                Fixtures.rebalance(rebalanced.id, time: now),
                // Three events for one instance: one drain, three deletes, one completion.
                Fixtures.asgTerminate(hooked, group: world.group, hook: "drain", token: token, time: now),
                Fixtures.spot(hooked, time: now), Fixtures.stateChange(hooked, time: now),
                Fixtures.spot(ghost, time: now), "poison: not json",
                try Fixtures.body("asg-test-notification-eventbridge.json"),
            ]
            for body in bodies { _ = try await world.queue.sendMessage(body: body) }
            let store = harness.store
            let (statistics, elapsed) = try await Self.runController(
                world: world, cluster: harness.cluster,
                configure: { $0.deleteMessageIfNodeNotFound = true }, logs: logs
            ) { _ in
                let depth = try await Self.queueDepth(world.queue)
                var left = 0
                for node in ["node-a", spotB.dns, "node-h"] { left += await Self.workloadPods(store, node: node) }
                return depth == 0 && left == 0
            }
            // Nodes: cordoned (the rebalanced one too, but not drained).
            for node in ["node-a", spotB.dns, "node-r", "node-h"] {
                let object = try #require(await store.object(.nodes, name: node))
                #expect(object["spec"]["unschedulable"].boolValue == true, "\(node) not cordoned")
            }
            #expect(await Self.workloadPods(store, node: "node-r") == 3)
            #expect(await store.objects(.pods, namespace: "kube-system").count == 4)  // DaemonSet pods stay
            // The hook: completed once, CONTINUE, by token.
            let calls = try await world.moto.lifecycleCalls(group: world.group)
            let completions = calls.filter { $0["Action"] == "CompleteLifecycleAction" }
            #expect(completions.count == 1)
            #expect(completions.first?["LifecycleActionToken"] == token)
            #expect(completions.first?["LifecycleActionResult"] == "CONTINUE")
            // The apiserver: pods listed from the watch cache only.
            let podRequests = harness.server.ledger.snapshot().entries.filter { $0.path.contains("/pods") }
            #expect(podRequests.filter { $0.requestClass == .consistentRead }.isEmpty)
            #expect(podRequests.contains { $0.requestClass == .cacheRead })
            // The queue side.
            #expect(statistics.messagesDeleted == bodies.count)
            // SQS delivers at least once: under ThreadSanitizer on a loaded machine moto once handed the junk message
            // to both receivers, and it was rejected twice (and deleted once, as the delete count above shows).
            #expect(Set(statistics.rejected.keys) == ["not-json", "test-notification"])
            #expect(statistics.rejected.values.allSatisfy { (1...2).contains($0) })
            #expect(statistics.drains == 3)
            #expect(statistics.jobsSucceeded == 5)
            #expect(statistics.instanceLookups >= 1)
            print(
                "e2e full flow: \(bodies.count) messages, 3 drains (9 evictions), 1 hook: queue empty in \(elapsed); "
                    + "apiserver requests \(harness.server.ledger.snapshot().total), by class \(harness.server.ledger.snapshot().byClass)"
            )
        }
    }

    @Test(
        "apiserver 5xx bursts and 429 storms: jobs wait them out with their messages held until every node is drained")
    func apiserverFaults() async throws {
        let world = try await Self.makeWorld(spot: 4, groupSize: 1)
        let now = Date().formatted(.iso8601)
        let nodes = world.spotInstances.enumerated().map {
            (name: "node-\($0.offset)", instanceID: Optional($0.element.id))
        }
        let logs = LogLines()
        try await withClusterHarness(seed: Self.seed(nodes: nodes, podsPerNode: 2)) { harness in
            var faults = FaultPlan()
            faults.errors = [
                "patch": .init(rate: 0.8, status: 500),  // a 5xx burst on writes: cordons fail, jobs are retried
                "evict": .init(rate: 0.4, status: 429, retryAfterSeconds: 1),  // a 429 storm
                "list": .init(rate: 0.3, status: 503, retryAfterSeconds: 1),
            ]
            harness.server.faults = faults
            harness.server.ledger.reset()
            for instance in world.spotInstances {
                _ = try await world.queue.sendMessage(body: Fixtures.spot(instance.id, time: now))
            }
            let store = harness.store
            let (statistics, elapsed) = try await Self.runController(
                world: world, cluster: harness.cluster, configure: { $0.maxReceiveCount = 50 }, logs: logs
            ) { _ in
                let depth = try await Self.queueDepth(world.queue)
                var left = 0
                for node in nodes { left += await Self.workloadPods(store, node: node.name) }
                return depth == 0 && left == 0
            }
            let ledger = harness.server.ledger.snapshot()
            let failed = ledger.entries.filter { $0.status >= 500 || $0.status == 429 }.count
            #expect(failed > 0)
            #expect(statistics.jobsSucceeded == 4)
            #expect(statistics.messagesDeleted == 4)
            // Cordons refused by the 5xx burst are retried in place: no job fails, no message goes back to the queue
            // (each receive would count toward the redrive limit).
            #expect(statistics.jobsFailed == 0)
            #expect(statistics.messagesReleased == 0)
            #expect(logs.contains("retrying it, the messages stay held"))
            #expect(ledger.entries.filter { $0.path.contains("/pods") && $0.requestClass == .consistentRead }.isEmpty)
            print(
                "e2e faults: 4 spot drains under 5xx/429 faults done in \(elapsed); jobs failed \(statistics.jobsFailed), "
                    + "released \(statistics.messagesReleased), apiserver requests \(ledger.total) (\(failed) answered 5xx/429)"
            )
        }
    }

    @Test(
        "a PodDisruptionBudget blocks the drain for several visibility timeouts: the message is extended, never redelivered"
    )
    func blockedDrainOutlivesVisibility() async throws {
        let world = try await Self.makeWorld(spot: 1, groupSize: 1)
        let now = Date().formatted(.iso8601)
        let instance = world.spotInstances[0].id
        let logs = LogLines()
        var objects = Self.seed(nodes: [("node-p", instance)], podsPerNode: 2, labels: ["app": "web"])
        objects.append(
            ObjectFactory.podDisruptionBudget(
                name: "web", namespace: "apps", selector: ["app": "web"], minAvailable: .int(2)))
        try await withClusterHarness(seed: objects) { harness in
            _ = try await world.queue.sendMessage(body: Fixtures.spot(instance, time: now))
            let store = harness.store
            let client = harness.client
            let unblocked = Lock(false)
            let (statistics, elapsed) = try await Self.runController(
                world: world, cluster: harness.cluster,
                configure: {
                    $0.visibilityTimeoutSeconds = 4  // 3 s of slack for a slow extension sweep on a busy machine
                    $0.visibilityExtensionSeconds = 1
                    $0.receiveWaitSeconds = 1
                }, logs: logs
            ) { statistics in
                // Ten extensions: the drain has outlived two visibility timeouts. Then the budget goes away.
                if statistics.visibilityExtensions >= 10, !unblocked.withLock({ $0 }) {
                    try await client.delete(PodDisruptionBudget.self, name: "web", namespace: "apps")
                    unblocked.withLock { $0 = true }
                }
                let depth = try await Self.queueDepth(world.queue)
                let pods = await Self.workloadPods(store, node: "node-p")
                return unblocked.withLock { $0 } && depth == 0 && pods == 0
            }
            let refusals = harness.server.ledger.snapshot().entries.filter {
                $0.requestClass == .eviction && $0.status == 429
            }
            #expect(!refusals.isEmpty)
            #expect(statistics.messagesReceived == 1)  // never redelivered
            #expect(statistics.duplicateReceives == 0)
            #expect(statistics.visibilityExtensions >= 10)
            #expect(statistics.visibilityExtensionFailures == 0)
            #expect(statistics.drains == 1)
            #expect(statistics.messagesDeleted == 1)
            #expect(statistics.deleteFailures == 0)
            print(
                "e2e blocked drain: \(refusals.count) evictions refused by the budget, message extended "
                    + "\(statistics.visibilityExtensions) times over \(elapsed) with a 4 s visibility timeout, received "
                    + "\(statistics.messagesReceived) time(s)"
            )
        }
    }
}
