import Foundation
import JSONValues
import Yams

/// RBAC for the fake: the rules of ClusterRoles and Roles bound to the one identity the fake serves, enforced on
/// every resource request as the apiserver's RBAC authorizer does (discovery stays open, as `system:discovery`
/// grants). A request no rule allows gets the apiserver's 403 `Forbidden` Status.
///
/// Load the rules from the manifests a chart ships (`ClusterRole` and `Role` documents; other kinds are ignored),
/// then run a workload and read the ledger: a 403 means a rule is missing.
public struct AccessRules: Sendable, Equatable {
    /// One `PolicyRule`, scoped to a namespace when it came from a Role.
    public struct Rule: Sendable, Equatable {
        /// `apiGroups` (`""` for the core group, `*` for any).
        public var apiGroups: [String]
        /// `resources`, subresources as `pods/eviction` (`*` for any).
        public var resources: [String]
        /// `verbs` (`*` for any).
        public var verbs: [String]
        /// The Role's namespace; `nil` for a ClusterRole's rule, which applies everywhere.
        public var namespace: String?

        /// Creates a rule.
        public init(apiGroups: [String], resources: [String], verbs: [String], namespace: String? = nil) {
            self.apiGroups = apiGroups
            self.resources = resources
            self.verbs = verbs
            self.namespace = namespace
        }

        func allows(verb: String, group: String, resource: String, namespace requested: String?) -> Bool {
            if let namespace, namespace != requested { return false }
            return (apiGroups.contains("*") || apiGroups.contains(group))
                && (resources.contains("*") || resources.contains(resource))
                && (verbs.contains("*") || verbs.contains(verb))
        }
    }

    /// The rules.
    public var rules: [Rule]
    /// The user named in 403 messages, for example `system:serviceaccount:kube-system:node-termination-handler`.
    public var user: String

    /// Rules as given.
    public init(rules: [Rule], user: String = "system:serviceaccount:default:default") {
        self.rules = rules
        self.user = user
    }

    /// The rules of every `ClusterRole` and `Role` in a multi-document YAML text. A Role without a namespace gets
    /// `defaultNamespace`.
    /// - Throws: when the YAML does not parse.
    public init(manifests text: String, defaultNamespace: String, user: String) throws {
        var rules: [Rule] = []
        for document in try Yams.load_all(yaml: text) {
            guard let object = document as? [String: Any], let kind = object["kind"] as? String,
                kind == "ClusterRole" || kind == "Role"
            else { continue }
            let metadata = object["metadata"] as? [String: Any] ?? [:]
            let namespace = kind == "Role" ? (metadata["namespace"] as? String ?? defaultNamespace) : nil
            for rule in object["rules"] as? [[String: Any]] ?? [] {
                rules.append(
                    Rule(
                        apiGroups: Self.strings(rule["apiGroups"]), resources: Self.strings(rule["resources"]),
                        verbs: Self.strings(rule["verbs"]), namespace: namespace))
            }
        }
        self.init(rules: rules, user: user)
    }

    static func strings(_ value: Any?) -> [String] {
        (value as? [Any] ?? []).map { "\($0)" }
    }

    /// Whether some rule allows `verb` on `resource` (with its subresource) of `group` in `namespace`.
    public func allows(verb: String, group: String, resource: String, namespace: String?) -> Bool {
        rules.contains { $0.allows(verb: verb, group: group, resource: resource, namespace: namespace) }
    }

    /// The apiserver's 403 for a denied request.
    func forbidden(verb: String, target: APIRoute.ResourceRoute) -> APIError {
        let resource = target.resource
        let full = target.subresource.map { "\(resource.plural)/\($0)" } ?? resource.plural
        let subject = target.name.map { "\(resource.qualifiedPlural) \"\($0)\"" } ?? resource.qualifiedPlural
        let scope = target.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        var details: JSONValue = ["kind": .string(resource.plural)]
        if let name = target.name { details["name"] = .string(name) }
        if !resource.group.isEmpty { details["group"] = .string(resource.group) }
        return APIError(
            code: 403, reason: "Forbidden",
            message: "\(subject) is forbidden: User \"\(user)\" cannot \(verb) resource \"\(full)\" in API group "
                + "\"\(resource.group)\" \(scope)",
            details: details)
    }
}
