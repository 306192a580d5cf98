import Clocks
import Foundation
import Locking

/// A change seen by an ``Informer``. Indirect: an event is one pointer wide, so an array or a stream buffer of
/// thousands of them holds pointers, not thousands of objects inline.
public indirect enum InformerEvent<Object: KubernetesResource>: Sendable {
    /// An object appeared.
    case added(Object)
    /// An object changed.
    case updated(old: Object, new: Object)
    /// An object went away; this is its last known state.
    case deleted(Object)
    /// A full list was applied: the cache now reflects the apiserver at that list's resourceVersion.
    case synced(resourceVersion: String)
}

/// A list-then-watch cache of one resource type, with an index (nodes by EC2 instance id, say) and an event stream
/// for subscribers — client-go's reflector and indexer, small.
///
/// ``run()`` lists (the first time with `resourceVersion=0`, from the apiserver's watch cache), then watches from
/// the list's resourceVersion with bookmarks, and relists when the watch ends (with `NotOlderThan` the last
/// version seen, again from the cache) or expires with 410 (a consistent list, since the cache may be behind).
/// Other failures back off exponentially (``backoff`` doubling to ``maxBackoff``). The owner runs it in a task
/// group and cancels it; reads are synchronous and safe from any thread.
public final class Informer<Object: KubernetesResource>: Sendable {
    /// Maps an object to the keys it is indexed under (none, one or several).
    public typealias IndexFunction = @Sendable (Object) -> [String]
    /// Trims an object before it is cached (client-go's `SetTransform`): drop what the owner never reads, so
    /// that the cache costs memory for what matters only.
    public typealias Transform = @Sendable (Object) -> Object

    private let client: KubernetesClient
    private let namespace: String?
    private let options: ListOptions
    private let index: IndexFunction?
    private let transform: Transform?
    /// The first wait after a failed list or watch.
    public let backoff: Duration
    /// The longest wait between attempts.
    public let maxBackoff: Duration
    /// The server-side timeout of each watch (client-go picks 5–10 minutes at random).
    public let watchTimeoutSeconds: Int
    private let state = Lock(InformerState<Object>())

