import Foundation
public import JSONValues
import Timestamps

/// The fake cluster's state: storage ("etcd", with a bounded MVCC history), a watch cache that may lag behind it,
/// watch history, watchers, and the simulated kubelet.
///
/// One global, increasing resourceVersion numbers every write, as etcd's revision does. Every write goes to storage
/// at once and reaches the watch cache (and so watchers and cache reads) after ``Configuration/cacheLag``. Follows
/// `kubernetes/apiserver` `pkg/storage/cacher` for what is served from where.
public actor ClusterStore {
    /// How the store behaves.
    public struct Configuration: Sendable {
        /// How long a write takes to reach the watch cache (and watchers). Zero applies writes at once.
        public var cacheLag: Duration = .zero
        /// The factor applied to pod grace periods by the simulated kubelet: 0.01 turns 30 s into 0.3 s.
        public var timeScale: Double = 1
        /// Whether a simulated kubelet removes terminating pods after their (scaled) grace period.
        public var kubeletEnabled = true
        /// Watch events kept for watches that resume from a resourceVersion; older ones answer 410 Expired.
        public var historyCapacity = 10_000
        /// How long storage keeps superseded object versions for reads at a past revision (`Exact`, a legacy
        /// `resourceVersion` with `limit`, `continue`); older revisions answer 410 Expired. The apiserver compacts
        /// etcd every 5 minutes. `nil` drops history by ``compactionRevisionLimit`` only.
        public var compactionWindow: Duration? = .seconds(300)
        /// The most revisions of storage history kept whatever their age, which bounds memory under heavy writes.
        public var compactionRevisionLimit = 10_000
        /// How often watches that allow bookmarks get one.
        public var bookmarkInterval: Duration = .seconds(60)
        /// How long a `NotOlderThan` read waits for the cache before answering 504 (the apiserver waits 3 s).
        public var cacheWaitTimeout: Duration = .seconds(3)
        /// Whether a node's `node.kubernetes.io/unschedulable` taint follows `spec.unschedulable`, as the node
        /// lifecycle controller makes it.
        public var unschedulableTaintFollowsCordon = true

        /// The defaults: no lag, real-time grace periods, kubelet on.
        public init() {}
    }

    /// One change, as storage made it and watchers see it.
    struct Change: Sendable {
        enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
        var revision: Int64
        var resource: ResourceType
        var kind: Kind
        var object: JSONValue
        var previous: JSONValue?
        var due: ContinuousClock.Instant
    }

    var configuration: Configuration
    var storage: [String: ObjectTable] = [:]
    var cache: [String: ObjectTable] = [:]
    /// The latest revision written to storage.
    public internal(set) var revision: Int64 = 0
    /// The latest revision the watch cache has applied.
    public internal(set) var cacheRevision: Int64 = 0
    /// Reads waiting for the watch cache to reach their resourceVersion (`NotOlderThan`) now.
    public internal(set) var cacheWaiters = 0
    /// Watch history: changes applied to the cache, oldest first, at most `historyCapacity`.
    var history: [Change] = []
    var historyStart = 0
    /// Every change after this revision is in `history`; a watch from an older one gets 410.
    var historyFloor: Int64 = 0
    var pending: [Change] = []
    var watchers = WatcherRegistry()
    /// Background tasks owned by the store (cache application, kubelet, watch timers); cancelled by `shutdown()`.
    var tasks: [UUID: Task<Void, Never>] = [:]
    var isShutDown = false
    /// Storage's MVCC history: superseded object versions, for reads at a past revision.
    var storageHistory = StorageHistory()
    /// Set while seeding in bulk: budget statuses are computed once at the end.
    var deferBudgetRefresh = false
    let clock = ContinuousClock()

    /// Creates an empty store.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Changes how long writes take to reach the watch cache, for example to inject a lagging cache.
    public func setCacheLag(_ lag: Duration) {
        configuration.cacheLag = lag
        applyDueChanges()
    }

    /// Changes the kubelet's grace period factor.
    public func setTimeScale(_ scale: Double) { configuration.timeScale = scale }

    /// Drops the watch history only: watches from any revision before the cache's get 410. ``compact(at:)`` compacts
    /// storage as well.
    public func compactHistory() {
        history.removeAll()
        historyStart = 0
        historyFloor = cacheRevision
    }

    /// Ends every background task and closes every watch. Call before dropping the store.
    public func shutdown() {
        isShutDown = true
        for task in tasks.values { task.cancel() }
        tasks.removeAll()
        closeWatches()
    }

    /// The stored object (storage, not the cache), without going through the API or the ledger.
    public func object(_ resource: ResourceType, namespace: String = "", name: String) -> JSONValue? {
        storage[resource.storageKey]?.get(ObjectKey(namespace: namespace, name: name))
    }

    /// Every stored object of a resource, in key order.
    public func objects(_ resource: ResourceType, namespace: String? = nil) -> [JSONValue] {
        storage[resource.storageKey]?.list(namespace: namespace, nodeName: nil).map(\.1) ?? []
    }

    /// Seeds an object, choosing the resource from its `apiVersion` and `kind`; a `metadata.uid` given is kept.
    /// - Returns: the stored object, with uid, creationTimestamp and resourceVersion set.
    /// - Throws: ``APIError`` when the kind is not served or the object exists.
    @discardableResult
    public func seed(_ object: JSONValue) throws -> JSONValue {
        let apiVersion = object["apiVersion"].stringValue ?? ""
        let kind = object["kind"].stringValue ?? ""
        guard let resource = ResourceType.find(apiVersion: apiVersion, kind: kind) else {
            throw APIError.badRequest("the fake does not serve \(apiVersion) \(kind)")
        }
        return try create(resource, namespace: object.namespace, object: object, keepUID: true)
    }

    /// Seeds many objects in order, computing PodDisruptionBudget statuses once at the end.
    /// - Throws: the first ``APIError``; objects before it stay stored.
    public func seed(all objects: [JSONValue]) throws {
        deferBudgetRefresh = true
        defer {
            deferBudgetRefresh = false
            refreshAllDisruptionBudgets()
        }
        for object in objects { try seed(object) }
    }

    // MARK: - Tables

    func table(_ resource: ResourceType, inCache: Bool) -> ObjectTable {
        (inCache ? cache : storage)[resource.storageKey] ?? ObjectTable(indexesNodeName: resource == .pods)
    }

    func key(_ resource: ResourceType, namespace: String, name: String) -> ObjectKey {
        ObjectKey(namespace: resource.namespaced ? namespace : "", name: name)
    }

    // MARK: - Committing changes

    /// Writes `object` (or removes the object when `nil`) at `key`, numbering the write with the next revision.
    /// - Returns: the object as stored, with its new resourceVersion.
    @discardableResult
    func commit(_ resource: ResourceType, key: ObjectKey, object: JSONValue?) -> JSONValue? {
        let tableKey = resource.storageKey
        // Mutated in place through the dictionary (a copy out and back would copy the whole table per write).
        if storage[tableKey] == nil { storage[tableKey] = ObjectTable(indexesNodeName: resource == .pods) }
        let previous = storage[tableKey]?.get(key)
        revision += 1
        storageHistory.record(
            StorageHistory.Entry(revision: revision, table: tableKey, key: key, previous: previous, time: clock.now))
        compactStorageHistory()
        let change: Change
        if var object {
            object["metadata"]["resourceVersion"] = .string(String(revision))
            if resource == .nodes, configuration.unschedulableTaintFollowsCordon {
                object = Self.followCordon(object)
            }
            storage[tableKey]?.put(object, at: key)
            change = Change(
                revision: revision, resource: resource, kind: previous == nil ? .added : .modified, object: object,
                previous: previous, due: clock.now.advanced(by: configuration.cacheLag))
        } else {
            storage[tableKey]?.remove(key)
            var last = previous ?? .emptyObject
            last["metadata"]["resourceVersion"] = .string(String(revision))
            change = Change(
                revision: revision, resource: resource, kind: .deleted, object: last, previous: previous,
                due: clock.now.advanced(by: configuration.cacheLag))
        }
        pending.append(change)
        if configuration.cacheLag <= .zero {
            applyDueChanges()
        } else {
            schedule(after: configuration.cacheLag) { store in store.applyDueChanges() }
        }
        if resource == .pods { refreshDisruptionBudgets(namespace: key.namespace, around: [previous, object]) }
        return object == nil ? nil : storage[tableKey]?.get(key)
    }

    /// Applies pending changes whose lag has passed to the cache, in revision order, and tells watchers.
    func applyDueChanges() {
        let now = clock.now
        var applied = 0
        for change in pending {
            guard change.due <= now || configuration.cacheLag <= .zero else { break }
            let tableKey = change.resource.storageKey
            if cache[tableKey] == nil { cache[tableKey] = ObjectTable(indexesNodeName: change.resource == .pods) }
            let key = ObjectKey(namespace: change.object.namespace, name: change.object.name)
            if change.kind == .deleted {
                cache[tableKey]?.remove(key)
            } else {
                cache[tableKey]?.put(change.object, at: key)
            }
            cacheRevision = change.revision
            appendHistory(change)
            deliver(change)
            applied += 1
        }
        if applied > 0 { pending.removeFirst(applied) }
    }

    private func appendHistory(_ change: Change) {
        history.append(change)
        if history.count - historyStart > configuration.historyCapacity {
            historyFloor = history[historyStart].revision
            historyStart += 1
            if historyStart > 1024, historyStart * 2 > history.count {
                history.removeFirst(historyStart)
                historyStart = 0
            }
        }
    }

    /// Runs `body` on the store after `delay`, as a task the store owns and `shutdown()` cancels.
    func schedule(after delay: Duration, _ body: @escaping @Sendable (isolated ClusterStore) async -> Void) {
        guard !isShutDown else { return }
        let id = UUID()
        // Owned by `tasks`: removed when it finishes, cancelled by `shutdown()`.
        tasks[id] = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard let self, !Task.isCancelled else { return }
            await self.run(id: id, body)
        }
    }

    private func run(id: UUID, _ body: @Sendable (isolated ClusterStore) async -> Void) async {
        tasks.removeValue(forKey: id)
        await body(self)
    }

    /// Adds or removes the `node.kubernetes.io/unschedulable:NoSchedule` taint to follow `spec.unschedulable`.
    static func followCordon(_ node: JSONValue) -> JSONValue {
        var node = node
        let cordoned = node["spec"]["unschedulable"].boolValue == true
        var taints = node["spec"]["taints"].arrayValue ?? []
        let key = "node.kubernetes.io/unschedulable"
        let has = taints.contains { $0["key"].stringValue == key }
        if cordoned, !has {
            taints.append(["key": .string(key), "effect": "NoSchedule", "timeAdded": .string(Timestamps.now())])
        } else if !cordoned, has {
            taints.removeAll { $0["key"].stringValue == key }
        } else {
            return node
        }
        if taints.isEmpty { node["spec"].removeMember("taints") } else { node["spec"]["taints"] = .array(taints) }
        return node
    }
}

/// RFC 3339 timestamps as the apiserver writes them.
enum Timestamps {
    static func now() -> String { string(Date()) }

    static func string(_ date: Date) -> String { RFC3339.format(date) }

    static func date(_ string: String) -> Date? { RFC3339.parse(string) }
}
