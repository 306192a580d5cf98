public import Controller
import Interruption

/// What `simulate` plays: the cluster, the interruptions, and what goes wrong around them (blocking budgets, a
/// throttling apiserver, a leader hand-over). Built in (``builtIn``) or read from a YAML file
/// (``Scenario/init(yaml:)``); docs/simulate.md describes the format.
public struct Scenario: Sendable, Equatable {
    /// Auto Scaling terminate hooks slower to drain than their heartbeat timeout: the controller keeps them alive.
    public struct LifecycleHooks: Sendable, Equatable {
        /// The hooks' `HeartbeatTimeout`, in seconds: the lifecycle action's deadline after its start or its last
        /// heartbeat.
        public var heartbeatTimeoutSeconds: Double
        /// Seconds between the controller's heartbeats (`HEARTBEAT_INTERVAL`, here below its 30 s floor).
        public var heartbeatIntervalSeconds: Double

        /// Hooks with these timings.
        public init(heartbeatTimeoutSeconds: Double, heartbeatIntervalSeconds: Double) {
            self.heartbeatTimeoutSeconds = heartbeatTimeoutSeconds
            self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        }
    }

    /// One PodDisruptionBudget per workload ReplicaSet (`maxUnavailable: 1`), relaxed to `maxUnavailable: 100%`
    /// after a while. No ReplicaSet controller runs in the fake, so until then each set allows one eviction: drains
    /// are refused (429) and retry.
    public struct BlockingBudgets: Sendable, Equatable {
        /// Seconds after the first message until the budgets are relaxed.
        public var relaxAfterSeconds: Double

        /// Budgets relaxed after `relaxAfterSeconds`.
        public init(relaxAfterSeconds: Double) { self.relaxAfterSeconds = relaxAfterSeconds }
    }

    /// The apiserver answers a share of requests with 429 and a `Retry-After`, for a while.
    public struct Throttling: Sendable, Equatable {
        /// The share of requests refused, 0…1.
        public var rate: Double
        /// The `Retry-After` header, in seconds.
        public var retryAfterSeconds: Int
        /// Seconds after the first message until the apiserver stops refusing.
        public var forSeconds: Double
        /// The verbs refused (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `evict`), `*` for all.
        public var verbs: [String]

        /// Throttling of `verbs` at `rate` for `forSeconds`.
        public init(rate: Double, retryAfterSeconds: Int, forSeconds: Double, verbs: [String] = ["*"]) {
            self.rate = rate
            self.retryAfterSeconds = retryAfterSeconds
            self.forSeconds = forSeconds
            self.verbs = verbs
        }
    }

    /// Two replicas elect a leader on a Lease; the first leader is stopped mid-run and the standby takes over.
    public struct HandOver: Sendable, Equatable {
        /// Seconds after the first message until the first leader is stopped (as by SIGTERM).
        public var afterSeconds: Double

        /// A hand-over after `afterSeconds`.
        public init(afterSeconds: Double) { self.afterSeconds = afterSeconds }
    }

    /// The scenario's name (`--scenario NAME` for a built-in one).
    public var name: String
    /// One sentence: what it shows.
    public var description: String
    /// Nodes in the generated cluster.
    public var nodes = 30
    /// Workload pods per node (two DaemonSet pods come on top).
    public var podsPerNode = 10
    /// Interrupted instances (the first ones of the cluster).
    public var interruptions = 12
    /// The kinds sent, round-robin.
    public var kinds = SimulatedEvents.Kind.allCases
    /// The fake kubelet's factor on grace periods (0.02 turns 30 s into 0.6 s).
    public var timeScale = 0.02
    /// Seconds over which the messages are sent, evenly (0: all at once).
    public var arrivalSeconds = 0.0
    /// The controller's variables (NTH's names); the shell's own win over these.
    public var environment: [String: String] = [:]
    /// Lifecycle hooks that need heartbeats, if any.
    public var lifecycleHooks: LifecycleHooks?
    /// Blocking PodDisruptionBudgets, if any.
    public var blockingBudgets: BlockingBudgets?
    /// A throttling apiserver, if any.
    public var throttling: Throttling?
    /// A leader hand-over, if any.
    public var handOver: HandOver?

