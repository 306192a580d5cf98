internal import Foundation
public import Interruption

/// The queue side's knobs, and the action policy they go with.
///
/// Read them from NTH's environment variables with ``init(environment:)``; variables NTH lacks are prefixed `NTH_`.
/// Dry run, the heartbeat schedule and delete-if-node-not-found live in ``policy`` (they are NTH's) and are exposed
/// here as well.
public struct ControllerConfiguration: Sendable, Hashable {
    /// What a launch lifecycle action gets when its node is not Ready in time.
    public enum LaunchTimeoutAction: String, Sendable, Hashable, CaseIterable {
        /// Complete the action with `CONTINUE` anyway.
        case `continue`
        /// Complete the action with `ABANDON` (Auto Scaling terminates the instance).
        case abandon
        /// Leave the message for a later receive (NTH's behaviour), up to the queue's redrive policy.
        case retry
    }

    /// `QUEUE_URL`: the interruption queue.
    public var queueURL: String?
    /// `NTH_RECEIVERS`: long-poll receivers running in parallel (default 2).
    public var receivers = 2
    /// `NTH_MAX_MESSAGES_IN_FLIGHT`: messages held by live jobs before the receivers pause (default 2000: a mass
    /// reclaim of 1,000 instances brings a spot warning and a state change for each, and every node is cordoned on
    /// receipt only while there is room).
    public var maxMessagesInFlight = 2000
    /// `NTH_RECEIVE_WAIT_SECONDS`: the long poll's wait, 0–20 (default 20).
    public var receiveWaitSeconds = 20
    /// `SQS_MSG_VISIBILITY_TIMEOUT_SEC`: the visibility timeout asked for on receive and on each extension
    /// (default 20, as NTH).
    public var visibilityTimeoutSeconds = 20
    /// `NTH_VISIBILITY_EXTENSION_SECONDS`: how often live messages are extended (default half the timeout).
    public var visibilityExtensionSeconds = 10
    /// `NTH_MAX_RECEIVE_COUNT`: from this `ApproximateReceiveCount` on, a failing message is no longer released
    /// for a prompt retry but left to the queue's redrive policy (default 5; set it to the policy's
    /// `maxReceiveCount`).
    public var maxReceiveCount = 5
    /// `WORKERS`: drains that may list pods and issue evictions at once (default 10); waiting is free.
    public var workers = 10
    /// `NTH_LAUNCH_READY_TIMEOUT_SECONDS`: how long a launch hook waits for its node to be Ready (default 600).
    public var launchReadyTimeoutSeconds = 600
    /// `NTH_SHUTDOWN_TIMEOUT_SECONDS`: how long the graceful shutdown after SIGTERM may take (acknowledge what is
    /// done, release every held message, release the Lease) before it is cut short (default 25, under the chart's
    /// 30-second `terminationGracePeriodSeconds`, which renders it).
    public var shutdownTimeoutSeconds = 25
    /// `NTH_LAUNCH_TIMEOUT_ACTION`: what a launch hook gets when the node is not Ready in time (default retry).
    public var launchTimeoutAction = LaunchTimeoutAction.retry
    /// `NTH_LIFECYCLE_COMPLETION_ATTEMPTS`: tries of `CompleteLifecycleAction`, with back-off (default 5).
    public var lifecycleCompletionAttempts = 5
    /// `NTH_DELETE_ATTEMPTS`: tries of each message's deletion (default 5).
    public var deleteAttempts = 5
    /// `NTH_INSTANCE_CACHE_SECONDS`: how long an EC2 answer is reused (default 600).
    public var instanceCacheSeconds = 600
    /// `USE_APISERVER_CACHE`: list pods with `resourceVersion=0` instead of "not older than the cordon".
    public var podListing = DrainRequest.PodListing.notOlderThanCordon
    /// `NTH_MINIMUM_DRAIN_SECONDS`: the least time a drain gets from its start, even when the event's deadline has
    /// passed (a state change, a late message; default 30).
    public var minimumDrainSeconds = 30
    /// `NTH_DELETE_REMAINING_AT_DEADLINE`: delete the pods still on the node at the deadline (default false).
    public var deleteRemainingAtDeadline = false
    /// `EMIT_KUBERNETES_EVENTS`: record events.k8s.io Events on nodes (cordon, drain outcome, hook completion, job
    /// failure; default false, as NTH).
    public var emitKubernetesEvents = false
    /// `KUBERNETES_EVENTS_EXTRA_ANNOTATIONS` (`key=value,key2=value2`): annotations on every event recorded.
    public var eventAnnotations: [String: String] = [:]
    /// `KUBE_API_QPS`: requests per second the Kubernetes client allows itself for reads, watches and writes
    /// (default 100; NTH's is 5, which NTH issue 1280 shows cannot cordon 50 nodes within the spot window).
    public var kubeAPIQPS: Double = 100
    /// `KUBE_API_BURST`: requests the Kubernetes client may send at once after a quiet period (default 200).
    public var kubeAPIBurst = 200
    /// `NTH_EVICTION_QPS`: evictions (and deadline deletes) per second, a bucket of their own so that evictions
    /// never starve cordons (default 400: the design's reclaim, 1,000 nodes of 30 pods, drains within the
    /// two-minute warning; API Priority and Fairness throttles it with 429s where the control plane cannot).
    public var evictionQPS: Double = 400
    /// `NTH_EVICTION_BURST`: evictions that may be sent at once after a quiet period (default 800).
    public var evictionBurst = 800
    /// `NTH_MAX_EVICTIONS_IN_FLIGHT`: eviction requests in flight across every drain (default 50: at 400 a second
    /// that leaves each eviction 125 ms).
    public var maxEvictionsInFlight = 50
    /// `NTH_EVICTION_ORDER` (`deadline` or `priority`), for benchmarks only: how waiting evictions take the budget,
    /// earliest node deadline first (the default) or by drain priority alone, the order before deadlines counted
    /// (`scripts/bench-burst --orders` compares the two). Not in the chart; leave it unset.
    public var evictionOrder = EvictionBudget.Order.deadlineFirst
    /// Leader election among replicas (`NTH_LEADER_ELECTION*`, `POD_NAME`, `NAMESPACE`).
    public var leaderElection = LeaderElectionSettings()
    /// The metrics and probe servers (`ENABLE_PROMETHEUS_SERVER`, `ENABLE_PROBES_SERVER`, their ports and paths).
    public var observability = ObservabilitySettings()
    /// The webhook (`WEBHOOK_URL`, `WEBHOOK_HEADERS`, `WEBHOOK_TEMPLATE`, `WEBHOOK_TEMPLATE_FILE`, `WEBHOOK_PROXY`).
    public var webhook = WebhookSettings()
    /// The accounts and regions whose events are acted on: the queue's (from ``queueURL``, and the configured region
    /// when the URL names none), `NTH_ALLOWED_EVENT_ACCOUNTS` and `NTH_ALLOWED_EVENT_REGIONS`. Checks nothing by
    /// default (no queue URL).
    public var eventOrigins = EventOrigins()
    /// The deadline rules the decoder uses.
    public var deadlineRules = DeadlineRules()
    /// The action policy (NTH's cordon, taint, drain, tag, heartbeat and dry-run options).
    public var policy = ActionPolicy()

