internal import Locking

/// Refuses a replica's writes to the apiserver while it does not hold leadership, so that an old leader cut off
/// from the apiserver (a partition, a stalled process) never writes after a new one began: its cordons, evictions
/// and annotation patches are not sent at all once its term's validity has passed, even those it started earlier
/// and would retry.
///
/// Leader election opens the fence until *the start of its last successful renewal plus the renew deadline*: a
/// standby takes the Lease no earlier than a lease duration (longer than the renew deadline) after it saw that
/// renewal, so the old leader's last write attempt precedes the new leader's first one. Every request of a client
/// configured with the fence (``KubernetesConfiguration/writeFence``) that is not a read and not on a Lease is
/// checked before each attempt, and refused with ``KubernetesError/Code/fenced`` when the fence is closed.
public final class WriteFence: Sendable {
    private let openUntil = Lock<ContinuousClock.Instant?>(nil)

    /// A closed fence.
    public init() {}

    /// Allows writes until `deadline`.
    public func open(until deadline: ContinuousClock.Instant) { openUntil.withLock { $0 = deadline } }

    /// Refuses writes from now on.
    public func close() { openUntil.withLock { $0 = nil } }

    /// Whether writes may be sent now.
    public var isOpen: Bool { openUntil.withLock { $0.map { ContinuousClock.now < $0 } ?? false } }

    /// Resources whose writes pass a closed fence: the Lease, which leader election itself writes.
    static let exemptResources: Set<String> = ["leases"]

    /// Whether a request for `resource` with `method` must pass the fence.
    static func applies(method: String, resource: String) -> Bool {
        method != "GET" && !exemptResources.contains(resource)
    }
}
