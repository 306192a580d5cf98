import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import TestSupport
import Testing

/// A store snapshot restored into a new store, as a kube-apiserver restarted over the same etcd: the same objects at
/// the same revision, a fresh watch cache, and the kubelet still finishing terminating pods.
@Suite("Restart from a snapshot", .timeLimit(.minutes(1)))
struct RestartTests {
    /// A store holding two nodes and a pod on node-1 with 200 s of grace: revision 3.
    static func populatedStore(kubelet: Bool = true) async throws -> ClusterStore {
        var configuration = ClusterStore.Configuration()
        configuration.kubeletEnabled = kubelet
        let store = ClusterStore(configuration: configuration)
        try await store.seed(ObjectFactory.node(name: "node-1", instanceID: "i-00000000000000001"))
        try await store.seed(ObjectFactory.node(name: "node-2", instanceID: "i-00000000000000002"))
        try await store.seed(
            ObjectFactory.pod(
                name: "web", namespace: "default", nodeName: "node-1", terminationGracePeriodSeconds: 200))
        return store
    }

    /// Runs `body` against a server over `store`.
    static func serving<T: Sendable>(_ store: ClusterStore, _ body: (FakeCluster) async throws -> T) async throws -> T {
        let client = try HTTPClient()
        defer { client.shutdown() }
        return try await FakeAPIServer.withRunning(store: store) { server in
            try await body(FakeCluster(server: server, client: client))
        }
    }

    @Test("a restored store serves the same objects (uids, resourceVersions, timestamps) at the same revision")
    func sameObjectsAndRevision() async throws {
        let original = try await Self.populatedStore()
        let snapshot = await original.snapshot()
        await original.shutdown()
        #expect(snapshot.revision == 3)
        #expect(snapshot.objectCount == 3)

        // Through the file format the command line uses.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fake-state-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try snapshot.write(to: file)
        let loaded = try ClusterSnapshot.read(from: file)
        #expect(loaded == snapshot)

        let restored = ClusterStore()
        try await restored.restore(loaded)
        #expect(await restored.revision == 3)
        #expect(await restored.cacheRevision == 3)
        for name in ["node-1", "node-2"] {
            #expect(await restored.object(.nodes, name: name) == original.object(.nodes, name: name))
        }
        #expect(await restored.objects(.pods) == original.objects(.pods))
        try await Self.serving(restored) { cluster in
            let cached = try await cluster.get("/api/v1/nodes?resourceVersion=0")
            #expect(cached.json.itemNames == ["node-1", "node-2"])
            #expect(cached.json["metadata"]["resourceVersion"] == "3")
            let node = try await cluster.get("/api/v1/nodes/node-2")
            #expect(node.json == (await original.object(.nodes, name: "node-2")))
            let created = try await cluster.request(
                .post, "/api/v1/nodes", body: ObjectFactory.node(name: "node-3", instanceID: "i-00000000000000003"))
            #expect(created.status == 201)
            #expect(created.json["metadata"]["resourceVersion"] == "4")
        }
    }

    @Test("after a restore a watch from an older resourceVersion gets 410, one from the current revision later events")
    func watchesAfterRestore() async throws {
        let original = try await Self.populatedStore()
        let snapshot = await original.snapshot()
        await original.shutdown()
        let restored = ClusterStore()
        try await restored.restore(snapshot)
        try await Self.serving(restored) { cluster in
            let expired = try await cluster.watch("/api/v1/nodes?watch=true&resourceVersion=2", lines: 1)
            #expect(expired.first?["type"] == "ERROR")
            #expect(expired.first?["object"]["code"] == 410)
            #expect(expired.first?["object"]["reason"] == "Expired")
            let exact = try await cluster.get("/api/v1/nodes?resourceVersion=2&resourceVersionMatch=Exact")
            #expect(exact.status == 410)

            async let lines = cluster.watch("/api/v1/nodes?watch=true&resourceVersion=3", lines: 1)
            try await eventually("the watch open") { await cluster.store.watchCount == 1 }
            let patched = try await cluster.request(
                .patch, "/api/v1/nodes/node-1", body: ["spec": ["unschedulable": true]],
                contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            let received = try await lines
            #expect(received.first?["type"] == "MODIFIED")
            #expect(received.first?["object"]["metadata"]["name"] == "node-1")
            #expect(received.first?["object"]["metadata"]["resourceVersion"] == "4")
        }
    }

    @Test("a pod terminating when the snapshot was taken is finished by the restored store's kubelet")
    func kubeletResumes() async throws {
        // No kubelet before the restart: only the restored store can finish the pod.
        let original = try await Self.populatedStore(kubelet: false)
        let terminating = try await original.remove(.pods, namespace: "default", name: "web")
        #expect(terminating["metadata"]["deletionTimestamp"].stringValue != nil)
        let snapshot = await original.snapshot()
        await original.shutdown()

        var configuration = ClusterStore.Configuration()
        configuration.timeScale = 0.01
        let restored = ClusterStore(configuration: configuration)
        try await restored.restore(snapshot)
        // 200 s of grace scaled to 2 s, counted from the deletion (deletionTimestamp has whole seconds): still there.
        #expect(await restored.object(.pods, namespace: "default", name: "web") != nil)
        try await eventually("the kubelet removes the pod after its scaled grace", timeout: .seconds(10)) {
            await restored.object(.pods, namespace: "default", name: "web") == nil
        }
        #expect(await restored.revision == snapshot.revision + 1)
        await restored.shutdown()
    }

    @Test("a snapshot is refused by a store that already holds objects")
    func refusesNonEmptyStore() async throws {
        let store = try await Self.populatedStore()
        let snapshot = await store.snapshot()
        await #expect(throws: ClusterSnapshotError.self) { try await store.restore(snapshot) }
        var future = snapshot
        future.revision = 1
        await #expect(throws: ClusterSnapshotError.self) { try await ClusterStore().restore(future) }
        await store.shutdown()
    }
}
