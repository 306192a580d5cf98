import Clocks
import Foundation
public import Interruption
import JSONValues
import Kubernetes
import Logging
import Timestamps

extension KubernetesCluster {
    /// Cordons, taints, labels and annotates a node in one strategic merge patch, ahead of every other waiting request
    /// (``RequestPriority/urgent``).
    ///
    /// Applies the steps of the plan up to its first ``NodeAction/cordon`` (the out-of-service taint that comes
    /// after the drain is ``applyOutOfServiceTaint(node:)``'s job). Labels and annotations merge by key; taints have
    /// no merge key, so when taints are added the patch carries the whole list and the node's resourceVersion as a
    /// precondition: a concurrent change is a 409, after which the node is read again and the patch retried.
    public func cordon(node name: String, steps: [NodeAction], state: NodeJobState) async throws -> CordonReceipt {
        var change = NodeChange(annotations: state.annotations)
        for step in steps {
            switch step {
            case .labelExcludeFromLoadBalancers:
                change.labels[ActionPolicy.excludeFromLoadBalancersLabel.key] =
                    ActionPolicy.excludeFromLoadBalancersLabel.value
            case .taint(let taint):
                change.taints.append(taint)
            case .cordon:
                change.unschedulable = true
            case .drain, .waitForNodeReady, .completeLifecycleAction, .acknowledge, .retryLater:
                break
            }
            if step == .cordon { break }
        }
        let cached = nodes.object(name: name)
        let (node, result) = try await RequestPriority.$current.withValue(.urgent) {
            try await apply(change, to: name, cached: cached)
        }
        return CordonReceipt(
            nodeName: name, resourceVersion: node.metadata.resourceVersion ?? "",
            wasCordoned: result.before?.spec?.unschedulable == true, addedTaints: result.addedTaints,
            labels: change.labels.keys.sorted(), writes: result.writes)
    }

    /// Adds `node.kubernetes.io/out-of-service=nodeshutdown:NoExecute` (unless present) in one patch.
    @discardableResult
    public func applyOutOfServiceTaint(node name: String) async throws -> String {
        var change = NodeChange()
        change.taints = [Interruption.Taint.outOfService]
        let cached = nodes.object(name: name)
        let (node, _) = try await RequestPriority.$current.withValue(.urgent) {
            try await apply(change, to: name, cached: cached)
        }
        return node.metadata.resourceVersion ?? ""
    }

    /// Removes the job-state annotations (one merge patch with `null`s); a missing node is not an error.
    ///
    /// Bookkeeping: it waits behind every cordon and drain request (``RequestPriority/background``), so a burst's
    /// first finished jobs never delay the last nodes' cordons.
    public func clearJobState(node name: String) async throws {
        let removals = Dictionary(uniqueKeysWithValues: NodeJobState.annotationKeys.map { ($0, JSONValue.null) })
        do {
            _ = try await RequestPriority.$current.withValue(.background) {
                try await client.patch(
                    Node.self, name: name, patch: .merge(["metadata": ["annotations": .object(removals)]]))
            }
        } catch let error as KubernetesError where error.isNotFound {
            return
        }
    }

    /// What one node patch sets.
    struct NodeChange: Sendable {
        var annotations: [String: String] = [:]
        var labels: [String: String] = [:]
        var taints: [Interruption.Taint] = []
        var unschedulable = false
    }

    /// What applying a change took.
    struct ChangeResult: Sendable {
        var before: Node?
        var addedTaints: [String]
        var writes: Int
    }

    /// Applies a change in one patch, re-reading the node and retrying after a 409 (only possible when taints are
    /// written with a resourceVersion precondition).
    func apply(_ change: NodeChange, to name: String, cached: Node?) async throws -> (Node, ChangeResult) {
        var current = cached
        if current == nil, !change.taints.isEmpty {
            current = try await client.get(Node.self, name: name)
        }
        var writes = 0
        for _ in 0..<max(1, configuration.maxCordonAttempts) {
            let (body, added) = patchBody(change, current: current)
            writes += 1
            do {
                let node = try await client.patch(Node.self, name: name, patch: .strategicMerge(body))
                return (node, ChangeResult(before: current, addedTaints: added, writes: writes))
            } catch let error as KubernetesError where error.isConflict {
                configuration.logger.info(
                    "node changed under the patch; reading it again", metadata: ["node.name": "\(name)"])
                current = try await client.get(Node.self, name: name)
            }
        }
        throw ClusterError(
            code: .conflict, nodeName: name,
            message: "the node changed under every one of \(writes) patches (409 Conflict); it will be retried")
    }

    /// The patch body, and the taint keys it adds.
    func patchBody(_ change: NodeChange, current: Node?) -> (JSONValue, [String]) {
        var metadata: [String: JSONValue] = [:]
        var spec: [String: JSONValue] = [:]
        if !change.annotations.isEmpty {
            metadata["annotations"] = .object(change.annotations.mapValues { .string($0) })
        }
        if !change.labels.isEmpty { metadata["labels"] = .object(change.labels.mapValues { .string($0) }) }
        if change.unschedulable { spec["unschedulable"] = true }
        let existing = current?.spec?.taints ?? []
        var added: [String] = []
        var taints = existing.map(Self.json)
        for taint in change.taints
        where !existing.contains(where: { $0.key == taint.key && $0.effect == taint.effect.rawValue })
            && !added.contains(taint.key)
        {
            added.append(taint.key)
            let timeAdded = taint.effect == .noExecute ? configuration.clock.now : nil
            taints.append(
                Self.json(
                    Kubernetes.Taint(
                        key: taint.key, value: taint.value, effect: taint.effect.rawValue, timeAdded: timeAdded)))
        }
        if !added.isEmpty {
            spec["taints"] = .array(taints)
            if let version = current?.metadata.resourceVersion { metadata["resourceVersion"] = .string(version) }
        }
        var body: [String: JSONValue] = [:]
        if !metadata.isEmpty { body["metadata"] = .object(metadata) }
        if !spec.isEmpty { body["spec"] = .object(spec) }
        return (.object(body), added)
    }

    static func json(_ taint: Kubernetes.Taint) -> JSONValue {
        var object: [String: JSONValue] = ["key": .string(taint.key), "effect": .string(taint.effect)]
        if let value = taint.value { object["value"] = .string(value) }
        if let time = taint.timeAdded {
            object["timeAdded"] = .string(RFC3339.format(time))
        }
        return .object(object)
    }
}
