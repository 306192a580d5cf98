public import Foundation
public import JSONValues

/// Everything storage holds at one revision, as etcd keeps it across a kube-apiserver restart: every stored object
/// of every resource, exactly as stored (resourceVersion, uid, creationTimestamp, deletionTimestamp), and the
/// revision. The watch cache, watch history and storage history are not part of it: a restarted apiserver starts
/// its watch cache empty at the current revision.
///
/// Taken with ``ClusterStore/snapshot()``, loaded into a new store with ``ClusterStore/restore(_:)``; the
/// `fake-apiserver --state-file` option writes and reads it as JSON.
public struct ClusterSnapshot: Sendable, Codable, Equatable {
    /// The objects of one resource.
    public struct Table: Sendable, Codable, Equatable {
        /// The API group, empty for the core group.
        public var group: String
        /// The plural resource name, for example `pods`.
        public var resource: String
        /// The objects, in namespace and name order.
        public var objects: [JSONValue]

        /// Creates a table.
        public init(group: String, resource: String, objects: [JSONValue]) {
            self.group = group
            self.resource = resource
            self.objects = objects
        }
    }

    /// The format of this type's JSON; ``ClusterStore/restore(_:)`` refuses others.
    public static let currentFormat = 1

    /// The format the snapshot was written in.
    public var format: Int
    /// The store's revision (the latest resourceVersion written).
    public var revision: Int64
    /// The objects, one table per resource that holds any.
    public var tables: [Table]

    /// Creates a snapshot in the current format.
    public init(revision: Int64, tables: [Table]) {
        self.format = Self.currentFormat
        self.revision = revision
        self.tables = tables
    }

    /// The number of objects in all tables.
    public var objectCount: Int { tables.reduce(0) { $0 + $1.objects.count } }

    /// Reads a snapshot written by ``write(to:)``.
    /// - Throws: ``ClusterSnapshotError`` naming the file when it cannot be read or is not a snapshot.
    public static func read(from url: URL) throws(ClusterSnapshotError) -> ClusterSnapshot {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ClusterSnapshotError("cannot read the state file \(url.path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(ClusterSnapshot.self, from: data)
        } catch {
            throw ClusterSnapshotError(
                "the state file \(url.path) is not a fake-apiserver state (\(error)); delete it to start empty")
        }
    }

    /// Writes the snapshot as JSON, atomically: to a temporary file in the same directory, then renamed over `url`,
    /// so that a reader sees the old state or the new one, never a partial file.
    /// - Throws: ``ClusterSnapshotError`` naming the file.
    public func write(to url: URL) throws(ClusterSnapshotError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw ClusterSnapshotError("cannot write the state file \(url.path): \(error.localizedDescription)")
        }
    }
}

/// A snapshot that cannot be read, written or restored; the message says which and why.
public struct ClusterSnapshotError: Error, CustomStringConvertible, Equatable {
    /// What went wrong and what to do.
    public let description: String

    /// Creates the error.
    public init(_ description: String) { self.description = description }
}

extension ClusterStore {
    /// Every stored object (storage, not the watch cache) and the revision.
    public func snapshot() -> ClusterSnapshot {
        var tables: [ClusterSnapshot.Table] = []
        for key in storage.keys.sorted() {
            guard let table = storage[key], table.count > 0, let resource = Self.resource(storageKey: key) else {
                continue
            }
            tables.append(
                ClusterSnapshot.Table(
                    group: resource.group, resource: resource.plural,
                    objects: table.list(namespace: nil, nodeName: nil).map(\.1)))
        }
        return ClusterSnapshot(revision: revision, tables: tables)
    }

