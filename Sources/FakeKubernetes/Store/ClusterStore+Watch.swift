import Foundation
import JSONValues

/// A watch, as the store keeps it: what it selects and where its events go.
struct Watcher: Sendable {
    var resource: ResourceType
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector
    var bookmarks: Bool
    var continuation: AsyncStream<Data>.Continuation

    func selects(_ object: JSONValue?) -> Bool {
        guard let object, case .object = object else { return false }
        if let namespace, object.namespace != namespace { return false }
        return labels.matches(object.labels) && fields.matches(object)
    }
}

/// The parameters of one watch request.
struct WatchRequest: Sendable {
    var resource: ResourceType
    var namespace: String?
    var labels = LabelSelector.everything
    var fields = FieldSelector.everything
    var resourceVersion: String?
    var allowBookmarks = false
    var sendInitialEvents: Bool?
    var timeout: Duration?
}

extension ClusterStore {
    /// Starts a watch: newline-delimited `{"type":…,"object":…}` lines, served from the watch cache.
    ///
    /// No resourceVersion (or `0`) starts with a synthetic ADDED for every selected object; `x` replays history after
    /// `x`, or sends one ERROR event carrying a 410 `Expired` Status when `x` is older than the history kept.
    func watch(_ request: WatchRequest) -> AsyncStream<Data> {
        let (stream, continuation) = AsyncStream.makeStream(of: Data.self)
        let id = UUID()
        let watcher = Watcher(
            resource: request.resource, namespace: request.namespace, labels: request.labels,
            fields: request.fields, bookmarks: request.allowBookmarks, continuation: continuation)
        let rv = request.resourceVersion ?? ""
        if rv.isEmpty || rv == "0" || request.sendInitialEvents == true {
            for (_, object) in table(request.resource, inCache: true).list(
                namespace: request.namespace, nodeName: request.fields.nodeName)
            where watcher.selects(object) {
                continuation.yield(Self.line(type: "ADDED", object: object))
            }
            if request.sendInitialEvents == true {
                var bookmark = Self.bookmarkObject(request.resource, revision: cacheRevision)
                bookmark["metadata"]["annotations"] = ["k8s.io/initial-events-end": "true"]
                continuation.yield(Self.line(type: "BOOKMARK", object: bookmark))
            }
        } else {
            guard let from = Int64(rv) else {
                continuation.yield(Self.errorLine(APIError.badRequest("invalid resource version: \(rv)")))
                continuation.finish()
                return stream
            }
            if from < historyFloor {
                continuation.yield(Self.errorLine(APIError.expired(from, oldest: historyFloor + 1)))
                continuation.finish()
                return stream
            }
            for change in history[historyStart...] where change.revision > from {
                if let line = Self.line(for: change, to: watcher) { continuation.yield(line) }
            }
        }
        guard !isShutDown else {
            continuation.finish()
            return stream
        }
        watchers.insert(watcher, id: id)
        continuation.onTermination = { [weak self] _ in
            // Unregisters the watcher once its reader goes away; a short task, nothing to cancel.
            Task { await self?.removeWatcher(id) }
        }
        let timeout = request.timeout ?? .seconds(1800)
        schedule(after: timeout) { store in store.watchers[id]?.continuation.finish() }
        if request.allowBookmarks { scheduleBookmark(for: id) }
        return stream
    }

    /// Closes every open watch stream (clients see the stream end and must re-watch).
    public func closeWatches() {
        for watcher in watchers.byID.values { watcher.continuation.finish() }
        watchers.removeAll()
    }

    /// The number of open watches.
    public var watchCount: Int { watchers.count }

    func removeWatcher(_ id: UUID) { watchers.remove(id) }

    private func scheduleBookmark(for id: UUID) {
        schedule(after: configuration.bookmarkInterval) { store in
            guard let watcher = store.watchers[id] else { return }
            let bookmark = Self.bookmarkObject(watcher.resource, revision: store.cacheRevision)
            watcher.continuation.yield(Self.line(type: "BOOKMARK", object: bookmark))
            store.scheduleBookmark(for: id)
        }
    }

    /// Sends a change to every watcher that selects the object before or after it: only the watchers its node's
    /// index names (``WatcherRegistry``), and each event type serialized once however many watchers get it.
    func deliver(_ change: Change) {
        var serialized: [String: Data] = [:]
        for watcher in watchers.candidates(
            storageKey: change.resource.storageKey, object: change.object, previous: change.previous)
        {
            guard let type = Self.eventType(for: change, to: watcher) else { continue }
            let line: Data
            if let known = serialized[type] {
                line = known
            } else {
                line = Self.line(type: type, object: change.object)
                serialized[type] = line
            }
            watcher.continuation.yield(line)
        }
    }

    /// The line a watcher sees for a change: an object leaving its selector is DELETED, one entering it ADDED.
    static func line(for change: Change, to watcher: Watcher) -> Data? {
        eventType(for: change, to: watcher).map { line(type: $0, object: change.object) }
    }

    /// The event type a watcher sees for a change, or `nil` when the object is outside its selector before and
    /// after.
    static func eventType(for change: Change, to watcher: Watcher) -> String? {
        let before = watcher.selects(change.previous)
        switch change.kind {
        case .added:
            return watcher.selects(change.object) ? "ADDED" : nil
        case .deleted:
            return before ? "DELETED" : nil
        case .modified:
            let after = watcher.selects(change.object)
            switch (before, after) {
            case (true, true): return "MODIFIED"
            case (false, true): return "ADDED"
            case (true, false): return "DELETED"
            case (false, false): return nil
            }
        }
    }

    static func line(type: String, object: JSONValue) -> Data {
        var data = JSONValue.object(["type": .string(type), "object": object]).serialized()
        data.append(UInt8(ascii: "\n"))
        return data
    }

    static func errorLine(_ error: APIError) -> Data { line(type: "ERROR", object: error.status) }

    static func bookmarkObject(_ resource: ResourceType, revision: Int64) -> JSONValue {
        [
            "kind": .string(resource.kind), "apiVersion": .string(resource.groupVersion),
            "metadata": ["resourceVersion": .string(String(revision))],
        ]
    }
}
