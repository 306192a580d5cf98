import Foundation
public import JSONValues

/// Generates a cluster shaped like an EKS one: nodes with AWS providerIDs, two DaemonSets (a pod of each on every
/// node), workload ReplicaSets spread across nodes, and a PodDisruptionBudget (`maxUnavailable: 1`) per ReplicaSet.
public struct ClusterGenerator: Sendable {
    /// How many nodes.
    public var nodes: Int
    /// Workload pods per node (DaemonSet pods come on top).
    public var podsPerNode: Int
    /// Pods per ReplicaSet.
    public var replicasPerSet = 10
    /// Workload namespaces, round-robin.
    public var namespaces = ["team-a", "team-b", "team-c"]
    /// Availability zones, round-robin.
    public var zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

    /// Creates a generator.
    public init(nodes: Int, podsPerNode: Int) {
        self.nodes = nodes
        self.podsPerNode = podsPerNode
    }

    /// The node name for an index: `ip-10-X-Y-Z.ec2.internal`.
    public static func nodeName(_ index: Int) -> String {
        "ip-10-\(index / 65536 % 256)-\(index / 256 % 256)-\(index % 256).ec2.internal"
    }

    /// The instance id for an index: `i-0` followed by 16 hex digits.
    public static func instanceID(_ index: Int) -> String {
        "i-0" + String(UInt64(index) &* 0x9E37_79B9 &+ 0x1234_5678_9abc, radix: 16).leftPadded(to: 16)
    }

    /// Every object, in an order the store accepts (namespaces and owners before pods).
    public func objects() -> [JSONValue] {
        var result: [JSONValue] = (["kube-system"] + namespaces).map(ObjectFactory.namespace)
        let daemonSets = [("aws-node", "k8s-app"), ("kube-proxy", "k8s-app")]
        for (name, key) in daemonSets {
            result.append(
                ObjectFactory.daemonSet(
                    name: name, namespace: "kube-system", uid: ObjectFactory.stableUID("ds/\(name)"),
                    labels: [key: name]))
        }
        let workloadPods = nodes * podsPerNode
        let sets = (workloadPods + replicasPerSet - 1) / max(1, replicasPerSet)
        for set in 0..<sets {
            let namespace = namespaces[set % namespaces.count]
            let name = "app-\(set)-7d4b9c"
            let replicas = min(replicasPerSet, workloadPods - set * replicasPerSet)
            result.append(
                ObjectFactory.replicaSet(
                    name: name, namespace: namespace, uid: ObjectFactory.stableUID("rs/\(name)"),
                    replicas: Int64(replicas), labels: ["app": "app-\(set)"]))
            result.append(
                ObjectFactory.podDisruptionBudget(
                    name: "app-\(set)", namespace: namespace, selector: ["app": "app-\(set)"], maxUnavailable: 1))
        }
        for index in 0..<nodes {
            let nodeName = Self.nodeName(index)
            result.append(
                ObjectFactory.node(
                    name: nodeName, instanceID: Self.instanceID(index), zone: zones[index % zones.count],
                    capacityType: index % 2 == 0 ? "SPOT" : "ON_DEMAND"))
            for (name, key) in daemonSets {
                result.append(
                    ObjectFactory.pod(
                        name: "\(name)-\(String(index, radix: 36).leftPadded(to: 5))", namespace: "kube-system",
                        nodeName: nodeName, labels: [key: name],
                        owner: .daemonSet(name: name, uid: ObjectFactory.stableUID("ds/\(name)"))))
            }
        }
        // Spread each ReplicaSet's pods across consecutive nodes, as a scheduler's spreading would.
        for pod in 0..<workloadPods {
            let set = pod / max(1, replicasPerSet)
            let ordinal = pod % max(1, replicasPerSet)
            let node = (set + ordinal * max(1, nodes / max(1, replicasPerSet))) % max(1, nodes)
            let namespace = namespaces[set % namespaces.count]
            let owner = "app-\(set)-7d4b9c"
            result.append(
                ObjectFactory.pod(
                    name: "\(owner)-\(String(ordinal, radix: 36).leftPadded(to: 5))", namespace: namespace,
                    nodeName: Self.nodeName(node), labels: ["app": "app-\(set)"],
                    owner: .replicaSet(name: owner, uid: ObjectFactory.stableUID("rs/\(owner)")),
                    emptyDir: pod % 7 == 0))
        }
        return result
    }
}
