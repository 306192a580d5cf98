import Controller
import FakeKubernetes
import Foundation
import Interruption
import JSONValues
import Kubernetes
import Locking
import TestSupport
import Testing

/// A fake apiserver, a client, and a running ``KubernetesCluster`` (its node informer synced), for one test.
struct ClusterHarness: Sendable {
    let server: FakeAPIServer
    let client: KubernetesClient
    let cluster: KubernetesCluster

    var store: ClusterStore { server.store }

    /// The ledger entries about pods (list, watch, get, eviction, delete).
    func podRequests() -> [LedgerEntry] {
        server.ledger.snapshot().entries.filter { $0.path.contains("/pods") }
    }
}

/// Cluster settings fast enough for tests: short back-offs, small lead time, no real jitter.
func testClusterConfiguration(maxEvictionsInFlight: Int = 20) -> KubernetesCluster.Configuration {
    var configuration = KubernetesCluster.Configuration()
    configuration.maxEvictionsInFlight = maxEvictionsInFlight
    configuration.evictionBackoff = EvictionBackoff(initial: .milliseconds(40), maximum: .milliseconds(160))
    configuration.deleteLeadTime = .seconds(1)
    configuration.random = { 0.5 }
    return configuration
}

/// Runs `body` with a fake apiserver seeded with `objects` (kubelet at 1/100 of real grace periods), a client and a
/// synced ``KubernetesCluster``; stops everything afterwards.
func withClusterHarness<T: Sendable>(
    seed objects: [JSONValue], configuration: KubernetesCluster.Configuration = testClusterConfiguration(),
    _ body: @Sendable (ClusterHarness) async throws -> T
) async throws -> T {
    var storeConfiguration = ClusterStore.Configuration()
    storeConfiguration.timeScale = 0.01
    return try await FakeAPIServer.withRunning(store: ClusterStore(configuration: storeConfiguration)) { server in
        try await server.store.seed(all: objects)
        var clientConfiguration = KubernetesConfiguration(server: server.baseURL)
        clientConfiguration.clock = HurriedClock { min($0, .milliseconds(50)) }
        let client = try KubernetesClient(configuration: clientConfiguration)
        let cluster = try KubernetesCluster(client: client, configuration: configuration)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await cluster.run()
                return nil
            }
            try await cluster.waitUntilSynced()
            // The node informer opens its watch right after the sync: wait for it, so that a test's ledger counts
            // only what the test does.
            try await eventually("the node informer's watch") { server.ledger.snapshot().count(.watch) >= 1 }
            // The informer's watch starts right after its list: wait for it, so that ledgers start clean.
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: .seconds(5))
            while await server.store.watchCount == 0, clock.now < end { try await Task.sleep(for: .milliseconds(5)) }
            let result = try await body(ClusterHarness(server: server, client: client, cluster: cluster))
            group.cancelAll()
            return result
        }
    }
}

/// Collects drain progress, and lets a test wait (bounded) for a step.
final class ProgressLog: Sendable {
    private let state = Lock<[DrainProgress]>([])
    private let stream: AsyncStream<DrainProgress>
    private let continuation: AsyncStream<DrainProgress>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    var record: @Sendable (DrainProgress) -> Void {
        { [self] step in
            state.withLock { $0.append(step) }
            continuation.yield(step)
        }
    }

    var steps: [DrainProgress] { state.withLock { $0 } }

    /// Waits until a step matches, or fails the test after `timeout`.
    func wait(
        for timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
        _ matches: @escaping @Sendable (DrainProgress) -> Bool
    ) async throws {
        let stream = self.stream
        let found = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await step in stream where matches(step) { return true }
                return false
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        #expect(found, "the awaited drain step did not happen in time", sourceLocation: sourceLocation)
    }
}

/// Seeding shortcuts.
enum Seed {
    static let rsUID = ObjectFactory.stableUID("web-rs")
    static let dsUID = ObjectFactory.stableUID("agent-ds")

    static func node(_ name: String, _ id: String) -> JSONValue { ObjectFactory.node(name: name, instanceID: id) }

    static func web(_ name: String, on node: String, grace: Int64 = 30) -> JSONValue {
        ObjectFactory.pod(
            name: name, namespace: "shop", nodeName: node, labels: ["app": "web"],
            owner: .replicaSet(name: "web-rs", uid: rsUID), terminationGracePeriodSeconds: grace)
    }

    static func finished(_ name: String, on node: String) -> JSONValue {
        var pod = ObjectFactory.pod(
            name: name, namespace: "shop", nodeName: node, owner: .replicaSet(name: "batch", uid: "b-1"))
        pod["status"]["phase"] = "Succeeded"
        return pod
    }
}

extension InstanceID {
    /// A valid id for tests (`i-` and 17 hex digits); `n` must be non-negative.
    static func test(_ n: Int) -> InstanceID {
        let digits = String(n, radix: 16)
        let raw = "i-" + String(repeating: "0", count: max(0, 17 - digits.count)) + digits
        guard let id = InstanceID(raw) else { preconditionFailure("not an instance id: \(raw)") }
        return id
    }
}
