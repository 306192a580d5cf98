public import Clocks
internal import Foundation
public import Kubernetes
internal import Locking
public import Logging
internal import ServiceLifecycle

/// Leader election over a coordination.k8s.io/v1 Lease, with client-go's rules and timings (lease 15 s, renew
/// deadline 10 s, retry period 2 s) and fewer requests.
///
/// - A candidate reads the lease from the watch cache (`resourceVersion=0`: no etcd quorum read) every retry
///   period, and takes it with a `PUT` carrying the resourceVersion it read once the holder has not renewed for a
///   lease duration *as observed locally* (the holder's `renewTime` is never compared with our clock, so clock skew
///   cannot hand the lease over early). A stale cache read only costs a 409.
/// - The leader renews with one `PUT` per retry period from the lease it last wrote, without reading first; a 409
///   costs one consistent `GET` to learn who wrote. Every renewal is bounded by the time left before the renew
///   deadline, so a hung apiserver cannot keep a leader that others consider gone.
/// - Leadership is lost when no renewal succeeded for the renew deadline, or when another holder took the lease.
/// - A leader that ends its term on purpose (its work returned, or it was cancelled: SIGTERM) releases the lease
///   (`holderIdentity` empty, as client-go's `ReleaseOnCancel`), so a standby takes over within one retry period
///   instead of a lease duration.
public final class LeaderElector: Sendable {
    /// The lease, who we are, and the timings.
    public struct Configuration: Sendable {
        /// The Lease's name.
        public var leaseName: String
        /// The Lease's namespace.
        public var namespace: String
        /// This replica's identity, written as `holderIdentity` (the pod name in a cluster).
        public var identity: String
        /// How long standbys wait after the last renewal they observed before taking over.
        public var leaseDuration: Duration = .seconds(15)
        /// How long the leader keeps trying to renew before it gives up leading.
        public var renewDeadline: Duration = .seconds(10)
        /// How often candidates try to acquire and the leader renews.
        public var retryPeriod: Duration = .seconds(2)
        /// The clock: the Lease's `acquireTime` and `renewTime`, and the waits between attempts. A term's validity is
        /// measured on the monotonic `ContinuousClock` instead, so that no wall-clock jump can stretch it.
        public var clock: any WallClock = SystemClock()

        /// Creates a configuration with client-go's timings.
        public init(leaseName: String, namespace: String, identity: String) {
            self.leaseName = leaseName
            self.namespace = namespace
            self.identity = identity
        }
    }

    /// How a term as leader ended.
    public enum TermEnd: Sendable, Hashable {
        /// The work returned (or was cancelled) and the lease was released.
        case finished
        /// Leadership was lost (renewals failed for the renew deadline, or another replica holds the lease); the
        /// work was cancelled and has returned.
        case lost
    }

    let client: KubernetesClient
    let configuration: Configuration
    let logger: Logger
    let fence: WriteFence?

    /// Creates an elector.
    ///
    /// - Parameters:
    ///   - client: The Kubernetes client (it needs `get`, `create` and `update` on leases in the namespace).
    ///   - configuration: The lease, identity and timings.
    ///   - logger: Where transitions are logged.
    ///   - fence: Opened for each term (until the start of its last renewal plus the renew deadline) and closed when
    ///     the term ends; give the same fence to the clients that write for the leader.
    public init(
        client: KubernetesClient, configuration: Configuration, logger: Logger = .disabled,
        fence: WriteFence? = nil
    ) {
        self.client = client
        self.configuration = configuration
        // Every line names the lease and this replica.
        self.logger = logger.with([
            "lease": "\(configuration.namespace)/\(configuration.leaseName)", "identity": "\(configuration.identity)",
        ])
        self.fence = fence
    }

