public import Foundation

/// A policy/v1 PodDisruptionBudget.
///
/// See https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/pod-disruption-budget-v1/
public struct PodDisruptionBudget: KubernetesResource, Hashable {
    /// The resource `poddisruptionbudgets` in `policy/v1`; namespaced.
    public static let descriptor = ResourceDescriptor(
        group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets",
        isNamespaced: true)

    /// `policy/v1`.
    public var apiVersion: String?
    /// `PodDisruptionBudget`.
    public var kind: String?
    /// The budget's metadata.
    public var metadata: ObjectMeta
    /// The budget's spec.
    public var spec: PodDisruptionBudgetSpec?
    /// The budget's status, computed by the disruption controller.
    public var status: PodDisruptionBudgetStatus?

    /// Creates a budget.
    public init(
        metadata: ObjectMeta, spec: PodDisruptionBudgetSpec? = nil, status: PodDisruptionBudgetStatus? = nil
    ) {
        self.apiVersion = Self.descriptor.apiVersion
        self.kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// `policyv1.PodDisruptionBudgetSpec`.
public struct PodDisruptionBudgetSpec: Codable, Sendable, Hashable {
    /// Pods that must stay available, as a count or a percentage.
    public var minAvailable: IntOrString?
    /// Pods that may be unavailable, as a count or a percentage.
    public var maxUnavailable: IntOrString?
    /// The pods the budget covers (an empty selector matches none).
    public var selector: LabelSelector?
    /// `IfHealthyBudget` or `AlwaysAllow`.
    public var unhealthyPodEvictionPolicy: String?

    /// Creates a spec.
    public init(
        minAvailable: IntOrString? = nil, maxUnavailable: IntOrString? = nil, selector: LabelSelector? = nil
    ) {
        self.minAvailable = minAvailable
        self.maxUnavailable = maxUnavailable
        self.selector = selector
    }
}

/// `policyv1.PodDisruptionBudgetStatus`.
public struct PodDisruptionBudgetStatus: Codable, Sendable, Hashable {
    /// The generation the status was computed for.
    public var observedGeneration: Int64?
    /// Pods evicted but not yet gone, with the eviction time.
    public var disruptedPods: [String: Date]?
    /// Evictions allowed now.
    public var disruptionsAllowed: Int32
    /// Healthy pods now.
    public var currentHealthy: Int32
    /// Healthy pods required.
    public var desiredHealthy: Int32
    /// Pods counted by the budget.
    public var expectedPods: Int32

    /// Creates a status.
    public init(
        disruptionsAllowed: Int32 = 0, currentHealthy: Int32 = 0, desiredHealthy: Int32 = 0,
        expectedPods: Int32 = 0, observedGeneration: Int64? = nil
    ) {
        self.disruptionsAllowed = disruptionsAllowed
        self.currentHealthy = currentHealthy
        self.desiredHealthy = desiredHealthy
        self.expectedPods = expectedPods
        self.observedGeneration = observedGeneration
    }

    enum CodingKeys: String, CodingKey {
        case observedGeneration, disruptedPods, disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods
    }

    /// Decodes a status; absent counters (omitted when zero by some servers) are zero.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        observedGeneration = try container.decodeIfPresent(Int64.self, forKey: .observedGeneration)
        disruptedPods = try container.decodeIfPresent([String: Date].self, forKey: .disruptedPods)
        disruptionsAllowed = try container.decodeIfPresent(Int32.self, forKey: .disruptionsAllowed) ?? 0
        currentHealthy = try container.decodeIfPresent(Int32.self, forKey: .currentHealthy) ?? 0
        desiredHealthy = try container.decodeIfPresent(Int32.self, forKey: .desiredHealthy) ?? 0
        expectedPods = try container.decodeIfPresent(Int32.self, forKey: .expectedPods) ?? 0
    }
}
