import FakeKubernetes
import Foundation
import JSONValues
import Kubernetes
import TestSupport
import Testing

/// Runs `body` with a fake apiserver and a client for it (retries do not really sleep).
func withFakeCluster<T: Sendable>(
    seed objects: [JSONValue] = [], _ body: (FakeAPIServer, KubernetesClient) async throws -> T
) async throws -> T {
    try await FakeAPIServer.withRunning { server in
        try await server.store.seed(all: objects)
        var configuration = KubernetesConfiguration(server: server.baseURL)
        configuration.clock = InstantClock(now: Date())
        return try await body(server, try KubernetesClient(configuration: configuration))
    }
}

@Suite("The client against the fake apiserver", .timeLimit(.minutes(1)))
struct FakeClusterTests {
    static let seed: [JSONValue] = [
        ObjectFactory.node(name: "n1", instanceID: "i-0000000000000001"),
        ObjectFactory.node(name: "n2", instanceID: "i-0000000000000002"),
        ObjectFactory.namespace("shop"),
        ObjectFactory.pod(name: "web-1", namespace: "shop", nodeName: "n1", labels: ["app": "web"]),
        ObjectFactory.pod(name: "web-2", namespace: "shop", nodeName: "n2", labels: ["app": "web"]),
        ObjectFactory.podDisruptionBudget(
            name: "web-pdb", namespace: "shop", selector: ["app": "web"], minAvailable: 2),
    ]

    @Test("cordon by patch, then list the node's pods from the cache at the patch's resourceVersion")
    func cordonThenListPods() async throws {
        try await withFakeCluster(seed: Self.seed) { server, client in
            let node = try await client.get(Node.self, name: "n1")
            #expect(node.instanceID == "i-0000000000000001")
            let cordoned = try await client.patch(
                Node.self, name: "n1", patch: .strategicMerge(["spec": ["unschedulable": true]]))
            #expect(cordoned.spec?.unschedulable == true)
            let version = try #require(cordoned.metadata.resourceVersion)
            server.ledger.reset()
            let pods = try await client.listAll(
                Pod.self,
                options: ListOptions(
                    fieldSelector: "spec.nodeName=n1", resourceVersion: version, resourceVersionMatch: .notOlderThan))
            #expect(pods.items.compactMap(\.metadata.name) == ["web-1"])
            let ledger = server.ledger.snapshot()
            #expect(ledger.count(.cacheRead) == 1)
            #expect(ledger.count(.consistentRead) == 0)
        }
    }

    @Test("a Lease is created, updated with its resourceVersion, and a stale update is a 409 Conflict")
    func leaseOptimisticConcurrency() async throws {
        try await withFakeCluster(seed: [ObjectFactory.namespace("kube-system")]) { _, client in
            let lease = Lease(
                metadata: ObjectMeta(name: "nth", namespace: "kube-system"),
                spec: LeaseSpec(holderIdentity: "a", leaseDurationSeconds: 15, renewTime: Date(), leaseTransitions: 0))
            let created = try await client.create(lease)
            var renewed = created
            renewed.spec?.renewTime = Date()
            let updated = try await client.update(renewed)
            #expect(updated.metadata.resourceVersion != created.metadata.resourceVersion)
            var stale = created
            stale.spec?.holderIdentity = "b"
            let error = try await #require(throws: KubernetesError.self) { _ = try await client.update(stale) }
            #expect(error.isConflict)
            let duplicate = try await #require(throws: KubernetesError.self) { _ = try await client.create(lease) }
            #expect(duplicate.code == .alreadyExists)
        }
    }

