import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import TestSupport
import Testing

/// The real kubectl against the fake: the commands the controller's users run, their end state, and the request
/// sequence kubectl is known to send (`shared/reference/kubernetes-api.md` §1, the captures beside it).
/// Fails, never skips, when kubectl cannot be found.
@Suite("kubectl interop", .serialized)
struct KubectlInteropTests {
    static func kubectl(for cluster: FakeCluster) throws -> KubectlRunner {
        let executable = try #require(
            KubectlRunner.locate(), "kubectl not found on PATH, in $KUBECTL or at /usr/bin/kubectl")
        return try KubectlRunner(executable: executable, server: cluster.url)
    }

    /// node-1 runs a DaemonSet pod, a mirror pod, a ReplicaSet pod with an emptyDir behind a budget that allows no
    /// disruption, and a bare pod; node-2 runs one more pod.
    static func seedDrainScenario(_ store: ClusterStore) async throws {
        try await store.seed(all: [
            ObjectFactory.node(name: "node-1", instanceID: "i-0123456789abcdef0"),
            ObjectFactory.node(name: "node-2", instanceID: "i-0123456789abcdef1", zone: "us-east-1b"),
            ObjectFactory.daemonSet(
                name: "aws-node", namespace: "kube-system", uid: "ds-uid", labels: ["k8s-app": "aws-node"]),
            ObjectFactory.pod(
                name: "aws-node-x2x8k", namespace: "kube-system", nodeName: "node-1",
                labels: ["k8s-app": "aws-node"], owner: .daemonSet(name: "aws-node", uid: "ds-uid")),
            ObjectFactory.pod(
                name: "kube-apiserver-node-1", namespace: "kube-system", nodeName: "node-1", mirror: true),
            ObjectFactory.replicaSet(
                name: "web-7d4b9c", namespace: "default", uid: "rs-uid", replicas: 1,
                labels: ["app": "web"]),
            ObjectFactory.podDisruptionBudget(
                name: "web-pdb", namespace: "default", selector: ["app": "web"],
                minAvailable: 1),
            ObjectFactory.pod(
                name: "web-7d4b9c-abcde", namespace: "default", nodeName: "node-1", labels: ["app": "web"],
                owner: .replicaSet(name: "web-7d4b9c", uid: "rs-uid"), emptyDir: true),
            ObjectFactory.pod(name: "bare", namespace: "default", nodeName: "node-1"),
            ObjectFactory.pod(name: "api-0", namespace: "default", nodeName: "node-2"),
        ])
    }

    static var fastKubelet: ClusterStore.Configuration {
        var configuration = ClusterStore.Configuration()
        configuration.timeScale = 0.01
        return configuration
    }

    @Test("kubectl get nodes prints the server-side table; get pods -A filters by spec.nodeName")
    func getCommands() async throws {
        try await withFakeCluster(store: Self.fastKubelet) { cluster in
            try await Self.seedDrainScenario(cluster.store)
            let kubectl = try Self.kubectl(for: cluster)
            defer { kubectl.cleanUp() }
            let nodes = try await kubectl.run(["get", "nodes"])
            #expect(nodes.status == 0, "\(nodes.stderr)")
            let lines = nodes.stdout.split(separator: "\n")
            #expect(
                lines.first?.split(separator: " ", omittingEmptySubsequences: true)
                    == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
            #expect(lines.dropFirst().map { $0.split(separator: " ").first } == ["node-1", "node-2"])
            #expect(nodes.stdout.contains("Ready"))

            let pods = try await kubectl.run([
                "get", "pods", "-A", "--field-selector", "spec.nodeName=node-1", "-o", "name",
            ])
            #expect(pods.status == 0, "\(pods.stderr)")
            #expect(
                pods.stdout.split(separator: "\n").sorted() == [
                    "pod/aws-node-x2x8k", "pod/bare", "pod/kube-apiserver-node-1", "pod/web-7d4b9c-abcde",
                ])
            let ledger = cluster.server.ledger.snapshot().entries
            #expect(ledger.contains { $0.line == "GET /api/v1/nodes?limit=500&timeout=10s" && $0.status == 200 })
            let podList = try #require(ledger.first { $0.method == "GET" && $0.path == "/api/v1/pods" })
            #expect(podList.query.contains("fieldSelector=spec.nodeName%3Dnode-1"))
            #expect(podList.requestClass == .consistentRead)
        }
    }

    @Test("kubectl cordon patches spec.unschedulable (strategic merge) and uncordon clears it")
    func cordonAndUncordon() async throws {
        try await withFakeCluster(store: Self.fastKubelet) { cluster in
            try await Self.seedDrainScenario(cluster.store)
            let kubectl = try Self.kubectl(for: cluster)
            defer { kubectl.cleanUp() }
            let cordon = try await kubectl.run(["cordon", "node-1"])
            #expect(cordon.status == 0, "\(cordon.stderr)")
            #expect(cordon.stdout.contains("node/node-1 cordoned"))
            let cordoned = await cluster.store.object(.nodes, name: "node-1")
            #expect(cordoned?["spec"]["unschedulable"] == true)
            #expect(cordoned?["spec"]["taints"].arrayValue?.first?["key"] == "node.kubernetes.io/unschedulable")
            let again = try await kubectl.run(["cordon", "node-1"])
            #expect(again.stdout.contains("already cordoned"))
            let uncordon = try await kubectl.run(["uncordon", "node-1"])
            #expect(uncordon.status == 0, "\(uncordon.stderr)")
            #expect(uncordon.stdout.contains("node/node-1 uncordoned"))
            #expect(await cluster.store.object(.nodes, name: "node-1")?["spec"]["unschedulable"] == .null)
            let writes = cluster.server.ledger.snapshot().entries.filter { $0.requestClass == .write }
            #expect(writes.map(\.request) == ["PATCH /api/v1/nodes/node-1", "PATCH /api/v1/nodes/node-1"])
        }
    }

    @Test(
        "kubectl drain evicts the bare and emptyDir pods, retries a budget's 429 until a replica is added, keeps DaemonSet and mirror pods"
    )
    func drain() async throws {
        try await withFakeCluster(store: Self.fastKubelet) { cluster in
            let store = cluster.store
            try await Self.seedDrainScenario(store)
            let kubectl = try Self.kubectl(for: cluster)
            defer { kubectl.cleanUp() }
            async let drained = kubectl.run(
                ["drain", "node-1", "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout", "60s"],
                timeout: .seconds(90))
            let ledger = cluster.server.ledger
            try await eventually("kubectl's eviction refused with 429", timeout: .seconds(30)) {
                ledger.snapshot().entries.contains {
                    $0.path == "/api/v1/namespaces/default/pods/web-7d4b9c-abcde/eviction" && $0.status == 429
                }
            }
            // Add a replica elsewhere: the budget now allows one disruption and kubectl's next retry succeeds.
            try await store.seed(
                ObjectFactory.pod(
                    name: "web-7d4b9c-fghij", namespace: "default", nodeName: "node-2",
                    labels: ["app": "web"], owner: .replicaSet(name: "web-7d4b9c", uid: "rs-uid")))
            let result = try await drained
            #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
            #expect(result.stdout.contains("node/node-1 drained"))
            #expect(result.stderr.contains("Cannot evict pod as it would violate the pod's disruption budget."))

            #expect(await store.object(.nodes, name: "node-1")?["spec"]["unschedulable"] == true)
            let remaining = await store.objects(.pods).compactMap { $0["metadata"]["name"].stringValue }.sorted()
            #expect(remaining == ["api-0", "aws-node-x2x8k", "kube-apiserver-node-1", "web-7d4b9c-fghij"])

            let entries = ledger.snapshot().entries.filter { $0.kubectlCommand == "kubectl drain" }
            let expected: [(String, (LedgerEntry) -> Bool)] = [
                ("GET node", { $0.request == "GET /api/v1/nodes/node-1" }),
                ("PATCH node", { $0.request == "PATCH /api/v1/nodes/node-1" && $0.status == 200 }),
                (
                    "list pods",
                    {
                        $0.method == "GET" && $0.path == "/api/v1/pods" && $0.query.contains("spec.nodeName%3Dnode-1")
                            && $0.query.contains("limit=500") && $0.requestClass == .consistentRead
                    }
                ),
                ("GET daemonset", { $0.request == "GET /apis/apps/v1/namespaces/kube-system/daemonsets/aws-node" }),
                ("eviction support", { $0.request == "GET /api/v1" && $0.requestClass == .discovery }),
                ("429", { $0.path.hasSuffix("/web-7d4b9c-abcde/eviction") && $0.status == 429 }),
                ("201", { $0.path.hasSuffix("/web-7d4b9c-abcde/eviction") && $0.status == 201 }),
                ("gone", { $0.request == "GET /api/v1/namespaces/default/pods/web-7d4b9c-abcde" && $0.status == 404 }),
            ]
            var index = entries.startIndex
            for (label, matches) in expected {
                guard let found = entries[index...].firstIndex(where: matches) else {
                    let seen = entries.map { "\($0.line) \($0.status)" }.joined(separator: "\n")
                    Issue.record("kubectl drain never sent \(label) in order; saw:\n\(seen)")
                    break
                }
                index = entries.index(after: found)
            }
            #expect(entries.contains { $0.path == "/api/v1/namespaces/default/pods/bare/eviction" && $0.status == 201 })
            #expect(!entries.contains { $0.path.contains("kube-apiserver-node-1/eviction") })
            #expect(!entries.contains { $0.path.contains("aws-node-x2x8k/eviction") })
            #expect(ledger.snapshot().count(.eviction) >= 3)
        }
    }
}

extension LedgerEntry {
    /// `METHOD path`, without the query (kubectl adds `timeout=` from `--request-timeout`).
    var request: String { "\(method) \(path)" }
}
