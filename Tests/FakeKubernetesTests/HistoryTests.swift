import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import Testing

@Suite("Storage history: reads at a past revision, continue pages, compaction")
struct HistoryTests {
    static func seedNodes(_ cluster: FakeCluster, _ names: [String]) async throws {
        for (index, name) in names.enumerated() {
            try await cluster.store.seed(ObjectFactory.node(name: name, instanceID: "i-0000000000000000\(index)"))
        }
    }

    static func encoded(_ token: String) -> String {
        token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
    }

    static func labelPatch(_ value: String) -> JSONValue { ["metadata": ["labels": ["version": .string(value)]]] }

    static func items(_ list: JSONValue) -> [String: JSONValue] {
        Dictionary(
            (list["items"].arrayValue ?? []).map { ($0["metadata"]["name"].stringValue ?? "", $0) },
            uniquingKeysWith: { first, _ in first })
    }

    @Test("Exact (and a legacy resourceVersion with limit) answers the objects as they were at that revision")
    func exactAtOldRevision() async throws {
        try await withFakeCluster { cluster in
            try await Self.seedNodes(cluster, ["a", "b", "c"])
            let before = try await cluster.get("/api/v1/nodes")
            let rv = try #require(before.json["metadata"]["resourceVersion"].stringValue)
            let created = try await cluster.request(
                .post, "/api/v1/nodes", body: ObjectFactory.node(name: "d", instanceID: "i-00000000000000009"))
            #expect(created.status == 201)
            let patched = try await cluster.request(
                .patch, "/api/v1/nodes/b", body: Self.labelPatch("2"), contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            #expect(try await cluster.request(.delete, "/api/v1/nodes/c").status == 200)
            cluster.server.ledger.reset()

            for path in [
                "/api/v1/nodes?resourceVersion=\(rv)&resourceVersionMatch=Exact",
                "/api/v1/nodes?resourceVersion=\(rv)&limit=10",
            ] {
                let past = try await cluster.get(path)
                #expect(past.status == 200)
                #expect(past.json.itemNames == ["a", "b", "c"])
                #expect(past.json["metadata"]["resourceVersion"].stringValue == rv)
                let old = Self.items(past.json)
                #expect(old["b"]?["metadata"]["labels"]["version"] == .null)
                let seededB = Self.items(before.json)["b"]?["metadata"]["resourceVersion"]
                #expect(old["b"]?["metadata"]["resourceVersion"] == seededB)
                #expect(old["c"]?["metadata"]["name"] == "c")
            }
            // Still storage reads in the ledger.
            #expect(cluster.server.ledger.snapshot().count(.consistentRead) == 2)
            // A GET with a resourceVersion is "not older than": the current object.
            let get = try await cluster.get("/api/v1/nodes/b?resourceVersion=\(rv)")
            #expect(get.json["metadata"]["labels"]["version"] == "2")
            let now = try await cluster.get("/api/v1/nodes")
            #expect(now.json.itemNames == ["a", "b", "d"])
        }
    }

    @Test("an Exact namespaced pod list with a field selector sees pods deleted since and not pods created since")
    func exactPodsWithSelectors() async throws {
        try await withFakeCluster { cluster in
            try await cluster.store.seed(ObjectFactory.pod(name: "p1", namespace: "default", nodeName: "n1"))
            try await cluster.store.seed(ObjectFactory.pod(name: "p2", namespace: "shop", nodeName: "n1"))
            let rv = await cluster.store.revision
            try await cluster.store.seed(ObjectFactory.pod(name: "p3", namespace: "default", nodeName: "n1"))
            _ = try await cluster.request(.delete, "/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0")
            let past = try await cluster.get(
                "/api/v1/namespaces/default/pods?resourceVersion=\(rv)&resourceVersionMatch=Exact"
                    + "&fieldSelector=spec.nodeName%3Dn1")
            #expect(past.json.itemNames == ["p1"])
            let now = try await cluster.get("/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dn1")
            #expect(now.json.itemNames == ["p3"])
        }
    }

    @Test("continue pages read at the first page's revision whatever was written in between")
    func continueIsConsistent() async throws {
        try await withFakeCluster { cluster in
            try await Self.seedNodes(cluster, ["n1", "n2", "n3", "n4", "n5", "n6"])
            let first = try await cluster.get("/api/v1/nodes?limit=2")
            #expect(first.json.itemNames == ["n1", "n2"])
            let rv = try #require(first.json["metadata"]["resourceVersion"].stringValue)
            var token = try #require(first.json["metadata"]["continue"].stringValue)
            // Written after page 1: a node that sorts inside the next page, a change, deletions before and after.
            _ = try await cluster.request(
                .post, "/api/v1/nodes", body: ObjectFactory.node(name: "n3a", instanceID: "i-00000000000000009"))
            _ = try await cluster.request(
                .patch, "/api/v1/nodes/n4", body: Self.labelPatch("2"), contentType: "application/merge-patch+json")
            _ = try await cluster.request(.delete, "/api/v1/nodes/n5")
            _ = try await cluster.request(.delete, "/api/v1/nodes/n1")
            var names = first.json.itemNames
            var pages: [JSONValue] = []
            while pages.count < 5 {
                let page = try await cluster.get("/api/v1/nodes?limit=2&continue=\(Self.encoded(token))")
                #expect(page.status == 200)
                #expect(page.json["metadata"]["resourceVersion"].stringValue == rv)
                pages.append(page.json)
                names += page.json.itemNames
                guard let next = page.json["metadata"]["continue"].stringValue else { break }
                token = next
            }
            #expect(names == ["n1", "n2", "n3", "n4", "n5", "n6"])
            #expect(Self.items(pages[0])["n4"]?["metadata"]["labels"]["version"] == .null)
            #expect(Self.items(pages[1])["n5"]?["metadata"]["name"] == "n5")
        }
    }

    @Test("after compaction, Exact and continue at an older revision answer 410 Expired with the apiserver's messages")
    func expiredAfterCompaction() async throws {
        try await withFakeCluster { cluster in
            try await Self.seedNodes(cluster, ["n1", "n2", "n3"])
            let first = try await cluster.get("/api/v1/nodes?limit=1")
            let rv = try #require(first.json["metadata"]["resourceVersion"].stringValue)
            let token = try #require(first.json["metadata"]["continue"].stringValue)
            _ = try await cluster.request(
                .post, "/api/v1/nodes", body: ObjectFactory.node(name: "n4", instanceID: "i-00000000000000009"))
            await cluster.store.compact()
            #expect(await cluster.store.compactedRevision == (await cluster.store.revision))

            let exact = try await cluster.get("/api/v1/nodes?resourceVersion=\(rv)&resourceVersionMatch=Exact")
            #expect(exact.status == 410)
            #expect(exact.json["reason"] == "Expired")
            #expect(exact.json["message"] == "The resourceVersion for the provided list is too old.")
            let legacy = try await cluster.get("/api/v1/nodes?resourceVersion=\(rv)&limit=5")
            #expect(legacy.status == 410)

            let next = try await cluster.get("/api/v1/nodes?limit=1&continue=\(Self.encoded(token))")
            #expect(next.status == 410)
            #expect(next.json["reason"] == "Expired")
            let message = next.json["message"].stringValue ?? ""
            #expect(
                message.hasPrefix(
                    "The provided continue parameter is too old to display a consistent list result. You can start a "
                        + "new list without the continue parameter"))
            // The answer offers an inconsistent continuation at the latest revision, from the same place.
            let offered = try #require(next.json["metadata"]["continue"].stringValue)
            let rest = try await cluster.get("/api/v1/nodes?continue=\(Self.encoded(offered))")
            #expect(rest.status == 200)
            #expect(rest.json.itemNames == ["n2", "n3", "n4"])
            #expect(rest.json["metadata"]["resourceVersion"].stringValue == String(await cluster.store.revision))
        }
    }

