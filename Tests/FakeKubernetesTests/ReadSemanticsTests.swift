import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import TestSupport
import Testing

@Suite("Reads: resourceVersion semantics, selectors, paging, ledger classes")
struct ReadSemanticsTests {
    static func seedTwoNodes(_ cluster: FakeCluster) async throws {
        for index in 1...2 {
            try await cluster.store.seed(
                ObjectFactory.node(name: "node-\(index)", instanceID: "i-0000000000000000\(index)"))
        }
        for index in 0..<6 {
            try await cluster.store.seed(
                ObjectFactory.pod(
                    name: "pod-\(index)", namespace: index % 2 == 0 ? "default" : "shop",
                    nodeName: "node-\(index % 3 == 0 ? 1 : 2)", labels: ["app": index < 3 ? "web" : "db"]))
        }
    }

    @Test("a list without resourceVersion is a consistent read; 0 and NotOlderThan are cache reads")
    func listClasses() async throws {
        try await withFakeCluster { cluster in
            try await Self.seedTwoNodes(cluster)
            cluster.server.ledger.reset()
            let consistent = try await cluster.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&limit=500")
            #expect(consistent.status == 200)
            #expect(consistent.json.itemNames == ["pod-0", "pod-3"].sorted())
            let rv = try #require(consistent.json["metadata"]["resourceVersion"].stringValue)
            let cached = try await cluster.get("/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1")
            #expect(cached.json.itemNames.count == 2)
            let notOlder = try await cluster.get(
                "/api/v1/pods?resourceVersion=\(rv)&resourceVersionMatch=NotOlderThan&fieldSelector=spec.nodeName%3Dnode-2"
            )
            // Lists come in key order: namespace, then name.
            #expect(notOlder.json.itemNames == ["pod-2", "pod-4", "pod-1", "pod-5"])
            let ledger = cluster.server.ledger.snapshot()
            #expect(ledger.count(.consistentRead) == 1)
            #expect(ledger.count(.cacheRead) == 2)
            #expect(ledger.byPath["GET /api/v1/pods"] == 3)
        }
    }

    @Test("resourceVersion=0 ignores limit; other lists page with continue at one resourceVersion")
    func paging() async throws {
        try await withFakeCluster { cluster in
            try await Self.seedTwoNodes(cluster)
            let all = try await cluster.get("/api/v1/pods?resourceVersion=0&limit=2")
            #expect(all.json.itemNames.count == 6)
            #expect(all.json["metadata"]["continue"].isNull)
            var names: [String] = []
            var path = "/api/v1/pods?limit=4"
            var pages = 0
            var listRV: String?
            while pages < 10 {
                let page = try await cluster.get(path)
                #expect(page.status == 200)
                names += page.json.itemNames
                pages += 1
                if let rv = listRV { #expect(page.json["metadata"]["resourceVersion"].stringValue == rv) }
                listRV = page.json["metadata"]["resourceVersion"].stringValue
                guard let token = page.json["metadata"]["continue"].stringValue else { break }
                path =
                    "/api/v1/pods?limit=4&continue=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)"
            }
            #expect(pages == 2)
            #expect(Set(names).count == 6)
        }
    }

    @Test("label selectors (equality and set-based) and field selectors; unsupported fields are 400")
    func selectors() async throws {
        try await withFakeCluster { cluster in
            try await Self.seedTwoNodes(cluster)
            let web = try await cluster.get("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")
            #expect(web.json.itemNames == ["pod-0", "pod-2"])
            let setBased = try await cluster.get("/api/v1/pods?labelSelector=app%20in%20(db),app!%3Dweb")
            #expect(setBased.json.itemNames == ["pod-4", "pod-3", "pod-5"])
            let byName = try await cluster.get(
                "/api/v1/pods?fieldSelector=metadata.name%3Dpod-1,status.phase%3DRunning")
            #expect(byName.json.itemNames == ["pod-1"])
            let byNamespace = try await cluster.get("/api/v1/pods?fieldSelector=metadata.namespace%3Dshop")
            #expect(byNamespace.json.itemNames == ["pod-1", "pod-3", "pod-5"])
            let bad = try await cluster.get("/api/v1/pods?fieldSelector=spec.bogus%3Dx")
            #expect(bad.status == 400)
            #expect(bad.json["message"].stringValue == "field label not supported: spec.bogus")
        }
    }

    @Test("a lagging cache serves stale cache reads while consistent reads see the write; NotOlderThan waits")
    func laggingCache() async throws {
        var configuration = ClusterStore.Configuration()
        // A lag no test run outlasts, lifted by hand (setCacheLag(.zero) applies every pending write): the stale
        // reads cannot turn fresh however slow the machine.
        configuration.cacheLag = .seconds(600)
        configuration.cacheWaitTimeout = .seconds(600)
        try await withFakeCluster(store: configuration) { cluster in
            let seeded = try await cluster.store.seed(
                ObjectFactory.node(name: "node-1", instanceID: "i-00000000000000001"))
            let seededRV = try #require(seeded["metadata"]["resourceVersion"].stringValue)
            #expect(try await cluster.get("/api/v1/nodes?resourceVersion=0").json.itemNames.isEmpty)
            async let caughtUp = cluster.get(
                "/api/v1/nodes?resourceVersion=\(seededRV)&resourceVersionMatch=NotOlderThan")
            try await eventually("the NotOlderThan read waiting") { await cluster.store.cacheWaiters > 0 }
            await cluster.store.setCacheLag(.zero)
            #expect(try await caughtUp.json.itemNames == ["node-1"])
            await cluster.store.setCacheLag(.seconds(600))
            let patched = try await cluster.request(
                .patch, "/api/v1/nodes/node-1", body: ["spec": ["unschedulable": true]],
                contentType: "application/strategic-merge-patch+json")
            #expect(patched.status == 200)
            let rv = try #require(patched.json["metadata"]["resourceVersion"].stringValue)
            let stale = try await cluster.get("/api/v1/nodes?resourceVersion=0")
            #expect(stale.json["items"].arrayValue?.first?["spec"]["unschedulable"] == .null)
            let fresh = try await cluster.get("/api/v1/nodes")
            #expect(fresh.json["items"].arrayValue?.first?["spec"]["unschedulable"] == true)
            async let waiting = cluster.get("/api/v1/nodes?resourceVersion=\(rv)&resourceVersionMatch=NotOlderThan")
            try await eventually("the NotOlderThan read waiting") { await cluster.store.cacheWaiters > 0 }
            await cluster.store.setCacheLag(.zero)
            let waited = try await waiting
            #expect(waited.status == 200)
            #expect(waited.json["items"].arrayValue?.first?["spec"]["unschedulable"] == true)
            let future = try await cluster.get("/api/v1/nodes?resourceVersion=999999&resourceVersionMatch=NotOlderThan")
            #expect(future.status == 504)
        }
    }

    @Test("discovery lists pods/eviction as policy/v1 Eviction; missing objects are 404 Status")
    func discoveryAndNotFound() async throws {
        try await withFakeCluster { cluster in
            let core = try await cluster.get("/api/v1")
            let eviction = (core.json["resources"].arrayValue ?? []).first { $0["name"] == "pods/eviction" }
            #expect(eviction?["group"] == "policy")
            #expect(eviction?["version"] == "v1")
            #expect(eviction?["kind"] == "Eviction")
            let groups = try await cluster.get("/apis").json["groups"].arrayValue ?? []
            #expect(
                Set(groups.compactMap { $0["name"].stringValue })
                    == ["apps", "batch", "policy", "coordination.k8s.io", "events.k8s.io"])
            #expect(try await cluster.get("/apis/apps/v1").status == 200)
            #expect(try await cluster.get("/version").json["minor"] == "32")
            let missing = try await cluster.get("/apis/apps/v1/namespaces/kube-system/daemonsets/nope")
            #expect(missing.status == 404)
            #expect(missing.json["message"] == "daemonsets.apps \"nope\" not found")
            #expect(missing.json["reason"] == "NotFound")
            #expect(cluster.server.ledger.snapshot().count(.discovery) == 4)
        }
    }

