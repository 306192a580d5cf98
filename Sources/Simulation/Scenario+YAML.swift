import Foundation
import Yams

/// A scenario file that cannot be used: where and why.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, when read from one.
    public var file: String?
    /// The line (from 1), when known.
    public var line: Int?
    /// What is wrong, and what would be right.
    public var message: String

    /// `file:line: message`.
    public var description: String {
        let place = [file, line.map(String.init)].compactMap { $0 }.joined(separator: ":")
        return place.isEmpty ? message : "\(place): \(message)"
    }
}

extension Scenario {
    /// The keys a scenario file may have.
    static let keys: Set<String> = [
        "base", "name", "description", "nodes", "podsPerNode", "interruptions", "kinds", "timeScale",
        "arrivalSeconds", "environment", "lifecycleHooks", "blockingBudgets", "throttling", "handOver",
    ]

    /// Reads a scenario from YAML: a mapping of ``keys``; `base: NAME` starts from a built-in scenario, every other
    /// key replaces its value. Unknown keys are errors (a misspelt key would otherwise be ignored silently).
    /// - Throws: ``ScenarioError`` naming the line and the key.
    public init(yaml: String, file: String? = nil) throws(ScenarioError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ScenarioError(file: file, line: nil, message: "not YAML: \(error)")
        } catch {
            throw ScenarioError(file: file, line: nil, message: "not YAML: \(error)")
        }
        guard let root, let mapping = root.mapping else {
            throw ScenarioError(
                file: file, line: root?.mark?.line, message: "a scenario is a mapping (name: …, nodes: …)")
        }
        let reader = FieldReader(file: file)
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, Self.keys.contains(name) else {
                throw reader.error(
                    key, "unknown key '\(key.string ?? "?")'; known: \(Self.keys.sorted().joined(separator: ", "))")
            }
            fields[name] = value
        }
        if let base = fields["base"] {
            let name = try reader.string(base, "base")
            guard let builtIn = Self.named(name) else {
                throw reader.error(base, "base: no built-in scenario '\(name)'; known: \(Self.builtInNames)")
            }
            self = builtIn
        } else {
            self = Scenario(name: "custom", description: "a scenario file")
        }
        try read(fields, with: reader)
        try validate(reader: reader, root: root)
    }

    /// Reads a scenario file.
    /// - Throws: ``ScenarioError`` when it cannot be read or used.
    public init(contentsOf path: String) throws(ScenarioError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ScenarioError(file: path, line: nil, message: "cannot read: \(error.localizedDescription)")
        }
        try self.init(yaml: String(decoding: data, as: UTF8.self), file: path)
    }

    /// The built-in scenarios' names, comma-separated.
    public static var builtInNames: String { builtIn.map(\.name).joined(separator: ", ") }

    private mutating func read(_ fields: [String: Node], with reader: FieldReader) throws(ScenarioError) {
        if let node = fields["name"] { name = try reader.string(node, "name") }
        if let node = fields["description"] { description = try reader.string(node, "description") }
        if let node = fields["nodes"] { nodes = try reader.integer(node, "nodes", in: 1...100_000) }
        if let node = fields["podsPerNode"] { podsPerNode = try reader.integer(node, "podsPerNode", in: 0...1000) }
        if let node = fields["interruptions"] {
            interruptions = try reader.integer(node, "interruptions", in: 1...100_000)
        }
        if let node = fields["kinds"] { kinds = try reader.kinds(node) }
        if let node = fields["timeScale"] { timeScale = try reader.number(node, "timeScale", in: 0.0001...100) }
        if let node = fields["arrivalSeconds"] {
            arrivalSeconds = try reader.number(node, "arrivalSeconds", in: 0...3600)
        }
        if let node = fields["environment"] { environment = try reader.environment(node) }
        if let node = fields["lifecycleHooks"] {
            let hook = try reader.mapping(
                node, "lifecycleHooks", keys: ["heartbeatTimeoutSeconds", "heartbeatIntervalSeconds"])
            lifecycleHooks = LifecycleHooks(
                heartbeatTimeoutSeconds: try reader.number(
                    hook, "lifecycleHooks.heartbeatTimeoutSeconds", in: 0.1...7200, parent: node),
                heartbeatIntervalSeconds: try reader.number(
                    hook, "lifecycleHooks.heartbeatIntervalSeconds", in: 0.05...3600, parent: node))
        }
        if let node = fields["blockingBudgets"] {
            let budgets = try reader.mapping(node, "blockingBudgets", keys: ["relaxAfterSeconds"])
            blockingBudgets = BlockingBudgets(
                relaxAfterSeconds: try reader.number(
                    budgets, "blockingBudgets.relaxAfterSeconds", in: 0...3600, parent: node))
        }
        if let node = fields["throttling"] {
            let throttle = try reader.mapping(
                node, "throttling", keys: ["rate", "retryAfterSeconds", "forSeconds", "verbs"])
            let verbs = try throttle["verbs"].map { verbs throws(ScenarioError) in
                try reader.strings(verbs, "throttling.verbs")
            }
            throttling = Throttling(
                rate: try reader.number(throttle, "throttling.rate", in: 0...1, parent: node),
                retryAfterSeconds: Int(
                    try reader.number(throttle, "throttling.retryAfterSeconds", in: 1...60, parent: node)),
                forSeconds: try reader.number(throttle, "throttling.forSeconds", in: 0...3600, parent: node),
                verbs: verbs ?? ["*"])
        }
        if let node = fields["handOver"] {
            let handOver = try reader.mapping(node, "handOver", keys: ["afterSeconds"])
            self.handOver = HandOver(
                afterSeconds: try reader.number(handOver, "handOver.afterSeconds", in: 0...3600, parent: node))
        }
    }

    private func validate(reader: FieldReader, root: Node) throws(ScenarioError) {
        guard interruptions <= nodes else {
            throw reader.error(root, "interruptions (\(interruptions)) must not exceed nodes (\(nodes))")
        }
        if let lifecycleHooks, lifecycleHooks.heartbeatIntervalSeconds >= lifecycleHooks.heartbeatTimeoutSeconds {
            throw reader.error(
                root,
                "lifecycleHooks.heartbeatIntervalSeconds must be shorter than heartbeatTimeoutSeconds, or the hooks "
                    + "expire between heartbeats")
        }
    }
}