    @Test("the compaction revision itself stays readable; the one before is 410")
    func compactionBoundary() async throws {
        try await withFakeCluster { cluster in
            try await Self.seedNodes(cluster, ["n1", "n2", "n3", "n4"])
            let boundary = await cluster.store.revision - 2
            await cluster.store.compact(at: boundary)
            #expect(await cluster.store.compactedRevision == boundary)
            let at = try await cluster.get("/api/v1/nodes?resourceVersion=\(boundary)&resourceVersionMatch=Exact")
            #expect(at.status == 200)
            #expect(at.json.itemNames == ["n1", "n2"])
            let before = try await cluster.get(
                "/api/v1/nodes?resourceVersion=\(boundary - 1)&resourceVersionMatch=Exact")
            #expect(before.status == 410)
            // The watch history is compacted at the same revision.
            let watchAt = try await cluster.watch(
                "/api/v1/nodes?watch=1&resourceVersion=\(boundary)", lines: 1, timeout: .seconds(2))
            #expect(watchAt.first?["type"] == "ADDED")
            let watchBefore = try await cluster.watch(
                "/api/v1/nodes?watch=1&resourceVersion=\(boundary - 1)", lines: 1, timeout: .seconds(2))
            #expect(watchBefore.first?["type"] == "ERROR")
        }
    }

