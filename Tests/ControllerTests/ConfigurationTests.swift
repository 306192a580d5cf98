import Controller
import Interruption
import Kubernetes
import Testing

@Suite("ControllerConfiguration from NTH's environment variables")
struct ConfigurationTests {
    @Test("defaults")
    func defaults() throws {
        let configuration = try ControllerConfiguration(environment: [:])
        #expect(configuration.receivers == 2)
        #expect(configuration.workers == 10)
        #expect(configuration.visibilityTimeoutSeconds == 20)
        #expect(configuration.visibilityExtensionSeconds == 10)
        #expect(configuration.maxReceiveCount == 5)
        #expect(configuration.maxMessagesInFlight == 2000)
        #expect(configuration.queueURL == nil)
        #expect(!configuration.dryRun)
        #expect(configuration.heartbeat == nil)
        #expect(!configuration.deleteMessageIfNodeNotFound)
        #expect(configuration.completeLifecycleActionIfNodeNotFound)
        #expect(configuration.podListing == .notOlderThanCordon)
        #expect(configuration.kubeAPIQPS == 100)
        #expect(configuration.kubeAPIBurst == 200)
        #expect(configuration.evictionQPS == 400)
        #expect(configuration.evictionBurst == 800)
        #expect(configuration.maxEvictionsInFlight == 50)
    }

    @Test("KUBE_API_QPS and KUBE_API_BURST (NTH's) set the client's bucket; evictions get a bucket of their own")
    func rateLimits() throws {
        let configuration = try ControllerConfiguration(environment: [
            "KUBE_API_QPS": "2.5", "KUBE_API_BURST": "7", "NTH_EVICTION_QPS": "1e3", "NTH_EVICTION_BURST": "40",
            "NTH_MAX_EVICTIONS_IN_FLIGHT": "64", "NTH_EVICTION_ORDER": "priority",
        ])
        let client = configuration.applyingRateLimits(to: KubernetesConfiguration(server: "https://10.96.0.1"))
        #expect(client.qps == 2.5)
        #expect(client.burst == 7)
        #expect(client.server == "https://10.96.0.1")
        #expect(configuration.evictionQPS == 1000)
        #expect(configuration.evictionBurst == 40)
        let cluster = configuration.clusterConfiguration
        #expect(cluster.maxEvictionsInFlight == 64)
        #expect(cluster.evictionRateLimiter != nil)
        #expect(cluster.evictionOrder == .priorityFirst)
        #expect(try ControllerConfiguration(environment: [:]).clusterConfiguration.evictionOrder == .deadlineFirst)
    }

    @Test("the evictions' bucket paces requests at NTH_EVICTION_QPS after NTH_EVICTION_BURST")
    func evictionBucketPaces() async throws {
        let configuration = try ControllerConfiguration(environment: [
            "NTH_EVICTION_QPS": "50", "NTH_EVICTION_BURST": "5",
        ])
        let limiter = try #require(configuration.clusterConfiguration.evictionRateLimiter)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<15 { try await limiter.acquire(priority: .normal) }
        // 5 at once, then 10 more at 50 per second: at least 0.2 s (a looser bucket would be faster).
        #expect(start.duration(to: clock.now) >= .milliseconds(190))
    }

    @Test("NTH's names and ours are read")
    func reads() throws {
        let configuration = try ControllerConfiguration(environment: [
            "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/nth", "WORKERS": "50",
            "SQS_MSG_VISIBILITY_TIMEOUT_SEC": "60", "HEARTBEAT_INTERVAL": "30", "HEARTBEAT_UNTIL": "3600",
            "DELETE_SQS_MSG_IF_NODE_NOT_FOUND": "true", "DRY_RUN": "1", "USE_APISERVER_CACHE": "true",
            "NTH_RECEIVERS": "4", "NTH_MAX_MESSAGES_IN_FLIGHT": "500", "NTH_MAX_RECEIVE_COUNT": "8",
            "NTH_VISIBILITY_EXTENSION_SECONDS": "15", "NTH_COMPLETE_LIFECYCLE_ACTION_IF_NODE_NOT_FOUND": "false",
            "NTH_LAUNCH_TIMEOUT_ACTION": "abandon", "NTH_LAUNCH_READY_TIMEOUT_SECONDS": "120",
            "NTH_RECEIVE_WAIT_SECONDS": "5", "NTH_DELETE_REMAINING_AT_DEADLINE": "true",
            "EMIT_KUBERNETES_EVENTS": "true", "NTH_MINIMUM_DRAIN_SECONDS": "45",
        ])
        #expect(configuration.queueURL == "https://sqs.eu-west-1.amazonaws.com/123456789012/nth")
        #expect(configuration.workers == 50)
        #expect(configuration.visibilityTimeoutSeconds == 60)
        #expect(configuration.visibilityExtensionSeconds == 15)
        #expect(configuration.heartbeat == HeartbeatSchedule(interval: 30, until: 3600))
        #expect(configuration.deleteMessageIfNodeNotFound)
        #expect(configuration.dryRun)
        #expect(configuration.podListing == .anyCached)
        #expect(configuration.receivers == 4)
        #expect(configuration.maxMessagesInFlight == 500)
        #expect(configuration.maxReceiveCount == 8)
        #expect(!configuration.completeLifecycleActionIfNodeNotFound)
        #expect(configuration.launchTimeoutAction == .abandon)
        #expect(configuration.launchReadyTimeoutSeconds == 120)
        #expect(configuration.receiveWaitSeconds == 5)
        #expect(configuration.deleteRemainingAtDeadline)
        #expect(configuration.emitKubernetesEvents)
        #expect(configuration.minimumDrainSeconds == 45)
    }