    /// Waits until this replica holds the lease, then runs `work` while it keeps holding it.
    ///
    /// When leadership is lost, `work` is cancelled and awaited, and the term ends ``TermEnd/lost``. When `work`
    /// returns or throws, or the caller is cancelled (which cancels `work`), the lease is released once `work` has
    /// returned.
    /// - Throws: `CancellationError` when cancelled while waiting; ``LeaderElectionError`` when the apiserver
    ///   refuses access to leases (403); whatever `work` throws.
    public func lead(_ work: @escaping @Sendable () async throws -> Void) async throws -> TermEnd {
        // A standby stops waiting for the Lease on the group's graceful shutdown (it throws `CancellationError`).
        let (lease, attemptStarted) = try await cancelWhenGracefulShutdown { try await self.acquire() }
        let held = HeldLease(lease)
        fence?.open(until: attemptStarted + configuration.renewDeadline)
        defer { fence?.close() }
        logger.info("became the leader")
        // Renewals go on until the work has stopped, not merely until a shutdown cancels the term: a graceful stop
        // (messages released to SQS) can outlast the lease duration, and a lease that lapsed meanwhile could no
        // longer be released, so the standby would wait it out. Hence a task of its own, which a cancellation of
        // this one does not reach; it is cancelled as soon as the work has ended, however it ended.
        let renewing = Task { try await self.keepRenewing(held) }
        defer { renewing.cancel() }
        let end: TermEnd
        do {
            end = try await withThrowingTaskGroup(of: TermEnd.self) { group in
                group.addTask {
                    try await work()
                    return .finished
                }
                group.addTask { try await renewing.value }
                defer {
                    renewing.cancel()
                    group.cancelAll()
                }
                return try await group.next() ?? .finished
            }
        } catch {
            await shielded { await self.release(held) }
            throw error
        }
        switch end {
        case .finished: await shielded { await self.release(held) }
        case .lost:
            logger.warning("leadership lost; standing for election again")
        }
        return end
    }

    // MARK: Acquiring

    /// Tries every retry period (with client-go's 1.2 jitter factor) until the lease is ours.
    /// Returns the lease and when the attempt that took it began (the term's validity counts from there).
    private func acquire() async throws -> (Lease, ContinuousClock.Instant) {
        var observation = LeaseObservation()
        var waiting = false
        while true {
            try Task.checkCancellation()
            let started = ContinuousClock.now
            if let lease = try await tryAcquire(&observation) { return (lease, started) }
            if !waiting {
                waiting = true
                logger.info(
                    "waiting for the leader's lease",
                    metadata: ["holder": "\(observation.holder ?? "")"])
            }
            try await configuration.clock.sleep(for: configuration.retryPeriod * Double.random(in: 1..<1.2))
        }
    }

    /// One acquisition attempt: read from the cache, and take the lease when it is free, released or expired.
    private func tryAcquire(_ observation: inout LeaseObservation) async throws -> Lease? {
        let current: Lease
        do {
            current = try await client.get(
                Lease.self, name: configuration.leaseName, namespace: configuration.namespace, resourceVersion: "0")
        } catch let error as KubernetesError where error.code == .notFound {
            return try await create()
        } catch {
            try rethrowIfFatal(error)
            return nil
        }
        observation.observe(current, at: .now)
        guard observation.isTakeable(by: configuration.identity, defaultDuration: configuration.leaseDuration) else {
            return nil
        }
        do {
            return try await client.update(taken(current))
        } catch {
            try rethrowIfFatal(error)
            return nil  // most often a 409: the cache was behind, or another candidate was faster
        }
    }

    private func create() async throws -> Lease? {
        let now = configuration.clock.now
        let lease = Lease(
            metadata: ObjectMeta(name: configuration.leaseName, namespace: configuration.namespace),
            spec: LeaseSpec(
                holderIdentity: configuration.identity, leaseDurationSeconds: durationSeconds, acquireTime: now,
                renewTime: now, leaseTransitions: 0))
        do {
            return try await client.create(lease, namespace: configuration.namespace)
        } catch {
            try rethrowIfFatal(error)
            return nil  // AlreadyExists: another candidate created it first
        }
    }

    /// `current` with us as the holder: a new acquisition counts a transition and sets `acquireTime`.
    private func taken(_ current: Lease) -> Lease {
        var lease = current
        var spec = current.spec ?? LeaseSpec()
        let now = configuration.clock.now
        if spec.holderIdentity != configuration.identity {
            spec.acquireTime = now
            spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1
        }
        spec.holderIdentity = configuration.identity
        spec.leaseDurationSeconds = durationSeconds
        spec.renewTime = now
        lease.spec = spec
        return lease
    }

    private var durationSeconds: Int32 {
        Int32(clamping: max(1, configuration.leaseDuration.components.seconds))
    }

    /// A 403 is a missing RBAC rule, not a passing failure: waiting for it would leave the controller idle forever.
    private func rethrowIfFatal(_ error: any Error) throws {
        if error is CancellationError { throw error }
        if let error = error as? KubernetesError {
            switch error.code {
            case .forbidden:
                throw LeaderElectionError(
                    namespace: configuration.namespace, leaseName: configuration.leaseName, underlying: error.message)
            case .conflict, .alreadyExists: return  // the race leader election is made of, not a failure
            default: break
            }
        }
        logger.warning(
            "leader election request failed",
            metadata: ["error": "\(error)"])
    }

