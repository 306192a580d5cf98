public import Foundation

/// What the controller tells a ``JobMachine``: what it found, did, or saw happen.
///
/// A message joining the job is not an input of this type: it goes through ``JobLedger/record(_:message:)``, since
/// one message may join several jobs.
public enum JobInput: Sendable, Hashable {
    /// The instance was looked up (node cache, then EC2).
    case resolved(NodeResolution)
    /// A cordon (with its labels and taints) covering `kinds` was written; the node is at `resourceVersion`.
    case cordoned(kinds: Set<InterruptionKind>, resourceVersion: String)
    /// The node was gone when the cordon came: the instance now has no node.
    case nodeVanished
    /// The drain evicted every pod it had to.
    case drained
    /// The drain's deadline passed with pods left: the instance goes anyway, the job goes on.
    case drainDeadlineReached
    /// Pods the drain's options do not allow to evict block the drain: the round parks.
    case drainBlocked
    /// A launched node was not Ready in time; what `NTH_LAUNCH_TIMEOUT_ACTION` says to do.
    case launchNotReady(LaunchFallback)
    /// `CompleteLifecycleAction` succeeded for the token (or the action was no longer active).
    case lifecycleActionCompleted(token: String)
    /// The action behind the token takes no more heartbeats.
    case heartbeatsStopped(token: String)
    /// A heartbeat round that was due at `date` went out.
    case heartbeatRoundDue(Date)
    /// A resumed job's wait for its messages returned at `now` (a message came back, or the time ran out).
    case messagesAwaited(now: Date)
    /// A step failed in a way that is waited out (the apiserver down or overloaded): the next action starts a new
    /// round.
    case stepFailedTransiently

    /// What to do when a launched node is not Ready in time.
    public enum LaunchFallback: Sendable, Hashable {
        /// Complete the launch hook with `CONTINUE` anyway.
        case continueHook
        /// Complete the launch hook with `ABANDON`.
        case abandonHook
        /// Park the job: its messages come back after their visibility timeout.
        case retryLater
    }
}

/// What a ``JobMachine`` asks the controller to do next.
public enum JobAction: Sendable, Hashable {
    /// Cordon the node (with the labels and taints ``JobMachine/cordonSteps(policy:)`` lists, if any is still
    /// needed), then report ``JobInput/cordoned(kinds:resourceVersion:)`` or ``JobInput/nodeVanished``.
    case cordon
    /// Add ``Taint/outOfService`` to the node.
    case taintOutOfService(nodeName: String)
    /// Drain the node (listing pods not older than `afterResourceVersion`), then report how it ended.
    case drain(nodeName: String, afterResourceVersion: String?)
    /// Wait until the launched node is Ready; report ``JobInput/launchNotReady(_:)`` if it is not in time.
    case waitForNodeReady
    /// Wait `delay` seconds if set, then complete the action (`ABANDON` when `abandon`), then report
    /// ``JobInput/lifecycleActionCompleted(token:)``.
    case completeLifecycleAction(LifecycleAction, abandon: Bool, delay: TimeInterval?)
    /// A resumed job's work is done: wait until `until`, or until a message is recorded after `recordings`, then
    /// report ``JobInput/messagesAwaited(now:)``.
    case awaitMessages(until: Date, recordings: Int)
    /// Every obligation is met: the job ends and its messages held by no other job are deleted.
    case finish
    /// The job waits: it ends, and its messages come back after their visibility timeout.
    case park
}

/// What ending a job leaves to do with its messages.
public struct MessageDisposal: Sendable, Hashable {
    /// Messages every holder finished with: delete them.
    public var delete: [QueueMessage] = []
    /// Messages to make visible now (failed, under the receive-count limit).
    public var release: [QueueMessage] = []
    /// Messages left to their visibility timeout (and, past the limit, to the redrive policy).
    public var leave: [QueueMessage] = []

    /// Creates a disposal.
    ///
    /// - Parameters:
    ///   - delete: Messages to delete.
    ///   - release: Messages to make visible now.
    ///   - leave: Messages to leave to their visibility timeout.
    public init(delete: [QueueMessage] = [], release: [QueueMessage] = [], leave: [QueueMessage] = []) {
        self.delete = delete
        self.release = release
        self.leave = leave
    }
}
