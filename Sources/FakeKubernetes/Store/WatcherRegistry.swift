import Foundation
import JSONValues

/// The open watches, indexed as kube-apiserver's watch cache indexes them: a watch whose field selector requires
/// `spec.nodeName=X` (the pods' registry "trigger") is filed under its node, so a change reaches only the watches
/// of the node the object was or is on, plus the watches that name no node.
///
/// Without the index every change visits every open watch: with a watch per draining node, as a mass reclaim
/// holds, each eviction cost the fake two passes over hundreds of watches and bounded the drain it was meant to
/// measure.
struct WatcherRegistry: Sendable {
    /// Every open watch, by id.
    private(set) var byID: [UUID: Watcher] = [:]
    /// Watches that name no node, by the resource's storage key.
    private var unindexed: [String: Set<UUID>] = [:]
    /// Watches that require `spec.nodeName`, by the resource's storage key, then by node.
    private var byNode: [String: [String: Set<UUID>]] = [:]

    /// The number of open watches.
    var count: Int { byID.count }

    subscript(id: UUID) -> Watcher? { byID[id] }

    mutating func insert(_ watcher: Watcher, id: UUID) {
        byID[id] = watcher
        let key = watcher.resource.storageKey
        if let node = watcher.fields.nodeName {
            byNode[key, default: [:]][node, default: []].insert(id)
        } else {
            unindexed[key, default: []].insert(id)
        }
    }

    @discardableResult
    mutating func remove(_ id: UUID) -> Watcher? {
        guard let watcher = byID.removeValue(forKey: id) else { return nil }
        let key = watcher.resource.storageKey
        if let node = watcher.fields.nodeName {
            byNode[key]?[node]?.remove(id)
            if byNode[key]?[node]?.isEmpty == true { byNode[key]?[node] = nil }
        } else {
            unindexed[key]?.remove(id)
        }
        return watcher
    }

    mutating func removeAll() {
        byID.removeAll()
        unindexed.removeAll()
        byNode.removeAll()
    }

    /// The watches that may select the object before or after a change: those of its resource that name no node,
    /// and those of the node it was on and the node it is on. Each at most once.
    func candidates(storageKey: String, object: JSONValue, previous: JSONValue?) -> [Watcher] {
        var ids = Array(unindexed[storageKey] ?? [])
        if let nodes = byNode[storageKey] {
            let now = object["spec"]["nodeName"].stringValue
            let before = previous?["spec"]["nodeName"].stringValue
            if let now, let watching = nodes[now] { ids += watching }
            if let before, before != now, let watching = nodes[before] { ids += watching }
        }
        return ids.compactMap { byID[$0] }
    }
}
