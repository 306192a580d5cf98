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
/// checked before each attempt, and refused with ``KubernetesError/Code/fenced`` when the fence is closed; an
/// attempt still in flight when the fence closes is cancelled (libcurl would otherwise resend a request whose
/// reused connection died, on a fresh connection, after the partition healed).
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

    /// Returns once the fence is closed (at once if it is): follows renewals that move the deadline later.
    /// - Throws: `CancellationError` when cancelled first.
    func waitUntilClosed() async throws {
        while let deadline = openUntil.withLock({ $0 }), ContinuousClock.now < deadline {
            try await Task.sleep(until: deadline, clock: .continuous)
        }
    }

    /// Runs a write while the fence stays open; if it closes first, the write is cancelled (its transfer removed,
    /// so no transport-level retry sends it later) and the call throws ``KubernetesError/Code/fenced``.
    func guarding<T: Sendable>(
        _ fencedError: () -> KubernetesError, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await self.waitUntilClosed()
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw fencedError() }
            return value
        }
    }

    /// Resources whose writes pass a closed fence: the Lease, which leader election itself writes.
    static let exemptResources: Set<String> = ["leases"]

    /// Whether a request for `resource` with `method` must pass the fence.
    static func applies(method: String, resource: String) -> Bool {
        method != "GET" && !exemptResources.contains(resource)
    }
}
