public import Kubernetes

extension ControllerConfiguration {
    /// `kubernetes` with this configuration's `KUBE_API_QPS` and `KUBE_API_BURST`.
    ///
    /// - Parameter kubernetes: The loaded client configuration (in-cluster or kubeconfig).
    /// - Returns: The same configuration with the controller's rate limits.
    public func applyingRateLimits(to kubernetes: KubernetesConfiguration) -> KubernetesConfiguration {
        var configured = kubernetes
        configured.qps = kubeAPIQPS
        configured.burst = kubeAPIBurst
        return configured
    }

    /// The cluster side's tuning from this configuration: deadline rules, the eviction budget
    /// (`NTH_MAX_EVICTIONS_IN_FLIGHT`, in `NTH_EVICTION_ORDER`) and the evictions' own rate limiter (`NTH_EVICTION_QPS`, `NTH_EVICTION_BURST`).
    /// Logging is left to the caller.
    public var clusterConfiguration: KubernetesCluster.Configuration {
        var cluster = KubernetesCluster.Configuration()
        cluster.deadlineRules = deadlineRules
        cluster.maxEvictionsInFlight = maxEvictionsInFlight
        cluster.evictionOrder = evictionOrder
        cluster.eventAnnotations = eventAnnotations
        cluster.evictionRateLimiter = RateLimiter(qps: evictionQPS, burst: evictionBurst, clock: ContinuousClock())
        return cluster
    }
}
