/// An EC2 instance state as written in a state-change notification.
///
/// See [Instance state changes](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html).
public enum InstanceState: String, Sendable, Hashable, CaseIterable {
    /// The instance is starting.
    case pending
    /// The instance is running.
    case running
    /// The instance is being stopped.
    case stopping
    /// The instance is stopped.
    case stopped
    /// The instance is being terminated.
    case shuttingDown = "shutting-down"
    /// The instance is gone.
    case terminated

    /// Whether the node must be drained: `stopping`, `stopped`, `shutting-down` and `terminated`, matched exactly.
    public var isActionable: Bool {
        switch self {
        case .stopping, .stopped, .shuttingDown, .terminated: true
        case .pending, .running: false
        }
    }
}
