import Foundation
import JSONValues

extension ClusterStore {
    /// The oldest revision storage can still be read at; `Exact` lists and continue tokens at older revisions answer
    /// 410 Expired. Zero until the first compaction.
    public var compactedRevision: Int64 {
        compactStorageHistory()
        return storageHistory.compactedRevision
    }

    /// The number of revisions of storage history kept (at most ``Configuration/compactionRevisionLimit``).
    public var storageHistoryCount: Int {
        compactStorageHistory()
        return storageHistory.count
    }

    /// Compacts storage at `revision` (the current one by default), as the apiserver's etcd compaction does: lists at
    /// older revisions, and continue tokens from them, answer 410 Expired; `revision` itself stays readable. The
    /// watch history up to `revision` is dropped too, so watches from before it get 410 as well.
    public func compact(at revision: Int64? = nil) {
        let target = min(revision ?? self.revision, self.revision)
        storageHistory.compact(through: target)
        let applied = min(target, cacheRevision)
        history = Array(history[historyStart...].drop { $0.revision <= applied })
        historyStart = 0
        historyFloor = max(historyFloor, applied)
    }

    /// Applies the configured compaction window and revision limit.
    func compactStorageHistory() {
        storageHistory.compact(
            now: clock.now, window: configuration.compactionWindow,
            maxRevisions: configuration.compactionRevisionLimit)
    }

    /// The objects of a resource as they were at `revision`, in key order, in one namespace (or all when `nil`), on
    /// one node when the index can say, after `start`.
    ///
    /// - Throws: ``APIError`` 410 when `revision` is compacted (`expired`), 504 when it is in the future.
    func storageObjects(
        _ resource: ResourceType, at revision: Int64, namespace: String?, nodeName: String?, after start: ObjectKey?,
        expired: APIError
    ) throws -> [(ObjectKey, JSONValue)] {
        compactStorageHistory()
        if revision < storageHistory.compactedRevision { throw expired }
        if revision > self.revision {
            // `kubernetes/apiserver` `pkg/storage/etcd3/store.go`: etcd's ErrFutureRev becomes this at once, no wait.
            throw APIError.tooLargeResourceVersion(revision, current: self.revision, retryAfterSeconds: nil)
        }
        let current = table(resource, inCache: false).list(namespace: namespace, nodeName: nodeName, after: start)
        guard revision < self.revision else { return current }
        let past = storageHistory.stateBefore(table: resource.storageKey, after: revision)
        if past.isEmpty { return current }
        var objects = current.filter { past.index(forKey: $0.0) == nil }
        for (key, object) in past {
            guard let object else { continue }
            if let namespace, key.namespace != namespace { continue }
            if let start, !(start < key) { continue }
            // Objects that were elsewhere are filtered by the field selector, which callers still apply.
            objects.append((key, object))
        }
        objects.sort { $0.0 < $1.0 }
        return objects
    }
}
