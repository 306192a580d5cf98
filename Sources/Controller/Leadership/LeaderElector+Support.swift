internal import Foundation
internal import Kubernetes
internal import Locking

/// The first answer of a renewal raced against its time limit (`nil`: the caller was cancelled); later answers are
/// dropped.
final class RenewalRace: Sendable {
    private let state = Lock<
        (settled: Bool, value: LeaderElector.Renewal?, waiter: CheckedContinuation<LeaderElector.Renewal?, Never>?)
    >(
        (false, nil, nil))

    func settle(with value: LeaderElector.Renewal?) {
        let waiter = state.withLock { state -> CheckedContinuation<LeaderElector.Renewal?, Never>? in
            guard !state.settled else { return nil }
            state.settled = true
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    func outcome() async -> LeaderElector.Renewal? {
        await withCheckedContinuation { continuation in
            let settled = state.withLock { state -> (Bool, LeaderElector.Renewal?) in
                if state.settled { return (true, state.value) }
                state.waiter = continuation
                return (false, nil)
            }
            if settled.0 { continuation.resume(returning: settled.1) }
        }
    }
}

/// The lease as this leader last wrote it, shared by the renewal loop and the release.
actor HeldLease {
    private(set) var lease: Lease

    init(_ lease: Lease) { self.lease = lease }

    func set(_ lease: Lease) { self.lease = lease }
}

/// What a candidate has seen of the lease: its last record and when (on our monotonic clock) that record changed.
struct LeaseObservation: Sendable {
    private var record: LeaseSpec?
    private var resourceVersion: String?
    private var observedAt: ContinuousClock.Instant?

    /// The holder last seen.
    var holder: String? { record?.holderIdentity }

    /// Notes `lease`, restarting the expiry clock when its record changed.
    mutating func observe(_ lease: Lease, at now: ContinuousClock.Instant) {
        guard observedAt == nil || lease.spec != record || lease.metadata.resourceVersion != resourceVersion else {
            return
        }
        record = lease.spec
        resourceVersion = lease.metadata.resourceVersion
        observedAt = now
    }

    /// True when the lease has no holder, is ours, or was not renewed for its duration since we saw it change.
    func isTakeable(by identity: String, defaultDuration: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        let holder = record?.holderIdentity ?? ""
        if holder.isEmpty || holder == identity { return true }
        guard let observedAt else { return false }
        let duration = record?.leaseDurationSeconds.map { Duration.seconds(Int64($0)) } ?? defaultDuration
        return observedAt.duration(to: now) >= duration
    }
}

/// Leader election cannot work: the apiserver refuses this service account access to the lease.
public struct LeaderElectionError: Error, Sendable, CustomStringConvertible {
    /// The lease's namespace.
    public var namespace: String
    /// The lease's name.
    public var leaseName: String
    /// The apiserver's message.
    public var underlying: String

    /// What failed and how to fix it.
    public var description: String {
        "leader election cannot read or write the lease \(namespace)/\(leaseName): \(underlying) — grant the "
            + "controller's service account get, create and update on coordination.k8s.io leases in namespace "
            + "\(namespace) (the Helm chart's Role does), or set NTH_LEADER_ELECTION=false to run a single replica"
    }
}
