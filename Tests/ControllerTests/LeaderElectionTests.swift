import Controller
import FakeKubernetes
import Foundation
import JSONValues
import Kubernetes
import Locking
import TestSupport
import Testing

/// Leader election against the fake apiserver, with timings scaled down (lease 2 s, renew deadline 1 s, retry
/// 0.2 s). Durations are only checked as lower bounds, or against generous upper bounds.
@Suite("Leader election over a Lease", .serialized)
struct LeaderElectionTests {
    static let namespace = "kube-system"
    static let leaseName = "node-termination-handler"

    static func configuration(_ identity: String) -> LeaderElector.Configuration {
        var configuration = LeaderElector.Configuration(
            leaseName: leaseName, namespace: namespace, identity: identity)
        configuration.leaseDuration = .seconds(2)
        configuration.renewDeadline = .seconds(1)
        configuration.retryPeriod = .milliseconds(200)
        return configuration
    }

    /// Runs `body` with a fake apiserver and a client of it.
    static func withServer<T: Sendable>(
        _ body: @Sendable (FakeAPIServer, KubernetesClient) async throws -> T
    ) async throws -> T {
        try await FakeAPIServer.withRunning { server in
            var clientConfiguration = KubernetesConfiguration(server: server.baseURL)
            clientConfiguration.retryPolicy = RetryPolicy(maxRetries: 0)
            let client = try KubernetesClient(configuration: clientConfiguration)
            return try await body(server, client)
        }
    }

    /// A client of `server` whose writes pass `fence`, without retries.
    static func fencedClient(_ server: FakeAPIServer, _ fence: WriteFence) throws -> KubernetesClient {
        var configuration = KubernetesConfiguration(server: server.baseURL)
        configuration.retryPolicy = RetryPolicy(maxRetries: 0)
        configuration.writeFence = fence
        return try KubernetesClient(configuration: configuration)
    }

    static func lease(_ server: FakeAPIServer) async -> JSONValue? {
        await server.store.object(.leases, namespace: namespace, name: leaseName)
    }

    static func holder(_ server: FakeAPIServer) async -> String? {
        await lease(server)?["spec"]["holderIdentity"].stringValue
    }

    /// The Lease reads served so far: a standby reads the Lease once per retry period, a leader only writes it.
    static func leaseReads(_ server: FakeAPIServer) -> Int {
        server.ledger.snapshot().entries.filter { $0.method == "GET" && $0.path.contains("/leases/") }.count
    }

    /// Who is running its work right now, and the most that ever ran at once.
    final class Terms: Sendable {
        private let state = Lock<(active: Set<String>, mostAtOnce: Int, cancelled: Set<String>)>(([], 0, []))

        func work(_ identity: String) -> @Sendable () async throws -> Void {
            { [self] in
                state.withLock { state in
                    state.active.insert(identity)
                    state.mostAtOnce = max(state.mostAtOnce, state.active.count)
                }
                defer { state.withLock { _ = $0.active.remove(identity) } }
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {
                    state.withLock { _ = $0.cancelled.insert(identity) }
                    throw error
                }
            }
        }

        /// Starts `identity` standing for election with this work; the task ends with the term.
        func start(_ identity: String, client: KubernetesClient) -> Task<LeaderElector.TermEnd, any Error> {
            let elector = LeaderElector(client: client, configuration: LeaderElectionTests.configuration(identity))
            let work = work(identity)
            return Task { try await elector.lead(work) }
        }

        var active: Set<String> { state.withLock { $0.active } }
        var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
        func wasCancelled(_ identity: String) -> Bool { state.withLock { $0.cancelled.contains(identity) } }
    }

    @Test("the first candidate creates the Lease and leads; cancelling ends its work, then releases the Lease")
    func acquireAndRelease() async throws {
        try await Self.withServer { server, client in
            let terms = Terms()
            let term = terms.start("a", client: client)
            try await eventually { terms.active == ["a"] }
            let lease = try #require(await Self.lease(server))
            #expect(lease["spec"]["holderIdentity"] == "a")
            #expect(lease["spec"]["leaseDurationSeconds"] == 2)
            #expect(lease["spec"]["leaseTransitions"] == 0)
            #expect(lease["spec"]["acquireTime"].stringValue != nil)
            term.cancel()
            await #expect(throws: CancellationError.self) { try await term.value }
            #expect(terms.wasCancelled("a"))
            #expect(await Self.holder(server) == "")
            #expect(await Self.lease(server)?["spec"]["leaseDurationSeconds"] == 1)
        }
    }

