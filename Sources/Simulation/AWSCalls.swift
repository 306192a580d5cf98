internal import ControllerFakes

/// The AWS calls a simulation made, as the in-memory queue, EC2 and Auto Scaling answered them: what a real run
/// would send to SQS, EC2 and Auto Scaling for the same messages.
public struct AWSCalls: Sendable, Hashable {
    /// Messages sent to the queue.
    public var messages: Int
    /// `ReceiveMessage` calls that returned messages.
    public var receives: Int
    /// `ReceiveMessage` long polls that ended empty (these go on while the controller idles, whatever the messages).
    public var emptyReceives: Int
    /// `DeleteMessageBatch` calls.
    public var deletes: Int
    /// `ChangeMessageVisibilityBatch` calls (visibility extensions and releases).
    public var visibilityChanges: Int
    /// `DescribeInstances` calls.
    public var describeInstances: Int
    /// `RecordLifecycleActionHeartbeat` and `CompleteLifecycleAction` calls.
    public var lifecycleCalls: Int

    /// Creates the counts.
    public init(
        messages: Int, receives: Int, emptyReceives: Int, deletes: Int, visibilityChanges: Int,
        describeInstances: Int, lifecycleCalls: Int
    ) {
        self.messages = messages
        self.receives = receives
        self.emptyReceives = emptyReceives
        self.deletes = deletes
        self.visibilityChanges = visibilityChanges
        self.describeInstances = describeInstances
        self.lifecycleCalls = lifecycleCalls
    }

    init(
        messages: Int, queue: InMemoryQueue.Calls, ec2: InMemoryInstanceDirectory,
        autoScaling: InMemoryLifecycleActions
    ) {
        self.init(
            messages: messages, receives: queue.receives, emptyReceives: queue.emptyReceives,
            deletes: queue.deleteBatches.count,
            visibilityChanges: queue.extendBatches.count + queue.releaseBatches.count,
            describeInstances: ec2.lookups.count, lifecycleCalls: autoScaling.calls.count)
    }

    /// Every call but the empty long polls.
    public var total: Int { receives + deletes + visibilityChanges + describeInstances + lifecycleCalls }

    /// ``total`` per message sent (0 without messages).
    public var perMessage: Double { messages == 0 ? 0 : Double(total) / Double(messages) }
}
