import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import TestSupport
import Testing

@Suite("Watches and evictions")
struct WatchAndEvictionTests {
    @Test("a watch from a list's resourceVersion sees later changes on its selector, with bookmarks")
    func watchFromList() async throws {
        var configuration = ClusterStore.Configuration()
        configuration.bookmarkInterval = .milliseconds(100)
        var serverConfiguration = FakeAPIServer.Configuration()
        serverConfiguration.splitWatchEvents = true
        try await withFakeCluster(store: configuration, server: serverConfiguration) { cluster in
            try await cluster.store.seed(ObjectFactory.pod(name: "a", namespace: "default", nodeName: "node-1"))
            let list = try await cluster.get("/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1")
            let rv = try #require(list.json["metadata"]["resourceVersion"].stringValue)
            async let lines = cluster.watch(
                "/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=\(rv)"
                    + "&fieldSelector=spec.nodeName%3Dnode-1", lines: 4)
            try await eventually("the watch open") { await cluster.store.watchCount == 1 }
            try await cluster.store.seed(
                ObjectFactory.pod(name: "other-node", namespace: "default", nodeName: "node-2"))
            try await cluster.store.seed(ObjectFactory.pod(name: "b", namespace: "default", nodeName: "node-1"))
            _ = try await cluster.request(.delete, "/api/v1/namespaces/default/pods/a?gracePeriodSeconds=0")
            let received = try await lines
            let events = received.filter { $0["type"] != "BOOKMARK" }
            #expect(events.map { $0["type"].stringValue ?? "" }.prefix(2) == ["ADDED", "DELETED"])
            #expect(events.first?["object"]["metadata"]["name"] == "b")
            let all = received.map { $0["type"].stringValue ?? "" }
            #expect(all.contains("BOOKMARK") || events.count == 2)
        }
    }

    @Test("a change reaches the watches of the node the pod is on, the watches that name no node, and no other")
    func watchesIndexedByNode() async throws {
        try await withFakeCluster { cluster in
            let pods = "/api/v1/pods?watch=true&resourceVersion=0&timeoutSeconds=5"
            async let nodeOne = cluster.watch(pods + "&fieldSelector=spec.nodeName%3Dnode-1", lines: 3)
            async let nodeTwo = cluster.watch(pods + "&fieldSelector=spec.nodeName%3Dnode-2", lines: 2)
            async let notNodeOne = cluster.watch(pods + "&fieldSelector=spec.nodeName%21%3Dnode-1", lines: 2)
            async let everyPod = cluster.watch(pods, lines: 5)
            try await eventually("four watches open") { await cluster.store.watchCount == 4 }
            try await cluster.store.seed(ObjectFactory.pod(name: "p1", namespace: "default", nodeName: "node-1"))
            try await cluster.store.seed(ObjectFactory.pod(name: "p2", namespace: "default", nodeName: "node-2"))
            _ = try await cluster.request(.delete, "/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0")
            try await cluster.store.seed(ObjectFactory.pod(name: "p3", namespace: "default", nodeName: "node-1"))
            try await cluster.store.seed(ObjectFactory.pod(name: "p4", namespace: "default", nodeName: "node-2"))
            func seen(_ lines: [JSONValue]) -> [String] {
                lines.map { "\($0["type"].stringValue ?? "") \($0["object"]["metadata"]["name"].stringValue ?? "")" }
            }
            #expect(seen(try await nodeOne) == ["ADDED p1", "DELETED p1", "ADDED p3"])
            #expect(seen(try await nodeTwo) == ["ADDED p2", "ADDED p4"])
            #expect(seen(try await notNodeOne) == ["ADDED p2", "ADDED p4"])
            #expect(seen(try await everyPod) == ["ADDED p1", "ADDED p2", "DELETED p1", "ADDED p3", "ADDED p4"])
        }
    }

    @Test("a watch from a resourceVersion older than the history gets an ERROR event with a 410 Expired Status")
    func expiredWatch() async throws {
        try await withFakeCluster { cluster in
            try await cluster.store.seed(ObjectFactory.node(name: "node-1", instanceID: "i-00000000000000001"))
            try await cluster.store.seed(ObjectFactory.node(name: "node-2", instanceID: "i-00000000000000002"))
            #expect(try await cluster.request(.post, "/debug/compact").status == 200)
            let lines = try await cluster.watch("/api/v1/nodes?watch=1&resourceVersion=1", lines: 1)
            #expect(lines.first?["type"] == "ERROR")
            #expect(lines.first?["object"]["code"] == 410)
            #expect(lines.first?["object"]["reason"] == "Expired")
            let initial = try await cluster.watch("/api/v1/nodes?watch=1", lines: 2)
            #expect(initial.map { $0["type"].stringValue ?? "" } == ["ADDED", "ADDED"])
            #expect(cluster.server.ledger.snapshot().count(.watch) == 2)
        }
    }

