public import Foundation

/// The namespace and name of a pod.
public struct PodReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `metadata.namespace`.
    public var namespace: String
    /// `metadata.name`.
    public var name: String

    /// Creates a reference.
    ///
    /// - Parameters:
    ///   - namespace: `metadata.namespace`.
    ///   - name: `metadata.name`.
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// `namespace/name`.
    public var description: String { "\(namespace)/\(name)" }

    /// Orders by namespace, then name.
    public static func < (lhs: PodReference, rhs: PodReference) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// A pod's `status.phase`.
public enum PodPhase: String, Sendable, Hashable, CaseIterable {
    /// `Pending`.
    case pending = "Pending"
    /// `Running`.
    case running = "Running"
    /// `Succeeded`: finished.
    case succeeded = "Succeeded"
    /// `Failed`: finished.
    case failed = "Failed"
    /// `Unknown`, or a phase this module does not know.
    case unknown = "Unknown"

    /// Whether the pod has finished (`Succeeded` or `Failed`).
    public var isFinished: Bool { self == .succeeded || self == .failed }
}

/// An entry of `metadata.ownerReferences`.
public struct OwnerReference: Sendable, Hashable {
    /// `kind`, for example `ReplicaSet` or `DaemonSet`.
    public var kind: String
    /// `name`.
    public var name: String
    /// `controller`: whether this owner manages the pod.
    public var isController: Bool

    /// Creates an owner reference.
    ///
    /// - Parameters:
    ///   - kind: `kind`.
    ///   - name: `name`.
    ///   - isController: `controller`.
    public init(kind: String, name: String, isController: Bool = true) {
        self.kind = kind
        self.name = name
        self.isController = isController
    }
}

/// The parts of a pod the drain rules read. The controller fills it from the Kubernetes `Pod`.
public struct PodDescription: Sendable, Hashable {
    /// The annotation a kubelet puts on mirror pods of static pods.
    public static let mirrorPodAnnotation = "kubernetes.io/config.mirror"

    /// Namespace and name.
    public var reference: PodReference
    /// `status.phase`.
    public var phase: PodPhase
    /// `metadata.deletionTimestamp`: set once the pod is terminating.
    public var deletionTimestamp: Date?
    /// `metadata.annotations`.
    public var annotations: [String: String]
    /// `metadata.ownerReferences`.
    public var ownerReferences: [OwnerReference]
    /// The names of the pod's `emptyDir` volumes (local data lost on eviction).
    public var emptyDirVolumes: [String]
    /// `spec.terminationGracePeriodSeconds`.
    public var terminationGracePeriodSeconds: Int?

    /// Creates a pod description.
    ///
    /// - Parameters:
    ///   - namespace: `metadata.namespace`.
    ///   - name: `metadata.name`.
    ///   - phase: `status.phase`.
    ///   - deletionTimestamp: `metadata.deletionTimestamp`.
    ///   - annotations: `metadata.annotations`.
    ///   - ownerReferences: `metadata.ownerReferences`.
    ///   - emptyDirVolumes: The names of the `emptyDir` volumes.
    ///   - terminationGracePeriodSeconds: `spec.terminationGracePeriodSeconds`.
    public init(
        namespace: String,
        name: String,
        phase: PodPhase = .running,
        deletionTimestamp: Date? = nil,
        annotations: [String: String] = [:],
        ownerReferences: [OwnerReference] = [],
        emptyDirVolumes: [String] = [],
        terminationGracePeriodSeconds: Int? = nil
    ) {
        self.reference = PodReference(namespace: namespace, name: name)
        self.phase = phase
        self.deletionTimestamp = deletionTimestamp
        self.annotations = annotations
        self.ownerReferences = ownerReferences
        self.emptyDirVolumes = emptyDirVolumes
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    }

    /// The owner reference with `controller: true`, as `metav1.GetControllerOf` finds it.
    public var controller: OwnerReference? { ownerReferences.first { $0.isController } }

    /// Whether this is the mirror of a static pod.
    public var isMirrorPod: Bool { annotations[Self.mirrorPodAnnotation] != nil }

    /// Whether the pod is managed by a DaemonSet (its controller is one).
    public var isDaemonSetPod: Bool { controller?.kind == "DaemonSet" }
}