    /// Loads a snapshot into this empty store, as a kube-apiserver restarted over the same etcd finds it.
    ///
    /// Storage and the watch cache hold the snapshot's objects as they were stored, and both are at its revision;
    /// the next write gets the revision after it. The watch history starts empty and storage is compacted at the
    /// snapshot's revision: a watch from an older resourceVersion gets 410 Expired (as from a restarted watch cache),
    /// a watch from the snapshot's revision gets every later change, and reads at an older revision get 410.
    /// Terminating pods (`deletionTimestamp` set) are handed to the simulated kubelet again, due when their grace
    /// period (scaled by ``Configuration/timeScale``) ends counted from the deletion, at once when it has.
    ///
    /// - Throws: ``ClusterSnapshotError`` when the store is not empty, the format is unknown, a table names a
    ///   resource the fake does not serve, or an object lacks a name or a resourceVersion above the snapshot's
    ///   revision.
    public func restore(_ snapshot: ClusterSnapshot) throws(ClusterSnapshotError) {
        guard snapshot.format == ClusterSnapshot.currentFormat else {
            throw ClusterSnapshotError(
                "snapshot format \(snapshot.format) is not \(ClusterSnapshot.currentFormat), the one this fake reads")
        }
        guard revision == 0, storage.values.allSatisfy({ $0.count == 0 }) else {
            throw ClusterSnapshotError("a snapshot can only be restored into an empty store (revision \(revision))")
        }
        var tables: [String: ObjectTable] = [:]
        var terminating: [JSONValue] = []
        for table in snapshot.tables {
            guard
                let resource = ResourceType.all.first(where: { $0.group == table.group && $0.plural == table.resource })
            else {
                throw ClusterSnapshotError(
                    "the snapshot holds \(table.resource).\(table.group), which the fake does not serve")
            }
            var objects = tables[resource.storageKey] ?? ObjectTable(indexesNodeName: resource == .pods)
            for object in table.objects {
                guard let name = object["metadata"]["name"].stringValue, !name.isEmpty else {
                    throw ClusterSnapshotError("an object of \(resource.qualifiedPlural) in the snapshot has no name")
                }
                guard let version = object.resourceVersion.flatMap(Int64.init), version <= snapshot.revision else {
                    throw ClusterSnapshotError(
                        "\(resource.qualifiedPlural) \(name) has resourceVersion "
                            + "\(object.resourceVersion ?? "none"), not one at or below the snapshot's revision "
                            + "\(snapshot.revision)")
                }
                objects.put(object, at: key(resource, namespace: object.namespace, name: name))
                if resource == .pods, object.isTerminating {
                    terminating.append(object)
                }
            }
            tables[resource.storageKey] = objects
        }
        storage = tables
        cache = tables
        revision = snapshot.revision
        cacheRevision = snapshot.revision
        history.removeAll()
        historyStart = 0
        historyFloor = snapshot.revision
        storageHistory = StorageHistory()
        storageHistory.compact(through: snapshot.revision)
        if configuration.kubeletEnabled {
            for pod in terminating { resumeKubelet(pod) }
        }
    }

    /// Schedules the simulated kubelet's final delete of a pod that was terminating when the snapshot was taken.
    private func resumeKubelet(_ pod: JSONValue) {
        let key = key(.pods, namespace: pod.namespace, name: pod.name)
        let grace = Double(pod["metadata"]["deletionGracePeriodSeconds"].intValue ?? 0)
        let deadline = pod["metadata"]["deletionTimestamp"].stringValue.flatMap(Timestamps.date) ?? Date()
        // The deletion happened `grace` seconds before the deadline; the kubelet finishes `grace × timeScale` after it.
        let elapsed = Date().timeIntervalSince(deadline.addingTimeInterval(-grace))
        let remaining = max(0, grace * configuration.timeScale - elapsed)
        let uid = pod.uid
        schedule(after: .milliseconds(Int64(remaining * 1000))) { store in
            store.kubeletRemove(key: key, uid: uid)
        }
    }

    static func resource(storageKey: String) -> ResourceType? {
        ResourceType.all.first { $0.storageKey == storageKey }
    }
}
