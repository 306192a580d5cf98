import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import Testing

@Suite("RBAC in the fake: access rules from ClusterRoles and Roles")
struct AccessRulesTests {
    static let manifests = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: reader}
        rules:
        - apiGroups: [""]
          resources: [nodes]
          verbs: [get, list]
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: ignored}
        ---
        kind: Role
        metadata: {name: leases, namespace: kube-system}
        rules:
        - apiGroups: [coordination.k8s.io]
          resources: [leases]
          verbs: ["*"]
        """

    @Test("allowed calls pass; others get the apiserver's 403 naming user, verb, resource, group and scope")
    func enforced() async throws {
        var configuration = FakeAPIServer.Configuration()
        configuration.accessRules = try AccessRules(
            manifests: Self.manifests, defaultNamespace: "default", user: "system:serviceaccount:ops:nth")
        try await withFakeCluster(server: configuration) { cluster in
            _ = try await cluster.store.seed(ObjectFactory.node(name: "node-1", instanceID: "i-0123456789abcdef0"))
            #expect(try await cluster.get("/api/v1/nodes").status == 200)
            #expect(try await cluster.get("/api/v1/nodes/node-1").status == 200)
            #expect(try await cluster.get("/api/v1").status == 200, "discovery stays open")

            let patch = try await cluster.request(
                .patch, "/api/v1/nodes/node-1", body: ["spec": ["unschedulable": true]],
                contentType: "application/merge-patch+json")
            #expect(patch.status == 403)
            #expect(patch.json["reason"] == "Forbidden")
            #expect(
                patch.json["message"]
                    == #"nodes "node-1" is forbidden: User "system:serviceaccount:ops:nth" cannot patch resource "nodes" in API group "" at the cluster scope"#
            )
            let watch = try await cluster.get("/api/v1/nodes?watch=true")
            #expect(watch.status == 403)

            let lease = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"
            #expect(try await cluster.get(lease).status == 200, "the Role allows every verb in its namespace")
            let elsewhere = try await cluster.get("/apis/coordination.k8s.io/v1/namespaces/default/leases")
            #expect(elsewhere.status == 403, "a Role's rules stop at its namespace")
            #expect(
                elsewhere.json["message"]
                    == #"leases.coordination.k8s.io is forbidden: User "system:serviceaccount:ops:nth" cannot list resource "leases" in API group "coordination.k8s.io" in the namespace "default""#
            )
            #expect(cluster.server.ledger.snapshot().entries.filter { $0.status == 403 }.count == 3)
        }
    }

    @Test("a subresource needs its own rule: pods do not grant pods/eviction")
    func subresources() {
        let rules = AccessRules(rules: [
            AccessRules.Rule(apiGroups: [""], resources: ["pods"], verbs: ["*"])
        ])
        #expect(rules.allows(verb: "create", group: "", resource: "pods", namespace: "apps"))
        #expect(!rules.allows(verb: "create", group: "", resource: "pods/eviction", namespace: "apps"))
        #expect(!rules.allows(verb: "get", group: "apps", resource: "pods", namespace: "apps"))
    }
}
