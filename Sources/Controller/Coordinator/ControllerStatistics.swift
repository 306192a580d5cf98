internal import Locking

/// Counters of what the coordinator did, for tests, logs and metrics (``ControllerMetrics``). Every message received is accounted
/// for: it became events, or was rejected and deleted, or rejected and left for the redrive policy.
public struct ControllerStatistics: Sendable, Hashable {
    /// `ReceiveMessage` calls that returned.
    public var receives = 0
    /// `ReceiveMessage` calls that failed.
    public var receiveFailures = 0
    /// Messages received (redeliveries included).
    public var messagesReceived = 0
    /// Messages that decoded to at least one event.
    public var messagesWithEvents = 0
    /// Receives of a message a live job already held (a redelivery, or the same event twice).
    public var duplicateReceives = 0
    /// Rejected messages by rejection code (`not-json`, `test-notification`, …).
    public var rejected: [String: Int] = [:]
    /// Rejected messages deleted at once.
    public var rejectedDeleted = 0
    /// Rejected messages left for a retry or the dead-letter queue.
    public var rejectedLeft = 0
    /// Jobs started (one per instance at a time).
    public var jobsStarted = 0
    /// Jobs whose every obligation was met.
    public var jobsSucceeded = 0
    /// Jobs that failed (messages released or left to the redrive policy).
    public var jobsFailed = 0
    /// Jobs parked until their messages come back (node not found, blocked drain, launch not Ready).
    public var jobsParked = 0
    /// Jobs resumed from the job state a previous controller wrote on nodes.
    public var jobsResumed = 0
    /// Nodes whose job state could not be read (or names another instance), left alone.
    public var unreadableJobStates = 0
    /// Jobs for instances without a node.
    public var nodesNotFound = 0
    /// Jobs for unmanaged instances (acknowledged, left alone).
    public var unmanaged = 0
    /// Cordon calls that succeeded.
    public var cordons = 0
    /// Cordon calls that failed (the node vanished, or the apiserver refused).
    public var cordonFailures = 0
    /// Cordon writes that carried NTH's pre-drain work (taints, heartbeats) for a kind that has it in NTH.
    public var preDrains = 0
    /// Cordon writes for such a kind that failed.
    public var preDrainFailures = 0
    /// Jobs ended after their node actions: lifecycle actions completed and messages acknowledged (NTH's post-drain).
    public var postDrains = 0
    /// Lifecycle action completions that failed after every attempt (NTH's post-drain error).
    public var postDrainFailures = 0
    /// Drains that ended (any verdict).
    public var drains = 0
    /// Drains that reached their deadline.
    public var drainDeadlinesReached = 0
    /// Drains blocked by pods the drain options do not allow to evict.
    public var drainsBlocked = 0
    /// Messages deleted.
    public var messagesDeleted = 0
    /// Messages given up on after every delete attempt.
    public var deleteFailures = 0
    /// Messages released (visibility 0).
    public var messagesReleased = 0
    /// Messages left to their visibility timeout (or the redrive policy).
    public var messagesLeft = 0
    /// Visibility extensions that succeeded (per message).
    public var visibilityExtensions = 0
    /// Visibility extensions that failed (per message) for messages still held; a refusal for a message whose job
    /// ended (and which was deleted) while the extension was in flight is not counted.
    public var visibilityExtensionFailures = 0
    /// Heartbeats sent (per action).
    public var heartbeats = 0
    /// Kubernetes Events dropped because the event queue was full (``NodeEventQueue``).
    public var eventsDropped = 0
    /// Lifecycle actions completed (or found no longer active).
    public var lifecycleCompletions = 0
    /// `CompleteLifecycleAction` attempts that failed.
    public var lifecycleCompletionFailures = 0
    /// EC2 lookups (calls to the instance directory).
    public var instanceLookups = 0
    /// Plans logged but not performed (dry run).
    public var dryRunPlans = 0

    /// Creates zeroed counters.
    public init() {}
}

/// Thread-safe counters, added to from any task (and from synchronous drain progress callbacks), mirrored to
/// ``ControllerMetrics`` when there are metrics.
final class StatisticsRecorder: Sendable {
    private let counters = Lock(ControllerStatistics())
    private let metrics: ControllerMetrics?

    init(metrics: ControllerMetrics? = nil) {
        self.metrics = metrics
    }

    /// Adds `amount` to one counter.
    func add(_ counter: WritableKeyPath<ControllerStatistics, Int>, _ amount: Int) {
        guard amount != 0 else { return }
        let (before, after) = counters.withLock { counters in
            let before = counters
            counters[keyPath: counter] += amount
            return (before, counters)
        }
        metrics?.count(from: before, to: after)
    }

    /// Counts a rejection by code.
    func reject(code: String, deleted: Bool) {
        counters.withLock {
            $0.rejected[code, default: 0] += 1
            if deleted { $0.rejectedDeleted += 1 } else { $0.rejectedLeft += 1 }
        }
        metrics?.rejected(code: code, deleted: deleted)
    }

    /// The counters now.
    var snapshot: ControllerStatistics { counters.withLock { $0 } }
}
