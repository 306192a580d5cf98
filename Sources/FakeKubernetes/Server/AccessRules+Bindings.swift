import Foundation
import Yams

extension AccessRules {
    /// The rules a multi-document YAML text grants `user` through its bindings, as the apiserver's RBAC authorizer
    /// resolves them: a `ClusterRoleBinding` grants its `ClusterRole` everywhere; a `RoleBinding` grants its `Role`,
    /// or the rules of its `ClusterRole`, in the binding's namespace. A subject matches `user` when it is a `User` of
    /// that name, or a `ServiceAccount` whose `system:serviceaccount:NAMESPACE:NAME` is `user` (its namespace
    /// defaulting to the binding's). A text without any binding grants the rules of all its roles, as
    /// ``init(manifests:defaultNamespace:user:)`` does. Objects without a namespace get `defaultNamespace`.
    /// - Throws: when the YAML does not parse.
    public init(boundManifests text: String, defaultNamespace: String, user: String) throws {
        let documents = try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
        func kind(_ object: [String: Any]) -> String { object["kind"] as? String ?? "" }
        func metadata(_ object: [String: Any], _ field: String) -> String? {
            (object["metadata"] as? [String: Any])?[field] as? String
        }
        let bindings = documents.filter { ["ClusterRoleBinding", "RoleBinding"].contains(kind($0)) }
        guard !bindings.isEmpty else {
            try self.init(manifests: text, defaultNamespace: defaultNamespace, user: user)
            return
        }
        var rules: [Rule] = []
        for binding in bindings {
            let bindingNamespace =
                kind(binding) == "RoleBinding" ? metadata(binding, "namespace") ?? defaultNamespace : nil
            let subjects = binding["subjects"] as? [[String: Any]] ?? []
            let bound = subjects.contains { subject in
                let name = subject["name"] as? String ?? ""
                switch subject["kind"] as? String {
                case "User": return name == user
                case "ServiceAccount":
                    let namespace = subject["namespace"] as? String ?? bindingNamespace ?? defaultNamespace
                    return "system:serviceaccount:\(namespace):\(name)" == user
                default: return false
                }
            }
            guard bound, let reference = binding["roleRef"] as? [String: Any],
                let roleKind = reference["kind"] as? String, let roleName = reference["name"] as? String
            else { continue }
            let role = documents.first {
                kind($0) == roleKind && metadata($0, "name") == roleName
                    && (roleKind == "ClusterRole"
                        || (metadata($0, "namespace") ?? defaultNamespace) == bindingNamespace)
            }
            for rule in role?["rules"] as? [[String: Any]] ?? [] {
                rules.append(
                    Rule(
                        apiGroups: Self.strings(rule["apiGroups"]), resources: Self.strings(rule["resources"]),
                        verbs: Self.strings(rule["verbs"]), namespace: bindingNamespace))
            }
        }
        self.init(rules: rules, user: user)
    }
}
