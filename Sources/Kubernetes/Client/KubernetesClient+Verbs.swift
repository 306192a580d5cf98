import Foundation
import HTTPClient

extension KubernetesClient {
    /// Reads one object.
    /// - Parameters:
    ///   - type: the resource type, for example `Node.self`.
    ///   - name: the object's name.
    ///   - namespace: the namespace (namespaced types only); the configuration's default when `nil`.
    ///   - resourceVersion: `nil` for a consistent read (a quorum read from etcd); `"0"` for any recent state from
    ///     the watch cache, which costs etcd nothing.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Code/notFound`` when it does not exist).
    public func get<T: KubernetesResource>(
        _ type: T.Type, name: String, namespace: String? = nil, resourceVersion: String? = nil
    ) async throws -> T {
        let call = Call(
            verb: "get", method: .get,
            path: T.descriptor.objectPath(name: name, namespace: self.namespace(for: T.self, namespace)),
            query: resourceVersion.map { [("resourceVersion", $0)] } ?? [], resource: T.descriptor.plural)
        return try decode(T.self, from: try await send(call).body, call: call)
    }

    /// Lists one page of objects.
    /// - Parameters:
    ///   - type: the resource type.
    ///   - namespace: for namespaced types, the namespace; `nil` lists every namespace.
    ///   - options: selectors, resourceVersion semantics, paging.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Code/expired`` when a continue token or exact
    ///   resourceVersion is too old).
    public func list<T: KubernetesResource>(
        _ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()
    ) async throws -> ObjectList<T> {
        try await listPage(type, namespace: namespace, options: options, transform: nil)
    }

    private func listPage<T: KubernetesResource>(
        _ type: T.Type, namespace: String?, options: ListOptions, transform: (@Sendable (T) -> T)?
    ) async throws -> ObjectList<T> {
        let call = Call(
            verb: "list", method: .get,
            path: T.descriptor.collectionPath(namespace: T.descriptor.isNamespaced ? namespace : nil),
            query: options.queryItems, resource: T.descriptor.plural)
        return try decodeList(T.self, from: try await send(call).body, call: call, transform: transform)
    }

    /// Lists every object, following `continue` tokens page by page; the result carries the first page's
    /// resourceVersion (every page of a paged list is read at the same one).
    /// - Parameter transform: applied to each item as soon as it is decoded, before the next one is (an informer
    ///   keeping only some fields never holds the whole list of full objects).
    /// - Throws: ``KubernetesError``.
    public func listAll<T: KubernetesResource>(
        _ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions(),
        transform: (@Sendable (T) -> T)? = nil
    ) async throws -> ObjectList<T> {
        var page = try await listPage(type, namespace: namespace, options: options, transform: transform)
        var items = page.items
        let metadata = page.metadata
        while let token = page.metadata.continueToken, !token.isEmpty {
            var next = options
            next.continueToken = token
            next.resourceVersion = nil
            next.resourceVersionMatch = nil
            page = try await listPage(type, namespace: namespace, options: next, transform: transform)
            items += page.items
        }
        return ObjectList(metadata: ListMeta(resourceVersion: metadata.resourceVersion), items: items)
    }

    /// Creates an object; its namespace comes from `namespace`, else its metadata, else the default.
    /// - Returns: the object as stored (with uid and resourceVersion).
    /// - Throws: ``KubernetesError`` (``KubernetesError/Code/alreadyExists`` when the name is taken).
    public func create<T: KubernetesResource>(_ object: T, namespace: String? = nil) async throws -> T {
        let ns = self.namespace(for: T.self, namespace ?? object.metadata.namespace)
        let call = Call(
            verb: "create", method: .post, path: T.descriptor.collectionPath(namespace: ns), body: try encode(object),
            contentType: "application/json", resource: T.descriptor.plural)
        return try decode(T.self, from: try await send(call).body, call: call)
    }

    /// Replaces an object (PUT). The object's `metadata.resourceVersion` is a precondition: a stale one fails with
    /// ``KubernetesError/Code/conflict``; re-read and retry.
    ///
    /// Only the fields this module models are sent: use it for fully modelled types such as ``Lease``, and
    /// ``patch(_:name:namespace:patch:)`` for nodes and pods.
    /// - Throws: ``KubernetesError``.
    public func update<T: KubernetesResource>(_ object: T) async throws -> T {
        guard let name = object.metadata.name else {
            throw KubernetesError(
                code: .invalid, verb: "PUT", path: T.descriptor.collectionPath(namespace: object.metadata.namespace),
                message: "the object to update has no metadata.name")
        }
        let ns = self.namespace(for: T.self, object.metadata.namespace)
        let call = Call(
            verb: "update", method: .put, path: T.descriptor.objectPath(name: name, namespace: ns),
            body: try encode(object), contentType: "application/json", resource: T.descriptor.plural)
        return try decode(T.self, from: try await send(call).body, call: call)
    }

    /// Patches an object.
    /// - Returns: the object after the patch (its resourceVersion is the one to list or watch from).
    /// - Throws: ``KubernetesError`` (``KubernetesError/Code/conflict`` when a JSON patch `test` or a
    ///   resourceVersion in the patch does not match; ``KubernetesError/Code/invalid`` for a failed `test` on some
    ///   servers).
    public func patch<T: KubernetesResource>(
        _ type: T.Type, name: String, namespace: String? = nil, patch: Patch
    ) async throws -> T {
        let call = Call(
            verb: "patch", method: .patch,
            path: T.descriptor.objectPath(name: name, namespace: self.namespace(for: T.self, namespace)),
            body: try encode(patch.body), contentType: patch.format.rawValue, resource: T.descriptor.plural)
        return try decode(T.self, from: try await send(call).body, call: call)
    }

    /// Deletes an object.
    /// - Parameters:
    ///   - options: grace period, preconditions (uid, resourceVersion; a mismatch is a
    ///     ``KubernetesError/Code/conflict``), propagation, dry run.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Code/notFound`` when already gone).
    public func delete<T: KubernetesResource>(
        _ type: T.Type, name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()
    ) async throws {
        let call = Call(
            verb: "delete", method: .delete,
            path: T.descriptor.objectPath(name: name, namespace: self.namespace(for: T.self, namespace)),
            body: try encode(options), contentType: "application/json", resource: T.descriptor.plural)
        _ = try await send(call)
    }

    /// Asks the eviction subresource to evict a pod, which honours PodDisruptionBudgets.
    /// - Parameters:
    ///   - podName: the pod.
    ///   - namespace: its namespace.
    ///   - options: grace period, preconditions, dry run.
    /// - Throws: ``KubernetesError``: ``KubernetesError/Code/tooManyRequests`` when a budget forbids it now
    ///   (retry later), ``KubernetesError/Code/notFound`` when the pod is already gone,
    ///   ``KubernetesError/Code/serverError`` when the pod matches several budgets.
    public func evict(podName: String, namespace: String, options: DeleteOptions? = nil) async throws {
        let eviction = Eviction(podName: podName, namespace: namespace, deleteOptions: options)
        let call = Call(
            verb: "evict", method: .post,
            path: Pod.descriptor.objectPath(name: podName, namespace: namespace) + "/eviction",
            body: try encode(eviction), contentType: "application/json", resource: "pods/eviction")
        _ = try await send(call)
    }
}
