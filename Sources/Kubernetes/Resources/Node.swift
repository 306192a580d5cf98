public import Foundation

/// A core/v1 Node, with the fields a cordon-and-drain controller reads and writes.
///
/// See https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1/
public struct Node: KubernetesResource, Hashable {
    /// The resource `nodes` in the core group; cluster-scoped.
    public static let descriptor = ResourceDescriptor(
        group: "", version: "v1", kind: "Node", plural: "nodes", isNamespaced: false)

    /// `v1`.
    public var apiVersion: String?
    /// `Node`.
    public var kind: String?
    /// The node's metadata.
    public var metadata: ObjectMeta
    /// The node's spec.
    public var spec: NodeSpec?
    /// The node's status.
    public var status: NodeStatus?

    /// Creates a node.
    public init(metadata: ObjectMeta, spec: NodeSpec? = nil, status: NodeStatus? = nil) {
        self.apiVersion = Self.descriptor.apiVersion
        self.kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// The EC2 instance id from `spec.providerID` (`aws:///<az>/<instance-id>`), or `nil` for other providers.
    public var instanceID: String? {
        guard let providerID = spec?.providerID else { return nil }
        return Node.instanceID(fromProviderID: providerID)
    }

    /// Parses `aws:///us-east-1a/i-0abc…` (or `aws://us-east-1a/i-…`) into `i-0abc…`; `nil` when it is not an AWS
    /// provider id or its last segment is not an instance id.
    public static func instanceID(fromProviderID providerID: String) -> String? {
        guard providerID.hasPrefix("aws://") else { return nil }
        guard let last = providerID.split(separator: "/").last, last.hasPrefix("i-"), last.count > 2 else {
            return nil
        }
        return String(last)
    }
}

/// `v1.NodeSpec`.
public struct NodeSpec: Codable, Sendable, Hashable {
    /// The cloud provider's id for the machine, `aws:///<az>/<instance-id>` on AWS.
    public var providerID: String?
    /// Whether new pods may be scheduled here (`true` once cordoned).
    public var unschedulable: Bool?
    /// The node's taints.
    public var taints: [Taint]?
    /// The pod address range.
    public var podCIDR: String?
    /// The pod address ranges.
    public var podCIDRs: [String]?

    /// Creates a spec.
    public init(providerID: String? = nil, unschedulable: Bool? = nil, taints: [Taint]? = nil) {
        self.providerID = providerID
        self.unschedulable = unschedulable
        self.taints = taints
    }
}

/// `v1.Taint`.
public struct Taint: Codable, Sendable, Hashable {
    /// The taint key.
    public var key: String
    /// The taint value.
    public var value: String?
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    public var effect: String
    /// When a `NoExecute` taint was added.
    public var timeAdded: Date?

    /// Creates a taint.
    public init(key: String, value: String? = nil, effect: String, timeAdded: Date? = nil) {
        self.key = key
        self.value = value
        self.effect = effect
        self.timeAdded = timeAdded
    }
}

/// `v1.NodeStatus`, the parts worth reading.
public struct NodeStatus: Codable, Sendable, Hashable {
    /// Conditions such as `Ready`.
    public var conditions: [NodeCondition]?
    /// Addresses such as `InternalIP`.
    public var addresses: [NodeAddress]?

    /// Creates a status.
    public init(conditions: [NodeCondition]? = nil, addresses: [NodeAddress]? = nil) {
        self.conditions = conditions
        self.addresses = addresses
    }
}

/// `v1.NodeCondition`.
public struct NodeCondition: Codable, Sendable, Hashable {
    /// The condition type, for example `Ready`.
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    /// A machine-readable reason.
    public var reason: String?
    /// A human-readable message.
    public var message: String?
    /// The last heartbeat.
    public var lastHeartbeatTime: Date?
    /// The last change of status.
    public var lastTransitionTime: Date?

    /// Creates a condition.
    public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}

/// `v1.NodeAddress`.
public struct NodeAddress: Codable, Sendable, Hashable {
    /// `InternalIP`, `ExternalIP`, `Hostname`, …
    public var type: String
    /// The address.
    public var address: String

    /// Creates an address.
    public init(type: String, address: String) {
        self.type = type
        self.address = address
    }
}