    // MARK: Renewing

    /// Renews every retry period; returns ``TermEnd/lost`` when leadership is lost, throws when cancelled.
    private func keepRenewing(_ held: HeldLease) async throws -> TermEnd {
        var lastRenewal = ContinuousClock.now
        while true {
            try await configuration.clock.sleep(for: configuration.retryPeriod)
            let left = configuration.renewDeadline - lastRenewal.duration(to: .now)
            switch try await renewOnce(held, within: left) {
            case .renewed: lastRenewal = .now
            case .failed:
                if lastRenewal.duration(to: .now) >= configuration.renewDeadline { return .lost }
            case .takenBy(let holder):
                logger.warning(
                    "another replica holds the lease",
                    metadata: ["holder": "\(holder)"])
                return .lost
            }
        }
    }

    enum Renewal: Sendable {
        case renewed
        case failed
        case takenBy(String)
    }

    /// One renewal, abandoned after `limit`: the answer is `.failed` at the limit even when the request is slow to
    /// give up (a connection stalled by a partition can hold a transfer past its cancellation), so the term ends
    /// on time. An abandoned renewal runs on until its request ends, but only a renewal answered in time opens the
    /// write fence.
    private func renewOnce(_ held: HeldLease, within limit: Duration) async throws -> Renewal {
        guard limit > .zero else { return .failed }
        let started = ContinuousClock.now
        let race = RenewalRace()
        let attempt = Task { race.settle(with: (try? await self.renew(held)) ?? .failed) }
        let timer = Task {
            try? await Task.sleep(for: limit)
            race.settle(with: .failed)
        }
        let renewal = await withTaskCancellationHandler {
            await race.outcome()
        } onCancel: {
            race.settle(with: nil)
        }
        timer.cancel()
        guard let renewal else {
            attempt.cancel()
            throw CancellationError()
        }
        if case .failed = renewal { attempt.cancel() }
        if case .renewed = renewal { fence?.open(until: started + configuration.renewDeadline) }
        return renewal
    }

    private func renew(_ held: HeldLease) async throws -> Renewal {
        do {
            let renewed = try await client.update(taken(await held.lease))
            await held.set(renewed)
            return .renewed
        } catch let error as KubernetesError where error.code == .conflict {
            // Someone wrote the lease: read it for real to learn who holds it now.
            do {
                let current = try await client.get(
                    Lease.self, name: configuration.leaseName, namespace: configuration.namespace)
                let holder = current.spec?.holderIdentity ?? ""
                guard holder == configuration.identity else { return .takenBy(holder) }
                await held.set(current)
                return .failed
            } catch {
                try rethrowIfFatal(error)
                return .failed
            }
        } catch {
            try rethrowIfFatal(error)
            return .failed
        }
    }

    // MARK: Releasing

    /// Hands the lease back (no holder, a 1 s duration) so that a standby takes over at once.
    ///
    /// A conflict means the Lease changed since this replica last saw it: someone else took it (nothing to do), or
    /// a renewal of ours that was abandoned at its time limit went through after all, leaving the held copy one
    /// resourceVersion behind. So the Lease is read again and, while this replica still holds it, released from the
    /// fresh copy (twice at most): without that, the standby would wait out the lease duration.
    private func release(_ held: HeldLease) async {
        var lease = await held.lease
        for attempt in 1...3 {
            guard lease.spec?.holderIdentity == configuration.identity else { return }
            let now = configuration.clock.now
            lease.spec?.holderIdentity = ""
            lease.spec?.leaseDurationSeconds = 1
            lease.spec?.acquireTime = now
            lease.spec?.renewTime = now
            do {
                _ = try await client.update(lease)
                logger.info("released the lease")
                return
            } catch let error as KubernetesError where error.code == .conflict && attempt < 3 {
                do {
                    lease = try await client.get(
                        Lease.self, name: configuration.leaseName, namespace: configuration.namespace)
                } catch {
                    logger.warning(
                        "releasing the lease failed",
                        metadata: ["error": "\(error)"])
                    return
                }
            } catch {
                logger.warning(
                    "releasing the lease failed",
                    metadata: ["error": "\(error)"])
                return
            }
        }
    }
}
