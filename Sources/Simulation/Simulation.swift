public import Controller
internal import ControllerFakes
public import FakeKubernetes
internal import Foundation
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
        /// The controller's settings (NTH's variables); the receive wait defaults to 1 s here.
        public var controller: ControllerConfiguration
        /// Give up after this long.
        public var timeout: Duration = .seconds(600)

        /// The defaults, with the controller configured from `environment` as `run` would be.
        /// - Throws: ``ControllerConfigurationError`` for invalid variables.
        public init(environment: [String: String] = [:]) throws(ControllerConfigurationError) {
            var environment = environment
            if environment["NTH_RECEIVE_WAIT_SECONDS"] == nil { environment["NTH_RECEIVE_WAIT_SECONDS"] = "1" }
            controller = try ControllerConfiguration(environment: environment)
            controller.queueURL = "simulated"
            // The simulated queue's origin, whatever QUEUE_URL the shell exports: the simulated events come from it.
            controller.eventOrigins = EventOrigins(
                queueAccount: SimulatedEvents.account, queueRegion: SimulatedEvents.region)
        }
    }

    /// One progress report (every second).
    public struct Progress: Sendable {
        /// Time since the messages were sent.
        public var elapsed: Duration
        /// Interrupted nodes cordoned so far.
        public var cordoned: Int
        /// Workload pods still on interrupted nodes.
        public var workloadPodsLeft: Int
        /// Messages not deleted yet.
        public var queueDepth: Int
        /// The controller's counters.
        public var statistics: ControllerStatistics
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
        /// Apiserver requests by class (the fake's ledger); `consistentRead` stands for etcd quorum reads.
        public var apiserverRequests: [String: Int]
        /// The controller's counters.
        public var statistics: ControllerStatistics
        /// Each interrupted node's times and deadline, and the request rates (``TimelineRecorder``).
        public var timeline: Timeline
        /// The calls the in-memory queue, EC2 and Auto Scaling answered.
        public var awsCalls: AWSCalls
    }

    /// The settings.
    public let configuration: Configuration

    /// A simulation with these settings.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the simulation.
    ///
    /// - Parameters:
    ///   - started: Called with the running fake apiserver before any message is sent (print its URL, write a
    ///     kubeconfig).
    ///   - progress: Called every second.
    ///   - logger: The controller's log.
    /// - Returns: The summary, once the queue is empty and no job is left.
    /// - Throws: When the fake cannot start, or the run outlasts ``Configuration/timeout``.
    public func run(
        started: @Sendable (FakeAPIServer) async throws -> Void = { _ in },
        progress: @Sendable (Progress) -> Void = { _ in }, logger: Logger = .disabled
    ) async throws -> Summary {
        var storeConfiguration = ClusterStore.Configuration()
        storeConfiguration.timeScale = configuration.timeScale
        let store = ClusterStore(configuration: storeConfiguration)
        // No ReplicaSet controller runs in the fake, so evicted pods are never replaced: a PodDisruptionBudget would
        // block every drain after its first eviction. The generated budgets are left out.
        let objects = ClusterGenerator(nodes: configuration.nodes, podsPerNode: configuration.podsPerNode).objects()
            .filter { $0["kind"].stringValue != "PodDisruptionBudget" }
        try await store.seed(all: objects)
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
        let coordinator = JobCoordinator(
            configuration: configuration.controller, queue: queue, directory: directory, cluster: cluster,
            lifecycle: lifecycle, logger: logger)
        try await started(server)

        let observer = Observer(store: server.store, targets: targets.map(\.node))
        let recorder = try await TimelineRecorder(
            server: server, http: http,
            targets: targets.map { .init(node: $0.node, instanceID: $0.instanceID, kind: $0.kind) })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await recorder.follow() }
            group.addTask { await cluster.run() }
            try await cluster.waitUntilSynced()
            group.addTask { try await coordinator.run() }
            defer { group.cancelAll() }
            server.ledger.reset()
            let clock = ContinuousClock()
            let start = clock.now
            for target in targets {
                let now = Date()
                let body = SimulatedEvents.body(target.kind, instanceID: target.instanceID, time: now)
                await recorder.sent(node: target.node, messageID: queue.send(body, sentAt: now), body: body, at: now)
            }
            var allCordoned: Duration?
            var nextReport = Duration.seconds(1)
            while true {
                try await Task.sleep(for: .milliseconds(50))
                let elapsed = start.duration(to: clock.now)
                let (cordoned, podsLeft) = await observer.look()
                if allCordoned == nil, cordoned == targets.count { allCordoned = elapsed }
                let depth = queue.remaining
                if elapsed >= nextReport {
                    nextReport += .seconds(1)
                    progress(
                        Progress(
                            elapsed: elapsed, cordoned: cordoned, workloadPodsLeft: podsLeft, queueDepth: depth,
                            statistics: coordinator.statistics))
                }
                if depth == 0, await coordinator.liveJobs().isEmpty {
                    let drained = await observer.drainedNodes()
                    let ledger = server.ledger.snapshot()
                    let timeline = await recorder.finish(
                        end: Date(), store: server.store, ledger: ledger, queue: queue,
                        controller: configuration.controller)
                    return Summary(
                        interruptedByKind: Dictionary(targets.map { ($0.kind, 1) }, uniquingKeysWith: +),
                        allCordoned: allCordoned, finished: elapsed, cordoned: cordoned, drained: drained,
                        lifecycleCompletions: lifecycle.completions.count,
                        apiserverRequests: ledger.byClass, statistics: coordinator.statistics,
                        timeline: timeline,
                        awsCalls: AWSCalls(
                            messages: targets.count, queue: queue.calls, ec2: directory, autoScaling: lifecycle))
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

/// Reads the fake's store for progress: cordoned target nodes and workload pods left on them.
private struct Observer: Sendable {
    let store: ClusterStore
    let targets: Set<String>

    init(store: ClusterStore, targets: [String]) {
        self.store = store
        self.targets = Set(targets)
    }

    func look() async -> (cordoned: Int, workloadPodsLeft: Int) {
        let cordoned = await store.objects(.nodes).count {
            targets.contains($0["metadata"]["name"].stringValue ?? "") && $0["spec"]["unschedulable"].boolValue == true
        }
        return (cordoned, await workloadPods().count)
    }

    func drainedNodes() async -> Int {
        let busy = Set(await workloadPods().compactMap { $0["spec"]["nodeName"].stringValue })
        return targets.subtracting(busy).count
    }

    private func workloadPods() async -> [JSONValue] {
        await store.objects(.pods).filter {
            $0["metadata"]["namespace"].stringValue != "kube-system"
                && targets.contains($0["spec"]["nodeName"].stringValue ?? "")
        }
    }
}

/// A simulation that could not finish.
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}
