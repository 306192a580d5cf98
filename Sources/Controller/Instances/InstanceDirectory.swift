public import Interruption

/// What EC2 says about instances: the fallback from instance id to node name (the private DNS name) and the
/// managed-tag check.
///
/// Two implementations: ``EC2InstanceDirectory`` (batched, cached `DescribeInstances`) and the tests' in-memory
/// fake. One call covers the unknown ids of a whole receive batch.
public protocol InstanceDirectory: Sendable {
    /// Describes instances.
    ///
    /// - Parameter instanceIDs: The instances (of one receive batch).
    /// - Returns: What EC2 knows about each; ids EC2 does not know (terminated long ago, another account) are absent.
    /// - Throws: The transport's error; the caller retries the whole batch later.
    func describe(_ instanceIDs: Set<InstanceID>) async throws -> [InstanceID: InstanceRecord]
}

/// What the controller needs to know about one EC2 instance.
public struct InstanceRecord: Sendable, Hashable {
    /// The instance.
    public var instanceID: InstanceID
    /// `PrivateDnsName`: the node name on EKS without a providerID (empty once the instance is terminated).
    public var privateDNSName: String?
    /// The state name (`running`, `shutting-down`, …).
    public var state: String?
    /// The instance's tags.
    public var tags: [String: String]

    /// Creates a record.
    ///
    /// - Parameters:
    ///   - instanceID: The instance.
    ///   - privateDNSName: `PrivateDnsName`.
    ///   - state: The state name.
    ///   - tags: The tags.
    public init(instanceID: InstanceID, privateDNSName: String?, state: String? = nil, tags: [String: String] = [:]) {
        self.instanceID = instanceID
        self.privateDNSName = privateDNSName
        self.state = state
        self.tags = tags
    }

    /// The node name EC2 implies: the private DNS name, when there is one.
    public var nodeName: String? {
        guard let privateDNSName, !privateDNSName.isEmpty else { return nil }
        return privateDNSName
    }
}