    @Test(
        "list options are validated as the apiserver does: 422 on ListOptions naming every rule broken, 400 for continue with a resourceVersion"
    )
    func listOptionsValidation() async throws {
        try await withFakeCluster { cluster in
            let noVersion = try await cluster.get("/api/v1/pods?resourceVersionMatch=NotOlderThan")
            #expect(noVersion.status == 422)
            #expect(noVersion.json["reason"] == "Invalid")
            #expect(
                noVersion.json["message"]
                    == "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
            )
            #expect(noVersion.json["details"]["causes"].arrayValue?.first?["field"] == "resourceVersionMatch")

            let exactZero = try await cluster.get("/api/v1/pods?resourceVersion=0&resourceVersionMatch=Exact")
            #expect(exactZero.status == 422)
            #expect(
                exactZero.json["message"].stringValue?.hasSuffix(
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"") == true)

            let twoRules = try await cluster.get("/api/v1/pods?resourceVersionMatch=Sometimes")
            #expect(twoRules.status == 422)
            #expect(twoRules.json["details"]["causes"].arrayValue?.count == 2)
            #expect(twoRules.json["message"].stringValue?.contains("[resourceVersionMatch: Forbidden: ") == true)
            #expect(twoRules.json["message"].stringValue?.contains("supported values: \"Exact\"") == true)

            _ = try await cluster.store.seed(ObjectFactory.pod(name: "a", namespace: "default", nodeName: "n"))
            _ = try await cluster.store.seed(ObjectFactory.pod(name: "b", namespace: "default", nodeName: "n"))
            let page = try await cluster.get("/api/v1/pods?limit=1")
            let token = try #require(page.json["metadata"]["continue"].stringValue)
            let escaped = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
            let withVersion = try await cluster.get("/api/v1/pods?limit=1&resourceVersion=5&continue=\(escaped)")
            #expect(withVersion.status == 400)
            #expect(withVersion.json["message"] == "specifying resource version is not allowed when using continue")
            let withMatch = try await cluster.get(
                "/api/v1/pods?limit=1&resourceVersion=5&resourceVersionMatch=Exact&continue=\(escaped)")
            #expect(withMatch.status == 422)
            #expect(
                withMatch.json["message"].stringValue?.hasSuffix(
                    "resourceVersionMatch is forbidden when continue is provided") == true)
            #expect(try await cluster.get("/api/v1/pods?limit=1&resourceVersion=0&continue=\(escaped)").status == 200)
        }
    }
}
