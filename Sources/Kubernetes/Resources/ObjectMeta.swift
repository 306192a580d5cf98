public import Foundation

/// `metav1.ObjectMeta`: the metadata every persisted object has. Fields not modelled here are ignored on decode.
///
/// See https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/
public struct ObjectMeta: Codable, Sendable, Hashable {
    /// The object's name, unique within its namespace (or the cluster).
    public var name: String?
    /// A prefix the server completes into a unique name when ``name`` is empty.
    public var generateName: String?
    /// The namespace, for namespaced objects.
    public var namespace: String?
    /// The server-assigned unique id.
    public var uid: String?
    /// The opaque version of this object, for optimistic concurrency and watches.
    public var resourceVersion: String?
    /// The generation of the desired state.
    public var generation: Int64?
    /// When the object was created.
    public var creationTimestamp: Date?
    /// When a graceful deletion will complete; set once deletion was requested.
    public var deletionTimestamp: Date?
    /// The grace period of a pending deletion.
    public var deletionGracePeriodSeconds: Int64?
    /// Labels.
    public var labels: [String: String]?
    /// Annotations.
    public var annotations: [String: String]?
    /// The objects that own this one.
    public var ownerReferences: [OwnerReference]?
    /// Finalizers that must be removed before the object is deleted.
    public var finalizers: [String]?

    /// Creates metadata.
    public init(
        name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil,
        annotations: [String: String]? = nil, resourceVersion: String? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.resourceVersion = resourceVersion
    }
}

/// `metav1.OwnerReference`: a link from an object to its owner (a Pod to its ReplicaSet or DaemonSet).
public struct OwnerReference: Codable, Sendable, Hashable {
    /// The owner's API version, for example `apps/v1`.
    public var apiVersion: String
    /// The owner's kind, for example `DaemonSet`.
    public var kind: String
    /// The owner's name.
    public var name: String
    /// The owner's uid.
    public var uid: String
    /// Whether the owner is the managing controller.
    public var controller: Bool?
    /// Whether deletion of the owner waits for this object.
    public var blockOwnerDeletion: Bool?

    /// Creates an owner reference.
    public init(
        apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil,
        blockOwnerDeletion: Bool? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }
}

/// `metav1.ListMeta`: the metadata of a list response.
public struct ListMeta: Codable, Sendable, Hashable {
    /// The resourceVersion the list was read at; start a watch from here.
    public var resourceVersion: String?
    /// The token for the next page, when the list was limited and more items remain.
    public var continueToken: String?
    /// An estimate of the items not yet returned.
    public var remainingItemCount: Int64?

    /// Creates list metadata.
    public init(resourceVersion: String? = nil, continueToken: String? = nil, remainingItemCount: Int64? = nil) {
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }

    enum CodingKeys: String, CodingKey {
        case resourceVersion
        case continueToken = "continue"
        case remainingItemCount
    }
}

/// `v1.ObjectReference`: a reference to another object, as in an event's `regarding`.
public struct ObjectReference: Codable, Sendable, Hashable {
    /// The referent's API version.
    public var apiVersion: String?
    /// The referent's kind.
    public var kind: String?
    /// The referent's namespace.
    public var namespace: String?
    /// The referent's name.
    public var name: String?
    /// The referent's uid.
    public var uid: String?
    /// The referent's resourceVersion.
    public var resourceVersion: String?
    /// A field within the referent.
    public var fieldPath: String?

    /// Creates a reference.
    public init(
        apiVersion: String? = nil, kind: String? = nil, namespace: String? = nil, name: String? = nil,
        uid: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }
}

/// `metav1.LabelSelector`: matches labels by equality and by set expressions.
public struct LabelSelector: Codable, Sendable, Hashable {
    /// Labels that must all be present with these values.
    public var matchLabels: [String: String]?
    /// Set-based requirements, all of which must hold.
    public var matchExpressions: [LabelSelectorRequirement]?

    /// Creates a selector.
    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

/// One set-based requirement of a ``LabelSelector``.
public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    /// The label key.
    public var key: String
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    public var `operator`: String
    /// The values for `In` and `NotIn`.
    public var values: [String]?

    /// Creates a requirement.
    public init(key: String, operator: String, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}

/// `intstr.IntOrString`: a number or a string such as a percentage (`"50%"`).
public enum IntOrString: Codable, Sendable, Hashable {
    /// A number.
    case int(Int)
    /// A string.
    case string(String)

    /// Decodes a number or a string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    /// Encodes the number or the string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}
