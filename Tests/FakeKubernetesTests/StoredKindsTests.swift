import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import Testing

/// Kinds the fake only stores and serves (Deployments, StatefulSets, Jobs, ConfigMaps, Services, ServiceAccounts),
/// so that a seed file of a whole workload loads as it is and kubectl can read it back.
@Suite("stored-only kinds")
struct StoredKindsTests {
    static let workload = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop, labels: {app: web}}
        spec: {replicas: 3, selector: {matchLabels: {app: web}}}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: shop}
        spec: {replicas: 1, serviceName: db}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate, namespace: shop}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: shop}
        data: {mode: fast}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: worker, namespace: shop}
        """

    @Test(
        "a seed file with Deployments, StatefulSets, Jobs, ConfigMaps, Services and ServiceAccounts loads and is served"
    )
    func seedAndServe() async throws {
        try await withFakeCluster { cluster in
            let seeded = try await SeedFile.seed(try SeedFile.objects(fromText: Self.workload), into: cluster.store)
            #expect(seeded == 7)
            let paths = [
                "/apis/apps/v1/namespaces/shop/deployments/web", "/apis/apps/v1/namespaces/shop/statefulsets/db",
                "/apis/batch/v1/namespaces/shop/jobs/migrate", "/api/v1/namespaces/shop/configmaps/settings",
                "/api/v1/namespaces/shop/services/web", "/api/v1/namespaces/shop/serviceaccounts/worker",
            ]
            for path in paths {
                let response = try await cluster.get(path)
                #expect(response.status == 200, "\(path)")
                #expect(response.json["metadata"]["resourceVersion"].stringValue != nil, "\(path)")
            }
            let configMap = try await cluster.get("/api/v1/namespaces/shop/configmaps/settings")
            #expect(configMap.json["data"]["mode"].stringValue == "fast")
            let list = try await cluster.get("/apis/apps/v1/deployments?labelSelector=app%3Dweb")
            #expect(list.json["items"].arrayValue?.count == 1)
            let batch = try await cluster.get("/apis/batch/v1")
            let names = batch.json["resources"].arrayValue?.compactMap { $0["name"].stringValue } ?? []
            #expect(names.contains("jobs"))
            let groups = try await cluster.get("/apis")
            let groupNames = groups.json["groups"].arrayValue?.compactMap { $0["name"].stringValue } ?? []
            #expect(groupNames.contains("batch"))
        }
    }

    @Test("kubectl reads the stored kinds back and creates a ConfigMap from a manifest")
    func kubectlReadsThem() async throws {
        try await withFakeCluster { cluster in
            _ = try await SeedFile.seed(try SeedFile.objects(fromText: Self.workload), into: cluster.store)
            let executable = try #require(
                KubectlRunner.locate(), "kubectl not found on PATH, in $KUBECTL or at /usr/bin/kubectl")
            let kubectl = try KubectlRunner(executable: executable, server: cluster.url)
            defer { kubectl.cleanUp() }
            let listed = try await kubectl.run([
                "get", "deployments,statefulsets,jobs,configmaps,services,serviceaccounts", "-n", "shop", "-o", "name",
            ])
            #expect(listed.status == 0, "\(listed.stderr)")
            let names = Set(listed.stdout.split(separator: "\n").map(String.init))
            #expect(
                names == [
                    "deployment.apps/web", "statefulset.apps/db", "job.batch/migrate", "configmap/settings",
                    "service/web", "serviceaccount/worker",
                ])
            // `create -f` sends JSON; `create configmap NAME` would send protobuf, which the fake answers with 415.
            let manifest = kubectl.home.appendingPathComponent("extra.yaml")
            try Data(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: shop}\ndata: {key: value}\n".utf8
            ).write(to: manifest)
            let created = try await kubectl.run(["create", "-f", manifest.path, "--validate=false"])
            #expect(created.status == 0, "\(created.stderr)")
            let stored = await cluster.store.object(.configMaps, namespace: "shop", name: "extra")
            #expect(stored?["data"]["key"].stringValue == "value")
        }
    }
}