    /// Creates a configuration with the defaults.
    public init() {}

    /// `DRY_RUN`: plan and log, perform nothing (no Kubernetes writes, no queue writes, no Auto Scaling calls).
    public var dryRun: Bool {
        get { policy.dryRun }
        set { policy.dryRun = newValue }
    }

    /// `HEARTBEAT_INTERVAL` / `HEARTBEAT_UNTIL`, or `nil` for no heartbeats.
    public var heartbeat: HeartbeatSchedule? {
        get { policy.heartbeat }
        set { policy.heartbeat = newValue }
    }

    /// `NTH_COMPLETE_LIFECYCLE_ACTION_IF_NODE_NOT_FOUND`: complete an Auto Scaling terminate hook even when the
    /// instance has no node (``ActionPolicy/completeLifecycleActionIfNodeNotFound``; default true).
    public var completeLifecycleActionIfNodeNotFound: Bool {
        get { policy.completeLifecycleActionIfNodeNotFound }
        set { policy.completeLifecycleActionIfNodeNotFound = newValue }
    }

    /// `DELETE_SQS_MSG_IF_NODE_NOT_FOUND`: acknowledge a job whose instance has no node.
    public var deleteMessageIfNodeNotFound: Bool {
        get { policy.deleteMessageIfNodeNotFound }
        set { policy.deleteMessageIfNodeNotFound = newValue }
    }

