public import JSONValues

/// A core/v1 Pod, with what a drain needs: owners, node, phase, deletion state, grace period and volumes.
///
/// See https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
public struct Pod: KubernetesResource, Hashable {
    /// The resource `pods` in the core group; namespaced.
    public static let descriptor = ResourceDescriptor(
        group: "", version: "v1", kind: "Pod", plural: "pods", isNamespaced: true)

    /// `v1`.
    public var apiVersion: String?
    /// `Pod`.
    public var kind: String?
    /// The pod's metadata (owner references, deletion timestamp, annotations such as
    /// `kubernetes.io/config.mirror`).
    public var metadata: ObjectMeta
    /// The pod's spec.
    public var spec: PodSpec?
    /// The pod's status.
    public var status: PodStatus?

    /// Creates a pod.
    public init(metadata: ObjectMeta, spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.apiVersion = Self.descriptor.apiVersion
        self.kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// The owner reference with `controller: true`, if any.
    public var controllerReference: OwnerReference? {
        metadata.ownerReferences?.first { $0.controller == true }
    }
}

/// `v1.PodSpec`, the parts a drain reads.
public struct PodSpec: Codable, Sendable, Hashable {
    /// The node the pod is bound to.
    public var nodeName: String?
    /// The containers (names and images only).
    public var containers: [Container]
    /// The volumes (kind of source only).
    public var volumes: [Volume]?
    /// The pod's own grace period.
    public var terminationGracePeriodSeconds: Int64?
    /// The priority class.
    public var priorityClassName: String?
    /// The resolved priority.
    public var priority: Int32?

    /// Creates a spec.
    public init(
        nodeName: String? = nil, containers: [Container] = [], volumes: [Volume]? = nil,
        terminationGracePeriodSeconds: Int64? = nil
    ) {
        self.nodeName = nodeName
        self.containers = containers
        self.volumes = volumes
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    }

    enum CodingKeys: String, CodingKey {
        case nodeName, containers, volumes, terminationGracePeriodSeconds, priorityClassName, priority
    }

    /// Decodes a spec; missing containers decode as none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nodeName = try container.decodeIfPresent(String.self, forKey: .nodeName)
        containers = try container.decodeIfPresent([Container].self, forKey: .containers) ?? []
        volumes = try container.decodeIfPresent([Volume].self, forKey: .volumes)
        terminationGracePeriodSeconds = try container.decodeIfPresent(
            Int64.self, forKey: .terminationGracePeriodSeconds)
        priorityClassName = try container.decodeIfPresent(String.self, forKey: .priorityClassName)
        priority = try container.decodeIfPresent(Int32.self, forKey: .priority)
    }
}

/// `v1.Container`, name and image only.
public struct Container: Codable, Sendable, Hashable {
    /// The container's name.
    public var name: String
    /// The image.
    public var image: String?

    /// Creates a container.
    public init(name: String, image: String? = nil) {
        self.name = name
        self.image = image
    }
}

/// `v1.Volume`: its name and which kind of source it has. The sources are kept as raw JSON.
public struct Volume: Codable, Sendable, Hashable {
    /// The volume's name.
    public var name: String
    /// An `emptyDir` source (node-local data lost on eviction).
    public var emptyDir: JSONValue?
    /// A `persistentVolumeClaim` source.
    public var persistentVolumeClaim: JSONValue?
    /// A `hostPath` source.
    public var hostPath: JSONValue?

    /// Creates a volume.
    public init(name: String, emptyDir: JSONValue? = nil) {
        self.name = name
        self.emptyDir = emptyDir
    }
}

/// `v1.PodStatus`, the parts a drain reads.
public struct PodStatus: Codable, Sendable, Hashable {
    /// The pod's phase.
    public var phase: PodPhase?
    /// A reason such as `Evicted`.
    public var reason: String?
    /// A human-readable message.
    public var message: String?

    /// Creates a status.
    public init(phase: PodPhase? = nil) {
        self.phase = phase
    }
}

/// A pod phase; unknown values from newer servers are kept as they are.
public struct PodPhase: RawRepresentable, Codable, Sendable, Hashable {
    /// The phase as the API spells it.
    public var rawValue: String
    /// Creates a phase.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Accepted, not yet running.
    public static let pending = PodPhase(rawValue: "Pending")
    /// Bound and running.
    public static let running = PodPhase(rawValue: "Running")
    /// Every container exited successfully.
    public static let succeeded = PodPhase(rawValue: "Succeeded")
    /// Every container exited, at least one in failure.
    public static let failed = PodPhase(rawValue: "Failed")
    /// The state could not be obtained.
    public static let unknown = PodPhase(rawValue: "Unknown")
}
