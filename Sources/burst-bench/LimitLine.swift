import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import Kubernetes
import Locking

/// The limit line: what a `fake-apiserver` alone sustains on this machine for the drain's request mix, driven by a
/// plain load generator (no rate limit, no controller logic) through the same Kubernetes client and HTTP client.
///
/// WORKERS tasks take nodes one after the other and do what a drain does to each: patch it (the cordon), list its
/// pods from the watch cache (`resourceVersion=0`), watch its pods, evict every workload pod one request after the
/// other (so WORKERS evictions are in flight, as the controller's `NTH_MAX_EVICTIONS_IN_FLIGHT`), then move on to the
/// next node while a child task waits on the watch for the pods' `DELETED` events (the fake's kubelet removes each
/// evicted pod 0.3 s later) and patches the node again (the controller's clear of its job state).
struct LimitLine: Codable, Sendable {
    /// Concurrent workers.
    var workers: Int
    /// Idle pod watches held on the nodes not driven (one per node of the cluster in all).
    var idleWatches: Int
    /// Nodes driven (the first ones of the generated cluster).
    var nodes: Int
    /// Evictions answered 201.
    var evictions: Int
    /// Evictions not answered 201.
    var failedEvictions: Int
    /// From the first request to the last eviction's answer.
    var evictionSeconds: Double
    /// `evictions / evictionSeconds`: the figure the controller is compared to.
    var evictionsPerSecond: Double
    /// From the first request until every evicted pod's deletion was seen and every node patched again.
    var allDeletedSeconds: Double
    /// Requests the fake served, by ledger class.
    var requestsByClass: [String: Int]
    /// CPU seconds of the fake during the run.
    var apiserverCPUSeconds: Double
    /// CPU seconds of the generator (this process) during the run.
    var generatorCPUSeconds: Double

    /// Drives `nodes` nodes of `cluster` with `workers` workers.
    /// With `watchPerNode`, the other nodes' pod watches are held too, idle: during a mass reclaim the controller
    /// opens one per node as it starts each drain and holds it until the node is empty, so every pod event meets up
    /// to that many watchers in the fake (which matches each against every pod watcher; kube-apiserver indexes pod
    /// watchers by `spec.nodeName`).
    static func measure(cluster: FakeCluster, nodes: Int, workers: Int, watchPerNode: Bool) async throws -> LimitLine {
        let client = try cluster.client(token: "bench-load")
        let idle = try await holdWatches(
            cluster: cluster, nodes: watchPerNode ? (nodes..<cluster.nodes).map(ClusterGenerator.nodeName) : [])
        defer { idle.cancel() }
        _ = try await cluster.debug(.delete, "ledger")
        let next = Lock(0)
        let apiserverCPU = ProcessFigures.cpuSeconds(cluster.process.pid)
        let ownCPU = ProcessFigures.ownCPUSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        var lastEviction = start
        var evicted = 0
        var failed = 0
        try await withThrowingTaskGroup(of: Worker.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var worker = Worker(lastEviction: start)
                    while true {
                        let index = next.withLock { value in
                            defer { value += 1 }
                            return value
                        }
                        guard index < nodes else { break }
                        try await worker.drain(ClusterGenerator.nodeName(index), client: client, clock: clock)
                    }
                    for waiting in worker.waits { try await waiting.value }
                    return worker
                }
            }
            for try await worker in group {
                lastEviction = max(lastEviction, worker.lastEviction)
                evicted += worker.evicted
                failed += worker.failed
            }
        }
        let end = clock.now
        let ledger = try await cluster.ledger()
        let evictionSeconds = seconds(start.duration(to: lastEviction))
        return LimitLine(
            workers: workers, idleWatches: watchPerNode ? cluster.nodes - nodes : 0, nodes: nodes, evictions: evicted,
            failedEvictions: failed,
            evictionSeconds: evictionSeconds, evictionsPerSecond: Double(evicted) / max(evictionSeconds, 0.001),
            allDeletedSeconds: seconds(start.duration(to: end)), requestsByClass: ledger.byClass,
            apiserverCPUSeconds: ProcessFigures.cpuSeconds(cluster.process.pid) - apiserverCPU,
            generatorCPUSeconds: ProcessFigures.ownCPUSeconds() - ownCPU)
    }

    /// Opens a pod watch on each node (16 at once) and returns the task reading them all; cancel it to close them.
    ///
    /// They go through an HTTP client of their own: one libcurl multi handle serving a thousand streams costs every
    /// other transfer on it a pass over them all, which would make the generator, not the fake, the limit.
    static func holdWatches(cluster: FakeCluster, nodes: [String]) async throws -> Task<Void, Never> {
        let http = try HTTPClient()
        var bodies: [HTTPBodyStream] = []
        try await withThrowingTaskGroup(of: HTTPBodyStream.self) { group in
            for (index, node) in nodes.enumerated() {
                if index >= 16, let body = try await group.next() { bodies.append(body) }
                group.addTask {
                    let request = HTTPRequest(
                        url: "\(cluster.url)/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3D\(node)",
                        headers: ["Authorization": "Bearer bench-load"], timeout: .seconds(3600))
                    let response = try await http.stream(request)
                    guard response.status == 200 else { throw BenchError("watch on \(node): HTTP \(response.status)") }
                    return response.body
                }
            }
            for try await body in group { bodies.append(body) }
        }
        return Task { [bodies] in
            await withTaskGroup(of: Void.self) { group in
                for body in bodies {
                    group.addTask {
                        do {
                            for try await _ in body {}
                        } catch {}
                    }
                }
            }
            http.shutdown()
        }
    }

    /// One worker's state: its counts and the tasks waiting on its nodes' deletions.
    struct Worker: Sendable {
        var lastEviction: ContinuousClock.Instant
        var evicted = 0
        var failed = 0
        var waits: [Task<Void, any Error>] = []

        mutating func drain(_ node: String, client: KubernetesClient, clock: ContinuousClock) async throws {
            _ = try await client.patch(
                Node.self, name: node, patch: .merge(.object(["spec": .object(["unschedulable": .bool(true)])])))
            let list = try await client.list(
                Pod.self, options: ListOptions(fieldSelector: "spec.nodeName=\(node)", resourceVersion: "0"))
            let workload = list.items.filter { $0.metadata.ownerReferences?.first?.kind != "DaemonSet" }
            let watch = try await client.watch(
                Pod.self,
                options: ListOptions(
                    fieldSelector: "spec.nodeName=\(node)", resourceVersion: list.metadata.resourceVersion))
            var names: Set<String> = []
            for pod in workload {
                guard let name = pod.metadata.name, let namespace = pod.metadata.namespace else { continue }
                do {
                    try await client.evict(podName: name, namespace: namespace)
                    evicted += 1
                    names.insert(name)
                } catch {
                    failed += 1
                }
                lastEviction = clock.now
            }
            waits.append(
                Task { [names] in
                    var left = names
                    for try await event in watch where !left.isEmpty {
                        if case .deleted(let pod) = event, let name = pod.metadata.name { left.remove(name) }
                        if left.isEmpty { break }
                    }
                    _ = try await client.patch(
                        Node.self, name: node,
                        patch: .merge(.object(["metadata": .object(["annotations": .object(["bench": .null])])])))
                })
        }
    }
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
