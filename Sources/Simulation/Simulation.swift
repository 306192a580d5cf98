public import Controller
internal import ControllerFakes
public import FakeKubernetes
public import Foundation
internal import HTTPClient
internal import Interruption
import JSONValues
internal import Kubernetes
public import Logging

/// A mass interruption played against in-process fakes, with the real controller: the fake apiserver (its kubelet
/// removes evicted pods after a scaled grace period), an in-memory SQS queue, EC2 and Auto Scaling. What
/// `node-termination-handler simulate` runs; needs no AWS account and no cluster.
public struct Simulation: Sendable {
    /// The cluster, the interruptions and the controller's settings.
    public struct Configuration: Sendable {
        /// Nodes in the generated cluster.
        public var nodes = 30
        /// Workload pods per node (two DaemonSet pods come on top).
        public var podsPerNode = 10
        /// Interrupted instances (the first ones of the cluster), kinds round-robin.
        public var interruptions = 12
        /// The kinds sent, round-robin.
        public var kinds = SimulatedEvents.Kind.allCases
        /// The fake kubelet's factor on grace periods (0.02 turns 30 s into 0.6 s).
        public var timeScale = 0.02
        /// The fake apiserver's port on 127.0.0.1 (0: any free one).
        public var port: UInt16 = 0
        /// The controller's settings (NTH's variables); the receive wait defaults to 1 s here, Kubernetes events on.
        public var controller: ControllerConfiguration
        /// Give up after this long.
        public var timeout: Duration = .seconds(600)
        /// The scenario's name, for the live view.
        public var scenario = "default"
        /// Seconds over which the messages are sent, evenly (0: all at once).
        public var arrivalSeconds = 0.0
        /// Blocking PodDisruptionBudgets, relaxed later.
        public var blockingBudgets: Scenario.BlockingBudgets?
        /// A throttling apiserver for a while.
        public var throttling: Scenario.Throttling?
        /// A leader hand-over between two replicas.
        public var handOver: Scenario.HandOver?
        /// How often `progress` is called.
        public var progressInterval: Duration = .seconds(1)

        /// The defaults, with the controller configured from `environment` as `run` would be, except that the
        /// receive wait defaults to 1 s and `EMIT_KUBERNETES_EVENTS` to true.
        /// - Throws: ``ControllerConfigurationError`` for invalid variables.
        public init(environment: [String: String] = [:]) throws(ControllerConfigurationError) {
            var environment = environment
            if environment["NTH_RECEIVE_WAIT_SECONDS"] == nil { environment["NTH_RECEIVE_WAIT_SECONDS"] = "1" }
            if environment["EMIT_KUBERNETES_EVENTS"] == nil { environment["EMIT_KUBERNETES_EVENTS"] = "true" }
            controller = try ControllerConfiguration(environment: environment)
            controller.queueURL = "simulated"
            // The simulated queue's origin, whatever QUEUE_URL the shell exports: the simulated events come from it.
            controller.eventOrigins = EventOrigins(
                queueAccount: SimulatedEvents.account, queueRegion: SimulatedEvents.region)
        }
    }

    /// One progress report (every ``Configuration/progressInterval``): what the live view shows.
    public struct Progress: Sendable {
        /// The nearest deadline of a live job.
        public struct Deadline: Sendable, Equatable {
            /// The node.
            public var node: String
            /// When.
            public var at: Date
            /// The time left (negative once missed).
            public var slack: Duration

            /// A deadline of `node` at `at`, `slack` away.
            public init(node: String, at: Date, slack: Duration) {
                self.node = node
                self.at = at
                self.slack = slack
            }
        }

        /// The scenario's name.
        public var scenario = "default"
        /// Time since the messages were sent.
        public var elapsed: Duration
        /// Interrupted nodes cordoned so far.
        public var cordoned: Int
        /// Workload pods still on interrupted nodes.
        public var workloadPodsLeft: Int
        /// Messages not deleted yet.
        public var queueDepth: Int
        /// The controller's counters (every replica's, added up).
        public var statistics: ControllerStatistics
        /// Interrupted nodes (one message each).
        public var interrupted = 0
        /// Messages sent so far.
        public var messagesSent = 0
        /// Workload pods on the interrupted nodes at the start.
        public var workloadPods = 0
        /// Drains running now (the controller's `nth_drains_running`).
        public var drainsRunning = 0
        /// Instances with a live job.
        public var liveJobs = 0
        /// The nearest deadline among live jobs, if any has one.
        public var nearestDeadline: Deadline?
        /// Apiserver requests by class so far (the fake's ledger).
        public var requests: [String: Int] = [:]
        /// Apiserver answers 429 by class so far (budgets' refusals, throttling).
        public var refused: [String: Int] = [:]
        /// The replica holding the Lease, in a hand-over scenario.
        public var leader: String?
        /// Whether replicas elect a leader (a hand-over scenario).
        public var leaderElection = false
        /// Whether the scenario's hand-over happened: the first leader stopped (always true without one).
        public var handedOver = false

