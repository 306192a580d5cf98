import Foundation
public import JSONValues

/// Realistic objects for seeding: shaped as an EKS cluster's are, enough for kubectl and the controller.
public enum ObjectFactory {
    /// A Ready node with an AWS providerID `aws:///<zone>/<instanceID>`.
    public static func node(
        name: String, instanceID: String, zone: String = "us-east-1a", instanceType: String = "m5.large",
        capacityType: String = "SPOT", kubeletVersion: String = "v1.32.0-eks-fake"
    ) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Node",
            "metadata": [
                "name": .string(name),
                "labels": [
                    "kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": .string(zone),
                    "topology.kubernetes.io/region": .string(String(zone.dropLast())),
                    "node.kubernetes.io/instance-type": .string(instanceType),
                    "eks.amazonaws.com/capacityType": .string(capacityType),
                ],
            ],
            "spec": ["providerID": .string("aws:///\(zone)/\(instanceID)")],
            "status": [
                "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]],
                "nodeInfo": ["kubeletVersion": .string(kubeletVersion)],
                "addresses": [["type": "Hostname", "address": .string(name)]],
            ],
        ]
    }

    /// What controls a pod.
    public enum Owner: Sendable {
        /// A ReplicaSet (controller reference `apps/v1 ReplicaSet`).
        case replicaSet(name: String, uid: String)
        /// A DaemonSet (controller reference `apps/v1 DaemonSet`), skipped by `kubectl drain --ignore-daemonsets`.
        case daemonSet(name: String, uid: String)
        /// No controller: a bare pod, which needs `--force` to drain.
        case none
    }

    /// A Running, Ready pod bound to `nodeName`.
    /// - Parameters:
    ///   - emptyDir: adds an `emptyDir` volume (needs `--delete-emptydir-data` to drain).
    ///   - mirror: a static pod's mirror: annotation `kubernetes.io/config.mirror` and an owner reference to the
    ///     Node, as the kubelet creates them; drain skips it.
    public static func pod(
        name: String, namespace: String, nodeName: String, labels: [String: String] = [:], owner: Owner = .none,
        emptyDir: Bool = false, mirror: Bool = false, terminationGracePeriodSeconds: Int64 = 30
    ) -> JSONValue {
        var pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace),
                "labels": .object(labels.mapValues { .string($0) }),
            ],
            "spec": [
                "nodeName": .string(nodeName), "terminationGracePeriodSeconds": .int(terminationGracePeriodSeconds),
                "containers": [["name": "main", "image": "public.ecr.aws/docker/library/busybox:1.36"]],
                "restartPolicy": "Always", "schedulerName": "default-scheduler",
            ],
            "status": [
                "phase": "Running",
                "conditions": [["type": "Ready", "status": "True"], ["type": "PodScheduled", "status": "True"]],
                "containerStatuses": [["name": "main", "ready": true, "restartCount": 0]],
            ],
        ]
        switch owner {
        case .replicaSet(let ownerName, let uid):
            pod["metadata"]["ownerReferences"] = [reference(kind: "ReplicaSet", name: ownerName, uid: uid)]
        case .daemonSet(let ownerName, let uid):
            pod["metadata"]["ownerReferences"] = [reference(kind: "DaemonSet", name: ownerName, uid: uid)]
            pod["spec"]["tolerations"] = [["operator": "Exists"]]
        case .none: break
        }
        if emptyDir {
            pod["spec"]["volumes"] = [["name": "scratch", "emptyDir": .emptyObject]]
        }
        if mirror {
            pod["metadata"]["annotations"] = [
                "kubernetes.io/config.mirror": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                "kubernetes.io/config.source": "file", "kubernetes.io/config.hash": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            ]
            pod["metadata"]["ownerReferences"] = [
                [
                    "apiVersion": "v1", "kind": "Node", "name": .string(nodeName), "uid": .string(stableUID(nodeName)),
                    "controller": true,
                ]
            ]
            pod["spec"]["priorityClassName"] = "system-node-critical"
        }
        return pod
    }

    private static func reference(kind: String, name: String, uid: String) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": .string(kind), "name": .string(name), "uid": .string(uid),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }

    /// A DaemonSet; give it `uid` so that its pods' owner references point at it.
    public static func daemonSet(name: String, namespace: String, uid: String, labels: [String: String]) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)],
            "spec": [
                "selector": ["matchLabels": .object(labels.mapValues { .string($0) })],
                "template": ["metadata": ["labels": .object(labels.mapValues { .string($0) })]],
            ],
        ]
    }

    /// A ReplicaSet with `replicas` desired pods.
    public static func replicaSet(
        name: String, namespace: String, uid: String, replicas: Int64, labels: [String: String]
    ) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)],
            "spec": [
                "replicas": .int(replicas), "selector": ["matchLabels": .object(labels.mapValues { .string($0) })],
            ],
        ]
    }

    /// A policy/v1 PodDisruptionBudget with `minAvailable` or `maxUnavailable` (an integer or a percentage).
    public static func podDisruptionBudget(
        name: String, namespace: String, selector: [String: String], minAvailable: JSONValue? = nil,
        maxUnavailable: JSONValue? = nil
    ) -> JSONValue {
        var budget: JSONValue = [
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["selector": ["matchLabels": .object(selector.mapValues { .string($0) })]],
        ]
        if let minAvailable { budget["spec"]["minAvailable"] = minAvailable }
        if let maxUnavailable { budget["spec"]["maxUnavailable"] = maxUnavailable }
        return budget
    }

    /// A namespace.
    public static func namespace(_ name: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
    }

    /// A deterministic UUID-shaped id for a name, so that generated owners and references agree across runs.
    public static func stableUID(_ name: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16).leftPadded(to: 16)
        let second = String(hash.byteSwapped, radix: 16).leftPadded(to: 16)
        let all = Array(hex + second)
        return "\(String(all[0..<8]))-\(String(all[8..<12]))-\(String(all[12..<16]))-\(String(all[16..<20]))-"
            + String(all[20..<32])
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