    @Test("every invalid variable is reported at once, the policy's included")
    func invalid() {
        let error = #expect(throws: ControllerConfigurationError.self) {
            try ControllerConfiguration(environment: [
                "WORKERS": "0", "NTH_RECEIVERS": "many", "NTH_LAUNCH_TIMEOUT_ACTION": "explode",
                "TAINT_EFFECT": "Sometimes", "SQS_MSG_VISIBILITY_TIMEOUT_SEC": "20",
                "NTH_VISIBILITY_EXTENSION_SECONDS": "20", "KUBE_API_QPS": "fast", "NTH_EVICTION_BURST": "0",
            ])
        }
        let variables = Set(error?.problems.map(\.variable) ?? [])
        #expect(
            variables == [
                "WORKERS", "NTH_RECEIVERS", "NTH_LAUNCH_TIMEOUT_ACTION", "TAINT_EFFECT",
                "NTH_VISIBILITY_EXTENSION_SECONDS", "KUBE_API_QPS", "NTH_EVICTION_BURST",
            ])
        #expect(error?.description.contains("WORKERS=\"0\"") == true)
    }

    @Test("KUBERNETES_EVENTS_EXTRA_ANNOTATIONS: key=value pairs (values may hold =); a pair without = is an error")
    func eventAnnotations() throws {
        let configuration = try ControllerConfiguration(environment: [
            "KUBERNETES_EVENTS_EXTRA_ANNOTATIONS": "team=platform, url=https://x/?a=b"
        ])
        #expect(configuration.eventAnnotations == ["team": "platform", "url": "https://x/?a=b"])
        #expect(configuration.clusterConfiguration.eventAnnotations == configuration.eventAnnotations)
        #expect(throws: ControllerConfigurationError.self) {
            try ControllerConfiguration(environment: ["KUBERNETES_EVENTS_EXTRA_ANNOTATIONS": "team"])
        }
    }

    @Test("leader election: on by default with client-go's timings; its variables are read and checked together")
    func leaderElection() throws {
        let defaults = try ControllerConfiguration(environment: [:]).leaderElection
        #expect(defaults.enabled)
        #expect(defaults.leaseName == "node-termination-handler")
        #expect(defaults.namespace == nil)
        #expect(
            [defaults.leaseDurationSeconds, defaults.renewDeadlineSeconds, defaults.retryPeriodSeconds] == [15, 10, 2])
        let elector = defaults.electorConfiguration(defaultNamespace: "nth", defaultIdentity: "host_1234")
        #expect(elector.namespace == "nth")
        #expect(elector.identity == "host_1234")
        #expect(elector.leaseDuration == .seconds(15))

        let set = try ControllerConfiguration(environment: [
            "NTH_LEADER_ELECTION": "false", "NTH_LEADER_ELECTION_LEASE_NAME": "nth-leader", "NAMESPACE": "ops",
            "POD_NAME": "nth-5d8f-abcde", "NTH_LEADER_ELECTION_LEASE_DURATION_SECONDS": "30",
            "NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS": "20", "NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS": "4",
        ]).leaderElection
        #expect(!set.enabled)
        let configured = set.electorConfiguration(defaultNamespace: "nth", defaultIdentity: "host_1234")
        #expect(configured.leaseName == "nth-leader")
        #expect(configured.namespace == "ops")
        #expect(configured.identity == "nth-5d8f-abcde")
        #expect(configured.renewDeadline == .seconds(20))
        let explicit = try ControllerConfiguration(environment: [
            "NAMESPACE": "ops", "NTH_LEADER_ELECTION_NAMESPACE": "leases",
        ]).leaderElection
        #expect(explicit.namespace == "leases")

        let error = #expect(throws: ControllerConfigurationError.self) {
            try ControllerConfiguration(environment: [
                "NTH_LEADER_ELECTION_LEASE_DURATION_SECONDS": "10", "NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS": "10",
                "NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS": "9",
            ])
        }
        #expect(
            Set(error?.problems.map(\.variable) ?? []) == [
                "NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS",
            ])
    }
}