    @Test("evictions: blocked by a PodDisruptionBudget with 429, a missing pod is 404, an unprotected pod goes")
    func evictions() async throws {
        let seed = Self.seed + [ObjectFactory.pod(name: "bare", namespace: "shop", nodeName: "n1")]
        try await withFakeCluster(seed: seed) { _, client in
            let blocked = try await #require(throws: KubernetesError.self) {
                try await client.evict(podName: "web-1", namespace: "shop")
            }
            #expect(blocked.code == .tooManyRequests)
            #expect(blocked.firstCauseMessage?.contains("web-pdb") == true)
            let missing = try await #require(throws: KubernetesError.self) {
                try await client.evict(podName: "nope", namespace: "shop")
            }
            #expect(missing.isNotFound)
            try await client.evict(podName: "bare", namespace: "shop", options: DeleteOptions(gracePeriodSeconds: 0))
        }
    }

    @Test("delete with a stale resourceVersion precondition is a 409 Conflict")
    func deletePreconditions() async throws {
        try await withFakeCluster(seed: Self.seed) { _, client in
            let error = try await #require(throws: KubernetesError.self) {
                try await client.delete(
                    Pod.self, name: "web-2", namespace: "shop",
                    options: DeleteOptions(preconditions: Preconditions(resourceVersion: "1")))
            }
            #expect(error.isConflict)
        }
    }

    @Test("a watch from a list's resourceVersion sees the next change")
    func watchAfterList() async throws {
        try await withFakeCluster(seed: Self.seed) { _, client in
            let list = try await client.list(Node.self)
            let stream = try await client.watch(
                Node.self, options: ListOptions(resourceVersion: list.metadata.resourceVersion))
            _ = try await client.patch(Node.self, name: "n2", patch: .merge(["metadata": ["labels": ["drain": "yes"]]]))
            for try await event in stream {
                guard case .modified(let node) = event else { continue }
                #expect(node.metadata.name == "n2")
                #expect(node.metadata.labels?["drain"] == "yes")
                break
            }
        }
    }

    @Test("a watch from a compacted resourceVersion gets 410 Expired")
    func watchExpired() async throws {
        try await withFakeCluster(seed: Self.seed) { server, client in
            let list = try await client.list(Node.self)
            _ = try await client.patch(Node.self, name: "n2", patch: .merge(["metadata": ["labels": ["x": "1"]]]))
            await server.store.compactHistory()
            let error = try await #require(throws: KubernetesError.self) {
                let stream = try await client.watch(
                    Node.self, options: ListOptions(resourceVersion: list.metadata.resourceVersion))
                for try await _ in stream {}
            }
            #expect(error.isExpired)
        }
    }

    @Test("the informer indexes nodes by instance id and follows changes made through the API")
    func informerAgainstFake() async throws {
        try await withFakeCluster(seed: Self.seed) { server, client in
            let informer = Informer<Node>(client: client, index: { [$0.instanceID].compactMap { $0 } })
            let events = informer.events()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await informer.run() }
                try await informer.waitForSync()
                #expect(informer.objects(indexedBy: "i-0000000000000002").first?.metadata.name == "n2")
                _ = try await client.patch(
                    Node.self, name: "n2", patch: .strategicMerge(["spec": ["unschedulable": true]]))
                // Closed watches make the informer relist and watch again; changes keep flowing.
                await server.store.closeWatches()
                try await client.delete(Node.self, name: "n1")
                for await event in events {
                    if case .deleted(let node) = event, node.metadata.name == "n1" { break }
                }
                #expect(informer.object(name: "n2")?.spec?.unschedulable == true)
                #expect(informer.objects(indexedBy: "i-0000000000000001").isEmpty)
                group.cancelAll()
            }
        }
    }

    @Test("injected 503s with Retry-After are retried until the fault clears")
    func faultsAreRetried() async throws {
        try await withFakeCluster(seed: Self.seed) { server, client in
            var faults = FaultPlan()
            faults.errors["get"] = FaultPlan.ErrorRate(rate: 1, status: 503, retryAfterSeconds: 1)
            server.faults = faults
            let error = try await #require(throws: KubernetesError.self) {
                _ = try await client.get(Node.self, name: "n1")
            }
            #expect(error.code == .serverError)
            #expect(server.ledger.snapshot().total == 11)
        }
    }
}