        /// A report; the fields after `statistics` start empty.
        public init(
            elapsed: Duration, cordoned: Int, workloadPodsLeft: Int, queueDepth: Int,
            statistics: ControllerStatistics
        ) {
            self.elapsed = elapsed
            self.cordoned = cordoned
            self.workloadPodsLeft = workloadPodsLeft
            self.queueDepth = queueDepth
            self.statistics = statistics
        }
    }

    /// What happened.
    public struct Summary: Sendable {
        /// Interrupted nodes by the kind that hit them.
        public var interruptedByKind: [SimulatedEvents.Kind: Int]
        /// Seconds until every interrupted node was cordoned.
        public var allCordoned: Duration?
        /// Seconds until the queue was empty and no job was left.
        public var finished: Duration
        /// Interrupted nodes cordoned, and those whose workload pods are all gone.
        public var cordoned: Int
        /// Interrupted nodes whose workload pods are all gone.
        public var drained: Int
        /// Lifecycle actions completed.
        public var lifecycleCompletions: Int
        /// The controller's apiserver requests by class (the fake's ledger, a watching kubectl's left out);
        /// `consistentRead` stands for etcd quorum reads.
        public var apiserverRequests: [String: Int]
        /// The controller's counters.
        public var statistics: ControllerStatistics
        /// Each interrupted node's times and deadline, and the request rates (``TimelineRecorder``).
        public var timeline: Timeline
        /// The calls the in-memory queue, EC2 and Auto Scaling answered.
        public var awsCalls: AWSCalls
        /// Heartbeats Auto Scaling answered (`RecordLifecycleActionHeartbeat`).
        public var heartbeats = 0
        /// Apiserver answers 429 by class (budgets' refusals, throttling).
        public var refused: [String: Int] = [:]
        /// Messages sent to the queue.
        public var messagesSent = 0
        /// Messages that appeared in more than one delete call (0: each deleted once).
        public var messagesDeletedTwice = 0
        /// The replicas that led, in order (one entry without a hand-over).
        public var leaders: [String] = []
    }

    /// The settings.
    public let configuration: Configuration

