import Foundation
import JSONValues

extension ClusterStore {
    /// The eviction subresource, as `kubernetes/kubernetes` `pkg/registry/core/pod/storage/eviction.go` has it.
    ///
    /// Terminal, pending or already terminating pods are deleted without looking at budgets. Otherwise the pod's
    /// PodDisruptionBudgets (same namespace, non-empty selector matching its labels) decide: none ⇒ delete; more
    /// than one ⇒ 500; one with no disruptions allowed ⇒ 429 `DisruptionBudget`; else delete (the budget's status is
    /// recomputed, as the disruption controller would).
    /// - Returns: the `Status` of a successful eviction (code 201).
    func evict(namespace: String, name: String, eviction: JSONValue) throws -> JSONValue {
        if !eviction.name.isEmpty, eviction.name != name {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        let key = ObjectKey(namespace: namespace, name: name)
        guard let pod = storage[ResourceType.pods.storageKey]?.get(key) else {
            throw APIError.notFound(.pods, name: name)
        }
        let options = DeleteOptions(json: eviction["deleteOptions"])
        let success: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success",
            "code": 201,
        ]
        let phase = pod["status"]["phase"].stringValue ?? ""
        if phase == "Succeeded" || phase == "Failed" || phase == "Pending" || pod.isTerminating {
            _ = try delete(.pods, namespace: namespace, name: name, options: options)
            return success
        }
        let budgets = table(.podDisruptionBudgets, inCache: false).list(namespace: namespace, nodeName: nil)
            .map(\.1).filter { Self.selects($0, pod) }
        if budgets.count > 1 {
            throw APIError(
                code: 500, reason: "",
                message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
                    + "support.")
        }
        guard let budget = budgets.first else {
            _ = try delete(.pods, namespace: namespace, name: name, options: options)
            return success
        }
        let status = computeBudgetStatus(budget)["status"]
        let allowed = status["disruptionsAllowed"].intValue ?? 0
        let healthy = status["currentHealthy"].intValue ?? 0
        let desired = status["desiredHealthy"].intValue ?? 0
        let podIsHealthy = Self.isHealthy(pod)
        if !podIsHealthy, healthy >= desired, desired > 0 {
            _ = try delete(.pods, namespace: namespace, name: name, options: options)
            return success
        }
        guard allowed > 0 else {
            throw APIError(
                code: 429, reason: "TooManyRequests",
                message: "Cannot evict pod as it would violate the pod's disruption budget.",
                details: [
                    "causes": [
                        [
                            "reason": "DisruptionBudget",
                            "message": .string(
                                "The disruption budget \(budget.name) needs \(desired) healthy pods and "
                                    + "has \(healthy) currently"),
                        ]
                    ]
                ])
        }
        _ = try delete(.pods, namespace: namespace, name: name, options: options)
        return success
    }

    /// Whether a budget's selector selects a pod: same namespace, non-empty selector matching the labels.
    static func selects(_ budget: JSONValue, _ pod: JSONValue) -> Bool {
        guard budget.namespace == pod.namespace,
            let selector = LabelSelector(object: budget["spec"]["selector"]), !selector.requirements.isEmpty
        else { return false }
        return selector.matches(pod.labels)
    }