    /// Reads the configuration (and the ``policy``) from the environment; an empty value counts as unset.
    ///
    /// Variables: `QUEUE_URL`, `WORKERS` (1–10000), `SQS_MSG_VISIBILITY_TIMEOUT_SEC` (1–43200),
    /// `USE_APISERVER_CACHE`, `EMIT_KUBERNETES_EVENTS`, and ours: `NTH_RECEIVERS` (1–64), `NTH_MAX_MESSAGES_IN_FLIGHT` (1–100000),
    /// `NTH_RECEIVE_WAIT_SECONDS` (0–20), `NTH_VISIBILITY_EXTENSION_SECONDS` (1 to less than the timeout),
    /// `NTH_MAX_RECEIVE_COUNT` (1–1000), `NTH_COMPLETE_LIFECYCLE_ACTION_IF_NODE_NOT_FOUND`,
    /// `NTH_LAUNCH_READY_TIMEOUT_SECONDS` (1–172800), `NTH_SHUTDOWN_TIMEOUT_SECONDS` (1–3600), `NTH_LAUNCH_TIMEOUT_ACTION` (`continue`, `abandon`, `retry`),
    /// `NTH_LIFECYCLE_COMPLETION_ATTEMPTS` (1–100), `NTH_DELETE_ATTEMPTS` (1–100), `NTH_INSTANCE_CACHE_SECONDS`
    /// (0–86400), `NTH_DELETE_REMAINING_AT_DEADLINE`, `NTH_MINIMUM_DRAIN_SECONDS` (0–3600), `KUBE_API_QPS` and
    /// `NTH_EVICTION_QPS` (0.1–100000), `KUBE_API_BURST` and `NTH_EVICTION_BURST` (1–100000),
    /// `NTH_MAX_EVICTIONS_IN_FLIGHT` (1–10000), `NTH_EVICTION_ORDER` (benchmarks only), `NTH_ALLOWED_EVENT_ACCOUNTS` (12-digit account ids) and
    /// `NTH_ALLOWED_EVENT_REGIONS` (region names), comma-separated (see ``eventOrigins``), the leader election's
    /// (``LeaderElectionSettings``), the metrics and probes' (``ObservabilitySettings``); plus everything
    /// ``ActionPolicy/init(environment:)`` reads.
    ///
    /// - Parameter environment: The environment, for example `ProcessInfo.processInfo.environment`.
    /// - Throws: ``ControllerConfigurationError`` listing every invalid variable (the policy's included).
    public init(environment: [String: String]) throws(ControllerConfigurationError) {
        self.init()
        var problems: [ControllerConfigurationError.Problem] = []
        do {
            policy = try ActionPolicy(environment: environment)
        } catch {
            problems += error.problems
        }
        var reader = EnvironmentReader(environment: environment)
        queueURL = reader.url("QUEUE_URL", schemes: ["http", "https"])
        eventOrigins = Self.eventOrigins(queueURL: queueURL, reading: &reader)
        receivers = reader.integer("NTH_RECEIVERS", in: 1...64) ?? receivers
        maxMessagesInFlight = reader.integer("NTH_MAX_MESSAGES_IN_FLIGHT", in: 1...100_000) ?? maxMessagesInFlight
        receiveWaitSeconds = reader.integer("NTH_RECEIVE_WAIT_SECONDS", in: 0...20) ?? receiveWaitSeconds
        visibilityTimeoutSeconds =
            reader.integer("SQS_MSG_VISIBILITY_TIMEOUT_SEC", in: 1...43_200) ?? visibilityTimeoutSeconds
        visibilityExtensionSeconds = max(1, visibilityTimeoutSeconds / 2)
        if let extensionSeconds = reader.integer("NTH_VISIBILITY_EXTENSION_SECONDS", in: 1...43_200) {
            if extensionSeconds < visibilityTimeoutSeconds || visibilityTimeoutSeconds == 1 {
                visibilityExtensionSeconds = extensionSeconds
            } else {
                reader.fail(
                    "NTH_VISIBILITY_EXTENSION_SECONDS", String(extensionSeconds),
                    "less than SQS_MSG_VISIBILITY_TIMEOUT_SEC (\(visibilityTimeoutSeconds))")
            }
        }
        maxReceiveCount = reader.integer("NTH_MAX_RECEIVE_COUNT", in: 1...1000) ?? maxReceiveCount
        workers = reader.integer("WORKERS", in: 1...10_000) ?? workers
        completeLifecycleActionIfNodeNotFound =
            reader.bool("NTH_COMPLETE_LIFECYCLE_ACTION_IF_NODE_NOT_FOUND") ?? completeLifecycleActionIfNodeNotFound
        launchReadyTimeoutSeconds =
            reader.integer("NTH_LAUNCH_READY_TIMEOUT_SECONDS", in: 1...172_800) ?? launchReadyTimeoutSeconds
        shutdownTimeoutSeconds = reader.integer("NTH_SHUTDOWN_TIMEOUT_SECONDS", in: 1...3600) ?? shutdownTimeoutSeconds
        if let action = reader.value("NTH_LAUNCH_TIMEOUT_ACTION") {
            if let parsed = LaunchTimeoutAction(rawValue: action) {
                launchTimeoutAction = parsed
            } else {
                reader.fail("NTH_LAUNCH_TIMEOUT_ACTION", action, "continue, abandon or retry")
            }
        }
        lifecycleCompletionAttempts =
            reader.integer("NTH_LIFECYCLE_COMPLETION_ATTEMPTS", in: 1...100) ?? lifecycleCompletionAttempts
        deleteAttempts = reader.integer("NTH_DELETE_ATTEMPTS", in: 1...100) ?? deleteAttempts
        instanceCacheSeconds = reader.integer("NTH_INSTANCE_CACHE_SECONDS", in: 0...86_400) ?? instanceCacheSeconds
        if reader.bool("USE_APISERVER_CACHE") == true { podListing = .anyCached }
        deleteRemainingAtDeadline = reader.bool("NTH_DELETE_REMAINING_AT_DEADLINE") ?? deleteRemainingAtDeadline
        minimumDrainSeconds = reader.integer("NTH_MINIMUM_DRAIN_SECONDS", in: 0...3600) ?? minimumDrainSeconds
        emitKubernetesEvents = reader.bool("EMIT_KUBERNETES_EVENTS") ?? emitKubernetesEvents
        if let text = reader.value("KUBERNETES_EVENTS_EXTRA_ANNOTATIONS") {
            if let parsed = Self.keyValuePairs(text) {
                eventAnnotations = parsed
            } else {
                reader.fail("KUBERNETES_EVENTS_EXTRA_ANNOTATIONS", text, "key=value pairs separated by commas")
            }
        }
        kubeAPIQPS = reader.decimal("KUBE_API_QPS", in: 0.1...100_000) ?? kubeAPIQPS
        kubeAPIBurst = reader.integer("KUBE_API_BURST", in: 1...100_000) ?? kubeAPIBurst
        evictionQPS = reader.decimal("NTH_EVICTION_QPS", in: 0.1...100_000) ?? evictionQPS
        evictionBurst = reader.integer("NTH_EVICTION_BURST", in: 1...100_000) ?? evictionBurst
        maxEvictionsInFlight = reader.integer("NTH_MAX_EVICTIONS_IN_FLIGHT", in: 1...10_000) ?? maxEvictionsInFlight
        if let order = reader.choice("NTH_EVICTION_ORDER", EvictionBudget.Order.allCases.map(\.rawValue)) {
            evictionOrder = EvictionBudget.Order(rawValue: order) ?? evictionOrder
        }
        leaderElection = LeaderElectionSettings(reading: &reader)
        observability = ObservabilitySettings(reading: &reader)
        webhook = WebhookSettings(reading: &reader)
        Self.checkAWSVariables(reading: &reader)
        Self.checkLogLevel(reading: &reader)
        problems += reader.problems
        guard problems.isEmpty else { throw ControllerConfigurationError(problems: problems) }
    }
}

extension ControllerConfiguration {
    /// `k=v,k2=v2` as a dictionary (values may contain `=`); `nil` when a pair has no `=` or an empty key.
    static func keyValuePairs(_ text: String) -> [String: String]? {
        var pairs: [String: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2, !key.isEmpty else { return nil }
            pairs[key] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return pairs
    }
}

/// Invalid controller configuration: every variable that is wrong, at once.
public struct ControllerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One invalid variable: the same value the policy reports, so both lists merge as they are.
    public typealias Problem = PolicyError.Problem

    /// The problems, in the order found.
    public var problems: [Problem]

    /// Creates an error.
    ///
    /// - Parameter problems: The problems.
    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// Every problem, separated by semicolons, with what to do.
    public var description: String {
        "invalid configuration: " + problems.map(\.description).joined(separator: "; ")
            + " — fix these environment variables (docs/configuration.md says where each is documented)"
    }
}