    @Test("two replicas never lead at once, and a graceful hand-over takes one retry, not a lease duration")
    func handOver() async throws {
        try await Self.withServer { server, client in
            let terms = Terms()
            let termA = terms.start("a", client: client)
            try await eventually { terms.active == ["a"] }
            let termB = terms.start("b", client: client)
            // b retries every 0.2 s: 13 reads span more than the 2 s lease duration, all while a renews.
            let readsAtStart = Self.leaseReads(server)
            try await eventually("b tried for longer than a lease duration") {
                Self.leaseReads(server) - readsAtStart >= 13
            }
            #expect(terms.active == ["a"])
            #expect(await Self.holder(server) == "a")

            termA.cancel()
            _ = try? await termA.value
            let readsAtRelease = Self.leaseReads(server)
            try await eventually("b leads") { terms.active == ["b"] }
            // Waiting out the lease would take 10 retries; a released Lease is taken at the next one.
            let retries = Self.leaseReads(server) - readsAtRelease
            #expect(retries <= 2, "a released lease is taken without waiting a lease duration: \(retries) reads")
            #expect(terms.mostAtOnce == 1)
            #expect(await Self.lease(server)?["spec"]["leaseTransitions"] == 1)
            termB.cancel()
            _ = try? await termB.value
        }
    }

    @Test("a leader that vanished without releasing is replaced only a lease duration after its last renewal was seen")
    func vanishedLeader() async throws {
        try await Self.withServer { server, client in
            let now = Date()
            _ = try await client.create(
                Lease(
                    metadata: ObjectMeta(name: Self.leaseName, namespace: Self.namespace),
                    spec: LeaseSpec(
                        holderIdentity: "ghost", leaseDurationSeconds: 2, acquireTime: now, renewTime: now,
                        leaseTransitions: 3)))
            let terms = Terms()
            let clock = ContinuousClock()
            let started = clock.now
            let term = terms.start("b", client: client)
            try await eventually { terms.active == ["b"] }
            #expect(started.duration(to: clock.now) >= .seconds(2))
            #expect(await Self.lease(server)?["spec"]["leaseTransitions"] == 4)
            term.cancel()
            _ = try? await term.value
        }
    }

    @Test("renewals failing for the renew deadline cancel the work and end the term as lost")
    func renewalsFail() async throws {
        try await Self.withServer { server, client in
            let terms = Terms()
            let term = terms.start("a", client: client)
            try await eventually { terms.active == ["a"] }
            var faults = FaultPlan()
            faults.errors["update"] = FaultPlan.ErrorRate(rate: 1, status: 503)
            server.faults = faults
            let clock = ContinuousClock()
            let failing = clock.now
            let end = try await term.value
            #expect(end == .lost)
            #expect(terms.wasCancelled("a"))
            #expect(failing.duration(to: clock.now) >= .milliseconds(800))
            #expect(failing.duration(to: clock.now) < .seconds(5))
            #expect(await Self.holder(server) == "a", "a lost leader does not release a lease it could not renew")
        }
    }