    /// A kubeconfig for kubectl against the fake apiserver at `server` (what `--kubeconfig-out` writes).
    public static func kubeconfig(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: simulated, cluster: {server: "\(server)"}}]
        contexts: [{name: simulated, context: {cluster: simulated, user: simulated}}]
        current-context: simulated
        users: [{name: simulated, user: {token: simulated}}]
        """
    }

    /// A simulation with these settings.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the simulation.
    ///
    /// - Parameters:
    ///   - started: Called with the running fake apiserver before any message is sent (print its URL, write a
    ///     kubeconfig).
    ///   - progress: Called every ``Configuration/progressInterval``, and once more at the end.
    ///   - logger: The controller's log.
    /// - Returns: The summary, once every message was sent, the queue is empty and no job is left.
    /// - Throws: When the fake cannot start, or the run outlasts ``Configuration/timeout``.
    public func run(
        started: @Sendable (FakeAPIServer) async throws -> Void = { _ in },
        progress: @Sendable (Progress) -> Void = { _ in }, logger: Logger = .disabled
    ) async throws -> Summary {
        var storeConfiguration = ClusterStore.Configuration()
        storeConfiguration.timeScale = configuration.timeScale
        let store = ClusterStore(configuration: storeConfiguration)
        try await store.seed(all: clusterObjects())
        var serverConfiguration = FakeAPIServer.Configuration()
        serverConfiguration.port = configuration.port
        let server = FakeAPIServer(store: store, configuration: serverConfiguration)
        try await server.start()
        do {
            let summary = try await run(on: server, started: started, progress: progress, logger: logger)
            await server.stop()
            return summary
        } catch {
            await server.stop()
            throw error
        }
    }

    private func run(
        on server: FakeAPIServer, started: @Sendable (FakeAPIServer) async throws -> Void,
        progress: @Sendable (Progress) -> Void, logger: Logger
    ) async throws -> Summary {
        let targets = (0..<min(configuration.interruptions, configuration.nodes)).map { index in
            (
                node: ClusterGenerator.nodeName(index), instanceID: ClusterGenerator.instanceID(index),
                kind: configuration.kinds[index % max(1, configuration.kinds.count)]
            )
        }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let client = try KubernetesClient(
            configuration: configuration.controller.applyingRateLimits(
                to: KubernetesConfiguration(server: server.baseURL)),
            httpClient: http)
        var clusterConfiguration = configuration.controller.clusterConfiguration
        clusterConfiguration.logger = logger
        let cluster = try KubernetesCluster(client: client, httpClient: http, configuration: clusterConfiguration)
        let queue = InMemoryQueue(idFormat: "sim-%06d")
        let lifecycle = InMemoryLifecycleActions()
        // Every simulated instance is running and carries the managed tag.
        let directory = InMemoryInstanceDirectory(
            (0..<configuration.nodes).compactMap { index in
                InstanceID(ClusterGenerator.instanceID(index)).map {
                    InstanceRecord(
                        instanceID: $0, privateDNSName: ClusterGenerator.nodeName(index), state: "running",
                        tags: ["aws-node-termination-handler/managed": ""])
                }
            })
        let replicas = ControllerReplicas(
            configuration: configuration, client: client, queue: queue, directory: directory, cluster: cluster,
            lifecycle: lifecycle, logger: logger)
        try await started(server)

        let observer = Observer(store: server.store, targets: targets.map(\.node))
        let recorder = try await TimelineRecorder(
            server: server, http: http,
            targets: targets.map { .init(node: $0.node, instanceID: $0.instanceID, kind: $0.kind) })
        let deadlines = DeadlineBook(rules: configuration.controller.deadlineRules)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await recorder.follow() }
            group.addTask { await cluster.run() }
            try await cluster.waitUntilSynced()
            let workloadPods = await observer.look().workloadPodsLeft
            server.ledger.reset()
            let tally = LedgerTally(ledger: server.ledger)
            let clock = ContinuousClock()
            let start = clock.now
            let handOverAt = configuration.handOver.map { start + .milliseconds(Int64($0.afterSeconds * 1000)) }
            group.addTask { try await replicas.run(handOverAt: handOverAt) }
            group.addTask { try await disrupt(server, from: start) }
            group.addTask {
                for (index, target) in targets.enumerated() {
                    let offset = configuration.arrivalSeconds * Double(index) / Double(max(1, targets.count))
                    try await Task.sleep(until: start + .milliseconds(Int64(offset * 1000)))
                    let now = Date()
                    let body = SimulatedEvents.body(target.kind, instanceID: target.instanceID, time: now)
                    let messageID = queue.send(body, sentAt: now)
                    deadlines.record(body: body, node: target.node, sentAt: now)
                    await recorder.sent(node: target.node, messageID: messageID, body: body, at: now)
                }
            }
            defer { group.cancelAll() }
            var allCordoned: Duration?
            var nextReport = configuration.progressInterval
            while true {
                try await Task.sleep(for: .milliseconds(50))
                let elapsed = start.duration(to: clock.now)
                let (cordoned, podsLeft) = await observer.look()
                if allCordoned == nil, cordoned == targets.count { allCordoned = elapsed }
                let depth = queue.remaining
                let messagesSent = deadlines.sent
                let live = await replicas.liveJobs()
                let (requests, refused) = tally.sample()
                let settled = messagesSent == targets.count && depth == 0 && live.isEmpty && replicas.handedOver
                // The Kubernetes events follow the jobs (written off their path): the run ends once they are out.
                let finished = settled ? await replicas.unwrittenEvents() == 0 : false
                if elapsed >= nextReport || finished {
                    nextReport += configuration.progressInterval
                    var report = Progress(
                        elapsed: elapsed, cordoned: cordoned, workloadPodsLeft: podsLeft, queueDepth: depth,
                        statistics: replicas.statistics)
                    report.scenario = configuration.scenario
                    report.interrupted = targets.count
                    report.messagesSent = messagesSent
                    report.workloadPods = workloadPods
                    report.drainsRunning = replicas.drainsRunning
                    report.liveJobs = live.count
                    report.nearestDeadline = deadlines.nearest(
                        live: live, heartbeats: lifecycle.heartbeats, now: Date())
                    report.requests = requests
                    report.refused = refused
                    report.leader = replicas.leader
                    report.leaderElection = configuration.handOver != nil
                    report.handedOver = replicas.handedOver
                    progress(report)
                }
                if finished {
                    // Again: the last event writes may have gone out since this round's sample.
                    let (requests, refused) = tally.sample()
                    let deleted = queue.calls.deleteBatches.joined()
                    let timeline = await recorder.finish(
                        end: Date(), store: server.store, ledger: server.ledger.snapshot(), queue: queue,
                        controller: configuration.controller)
                    var summary = Summary(
                        interruptedByKind: Dictionary(targets.map { ($0.kind, 1) }, uniquingKeysWith: +),
                        allCordoned: allCordoned, finished: elapsed, cordoned: cordoned,
                        drained: await observer.drainedNodes(), lifecycleCompletions: lifecycle.completions.count,
                        apiserverRequests: requests, statistics: replicas.statistics, timeline: timeline,
                        awsCalls: AWSCalls(
                            messages: targets.count, queue: queue.calls, ec2: directory, autoScaling: lifecycle))
                    summary.heartbeats = lifecycle.heartbeats.count
                    summary.refused = refused
                    summary.messagesSent = messagesSent
                    summary.messagesDeletedTwice = deleted.count - Set(deleted).count
                    summary.leaders = replicas.leaders
                    return summary
                }
                guard elapsed < configuration.timeout else {
                    throw SimulationError(
                        "not finished within \(configuration.timeout): \(depth) messages left, "
                            + "\(cordoned) of \(targets.count) nodes cordoned")
                }
            }
        }
    }
}

/// A simulation that could not finish.
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}
