/// A policy/v1 Eviction, the body of `POST /api/v1/namespaces/NS/pods/NAME/eviction`.
public struct Eviction: Codable, Sendable, Hashable {
    /// `policy/v1`.
    public var apiVersion: String
    /// `Eviction`.
    public var kind: String
    /// The pod's name and namespace.
    public var metadata: ObjectMeta
    /// How the pod is deleted once the eviction is allowed.
    public var deleteOptions: DeleteOptions?

    /// Creates an eviction of a pod.
    public init(podName: String, namespace: String, deleteOptions: DeleteOptions? = nil) {
        self.apiVersion = "policy/v1"
        self.kind = "Eviction"
        self.metadata = ObjectMeta(name: podName, namespace: namespace)
        self.deleteOptions = deleteOptions
    }
}

/// `metav1.DeleteOptions`.
public struct DeleteOptions: Codable, Sendable, Hashable {
    /// `v1`.
    public var apiVersion: String?
    /// `DeleteOptions`.
    public var kind: String?
    /// The grace period; `nil` uses the object's own, 0 deletes at once.
    public var gracePeriodSeconds: Int64?
    /// Conditions that must hold or the delete fails with 409 Conflict.
    public var preconditions: Preconditions?
    /// `Orphan`, `Background` or `Foreground`.
    public var propagationPolicy: String?
    /// `["All"]` for a server-side dry run.
    public var dryRun: [String]?

    /// Creates delete options.
    public init(
        gracePeriodSeconds: Int64? = nil, preconditions: Preconditions? = nil, propagationPolicy: String? = nil,
        dryRun: Bool = false
    ) {
        self.apiVersion = "v1"
        self.kind = "DeleteOptions"
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditions = preconditions
        self.propagationPolicy = propagationPolicy
        self.dryRun = dryRun ? ["All"] : nil
    }
}

/// `metav1.Preconditions`: the delete happens only if the object still has this uid and resourceVersion.
public struct Preconditions: Codable, Sendable, Hashable {
    /// The uid the object must have.
    public var uid: String?
    /// The resourceVersion the object must have.
    public var resourceVersion: String?

    /// Creates preconditions.
    public init(uid: String? = nil, resourceVersion: String? = nil) {
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}
