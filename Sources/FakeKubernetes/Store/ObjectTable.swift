import Foundation
import JSONValues

/// Where one object lives: its namespace ("" for cluster-scoped objects) and name.
public struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The namespace, empty for cluster-scoped objects.
    public var namespace: String
    /// The name.
    public var name: String

    /// Creates a key.
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// `namespace/name`, or `name` when cluster-scoped.
    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    /// Orders by namespace, then name: the order lists and continue tokens use.
    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// The objects of one resource, by namespace, with the pod index the watch cache keeps on `spec.nodeName`.
struct ObjectTable: Sendable {
    private(set) var objects: [String: [String: JSONValue]] = [:]
    private(set) var byNode: [String: Set<ObjectKey>] = [:]
    /// Pods by namespace and `key=value` label, so that a budget finds its pods without scanning a namespace.
    private(set) var byLabel: [String: [String: Set<String>]] = [:]
    private(set) var count = 0
    let indexesNodeName: Bool

    init(indexesNodeName: Bool) { self.indexesNodeName = indexesNodeName }

    func get(_ key: ObjectKey) -> JSONValue? { objects[key.namespace]?[key.name] }

    mutating func put(_ object: JSONValue, at key: ObjectKey) {
        let previous = objects[key.namespace, default: [:]].updateValue(object, forKey: key.name)
        if previous == nil { count += 1 }
        guard indexesNodeName else { return }
        let oldLabels = previous?.labels ?? [:]
        let newLabels = object.labels
        if oldLabels != newLabels {
            for (label, value) in oldLabels { byLabel[key.namespace]?["\(label)=\(value)"]?.remove(key.name) }
            for (label, value) in newLabels {
                byLabel[key.namespace, default: [:]]["\(label)=\(value)", default: []].insert(key.name)
            }
        }
        let oldNode = previous?["spec"]["nodeName"].stringValue ?? ""
        let newNode = object["spec"]["nodeName"].stringValue ?? ""
        if oldNode != newNode, !oldNode.isEmpty { byNode[oldNode]?.remove(key) }
        if !newNode.isEmpty { byNode[newNode, default: []].insert(key) }
    }

    @discardableResult
    mutating func remove(_ key: ObjectKey) -> JSONValue? {
        guard let previous = objects[key.namespace]?.removeValue(forKey: key.name) else { return nil }
        count -= 1
        if objects[key.namespace]?.isEmpty == true { objects.removeValue(forKey: key.namespace) }
        if indexesNodeName {
            for (label, value) in previous.labels { byLabel[key.namespace]?["\(label)=\(value)"]?.remove(key.name) }
        }
        if indexesNodeName, let node = previous["spec"]["nodeName"].stringValue {
            byNode[node]?.remove(key)
            if byNode[node]?.isEmpty == true { byNode.removeValue(forKey: node) }
        }
        return previous
    }

    /// The objects of a namespace a label selector may select: from the label index when the selector requires an
    /// equality, else the whole namespace. Callers still match the selector.
    func candidates(namespace: String, selector: LabelSelector) -> [JSONValue] {
        for requirement in selector.requirements {
            if case .equals(let label, let value) = requirement, indexesNodeName {
                return (byLabel[namespace]?["\(label)=\(value)"] ?? []).compactMap { objects[namespace]?[$0] }
            }
        }
        return objects[namespace].map { Array($0.values) } ?? []
    }

    /// The objects in key order, in one namespace (or all when `nil`), on one node when the index can say.
    func list(namespace: String?, nodeName: String?, after start: ObjectKey? = nil) -> [(ObjectKey, JSONValue)] {
        var result: [(ObjectKey, JSONValue)] = []
        if let nodeName, indexesNodeName {
            for key in byNode[nodeName] ?? [] where namespace == nil || key.namespace == namespace {
                if let object = get(key) { result.append((key, object)) }
            }
        } else if let namespace {
            for (name, object) in objects[namespace] ?? [:] {
                result.append((ObjectKey(namespace: namespace, name: name), object))
            }
        } else {
            for (namespace, members) in objects {
                for (name, object) in members {
                    result.append((ObjectKey(namespace: namespace, name: name), object))
                }
            }
        }
        if let start { result.removeAll { !(start < $0.0) } }
        result.sort { $0.0 < $1.0 }
        return result
    }
}