    /// Creates an informer.
    /// - Parameters:
    ///   - client: the client to list and watch with.
    ///   - namespace: the namespace to watch; `nil` for all (or for cluster-scoped types).
    ///   - labelSelector: restricts the objects cached.
    ///   - fieldSelector: restricts the objects cached, for example `spec.nodeName=N` for one node's pods.
    ///   - index: the index function, for example `{ [$0.instanceID].compactMap { $0 } }` for nodes.
    ///   - backoff: the first wait after a failure.
    ///   - maxBackoff: the longest wait after repeated failures.
    ///   - watchTimeoutSeconds: how long each watch lasts before the server ends it.
    ///   - transform: trims each object before it is cached and published; `nil` keeps objects whole.
    public init(
        client: KubernetesClient, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, index: IndexFunction? = nil, backoff: Duration = .milliseconds(200),
        maxBackoff: Duration = .seconds(30), watchTimeoutSeconds: Int = Int.random(in: 300...600),
        transform: Transform? = nil
    ) {
        self.transform = transform
        self.client = client
        self.namespace = namespace
        self.options = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector)
        self.index = index
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.watchTimeoutSeconds = watchTimeoutSeconds
    }

    // MARK: Reading the cache

    /// Whether a full list has been applied.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// The resourceVersion of the last list or event applied.
    public var lastResourceVersion: String? { state.withLock { $0.resourceVersion } }

    /// The cached object with this name (and namespace).
    public func object(name: String, namespace: String? = nil) -> Object? {
        state.withLock { $0.objects[Self.key(name: name, namespace: namespace)] }
    }

    /// Every cached object.
    public var objects: [Object] { state.withLock { Array($0.objects.values) } }

    /// The cached objects that `isIncluded` accepts, without a copy of the whole cache first. `isIncluded` runs
    /// under the cache's lock: keep it short, and never call the informer from it.
    public func objects(where isIncluded: (Object) -> Bool) -> [Object] {
        state.withLock { $0.objects.values.filter(isIncluded) }
    }

    /// What `transform` reads from each cached object (`nil`s left out), without a copy of the whole cache first.
    /// `transform` runs under the cache's lock, as in ``objects(where:)``.
    public func compactMapObjects<T>(_ transform: (Object) -> T?) -> [T] {
        state.withLock { $0.objects.values.compactMap(transform) }
    }

    /// The cached objects indexed under `key`.
    public func objects(indexedBy key: String) -> [Object] {
        state.withLock { state in (state.index[key] ?? []).compactMap { state.objects[$0] } }
    }

    /// A stream of every change from now on; it finishes when ``run()`` returns. Subscribe before running to see
    /// the first list as `added` events followed by `synced`.
    public func events() -> AsyncStream<InformerEvent<Object>> { subscribe(changes: true) }

    /// A stream of `synced` events only (`changes` false), or of every change.
    private func subscribe(changes: Bool) -> AsyncStream<InformerEvent<Object>> {
        let (stream, continuation) = AsyncStream<InformerEvent<Object>>.makeStream(bufferingPolicy: .unbounded)
        let id = UUID()
        let finished = state.withLock { state -> Bool in
            if state.stopped { return true }
            state.subscribers[id] = InformerSubscriber(continuation: continuation, changes: changes)
            return false
        }
        if finished { continuation.finish() }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Waits until the first list has been applied. The wait sees `synced` events only: a first list of 5,000 nodes
    /// builds no event for it.
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    public func waitForSync() async throws {
        let stream = subscribe(changes: false)
        if hasSynced { return }
        for await event in stream {
            if case .synced = event { return }
        }
        try Task.checkCancellation()
    }

    // MARK: Running

    /// Lists and watches until cancelled, relisting on 410 and whenever a watch ends. Returns (after finishing every
    /// subscriber's stream) when its task is cancelled.
    public func run() async {
        defer { finishSubscribers() }
        var listVersion: String? = "0"
        var failures = 0
        while !Task.isCancelled {
            do {
                var listOptions = options
                listOptions.resourceVersion = listVersion
                if let listVersion, listVersion != "0" { listOptions.resourceVersionMatch = .notOlderThan }
                let version = try await listAndReplace(listOptions)
                // Only now, with the list's items freed: whoever waits for the sync sees the heap of the cache
                // alone (the controller gives its free pages back then).
                markSynced(resourceVersion: version)
                failures = 0
                var watchOptions = options
                watchOptions.resourceVersion = version
                watchOptions.timeoutSeconds = watchTimeoutSeconds
                let stream = try await client.watch(Object.self, namespace: namespace, options: watchOptions)
                for try await event in stream {
                    apply(event)
                }
                listVersion = state.withLock { $0.resourceVersion } ?? "0"
            } catch let error as KubernetesError where error.isExpired {
                listVersion = nil
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let exponent = min(failures - 1, 16)
                let wait = min(backoff * (1 << exponent), maxBackoff)
                do {
                    try await client.configuration.clock.sleep(for: wait)
                } catch {
                    return
                }
            }
        }
    }

    // MARK: Applying changes

    /// Lists (items transformed by ``KubernetesClient/listAll(_:namespace:options:transform:)``) and replaces the
    /// cache with the items; returns the list's resourceVersion. A function of its own so that the list is freed
    /// when it returns.
    @inline(never)
    private func listAndReplace(_ listOptions: ListOptions) async throws -> String {
        let list = try await client.listAll(
            Object.self, namespace: namespace, options: listOptions, transform: transform)
        let version = list.metadata.resourceVersion ?? ""
        replace(with: list.items, resourceVersion: version)
        return version
    }

    /// Replaces the cache with a list's items, publishing what changed (``markSynced(resourceVersion:)`` follows).
    ///
    /// No copy of the cache or of the list is made: the items are stored as they come (the last of a duplicated
    /// key wins), and the objects the list no longer has are found through a set of its keys.
    private func replace(with items: [Object], resourceVersion: String) {
        state.withLock { state in
            // Events are built only for subscribers of changes: a first sync of 5,000 nodes would otherwise
            // allocate an event per node for nobody.
            let publishing = state.subscribers.values.contains { $0.changes }
            var events: [InformerEvent<Object>] = []
            if state.objects.isEmpty {
                state.objects.reserveCapacity(items.count)
            } else {
                let listed = Set(items.map { Self.key(of: $0) })
                for key in state.objects.keys.filter({ !listed.contains($0) }) {
                    if publishing, let old = state.objects[key] { events.append(.deleted(old)) }
                    state.remove(key: key)
                }
            }
            for new in items {
                let key = Self.key(of: new)
                if let old = state.objects[key] {
                    if old.metadata.resourceVersion != new.metadata.resourceVersion {
                        state.store(key: key, object: new, index: index)
                        if publishing { events.append(.updated(old: old, new: new)) }
                    }
                } else {
                    state.store(key: key, object: new, index: index)
                    if publishing { events.append(.added(new)) }
                }
            }
            state.resourceVersion = resourceVersion
            state.publish(events)
        }
    }

    /// Marks the cache as reflecting a full list and tells every subscriber (`synced`).
    private func markSynced(resourceVersion: String) {
        state.withLock { state in
            state.synced = true
            state.publish([.synced(resourceVersion: resourceVersion)])
        }
    }

    private func apply(_ event: WatchEvent<Object>) {
        state.withLock { state in
            if let version = event.resourceVersion, !version.isEmpty { state.resourceVersion = version }
            switch event {
            case .added(let whole), .modified(let whole):
                let object = transform?(whole) ?? whole
                let key = Self.key(of: object)
                if let old = state.objects[key] {
                    state.store(key: key, object: object, index: index)
                    state.publish([.updated(old: old, new: object)])
                } else {
                    state.store(key: key, object: object, index: index)
                    state.publish([.added(object)])
                }
            case .deleted(let whole):
                let key = Self.key(of: whole)
                let old = state.objects[key] ?? transform?(whole) ?? whole
                state.remove(key: key)
                state.publish([.deleted(old)])
            case .bookmark:
                break
            }
        }
    }

    private func finishSubscribers() {
        let subscribers = state.withLock { state in
            state.stopped = true
            defer { state.subscribers = [:] }
            return state.subscribers.values.map(\.continuation)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    static func key(name: String, namespace: String?) -> String {
        if Object.descriptor.isNamespaced { return "\(namespace ?? "")/\(name)" }
        return name
    }

    static func key(of object: Object) -> String {
        key(name: object.metadata.name ?? "", namespace: object.metadata.namespace)
    }
}

/// The informer's mutable state, guarded by its mutex.
struct InformerState<Object: KubernetesResource>: Sendable {
    var objects: [String: Object] = [:]
    var index: [String: Set<String>] = [:]
    var keysByObject: [String: [String]] = [:]
    var resourceVersion: String?
    var synced = false
    var stopped = false
    var subscribers: [UUID: InformerSubscriber<Object>] = [:]

    mutating func store(key: String, object: Object, index function: Informer<Object>.IndexFunction?) {
        remove(key: key)
        objects[key] = object
        if let function {
            let keys = function(object)
            keysByObject[key] = keys
            for indexKey in keys { index[indexKey, default: []].insert(key) }
        }
    }

    mutating func remove(key: String) {
        objects[key] = nil
        for indexKey in keysByObject.removeValue(forKey: key) ?? [] {
            index[indexKey]?.remove(key)
            if index[indexKey]?.isEmpty == true { index[indexKey] = nil }
        }
    }

    func publish(_ events: [InformerEvent<Object>]) {
        for subscriber in subscribers.values {
            for event in events {
                if subscriber.changes {
                    subscriber.continuation.yield(event)
                } else if case .synced = event {
                    subscriber.continuation.yield(event)
                }
            }
        }
    }
}

/// One subscriber of an informer: its stream, and whether it wants every change or `synced` events only.
struct InformerSubscriber<Object: KubernetesResource>: Sendable {
    var continuation: AsyncStream<InformerEvent<Object>>.Continuation
    var changes: Bool
}
