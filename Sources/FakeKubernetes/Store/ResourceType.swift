import Foundation

/// One kind of object the fake serves: where it lives in the API and how it may be selected.
public struct ResourceType: Sendable, Hashable {
    /// The API group, empty for the core group.
    public var group: String
    /// The version, for example `v1`.
    public var version: String
    /// The plural resource name used in paths, for example `pods`.
    public var plural: String
    /// The singular name, for example `pod`.
    public var singular: String
    /// The kind, for example `Pod`.
    public var kind: String
    /// Whether objects live in a namespace.
    public var namespaced: Bool
    /// kubectl's short names, for example `po`.
    public var shortNames: [String]
    /// Subresources listed by discovery, with the kind each answers with.
    public var subresources: [String]
    /// Field selectors the resource accepts.
    public var selectableFields: Set<String>

    /// `group/version`, or `version` for the core group.
    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `plural.group` as error messages name it, or `plural` for the core group.
    public var qualifiedPlural: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// The storage key: the same objects seen through two group versions would share it.
    var storageKey: String { "\(group)/\(plural)" }

    static let metadataFields: Set<String> = ["metadata.name", "metadata.namespace"]

    /// Core `v1` Nodes.
    public static let nodes = ResourceType(
        group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node", namespaced: false,
        shortNames: ["no"], subresources: ["status"], selectableFields: metadataFields.union(["spec.unschedulable"]))
    /// Core `v1` Pods.
    public static let pods = ResourceType(
        group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod", namespaced: true,
        shortNames: ["po"], subresources: ["eviction", "status"],
        selectableFields: metadataFields.union([
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
        ]))
    /// Core `v1` Namespaces.
    public static let namespaces = ResourceType(
        group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false,
        shortNames: ["ns"], subresources: ["status"], selectableFields: metadataFields.union(["status.phase"]))
    /// Core `v1` Events (as NTH writes them).
    public static let coreEvents = ResourceType(
        group: "", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true,
        shortNames: ["ev"], subresources: [],
        selectableFields: metadataFields.union([
            "involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid",
            "reason", "source", "type",
        ]))
    /// `events.k8s.io/v1` Events.
    public static let events = ResourceType(
        group: "events.k8s.io", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true,
        shortNames: ["ev"], subresources: [],
        selectableFields: metadataFields.union(["regarding.kind", "regarding.name", "reason", "type"]))
    /// `coordination.k8s.io/v1` Leases.
    public static let leases = ResourceType(
        group: "coordination.k8s.io", version: "v1", plural: "leases", singular: "lease", kind: "Lease",
        namespaced: true, shortNames: [], subresources: [], selectableFields: metadataFields)
    /// `apps/v1` DaemonSets.
    public static let daemonSets = ResourceType(
        group: "apps", version: "v1", plural: "daemonsets", singular: "daemonset", kind: "DaemonSet",
        namespaced: true, shortNames: ["ds"], subresources: ["status"], selectableFields: metadataFields)
    /// `apps/v1` ReplicaSets.
    public static let replicaSets = ResourceType(
        group: "apps", version: "v1", plural: "replicasets", singular: "replicaset", kind: "ReplicaSet",
        namespaced: true, shortNames: ["rs"], subresources: ["status"], selectableFields: metadataFields)
    /// `policy/v1` PodDisruptionBudgets.
    public static let podDisruptionBudgets = ResourceType(
        group: "policy", version: "v1", plural: "poddisruptionbudgets", singular: "poddisruptionbudget",
        kind: "PodDisruptionBudget", namespaced: true, shortNames: ["pdb"], subresources: ["status"],
        selectableFields: metadataFields)

    /// Core `v1` ConfigMaps (stored, served; no behaviour).
    public static let configMaps = ResourceType(
        group: "", version: "v1", plural: "configmaps", singular: "configmap", kind: "ConfigMap", namespaced: true,
        shortNames: ["cm"], subresources: [], selectableFields: metadataFields)
    /// Core `v1` Services (stored, served; no endpoints are computed).
    public static let services = ResourceType(
        group: "", version: "v1", plural: "services", singular: "service", kind: "Service", namespaced: true,
        shortNames: ["svc"], subresources: ["status"], selectableFields: metadataFields)
    /// Core `v1` ServiceAccounts (stored, served; no tokens are minted).
    public static let serviceAccounts = ResourceType(
        group: "", version: "v1", plural: "serviceaccounts", singular: "serviceaccount", kind: "ServiceAccount",
        namespaced: true, shortNames: ["sa"], subresources: [], selectableFields: metadataFields)
    /// `apps/v1` Deployments (stored, served; no ReplicaSets are made from them).
    public static let deployments = ResourceType(
        group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment",
        namespaced: true, shortNames: ["deploy"], subresources: ["status"], selectableFields: metadataFields)
    /// `apps/v1` StatefulSets (stored, served; no pods are made from them).
    public static let statefulSets = ResourceType(
        group: "apps", version: "v1", plural: "statefulsets", singular: "statefulset", kind: "StatefulSet",
        namespaced: true, shortNames: ["sts"], subresources: ["status"], selectableFields: metadataFields)
    /// `batch/v1` Jobs (stored, served; no pods are made from them).
    public static let jobs = ResourceType(
        group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job", namespaced: true,
        shortNames: [], subresources: ["status"], selectableFields: metadataFields.union(["status.successful"]))

    /// Every resource the fake serves: the ones with behaviour (nodes, pods and what evictions and drains read),
    /// then kinds that are only stored and served, so that seed files of a whole workload load as they are.
    public static let all: [ResourceType] = [
        .nodes, .pods, .namespaces, .coreEvents, .events, .leases, .daemonSets, .replicaSets, .podDisruptionBudgets,
        .configMaps, .services, .serviceAccounts, .deployments, .statefulSets, .jobs,
    ]

    /// The group versions served, core first.
    static let groupVersions: [(group: String, version: String)] = {
        var seen: [String] = []
        var result: [(String, String)] = []
        for resource in all where !seen.contains(resource.groupVersion) {
            seen.append(resource.groupVersion)
            result.append((resource.group, resource.version))
        }
        return result
    }()

    /// Finds a resource by group, version and plural.
    static func find(group: String, version: String, plural: String) -> ResourceType? {
        all.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// Finds a resource by its `apiVersion` and `kind` (for seed files).
    static func find(apiVersion: String, kind: String) -> ResourceType? {
        all.first { $0.groupVersion == apiVersion && $0.kind == kind }
    }
}