    /// A scenario with the defaults (30 nodes, 12 interruptions of every kind).
    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }

    /// The settings to run it with: the controller configured from the scenario's variables and then `environment`
    /// (the shell's), nodes and interruptions multiplied by `scale`.
    /// - Throws: ``ControllerConfigurationError`` for invalid variables.
    public func configuration(environment shell: [String: String] = [:], scale: Int = 1)
        throws(ControllerConfigurationError) -> Simulation.Configuration
    {
        var configuration = try Simulation.Configuration(
            environment: environment.merging(shell) { _, shell in shell })
        let scale = max(1, scale)
        configuration.scenario = name
        configuration.nodes = nodes * scale
        configuration.podsPerNode = podsPerNode
        configuration.interruptions = interruptions * scale
        configuration.kinds = kinds
        configuration.timeScale = timeScale
        configuration.arrivalSeconds = arrivalSeconds
        configuration.blockingBudgets = blockingBudgets
        configuration.throttling = throttling
        configuration.handOver = handOver
        if let lifecycleHooks {
            configuration.controller.deadlineRules.lifecycleHeartbeatTimeout = lifecycleHooks.heartbeatTimeoutSeconds
            configuration.controller.heartbeat = HeartbeatSchedule(
                interval: lifecycleHooks.heartbeatIntervalSeconds, until: 3600)
        }
        return configuration
    }
}

extension Scenario {
    /// The scenarios `--scenario NAME` knows, each a few seconds long at scale 1.
    public static let builtIn: [Scenario] = [
        .standard, .spotBurst, .hooks, .pdbBlocked, .throttled, .handOverScenario,
    ]

    /// The built-in scenario called `name`, if any.
    public static func named(_ name: String) -> Scenario? { builtIn.first { $0.name == name } }

    /// `default`: 12 interruptions of every kind in a 30-node cluster.
    public static let standard = Scenario(
        name: "default", description: "12 interruptions of every kind, round-robin, in a 30-node cluster")

    /// `spot-burst`: hundreds of spot warnings within a second.
    public static let spotBurst: Scenario = {
        var scenario = Scenario(
            name: "spot-burst",
            description: "300 spot interruption warnings within a second in a 400-node cluster; Kubernetes events "
                + "off (EMIT_KUBERNETES_EVENTS=true: six more writes a node at the client's 100 QPS, after the "
                + "cordons and drains, keep the run going about 20 s longer)")
        scenario.nodes = 400
        scenario.podsPerNode = 4
        scenario.interruptions = 300
        scenario.kinds = [.spotWarning]
        scenario.arrivalSeconds = 1
        scenario.environment = ["EMIT_KUBERNETES_EVENTS": "false"]
        return scenario
    }()

    /// `hooks`: every kind, with Auto Scaling hooks whose heartbeat timeout is shorter than a drain.
    public static let hooks: Scenario = {
        var scenario = Scenario(
            name: "hooks",
            description: "every kind; Auto Scaling hooks time out after 2 s, drains take 3 s: the controller sends "
                + "heartbeats, then completes the hooks")
        scenario.nodes = 40
        scenario.podsPerNode = 6
        scenario.interruptions = 24
        scenario.kinds = [.autoScalingTerminate, .spotWarning, .rebalance]
        scenario.timeScale = 0.1
        scenario.lifecycleHooks = LifecycleHooks(heartbeatTimeoutSeconds: 2, heartbeatIntervalSeconds: 0.5)
        return scenario
    }()

    /// `pdb-blocked`: budgets refuse evictions until they are relaxed after 2 s.
    public static let pdbBlocked: Scenario = {
        var scenario = Scenario(
            name: "pdb-blocked",
            description: "a PodDisruptionBudget per ReplicaSet refuses evictions (429) until it is relaxed after 2 s")
        scenario.nodes = 30
        scenario.podsPerNode = 6
        scenario.interruptions = 12
        scenario.kinds = [.spotWarning, .autoScalingTerminate]
        scenario.blockingBudgets = BlockingBudgets(relaxAfterSeconds: 2)
        return scenario
    }()

    /// `throttled`: the apiserver answers 30 % of requests with 429 and `Retry-After: 1` for 2 s.
    public static let throttled: Scenario = {
        var scenario = Scenario(
            name: "throttled",
            description: "the apiserver answers 30 % of requests with 429 and Retry-After: 1 for the first 2 s")
        scenario.nodes = 40
        scenario.podsPerNode = 6
        scenario.interruptions = 20
        scenario.throttling = Throttling(rate: 0.3, retryAfterSeconds: 1, forSeconds: 2)
        return scenario
    }()

    /// `hand-over`: messages keep arriving while the leader is stopped and the standby takes over.
    public static let handOverScenario: Scenario = {
        var scenario = Scenario(
            name: "hand-over",
            description: "24 interruptions arrive over 2 s; the leader is stopped after 1 s and the standby replica "
                + "takes the Lease over, resumes the jobs and receives the released messages")
        scenario.nodes = 40
        scenario.podsPerNode = 6
        scenario.interruptions = 24
        scenario.kinds = [.spotWarning, .autoScalingTerminate]
        scenario.timeScale = 0.05
        scenario.arrivalSeconds = 2
        scenario.handOver = HandOver(afterSeconds: 1)
        return scenario
    }()
}
