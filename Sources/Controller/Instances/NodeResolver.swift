internal import Foundation
internal import Interruption

/// Resolves the instances of a receive batch to nodes: the cluster's providerID index first (no API call), then one
/// batched EC2 lookup for the ids it does not know (private DNS name → node name) and, when the managed-tag check is
/// on, for the tags.
struct NodeResolver: Sendable {
    let cluster: any ClusterOperations
    let directory: any InstanceDirectory
    let policy: ActionPolicy

    /// The resolution of each instance, and whether EC2 was asked.
    func resolve(_ ids: Set<InstanceID>) async throws -> (resolutions: [InstanceID: NodeResolution], lookedUp: Bool) {
        let indexed = cluster.nodes(for: ids.sorted())
        let needEC2 = policy.checkTagBeforeDraining ? ids : ids.filter { indexed[$0] == nil }
        let records = needEC2.isEmpty ? [:] : try await directory.describe(needEC2)
        var resolutions: [InstanceID: NodeResolution] = [:]
        for id in ids {
            let node = indexed[id] ?? records[id]?.nodeName.flatMap { cluster.node(named: $0) }
            guard let node else {
                resolutions[id] = .notFound
                continue
            }
            if policy.checkTagBeforeDraining, !policy.isManaged(tags: records[id]?.tags ?? [:]) {
                resolutions[id] = .unmanaged
            } else {
                resolutions[id] = .found(nodeName: node.name)
            }
        }
        return (resolutions, !needEC2.isEmpty)
    }
}
