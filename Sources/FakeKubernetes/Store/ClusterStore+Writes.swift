import Foundation
public import JSONValues

extension ClusterStore {
    /// Creates an object (POST): assigns uid, creationTimestamp, generation and resourceVersion; honours
    /// `metadata.generateName`.
    /// - Throws: ``APIError`` 409 AlreadyExists, 400 when the name is missing or the namespace disagrees.
    @discardableResult
    func create(_ resource: ResourceType, namespace: String, object input: JSONValue, keepUID: Bool = false) throws
        -> JSONValue
    {
        guard case .object = input else { throw APIError.badRequest("the body must be a JSON object") }
        var object = input
        if object["metadata"]["name"].stringValue?.isEmpty ?? true {
            guard let prefix = object["metadata"]["generateName"].stringValue, !prefix.isEmpty else {
                throw APIError.invalid(
                    resource, name: "", field: "metadata.name", message: "name or generateName is required")
            }
            object["metadata"]["name"] = .string(prefix + Self.randomSuffix())
        }
        if resource.namespaced {
            let bodyNamespace = object.namespace
            if !bodyNamespace.isEmpty, !namespace.isEmpty, bodyNamespace != namespace {
                throw APIError.badRequest(
                    "the namespace of the provided object does not match the namespace sent on "
                        + "the request")
            }
            let effective = namespace.isEmpty ? (bodyNamespace.isEmpty ? "default" : bodyNamespace) : namespace
            object["metadata"]["namespace"] = .string(effective)
        } else {
            object["metadata"].removeMember("namespace")
        }
        let key = key(resource, namespace: object.namespace, name: object.name)
        if storage[resource.storageKey]?.get(key) != nil { throw APIError.alreadyExists(resource, name: key.name) }
        object["apiVersion"] = .string(resource.groupVersion)
        object["kind"] = .string(resource.kind)
        if !keepUID || object.uid == nil { object["metadata"]["uid"] = .string(UUID().uuidString.lowercased()) }
        object["metadata"]["creationTimestamp"] = .string(Timestamps.now())
        object["metadata"]["generation"] = 1
        object["metadata"].removeMember("resourceVersion")
        object["metadata"].removeMember("deletionTimestamp")
        if resource == .pods, object["status"]["phase"].isNull { object["status"]["phase"] = "Pending" }
        if resource == .podDisruptionBudgets { object = computeBudgetStatus(object) }
        if resource == .namespaces, object["status"]["phase"].isNull { object["status"]["phase"] = "Active" }
        return commit(resource, key: key, object: object) ?? object
    }

    /// Replaces an object (PUT) with optimistic concurrency.
    ///
    /// A `metadata.resourceVersion` other than the stored one is a 409 Conflict. Leadership records (Leases) must
    /// carry one (422 otherwise), as their strategy disallows unconditional updates. On a `status` subresource only
    /// the status is taken from the body.
    func update(
        _ resource: ResourceType, namespace: String, name: String, object input: JSONValue, subresource: String? = nil
    ) throws -> JSONValue {
        let key = key(resource, namespace: namespace, name: name)
        guard let current = storage[resource.storageKey]?.get(key) else {
            throw APIError.notFound(resource, name: name)
        }
        if !input.name.isEmpty, input.name != name {
            throw APIError.badRequest(
                "the name of the object (\(input.name)) does not match the name on the URL "
                    + "(\(name))")
        }
        if let rv = input.resourceVersion, !rv.isEmpty {
            guard rv == current.resourceVersion else { throw APIError.conflict(resource, name: name) }
        } else if resource == .leases {
            throw APIError.invalid(
                resource, name: name, field: "metadata.resourceVersion", message: "must be specified for an update")
        }
        var object: JSONValue
        if subresource == "status" {
            object = current
            object["status"] = input["status"]
        } else {
            object = input
            object["status"] = input["status"].isNull ? current["status"] : input["status"]
        }
        return try store(resource, key: key, current: current, updated: object)
    }

    /// Patches an object (PATCH) against its latest state; a `metadata.resourceVersion` in the result that differs
    /// from the stored one acts as a precondition (409).
    func patch(
        _ resource: ResourceType, namespace: String, name: String, type: PatchType, patch: JSONValue,
        subresource: String? = nil
    ) throws -> JSONValue {
        let key = key(resource, namespace: namespace, name: name)
        guard let current = storage[resource.storageKey]?.get(key) else {
            throw APIError.notFound(resource, name: name)
        }
        var patched: JSONValue
        do {
            patched = try Patcher.apply(type, patch: patch, to: current)
        } catch let error as PatchError {
            if error.isTestFailure {
                throw APIError(code: 422, reason: "Invalid", message: error.message)
            }
            throw APIError(code: 400, reason: "BadRequest", message: error.message)
        }
        if let rv = patched.resourceVersion, rv != current.resourceVersion {
            throw APIError.conflict(resource, name: name)
        }
        if subresource == "status" {
            var statusOnly = current
            statusOnly["status"] = patched["status"]
            patched = statusOnly
        }
        return try store(resource, key: key, current: current, updated: patched)
    }