    @Test("the write fence is open while leading and shut once renewals fail: no node write is sent after")
    func writeFence() async throws {
        try await FakeAPIServer.withRunning { server in
            let fence = WriteFence()
            let client = try Self.fencedClient(server, fence)
            _ = try await server.store.seed(
                ObjectFactory.node(name: "ip-10-0-0-1.ec2.internal", instanceID: "i-0123456789abcdef0"))
            let patch = Patch.merge(["metadata": ["labels": ["fenced": "no"]]])
            await #expect(throws: KubernetesError.self) {
                _ = try await client.patch(Node.self, name: "ip-10-0-0-1.ec2.internal", patch: patch)
            }
            #expect(!fence.isOpen, "a standby writes nothing")

            let elector = LeaderElector(client: client, configuration: Self.configuration("a"), fence: fence)
            let leading = Lock(false)
            let term = Task {
                try await elector.lead {
                    leading.withLock { $0 = true }; try await Task.sleep(for: .seconds(60))
                }
            }
            try await eventually { leading.withLock { $0 } }
            #expect(fence.isOpen)
            _ = try await client.patch(Node.self, name: "ip-10-0-0-1.ec2.internal", patch: patch)

            var faults = FaultPlan()
            faults.errors["update"] = FaultPlan.ErrorRate(rate: 1, status: 503)
            server.faults = faults
            try await eventually("the fence shuts by itself at the renew deadline") { !fence.isOpen }
            server.ledger.reset()
            do {
                _ = try await client.patch(Node.self, name: "ip-10-0-0-1.ec2.internal", patch: patch)
                Issue.record("a write passed a shut fence")
            } catch let error as KubernetesError {
                #expect(error.code == .fenced)
            }
            #expect(server.ledger.snapshot().total == 0, "the refused write was never sent")
            #expect(try await term.value == .lost)
        }
    }

    @Test("a write still in flight when the fence closes is cancelled and fails as fenced")
    func writeInFlightAtFenceClose() async throws {
        try await FakeAPIServer.withRunning { server in
            let fence = WriteFence()
            let client = try Self.fencedClient(server, fence)
            _ = try await server.store.seed(
                ObjectFactory.node(name: "ip-10-0-0-2.ec2.internal", instanceID: "i-0123456789abcdef1"))
            var faults = FaultPlan()
            faults.latencyMilliseconds = 5000
            server.faults = faults
            let clock = ContinuousClock()
            let started = clock.now
            fence.open(until: started + .milliseconds(300))
            do {
                _ = try await client.patch(
                    Node.self, name: "ip-10-0-0-2.ec2.internal",
                    patch: .merge(["metadata": ["labels": ["late": "yes"]]]))
                Issue.record("the write outlived the fence")
            } catch let error as KubernetesError {
                #expect(error.code == .fenced)
            }
            #expect(started.duration(to: clock.now) < .seconds(3), "cancelled at the fence, not after the latency")
        }
    }

    @Test("another holder writing the Lease ends the term at once, without waiting for the renew deadline")
    func takenOver() async throws {
        try await Self.withServer { server, client in
            let terms = Terms()
            let term = terms.start("a", client: client)
            try await eventually { terms.active == ["a"] }
            var lease = try await client.get(Lease.self, name: Self.leaseName, namespace: Self.namespace)
            lease.spec?.holderIdentity = "intruder"
            _ = try await client.update(lease)
            let end = try await term.value
            #expect(end == .lost)
            #expect(await Self.holder(server) == "intruder")
        }
    }

    @Test("a term whose work takes longer than a lease duration to stop keeps renewing, then releases the Lease")
    func slowStopKeepsTheLease() async throws {
        try await Self.withServer { server, client in
            let elector = LeaderElector(client: client, configuration: Self.configuration("a"))
            let leading = Lock(false)
            let stopping = Lock(false)
            let term = Task {
                try await elector.lead {
                    leading.withLock { $0 = true }
                    do {
                        try await Task.sleep(for: .seconds(3600))
                    } catch {
                        // A graceful stop slower than the 2 s lease: 3 s of real work after the cancellation.
                        stopping.withLock { $0 = true }
                        await Task { try? await Task.sleep(for: .seconds(3)) }.value
                        throw error
                    }
                }
            }
            try await eventually("a leads") { leading.withLock { $0 } }
            term.cancel()
            try await eventually("a stops") { stopping.withLock { $0 } }
            let leaseWrites = {
                server.ledger.snapshot().entries.filter { $0.method == "PUT" && $0.path.contains("/leases/") }.count
            }
            let writesBefore = leaseWrites()
            _ = try? await term.value
            let renewals = leaseWrites() - writesBefore
            #expect(renewals >= 5, "renewed while the work stopped (every 0.2 s for 3 s), then released: \(renewals)")
            #expect(await Self.holder(server) == "", "released, not left to expire")
        }
    }

    @Test("a release that meets a conflict from a late renewal of its own reads the Lease again and still releases it")
    func releaseAfterOwnConflict() async throws {
        try await Self.withServer { server, client in
            let terms = Terms()
            let term = terms.start("a", client: client)
            try await eventually { terms.active == ["a"] }
            // What a renewal abandoned at its limit that went through anyway leaves behind: the Lease still a's, one
            // resourceVersion ahead of a's copy (until a's next renewal, 0.2 s away, meets the conflict).
            var lease = try await client.get(Lease.self, name: Self.leaseName, namespace: Self.namespace)
            lease.metadata.annotations = ["late-renewal": "applied"]
            _ = try await client.update(lease)
            term.cancel()
            _ = try? await term.value
            #expect(await Self.holder(server) == "", "released, so a standby takes over at once")
            #expect(await Self.lease(server)?["spec"]["leaseDurationSeconds"] == 1)
        }
    }

    @Test("leading costs one write per retry period and no quorum read; a standby reads from the watch cache")
    func requestCost() async throws {
        try await Self.withServer { server, client in
            let terms = Terms()
            let termA = terms.start("a", client: client)
            try await eventually { terms.active == ["a"] }
            let termB = terms.start("b", client: client)
            server.ledger.reset()
            try await Task.sleep(for: .seconds(2))
            let entries = server.ledger.snapshot().entries.filter { $0.path.contains("/leases") }
            let writes = entries.filter { $0.requestClass == .write }.count
            let cacheReads = entries.filter { $0.requestClass == .cacheRead }.count
            let consistentReads = entries.filter { $0.requestClass == .consistentRead }.count
            #expect(consistentReads == 0)
            #expect((6...11).contains(writes), "about one renewal per 0.2 s over 2 s: \(writes)")
            #expect((6...11).contains(cacheReads), "the standby's reads: \(cacheReads)")
            #expect(terms.mostAtOnce == 1)
            termA.cancel()
            termB.cancel()
            _ = try? await termA.value
            _ = try? await termB.value
        }
    }

    @Test("a 403 on the Lease is an error naming the missing RBAC rule, not an endless wait")
    func forbidden() async throws {
        try await Self.withServer { server, client in
            var faults = FaultPlan()
            faults.errors["get"] = FaultPlan.ErrorRate(rate: 1, status: 403)
            server.faults = faults
            let a = LeaderElector(client: client, configuration: Self.configuration("a"))
            let error = await #expect(throws: LeaderElectionError.self) { _ = try await a.lead {} }
            #expect(error?.description.contains("coordination.k8s.io leases in namespace kube-system") == true)
            #expect(error?.description.contains("NTH_LEADER_ELECTION=false") == true)
        }
    }
}
