public import Foundation

/// A coordination.k8s.io/v1 Lease, for leader election. Every field of the spec is modelled, so a read-modify-PUT
/// loses nothing.
///
/// See https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/lease-v1/
public struct Lease: KubernetesResource, Hashable {
    /// The resource `leases` in `coordination.k8s.io/v1`; namespaced.
    public static let descriptor = ResourceDescriptor(
        group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", isNamespaced: true)

    /// `coordination.k8s.io/v1`.
    public var apiVersion: String?
    /// `Lease`.
    public var kind: String?
    /// The lease's metadata.
    public var metadata: ObjectMeta
    /// The lease's spec.
    public var spec: LeaseSpec?

    /// Creates a lease.
    public init(metadata: ObjectMeta, spec: LeaseSpec? = nil) {
        self.apiVersion = Self.descriptor.apiVersion
        self.kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// `coordinationv1.LeaseSpec`. Times are `MicroTime`.
public struct LeaseSpec: Codable, Sendable, Hashable {
    /// The current holder's identity.
    public var holderIdentity: String?
    /// How long others wait after the last observed renewal before taking over.
    public var leaseDurationSeconds: Int32?
    /// When the current holder acquired the lease.
    public var acquireTime: Date?
    /// When the holder last renewed it.
    public var renewTime: Date?
    /// How many times it changed hands.
    public var leaseTransitions: Int32?
    /// The coordinated leader election strategy.
    public var strategy: String?
    /// The holder the coordinated election prefers.
    public var preferredHolder: String?

    /// Creates a spec.
    public init(
        holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: Date? = nil,
        renewTime: Date? = nil, leaseTransitions: Int32? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}
