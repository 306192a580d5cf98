import Controller
import ControllerFakes
import Foundation
import Interruption
import Kubernetes
import Locking
import Logging

/// The controller replicas of a simulation: one coordinator, or, for a hand-over, two replicas electing a leader on
/// a Lease in the fake, the first stopped (as by SIGTERM) at the hand-over time while messages keep arriving.
final class ControllerReplicas: Sendable {
    /// One replica: its coordinator and what it reports through its gauges.
    struct Replica: Sendable {
        let identity: String
        let coordinator: JobCoordinator
        let gauges: GaugeTap
    }

    let replicas: [Replica]
    private let electors: [LeaderElector]
    private let state = Lock<(leader: String?, leaders: [String], handedOver: Bool)>((nil, [], false))

    /// The replicas for `configuration`: two with leader election when it has a hand-over, else one.
    init(
        configuration: Simulation.Configuration, client: KubernetesClient, queue: InMemoryQueue,
        directory: InMemoryInstanceDirectory, cluster: KubernetesCluster, lifecycle: InMemoryLifecycleActions,
        logger: Logger
    ) {
        let identities = configuration.handOver == nil ? ["replica-a"] : ["replica-a", "replica-b"]
        replicas = identities.map { identity in
            let gauges = GaugeTap()
            let coordinator = JobCoordinator(
                configuration: configuration.controller, queue: queue, directory: directory, cluster: cluster,
                lifecycle: lifecycle, logger: logger.with(["replica": "\(identity)"]),
                metrics: ControllerMetrics(factory: gauges))
            return Replica(identity: identity, coordinator: coordinator, gauges: gauges)
        }
        electors =
            configuration.handOver == nil
            ? []
            : identities.map { identity in
                var election = LeaderElector.Configuration(
                    leaseName: "node-termination-handler", namespace: "kube-system", identity: identity)
                election.leaseDuration = .seconds(2)
                election.renewDeadline = .milliseconds(1500)
                election.retryPeriod = .milliseconds(200)
                return LeaderElector(client: client, configuration: election, logger: logger)
            }
    }

    /// The replica holding the Lease now (`nil` without leader election, or between terms).
    var leader: String? { state.withLock { $0.leader } }

    /// Every replica that led, in order.
    var leaders: [String] { state.withLock { $0.leaders } }

    /// Whether the hand-over happened (always true without one).
    var handedOver: Bool { electors.isEmpty || state.withLock { $0.handedOver } }

    /// The replicas' counters, added up.
    var statistics: ControllerStatistics {
        replicas.map(\.coordinator.statistics).reduce(ControllerStatistics()) { $0.adding($1) }
    }

    /// Drains running now (the `nth_drains_running` gauges).
    var drainsRunning: Int { replicas.reduce(0) { $0 + Int($1.gauges.value("nth_drains_running")) } }

    /// The instances with a live job in any replica.
    func liveJobs() async -> Set<InstanceID> {
        var live: Set<InstanceID> = []
        for replica in replicas { live.formUnion(await replica.coordinator.liveJobs()) }
        return live
    }

    /// Kubernetes Events recorded and not written yet by the replica that leads last (the first one of a hand-over
    /// is cancelled, and a coordinator leaves its queued events when its term is cut short).
    func unwrittenEvents() async -> Int {
        await replicas.last?.coordinator.unwrittenEvents() ?? 0
    }

    /// Runs the coordinators until cancelled; with a hand-over, stops the first leader at `handOverAt`.
    func run(handOverAt: ContinuousClock.Instant?) async throws {
        guard electors.count == 2, let handOverAt else {
            try await replicas[0].coordinator.run()
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskGroup(of: Void.self) { term in
                    term.addTask { await self.lead(0) }
                    term.addTask { try? await Task.sleep(until: handOverAt) }
                    await term.next()
                    term.cancelAll()  // SIGTERM: the coordinator releases its messages, the elector the Lease.
                    await term.waitForAll()
                }
                self.state.withLock { $0.handedOver = true }
            }
            // The standby stands for election once the first replica leads, so that the hand-over is theirs.
            while leader == nil { try await Task.sleep(for: .milliseconds(10)) }
            group.addTask { await self.lead(1) }
            try await group.waitForAll()
        }
    }

    /// Runs replica `index` for one term as leader (until cancelled).
    private func lead(_ index: Int) async {
        let replica = replicas[index]
        _ = try? await electors[index].lead {
            self.state.withLock {
                $0.leader = replica.identity
                $0.leaders.append(replica.identity)
            }
            defer { self.state.withLock { if $0.leader == replica.identity { $0.leader = nil } } }
            try await replica.coordinator.run()
        }
    }
}

extension ControllerStatistics {
    /// The counters of two coordinators, added up.
    func adding(_ other: ControllerStatistics) -> ControllerStatistics {
        var sum = self
        for field in Self.counters { sum[keyPath: field] += other[keyPath: field] }
        sum.rejected.merge(other.rejected, uniquingKeysWith: +)
        return sum
    }

    /// Every integer counter.
    static var counters: [WritableKeyPath<ControllerStatistics, Int>] {
        [
            \.receives, \.receiveFailures, \.messagesReceived, \.messagesWithEvents, \.duplicateReceives,
            \.rejectedDeleted, \.rejectedLeft, \.jobsStarted, \.jobsSucceeded, \.jobsFailed, \.jobsParked,
            \.jobsResumed, \.unreadableJobStates, \.nodesNotFound, \.unmanaged, \.cordons, \.cordonFailures,
            \.preDrains, \.preDrainFailures, \.postDrains, \.postDrainFailures, \.drains, \.drainDeadlinesReached,
            \.drainsBlocked, \.messagesDeleted, \.deleteFailures, \.messagesReleased, \.messagesLeft,
            \.visibilityExtensions, \.visibilityExtensionFailures, \.heartbeats, \.lifecycleCompletions,
            \.lifecycleCompletionFailures, \.instanceLookups, \.dryRunPlans,
        ]
    }
}
