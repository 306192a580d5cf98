import FakeKubernetes
import Foundation
import Testing

@Suite("RBAC in the fake: rules resolved through bindings")
struct AccessRulesBindingTests {
    static let manifests = """
        kind: ClusterRole
        metadata: {name: nth}
        rules: [{apiGroups: [""], resources: [nodes], verbs: [get, patch]}]
        ---
        kind: ClusterRoleBinding
        metadata: {name: nth}
        roleRef: {kind: ClusterRole, name: nth}
        subjects: [{kind: ServiceAccount, name: nth, namespace: kube-system}]
        ---
        kind: Role
        metadata: {name: leader-election}
        rules: [{apiGroups: [coordination.k8s.io], resources: [leases], verbs: ["*"]}]
        ---
        kind: RoleBinding
        metadata: {name: leader-election}
        roleRef: {kind: Role, name: leader-election}
        subjects: [{kind: ServiceAccount, name: nth}]
        ---
        kind: ClusterRole
        metadata: {name: event-writer}
        rules: [{apiGroups: [""], resources: [events], verbs: [create]}]
        ---
        kind: RoleBinding
        metadata: {name: events, namespace: team-a}
        roleRef: {kind: ClusterRole, name: event-writer}
        subjects: [{kind: User, name: "system:serviceaccount:kube-system:nth"}]
        ---
        kind: ClusterRole
        metadata: {name: everything}
        rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
        ---
        kind: ClusterRoleBinding
        metadata: {name: someone-else}
        roleRef: {kind: ClusterRole, name: everything}
        subjects: [{kind: ServiceAccount, name: other, namespace: kube-system}]
        """

    @Test("only roles bound to the user count, each in the scope its binding gives")
    func boundRolesOnly() throws {
        let rules = try AccessRules(
            boundManifests: Self.manifests, defaultNamespace: "kube-system",
            user: "system:serviceaccount:kube-system:nth")
        #expect(rules.allows(verb: "patch", group: "", resource: "nodes", namespace: nil))
        #expect(
            rules.allows(verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system"))
        #expect(!rules.allows(verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: "default"))
        #expect(rules.allows(verb: "create", group: "", resource: "events", namespace: "team-a"))
        #expect(!rules.allows(verb: "create", group: "", resource: "events", namespace: "team-b"))
        // Bound to another service account only.
        #expect(!rules.allows(verb: "delete", group: "", resource: "pods", namespace: "default"))
        #expect(rules.user == "system:serviceaccount:kube-system:nth")
    }

    @Test("without any binding, every ClusterRole and Role counts, as with init(manifests:)")
    func noBindings() throws {
        let text = """
            kind: ClusterRole
            metadata: {name: reader}
            rules: [{apiGroups: [""], resources: [nodes], verbs: [get]}]
            """
        let bound = try AccessRules(boundManifests: text, defaultNamespace: "ops", user: "anyone")
        let plain = try AccessRules(manifests: text, defaultNamespace: "ops", user: "anyone")
        #expect(bound == plain)
        #expect(bound.allows(verb: "get", group: "", resource: "nodes", namespace: nil))
    }

    @Test("a user no binding names gets no rules")
    func unboundUser() throws {
        let rules = try AccessRules(boundManifests: Self.manifests, defaultNamespace: "kube-system", user: "nobody")
        #expect(rules.rules.isEmpty)
    }
}
