import Controller
import FakeKubernetes
import Foundation
import HTTPClient
import Interruption
import JSONValues
import Kubernetes

/// `drain-bench`: our side of `scripts/bench-drain`, which drains the same fake cluster with the real `kubectl drain`
/// and with this, one after the other. Not a test.
///
/// - `drain-bench seed NODES PODS_PER_NODE FILE` writes the cluster both sides drain, as a JSON array for
///   `fake-apiserver --seed-file`: ``ClusterGenerator``'s nodes, DaemonSets, ReplicaSets and pods, without its
///   PodDisruptionBudgets (nothing recreates an evicted pod in the fake, so a `maxUnavailable: 1` budget would hold
///   every drain of more than one pod per ReplicaSet until its timeout, on both sides alike).
/// - `drain-bench drain SERVER NODES` cordons and drains the first NODES generated nodes at once, against the fake
///   apiserver at SERVER, exactly as the controller does it: its ``ControllerConfiguration`` from the environment
///   (`KUBE_API_QPS`, `NTH_MAX_EVICTIONS_IN_FLIGHT`, `POD_TERMINATION_GRACE_PERIOD`, …), its node informer (one list
///   and one watch for the whole run), then per node ``KubernetesCluster/cordon(node:steps:state:)`` (one patch
///   with the job's state annotations) and ``KubernetesCluster/drain(_:progress:)`` from the cordon's
///   resourceVersion, with the policy's drain filter and a deadline `NODE_TERMINATION_GRACE_PERIOD` away. Prints one
///   JSON line (nodes, drains by result, pods evicted, refusals, seconds from the first cordon to the last drain's
///   end); exits 1 when a drain did not end `drained`.
@main
enum DrainBench {
    static func main() async {
        do {
            try await run(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("drain-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static let usage = """
        usage: drain-bench seed NODES PODS_PER_NODE FILE
               drain-bench drain SERVER NODES
        """

    static func run(_ arguments: [String]) async throws {
        switch arguments.first {
        case "seed":
            guard arguments.count == 4, let nodes = Int(arguments[1]), let pods = Int(arguments[2]), nodes > 0,
                pods >= 0
            else { throw BenchError(usage) }
            try seed(nodes: nodes, podsPerNode: pods, to: arguments[3])
        case "drain":
            guard arguments.count == 3, let nodes = Int(arguments[2]), nodes > 0 else { throw BenchError(usage) }
            let summary = try await drain(server: arguments[1], nodes: nodes)
            let json = try JSONSerialization.data(withJSONObject: summary.json, options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
            guard summary.results["drained", default: 0] == nodes else {
                throw BenchError("only \(summary.results["drained", default: 0]) of \(nodes) drains ended drained")
            }
        default:
            throw BenchError(usage)
        }
    }

    /// Writes the generated cluster without its PodDisruptionBudgets.
    static func seed(nodes: Int, podsPerNode: Int, to path: String) throws {
        let objects = ClusterGenerator(nodes: nodes, podsPerNode: podsPerNode).objects()
            .filter { $0["kind"].stringValue != "PodDisruptionBudget" }
        do {
            try JSONValue.array(objects).serialized().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw BenchError("could not write the seed file \(path): \(error)")
        }
    }

    /// What a run did.
    struct Summary {
        var nodes: Int
        var results: [String: Int] = [:]
        var evicted = 0
        var refusals = 0
        var remaining = 0
        var seconds = 0.0

        var json: [String: Any] {
            [
                "nodes": nodes, "results": results, "evicted": evicted, "refusals": refusals,
                "remaining": remaining, "drainSeconds": (seconds * 1000).rounded() / 1000,
            ]
        }
    }

    /// Cordons and drains the first `nodes` generated nodes concurrently, as the controller's jobs do.
    static func drain(server: String, nodes: Int) async throws -> Summary {
        let configuration: ControllerConfiguration
        do {
            configuration = try ControllerConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw BenchError("the controller's configuration from the environment: \(error)")
        }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let client = try KubernetesClient(
            configuration: configuration.applyingRateLimits(to: KubernetesConfiguration(server: server)),
            httpClient: http)
        let cluster = try KubernetesCluster(
            client: client, httpClient: http, configuration: configuration.clusterConfiguration)
        let informer = Task { await cluster.run() }
        defer { informer.cancel() }
        try await cluster.waitUntilSynced()

        var summary = Summary(nodes: nodes)
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: DrainOutcome.self) { group in
            for index in 0..<nodes {
                group.addTask {
                    try await cordonAndDrain(
                        ClusterGenerator.nodeName(index), cluster: cluster, configuration: configuration)
                }
            }
            for try await outcome in group {
                summary.results[outcome.result.rawValue, default: 0] += 1
                summary.evicted += outcome.evicted.count
                summary.refusals += outcome.refusals
                summary.remaining += outcome.remaining.count
            }
        }
        let elapsed = started.duration(to: clock.now).components
        summary.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return summary
    }

    /// One job's cluster work: the cordon (one patch carrying the job's state), then the drain from its
    /// resourceVersion, with the deadline the policy gives a job without one of its own.
    static func cordonAndDrain(_ name: String, cluster: KubernetesCluster, configuration: ControllerConfiguration)
        async throws -> DrainOutcome
    {
        guard let node = cluster.node(named: name), let instanceID = node.instanceID else {
            throw BenchError("node \(name) is not in the node cache, or has no AWS providerID")
        }
        let now = Date()
        let deadline = now.addingTimeInterval(configuration.policy.nodeTerminationGracePeriod)
        let state = NodeJobState(
            instanceID: instanceID, eventIDs: ["drain-bench-\(name)"], kinds: [.spotInterruption],
            deadline: deadline, startedAt: now)
        let receipt = try await cluster.cordon(node: name, steps: [.cordon], state: state)
        let request = DrainRequest(
            nodeName: name, afterResourceVersion: receipt.resourceVersion, deadline: deadline,
            filter: configuration.policy.drainFilter, listing: configuration.podListing,
            deleteRemainingAtDeadline: configuration.deleteRemainingAtDeadline)
        return try await cluster.drain(request) { _ in }
    }
}

/// A failure of the bench, with what to do about it.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