/// Reads typed fields out of YAML nodes, with errors that name the field and its line.
private struct FieldReader {
    let file: String?

    func error(_ node: Node, _ message: String) -> ScenarioError {
        ScenarioError(file: file, line: node.mark.map { $0.line }, message: message)
    }

    func string(_ node: Node, _ field: String) throws(ScenarioError) -> String {
        guard let scalar = node.scalar else { throw error(node, "\(field): expected a string") }
        return scalar.string
    }

    func strings(_ node: Node, _ field: String) throws(ScenarioError) -> [String] {
        guard let sequence = node.sequence else { throw error(node, "\(field): expected a list, e.g. [a, b]") }
        var result: [String] = []
        for item in sequence { result.append(try string(item, field)) }
        return result
    }

    func integer(_ node: Node, _ field: String, in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        guard let value = node.int, range.contains(value) else {
            throw error(
                node,
                "\(field): expected a whole number from \(range.lowerBound) to \(range.upperBound), got "
                    + "'\(node.scalar?.string ?? "a \(node.kindName)")'")
        }
        return value
    }

    func number(_ node: Node, _ field: String, in range: ClosedRange<Double>) throws(ScenarioError) -> Double {
        guard let value = node.float ?? node.int.map(Double.init), range.contains(value) else {
            throw error(
                node,
                "\(field): expected a number from \(range.lowerBound) to \(range.upperBound), got "
                    + "'\(node.scalar?.string ?? "a \(node.kindName)")'")
        }
        return value
    }

    /// A required number in a nested mapping.
    func number(_ fields: [String: Node], _ path: String, in range: ClosedRange<Double>, parent: Node)
        throws(ScenarioError) -> Double
    {
        let key = String(path.split(separator: ".").last ?? "")
        guard let node = fields[key] else { throw error(parent, "\(path) is missing") }
        return try number(node, path, in: range)
    }

    func mapping(_ node: Node, _ field: String, keys: Set<String>) throws(ScenarioError) -> [String: Node] {
        guard let mapping = node.mapping else {
            throw error(node, "\(field): expected a mapping of \(keys.sorted().joined(separator: ", "))")
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, keys.contains(name) else {
                throw error(
                    key,
                    "\(field): unknown key '\(key.string ?? "?")'; known: \(keys.sorted().joined(separator: ", "))")
            }
            result[name] = value
        }
        return result
    }

    func kinds(_ node: Node) throws(ScenarioError) -> [SimulatedEvents.Kind] {
        let names = try strings(node, "kinds")
        let known = SimulatedEvents.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard !names.isEmpty else { throw error(node, "kinds: expected at least one of \(known)") }
        var kinds: [SimulatedEvents.Kind] = []
        for name in names {
            guard let kind = SimulatedEvents.Kind(rawValue: name) else {
                throw error(node, "kinds: unknown kind '\(name)'; known: \(known)")
            }
            kinds.append(kind)
        }
        return kinds
    }

    func environment(_ node: Node) throws(ScenarioError) -> [String: String] {
        guard let mapping = node.mapping else {
            throw error(node, "environment: expected a mapping of variable names to values (WORKERS: \"20\")")
        }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            let name = try string(key, "environment")
            result[name] = try string(value, "environment.\(name)")
        }
        return result
    }
}

extension Node {
    /// "mapping", "list" or "scalar", for error messages.
    fileprivate var kindName: String {
        switch self {
        case .mapping: "mapping"
        case .sequence: "list"
        case .scalar: "scalar"
        }
    }
}
