public import Foundation
public import Interruption

/// What to drain, and how.
public struct DrainRequest: Sendable, Hashable {
    /// How the pods of the node are listed.
    public enum PodListing: Sendable, Hashable {
        /// `resourceVersion=<after>&resourceVersionMatch=NotOlderThan`: from the watch cache, yet including every
        /// pod bound before the cordon (the default). Without ``DrainRequest/afterResourceVersion`` it falls back to
        /// ``anyCached``.
        case notOlderThanCordon
        /// `resourceVersion=0`: any state the watch cache has (NTH's `USE_APISERVER_CACHE`); the watch that follows
        /// catches what the cache had not yet seen.
        case anyCached
        /// No resourceVersion: a consistent read (a quorum read from etcd on 1.30 and older). Not recommended.
        case consistent
    }

    /// The node.
    public var nodeName: String
    /// The resourceVersion the cordon patch returned (``CordonReceipt/resourceVersion``).
    public var afterResourceVersion: String?
    /// When the drain must be done (the job's drain deadline); `nil` waits for as long as it takes.
    public var deadline: Date?
    /// Which pods are evicted, skipped or block the drain, and grace periods.
    public var filter: DrainFilter
    /// The order in which drains get eviction slots: higher first.
    public var priority: DrainPriority
    /// How the pods are listed.
    public var listing: PodListing
    /// At the deadline, delete the pods still there with a grace period that fits (`DELETE` bypasses budgets).
    public var deleteRemainingAtDeadline: Bool

    /// Creates a request.
    public init(
        nodeName: String, afterResourceVersion: String?, deadline: Date?, filter: DrainFilter = DrainFilter(),
        priority: DrainPriority = .urgent, listing: PodListing = .notOlderThanCordon,
        deleteRemainingAtDeadline: Bool = false
    ) {
        self.nodeName = nodeName
        self.afterResourceVersion = afterResourceVersion
        self.deadline = deadline
        self.filter = filter
        self.priority = priority
        self.listing = listing
        self.deleteRemainingAtDeadline = deleteRemainingAtDeadline
    }
}

/// How a drain ended.
public struct DrainOutcome: Sendable, Hashable {
    /// The verdict.
    public enum Result: String, Sendable, Hashable {
        /// Every pod to evict (and every terminating one) is gone.
        case drained
        /// A pod blocks the drain under the filter's options (kubectl semantics): nothing was evicted.
        case blocked
        /// The deadline passed with pods still on the node (see ``DrainOutcome/remaining``).
        case deadlineReached
    }

    /// The node.
    public var nodeName: String
    /// The verdict.
    public var result: Result
    /// Pods whose eviction the apiserver accepted (including ones that appeared after the list).
    public var evicted: [PodReference]
    /// Pods left alone, with the reason (DaemonSet, mirror, our own pod).
    public var skipped: [PodDecision]
    /// Pods that block the drain (for ``Result/blocked``).
    public var blocking: [PodDecision]
    /// Pods still on the node at the deadline (for ``Result/deadlineReached``), sorted.
    public var remaining: [PodReference]
    /// Of ``remaining``, the pods deleted at the deadline (``DrainRequest/deleteRemainingAtDeadline``).
    public var deletedAtDeadline: [PodReference]
    /// Eviction requests a PodDisruptionBudget refused (429), each retried later.
    public var refusals: Int
    /// The resourceVersion the pods were listed at.
    public var listResourceVersion: String?

    /// Creates an outcome.
    public init(
        nodeName: String, result: Result, evicted: [PodReference] = [], skipped: [PodDecision] = [],
        blocking: [PodDecision] = [], remaining: [PodReference] = [], deletedAtDeadline: [PodReference] = [],
        refusals: Int = 0, listResourceVersion: String? = nil
    ) {
        self.nodeName = nodeName
        self.result = result
        self.evicted = evicted
        self.skipped = skipped
        self.blocking = blocking
        self.remaining = remaining
        self.deletedAtDeadline = deletedAtDeadline
        self.refusals = refusals
        self.listResourceVersion = listResourceVersion
    }
}

/// One step of a drain, reported as it happens (for logs, metrics and events).
public enum DrainProgress: Sendable, Hashable {
    /// The node's pods were listed: how many, at which resourceVersion.
    case listed(pods: Int, resourceVersion: String?)
    /// The filter's decision for a pod (listed or appeared later).
    case decided(PodDecision)
    /// The apiserver accepted a pod's eviction.
    case evicted(PodReference, gracePeriodSeconds: Int?)
    /// A PodDisruptionBudget (or throttling) refused an eviction; it is retried after `retryAfter`.
    case evictionRefused(PodReference, message: String, retryAfter: Duration)
    /// An eviction failed for good (for example 403 Forbidden); the pod stays and is reported at the deadline.
    case evictionFailed(PodReference, message: String)
    /// A pod the drain waits for is gone.
    case deleted(PodReference)
    /// The deadline passed with these pods on the node.
    case deadlineReached(remaining: [PodReference])
}

/// A failure of a cluster operation that is not the client's own error.
public struct ClusterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Hashable {
        /// No node with this name.
        case nodeNotFound
        /// The node kept changing under the cordon patch (409 Conflict after every retry).
        case conflict
    }

    /// The kind of failure.
    public var code: Code
    /// The node concerned.
    public var nodeName: String
    /// What happened.
    public var message: String

    /// Creates an error.
    public init(code: Code, nodeName: String, message: String) {
        self.code = code
        self.nodeName = nodeName
        self.message = message
    }

    /// `node ip-…: message`.
    public var description: String { "node \(nodeName): \(message)" }
}