    /// Writes an updated object, keeping identity fields and bumping `generation` when the spec changed.
    private func store(_ resource: ResourceType, key: ObjectKey, current: JSONValue, updated: JSONValue) throws
        -> JSONValue
    {
        var object = updated
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "name"] {
            object["metadata"][field] = current["metadata"][field]
            if current["metadata"][field].isNull { object["metadata"].removeMember(field) }
        }
        if resource.namespaced { object["metadata"]["namespace"] = .string(key.namespace) }
        object["apiVersion"] = .string(resource.groupVersion)
        object["kind"] = .string(resource.kind)
        let generation = current["metadata"]["generation"].intValue ?? 1
        object["metadata"]["generation"] = .int(object["spec"] != current["spec"] ? generation + 1 : generation)
        if resource == .podDisruptionBudgets { object = computeBudgetStatus(object) }
        object["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        if object == current { return current }
        guard let stored = commit(resource, key: key, object: object) else { return object }
        if resource == .replicaSets { refreshDisruptionBudgets(namespace: key.namespace, around: []) }
        return stored
    }

    /// Options of a DELETE or an eviction's `deleteOptions`.
    struct DeleteOptions: Sendable {
        var gracePeriodSeconds: Int64?
        var preconditionUID: String?
        var preconditionResourceVersion: String?
        var dryRun = false

        init(json: JSONValue) {
            gracePeriodSeconds = json["gracePeriodSeconds"].intValue
            preconditionUID = json["preconditions"]["uid"].stringValue
            preconditionResourceVersion = json["preconditions"]["resourceVersion"].stringValue
            dryRun = !(json["dryRun"].arrayValue ?? []).isEmpty
        }
    }

    /// Deletes an object as an administrator would (no RBAC, no preconditions), for tests and seeding scripts.
    /// - Returns: the object as deleted or as now terminating.
    /// - Throws: ``APIError`` 404 when there is no such object.
    @discardableResult
    public func remove(_ resource: ResourceType, namespace: String = "", name: String) throws -> JSONValue {
        try delete(resource, namespace: namespace, name: name, options: DeleteOptions(json: .null))
    }

    /// Deletes an object. A pod bound to a node with a grace period is marked terminating (deletionTimestamp) and
    /// left for the simulated kubelet to remove; everything else goes at once.
    /// - Returns: the object as deleted or as now terminating.
    /// - Throws: ``APIError`` 404, or 409 when a precondition fails.
    func delete(_ resource: ResourceType, namespace: String, name: String, options: DeleteOptions) throws -> JSONValue {
        let key = key(resource, namespace: namespace, name: name)
        guard let current = storage[resource.storageKey]?.get(key) else {
            throw APIError.notFound(resource, name: name)
        }
        if let uid = options.preconditionUID, uid != current.uid {
            throw APIError(
                code: 409, reason: "Conflict",
                message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(current.uid ?? "")",
                details: APIError.details(resource, name: name))
        }
        if let rv = options.preconditionResourceVersion, rv != current.resourceVersion {
            throw APIError(
                code: 409, reason: "Conflict",
                message: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object "
                    + "meta: \(current.resourceVersion ?? "")",
                details: APIError.details(resource, name: name))
        }
        if options.dryRun { return current }
        guard resource == .pods else {
            commit(resource, key: key, object: nil)
            return current
        }
        let phase = current["status"]["phase"].stringValue ?? ""
        var grace = options.gracePeriodSeconds ?? current["spec"]["terminationGracePeriodSeconds"].intValue ?? 30
        if (current["spec"]["nodeName"].stringValue ?? "").isEmpty || phase == "Succeeded" || phase == "Failed" {
            grace = 0
        }
        if grace < 0 { grace = 1 }
        if grace == 0 {
            commit(resource, key: key, object: nil)
            return current
        }
        if let existing = current["metadata"]["deletionGracePeriodSeconds"].intValue, existing <= grace {
            return current
        }
        var terminating = current
        terminating["metadata"]["deletionTimestamp"] = .string(
            Timestamps.string(Date().addingTimeInterval(TimeInterval(grace))))
        terminating["metadata"]["deletionGracePeriodSeconds"] = .int(grace)
        let stored = commit(resource, key: key, object: terminating) ?? terminating
        if configuration.kubeletEnabled {
            let uid = current.uid
            let seconds = Double(grace) * configuration.timeScale
            schedule(after: .milliseconds(Int64(max(0, seconds * 1000)))) { store in
                store.kubeletRemove(key: key, uid: uid)
            }
        }
        return stored
    }

    /// The simulated kubelet's final delete of a terminated pod (grace 0), if it is still the same pod.
    func kubeletRemove(key: ObjectKey, uid: String?) {
        guard let pod = storage[ResourceType.pods.storageKey]?.get(key), pod.uid == uid, pod.isTerminating else {
            return
        }
        commit(.pods, key: key, object: nil)
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }
}