    @Test("evictions honour a PodDisruptionBudget: 429 with the apiserver's message, then 201 once a replica is added")
    func evictionWithBudget() async throws {
        var configuration = ClusterStore.Configuration()
        configuration.timeScale = 0.01
        try await withFakeCluster(store: configuration) { cluster in
            let store = cluster.store
            try await store.seed(
                ObjectFactory.replicaSet(
                    name: "web-1", namespace: "shop", uid: "rs-uid", replicas: 2,
                    labels: ["app": "web"]))
            try await store.seed(
                ObjectFactory.podDisruptionBudget(
                    name: "web-pdb", namespace: "shop", selector: ["app": "web"], minAvailable: 2))
            for name in ["web-1-a", "web-1-b"] {
                try await store.seed(
                    ObjectFactory.pod(
                        name: name, namespace: "shop", nodeName: "node-1",
                        labels: ["app": "web"], owner: .replicaSet(name: "web-1", uid: "rs-uid")))
            }
            let eviction: JSONValue = [
                "kind": "Eviction", "apiVersion": "policy/v1",
                "metadata": ["name": "web-1-a", "namespace": "shop"], "deleteOptions": [:],
            ]
            let path = "/api/v1/namespaces/shop/pods/web-1-a/eviction"
            let blocked = try await cluster.request(.post, path, body: eviction)
            #expect(blocked.status == 429)
            #expect(blocked.json["message"] == "Cannot evict pod as it would violate the pod's disruption budget.")
            #expect(blocked.json["details"]["causes"].arrayValue?.first?["reason"] == "DisruptionBudget")
            #expect(
                blocked.json["details"]["causes"].arrayValue?.first?["message"]
                    == "The disruption budget web-pdb needs 2 healthy pods and has 2 currently")
            #expect(blocked.headers["Retry-After"] == nil)
            let budget = try await cluster.get("/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web-pdb")
            #expect(budget.json["status"]["disruptionsAllowed"] == 0)
            #expect(budget.json["status"]["currentHealthy"] == 2)

            try await store.seed(
                ObjectFactory.pod(
                    name: "web-1-c", namespace: "shop", nodeName: "node-2",
                    labels: ["app": "web"], owner: .replicaSet(name: "web-1", uid: "rs-uid")))
            let allowed = try await cluster.request(.post, path, body: eviction)
            #expect(allowed.status == 201)
            #expect(allowed.json["status"] == "Success")
            try await eventually("the evicted pod gone") {
                try await cluster.get("/api/v1/namespaces/shop/pods/web-1-a").status == 404
            }
            #expect(cluster.server.ledger.snapshot().count(.eviction) == 2)

            let missing = try await cluster.request(
                .post, "/api/v1/namespaces/shop/pods/gone/eviction", body: ["metadata": ["name": "gone"]])
            #expect(missing.status == 404)
            try await store.seed(
                ObjectFactory.podDisruptionBudget(
                    name: "second", namespace: "shop", selector: ["app": "web"], maxUnavailable: "50%"))
            let twoBudgets = try await cluster.request(
                .post, "/api/v1/namespaces/shop/pods/web-1-b/eviction", body: ["metadata": ["name": "web-1-b"]])
            #expect(twoBudgets.status == 500)
            #expect(
                twoBudgets.json["message"]
                    == "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
            )
        }
    }

    @Test("the generator builds nodes with AWS providerIDs, DaemonSet pods on every node and budgets per workload")
    func generator() async throws {
        let store = ClusterStore()
        try await store.seed(all: ClusterGenerator(nodes: 20, podsPerNode: 5).objects())
        let nodes = await store.objects(.nodes)
        #expect(nodes.count == 20)
        let providerID = try #require(nodes.first?["spec"]["providerID"].stringValue)
        #expect(providerID.wholeMatch(of: /aws:\/\/\/us-east-1[abc]\/i-0[0-9a-f]{16}/) != nil)
        let pods = await store.objects(.pods)
        let expectedPods = 20 * 5 + 20 * 2
        #expect(pods.count == expectedPods)
        let daemonPods = pods.filter { $0["metadata"]["ownerReferences"].arrayValue?.first?["kind"] == "DaemonSet" }
        #expect(daemonPods.count == 40)
        let budgets = await store.objects(.podDisruptionBudgets)
        #expect(budgets.count == 10)
        #expect(budgets.allSatisfy { $0["status"]["expectedPods"] == 10 })
        await store.shutdown()
    }

    @Test("seed files: multi-document YAML and JSON lists")
    func seedFiles() async throws {
        let yaml = """
            apiVersion: v1
            kind: Node
            metadata:
              name: node-1
            spec:
              providerID: aws:///us-east-1a/i-0123456789abcdef0
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: web, namespace: default, labels: {app: web}}
              spec: {nodeName: node-1, terminationGracePeriodSeconds: 10}
              status: {phase: Running}
            """
        let objects = try SeedFile.objects(fromText: yaml)
        #expect(objects.count == 2)
        #expect(objects[1]["spec"]["terminationGracePeriodSeconds"] == 10)
        let store = ClusterStore()
        try await SeedFile.seed(objects, into: store)
        #expect(await store.object(.pods, namespace: "default", name: "web")?["metadata"]["labels"]["app"] == "web")
        let json = try SeedFile.objects(fromText: #"[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}]"#)
        #expect(json.first?["metadata"]["name"] == "x")
        await store.shutdown()
    }
}