    /// A pod counts as healthy when it is not terminating and is Ready (or Running with no Ready condition).
    static func isHealthy(_ pod: JSONValue) -> Bool {
        guard !pod.isTerminating else { return false }
        let phase = pod["status"]["phase"].stringValue ?? ""
        if phase == "Succeeded" || phase == "Failed" { return false }
        let ready = (pod["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == "Ready" }
        if let ready { return ready["status"].stringValue == "True" }
        return phase == "Running"
    }

    /// The budget with `status` computed as the disruption controller would: expected pods from the controllers'
    /// `spec.replicas` (a ReplicaSet the fake stores) or one per pod otherwise; desired healthy from `minAvailable`
    /// or `maxUnavailable` (integer or percentage, rounded up); allowed = healthy − desired, never negative.
    func computeBudgetStatus(_ budget: JSONValue) -> JSONValue {
        var budget = budget
        let selector = LabelSelector(object: budget["spec"]["selector"]) ?? .everything
        let pods = table(.pods, inCache: false).candidates(namespace: budget.namespace, selector: selector)
            .filter { Self.selects(budget, $0) }
        var expected: Int64 = 0
        var countedControllers: Set<String> = []
        for pod in pods {
            let owner = (pod["metadata"]["ownerReferences"].arrayValue ?? []).first { $0["controller"] == true }
            if let owner, owner["kind"].stringValue == "ReplicaSet", let ownerName = owner["name"].stringValue,
                let replicaSet = storage[ResourceType.replicaSets.storageKey]?.get(
                    ObjectKey(namespace: pod.namespace, name: ownerName))
            {
                if countedControllers.insert(ownerName).inserted {
                    expected += replicaSet["spec"]["replicas"].intValue ?? 1
                }
            } else if !(pod.isTerminating) {
                expected += 1
            }
        }
        let healthy = Int64(pods.filter(Self.isHealthy).count)
        var desired: Int64
        if let minAvailable = Self.scaled(budget["spec"]["minAvailable"], of: expected) {
            desired = minAvailable
        } else if let maxUnavailable = Self.scaled(budget["spec"]["maxUnavailable"], of: expected) {
            desired = max(0, expected - maxUnavailable)
        } else {
            desired = expected
        }
        let allowed = max(0, healthy - desired)
        budget["status"] = [
            "observedGeneration": budget["metadata"]["generation"].isNull ? 1 : budget["metadata"]["generation"],
            "disruptionsAllowed": .int(allowed), "currentHealthy": .int(healthy), "desiredHealthy": .int(desired),
            "expectedPods": .int(expected),
            "conditions": [
                [
                    "type": "DisruptionAllowed", "status": allowed > 0 ? "True" : "False",
                    "reason": allowed > 0 ? "SufficientPods" : "InsufficientPods", "message": "",
                    "observedGeneration": budget["metadata"]["generation"].isNull
                        ? 1 : budget["metadata"]["generation"],
                    "lastTransitionTime": .string(
                        budget["status"]["conditions"].arrayValue?.first?["lastTransitionTime"].stringValue
                            ?? Timestamps.now()),
                ]
            ],
        ]
        return budget
    }

    /// Recomputes the status of every budget.
    func refreshAllDisruptionBudgets() {
        let namespaces = Set(
            table(.podDisruptionBudgets, inCache: false).list(namespace: nil, nodeName: nil).map {
                $0.0.namespace
            })
        for namespace in namespaces.sorted() { refreshDisruptionBudgets(namespace: namespace, around: []) }
    }

    /// An IntOrString: an integer, or a percentage of `total` rounded up.
    static func scaled(_ value: JSONValue, of total: Int64) -> Int64? {
        if let int = value.intValue { return int }
        guard let string = value.stringValue, string.hasSuffix("%"), let percent = Double(string.dropLast()) else {
            return nil
        }
        return Int64((percent * Double(total) / 100).rounded(.up))
    }

    /// Rewrites the status of the budgets in a namespace that select any of `pods` (or every budget there when
    /// `pods` is empty) when it changed.
    func refreshDisruptionBudgets(namespace: String, around pods: [JSONValue?]) {
        guard !deferBudgetRefresh else { return }
        let candidates = pods.compactMap { $0 }
        for (key, budget) in table(.podDisruptionBudgets, inCache: false).list(namespace: namespace, nodeName: nil) {
            guard candidates.isEmpty || candidates.contains(where: { Self.selects(budget, $0) }) else { continue }
            let updated = computeBudgetStatus(budget)
            var comparableOld = budget["status"]
            var comparableNew = updated["status"]
            comparableOld["conditions"] = .null
            comparableNew["conditions"] = .null
            if comparableOld != comparableNew { commit(.podDisruptionBudgets, key: key, object: updated) }
        }
    }
}
