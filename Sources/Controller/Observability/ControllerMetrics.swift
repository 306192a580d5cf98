public import CoreMetrics
internal import Foundation
public import Kubernetes

/// The controller's metrics through swift-metrics (the executable bootstraps Prometheus; tests pass a test
/// factory). Every series has bounded labels: no node, instance or message names.
///
/// Counters follow ``ControllerStatistics`` (each change of a statistic adds to its counter), under NTH's names
/// where NTH has one (`actions_total{node_action,node_status}` for `cordon`, `cordon-and-drain`, `pre-drain` and
/// `post-drain`, `events_error_total{event_error_where}`) and `nth_…_total` otherwise. NTH's gauges
/// `nth_tagged_instances` and `nth_tagged_nodes` are set by ``ManagedInstanceCensus``. Timers are Prometheus histograms in seconds: how old a message was when received
/// (from `SentTimestamp`), and how long from receipt to cordon and to the end of the drain. Gauges: messages in
/// flight, drains running, and whether this replica leads.
public final class ControllerMetrics: Sendable {
    /// One counter fed by a statistic.
    struct StatisticCounter: Sendable {
        let label: String
        let dimensions: [(String, String)]
        let value: @Sendable (ControllerStatistics) -> Int
    }

    static let statisticCounters: [StatisticCounter] = [
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "cordon"), ("node_status", "success")],
            value: { $0.cordons }),
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "cordon"), ("node_status", "error")],
            value: { $0.cordonFailures }),
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "cordon-and-drain"), ("node_status", "success")],
            value: { $0.drains - $0.drainsBlocked - $0.drainDeadlinesReached }),
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "cordon-and-drain"), ("node_status", "error")],
            value: { $0.drainsBlocked + $0.drainDeadlinesReached }),
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "pre-drain"), ("node_status", "success")],
            value: { $0.preDrains }),
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "pre-drain"), ("node_status", "error")],
            value: { $0.preDrainFailures }),
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "post-drain"), ("node_status", "success")],
            value: { $0.postDrains }),
        StatisticCounter(
            label: "actions_total", dimensions: [("node_action", "post-drain"), ("node_status", "error")],
            value: { $0.postDrainFailures }),
        StatisticCounter(
            label: "events_error_total", dimensions: [("event_error_where", "SQS_MONITOR")],
            value: { $0.receiveFailures }),
        StatisticCounter(label: "nth_sqs_receives_total", dimensions: [], value: { $0.receives }),
        StatisticCounter(label: "nth_sqs_messages_received_total", dimensions: [], value: { $0.messagesReceived }),
        StatisticCounter(label: "nth_sqs_duplicate_receives_total", dimensions: [], value: { $0.duplicateReceives }),
        StatisticCounter(
            label: "nth_sqs_messages_disposed_total", dimensions: [("disposition", "deleted")],
            value: { $0.messagesDeleted }),
        StatisticCounter(
            label: "nth_sqs_messages_disposed_total", dimensions: [("disposition", "released")],
            value: { $0.messagesReleased }),
        StatisticCounter(
            label: "nth_sqs_messages_disposed_total", dimensions: [("disposition", "left")],
            value: { $0.messagesLeft }),
        StatisticCounter(label: "nth_sqs_delete_failures_total", dimensions: [], value: { $0.deleteFailures }),
        StatisticCounter(
            label: "nth_sqs_visibility_extensions_total", dimensions: [("result", "ok")],
            value: { $0.visibilityExtensions }),
        StatisticCounter(
            label: "nth_sqs_visibility_extensions_total", dimensions: [("result", "failed")],
            value: { $0.visibilityExtensionFailures }),
        StatisticCounter(label: "nth_jobs_started_total", dimensions: [], value: { $0.jobsStarted }),
        StatisticCounter(label: "nth_jobs_resumed_total", dimensions: [], value: { $0.jobsResumed }),
        StatisticCounter(
            label: "nth_jobs_ended_total", dimensions: [("result", "succeeded")], value: { $0.jobsSucceeded }),
        StatisticCounter(label: "nth_jobs_ended_total", dimensions: [("result", "failed")], value: { $0.jobsFailed }),
        StatisticCounter(label: "nth_jobs_ended_total", dimensions: [("result", "parked")], value: { $0.jobsParked }),
        StatisticCounter(label: "nth_nodes_not_found_total", dimensions: [], value: { $0.nodesNotFound }),
        StatisticCounter(label: "nth_unmanaged_instances_total", dimensions: [], value: { $0.unmanaged }),
        StatisticCounter(
            label: "nth_unreadable_job_states_total", dimensions: [], value: { $0.unreadableJobStates }),
        StatisticCounter(
            label: "nth_drains_total", dimensions: [("outcome", "drained")],
            value: { $0.drains - $0.drainsBlocked - $0.drainDeadlinesReached }),
        StatisticCounter(
            label: "nth_drains_total", dimensions: [("outcome", "deadline_reached")],
            value: { $0.drainDeadlinesReached }),
        StatisticCounter(
            label: "nth_drains_total", dimensions: [("outcome", "blocked")], value: { $0.drainsBlocked }),
        StatisticCounter(label: "nth_lifecycle_heartbeats_total", dimensions: [], value: { $0.heartbeats }),
        StatisticCounter(
            label: "nth_lifecycle_completions_total", dimensions: [("result", "ok")],
            value: { $0.lifecycleCompletions }),
        StatisticCounter(
            label: "nth_lifecycle_completions_total", dimensions: [("result", "failed")],
            value: { $0.lifecycleCompletionFailures }),
        StatisticCounter(label: "nth_ec2_instance_lookups_total", dimensions: [], value: { $0.instanceLookups }),
        StatisticCounter(label: "nth_dry_run_plans_total", dimensions: [], value: { $0.dryRunPlans }),
        StatisticCounter(
            label: "nth_kubernetes_events_dropped_total", dimensions: [], value: { $0.eventsDropped }),
    ]

    private let factory: any MetricsFactory
    private let counters: [(counter: Counter, value: @Sendable (ControllerStatistics) -> Int)]
    let messageAge: CoreMetrics.Timer
    let receiveToCordon: CoreMetrics.Timer
    let receiveToDrainEnd: CoreMetrics.Timer
    let messagesInFlight: Gauge
    let drainsRunning: Gauge
    /// 1 while this replica leads (or runs without leader election), 0 while it waits.
    public let leader: Gauge
    /// NTH's `nth_tagged_instances`: EC2 instances of the region carrying the managed tag key.
    let taggedInstances: Gauge
    /// NTH's `nth_tagged_nodes`: nodes whose instance carries the managed tag key.
    let taggedNodes: Gauge

    /// Creates the metrics on `factory` (the bootstrapped system's by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        counters = Self.statisticCounters.map { spec in
            (Counter(label: spec.label, dimensions: spec.dimensions, factory: factory), spec.value)
        }
        messageAge = CoreMetrics.Timer(
            label: "nth_sqs_message_age_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
        receiveToCordon = CoreMetrics.Timer(
            label: "nth_receive_to_cordon_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
        receiveToDrainEnd = CoreMetrics.Timer(
            label: "nth_receive_to_drain_end_seconds", dimensions: [], preferredDisplayUnit: .seconds,
            factory: factory)
        messagesInFlight = Gauge(label: "nth_sqs_messages_in_flight", dimensions: [], factory: factory)
        drainsRunning = Gauge(label: "nth_drains_running", dimensions: [], factory: factory)
        leader = Gauge(label: "nth_leader", dimensions: [], factory: factory)
        taggedInstances = Gauge(label: "nth_tagged_instances", dimensions: [], factory: factory)
        taggedNodes = Gauge(label: "nth_tagged_nodes", dimensions: [], factory: factory)
        taggedInstances.record(0)
        taggedNodes.record(0)
    }

    /// Adds what changed between two snapshots of the statistics to the counters.
    func count(from before: ControllerStatistics, to after: ControllerStatistics) {
        for (counter, value) in counters {
            let delta = value(after) - value(before)
            if delta > 0 { counter.increment(by: Int64(delta)) }
        }
    }

    /// Counts a rejected message by its rejection code (a small fixed set).
    func rejected(code: String, deleted: Bool) {
        Counter(
            label: "nth_sqs_messages_rejected_total",
            dimensions: [("reason", code), ("disposition", deleted ? "deleted" : "left")], factory: factory
        ).increment()
    }

    /// Records a time span in seconds.
    static func record(_ timer: CoreMetrics.Timer, seconds: TimeInterval) {
        guard seconds.isFinite, seconds >= 0 else { return }
        timer.recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// The apiserver request metrics: `nth_kubernetes_requests_total{verb,resource,code}` and
    /// `nth_kubernetes_request_duration_seconds{verb}`, for ``KubernetesConfiguration/metrics``.
    public var kubernetesRequests: any RequestMetrics { KubernetesRequestMetrics(factory: factory) }
}

/// Bridges the Kubernetes client's per-request records to swift-metrics.
struct KubernetesRequestMetrics: RequestMetrics {
    let factory: any MetricsFactory

    func record(verb: String, resource: String, code: Int, duration: Duration) {
        Counter(
            label: "nth_kubernetes_requests_total",
            dimensions: [("verb", verb), ("resource", resource), ("code", String(code))], factory: factory
        ).increment()
        let (seconds, attoseconds) = duration.components
        CoreMetrics.Timer(
            label: "nth_kubernetes_request_duration_seconds", dimensions: [("verb", verb)],
            preferredDisplayUnit: .seconds, factory: factory
        ).recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