    @Test("the revision limit bounds the history: only the newest revisions stay readable")
    func revisionLimit() async throws {
        var configuration = ClusterStore.Configuration()
        configuration.compactionRevisionLimit = 50
        #expect(ClusterStore.Configuration().compactionRevisionLimit == 10_000)
        #expect(ClusterStore.Configuration().compactionWindow == .seconds(300))
        try await withFakeCluster(store: configuration) { cluster in
            try await cluster.store.seed(
                all: (0..<1_000).map { ObjectFactory.node(name: "n\($0)", instanceID: "i-0000000000000\($0)") })
            let revision = await cluster.store.revision
            #expect(await cluster.store.storageHistoryCount == 50)
            #expect(await cluster.store.compactedRevision == revision - 50)
            let oldest = try await cluster.get(
                "/api/v1/nodes?resourceVersion=\(revision - 50)&resourceVersionMatch=Exact")
            #expect(oldest.status == 200)
            #expect(oldest.json.itemNames.count == 950)
            let older = try await cluster.get(
                "/api/v1/nodes?resourceVersion=\(revision - 51)&resourceVersionMatch=Exact")
            #expect(older.status == 410)
        }
    }

    @Test("the time window drops history older than it: none kept with a zero window, all within a minute's")
    func timeWindow() async throws {
        for (window, expected) in [(Duration.zero, 410), (.seconds(60), 200)] {
            var configuration = ClusterStore.Configuration()
            configuration.compactionWindow = window
            try await withFakeCluster(store: configuration) { cluster in
                try await Self.seedNodes(cluster, ["n1", "n2"])
                let revision = await cluster.store.revision
                let past = try await cluster.get(
                    "/api/v1/nodes?resourceVersion=\(revision - 1)&resourceVersionMatch=Exact")
                #expect(past.status == expected)
                let current = try await cluster.get(
                    "/api/v1/nodes?resourceVersion=\(revision)&resourceVersionMatch=Exact")
                #expect(current.status == 200)
                #expect(current.json.itemNames == ["n1", "n2"])
            }
        }
    }

    @Test("Exact at a future revision answers 504 Too large resource version at once, without Retry-After")
    func futureRevision() async throws {
        // A NotOlderThan-style wait would last the whole (long) cache wait; "at once" is anything well short of it.
        var configuration = ClusterStore.Configuration()
        configuration.cacheWaitTimeout = .seconds(600)
        try await withFakeCluster(store: configuration) { cluster in
            try await Self.seedNodes(cluster, ["n1"])
            let revision = await cluster.store.revision
            let clock = ContinuousClock()
            let started = clock.now
            let future = try await cluster.request(
                .get, "/api/v1/nodes?resourceVersion=\(revision + 10)&resourceVersionMatch=Exact")
            #expect(clock.now - started < .seconds(300))
            #expect(future.status == 504)
            #expect(future.json["reason"] == "Timeout")
            #expect(
                future.json["message"].stringValue
                    == "Timeout: Too large resource version: \(revision + 10), current: \(revision)")
            #expect(future.headers["Retry-After"] == nil)
        }
    }
}
