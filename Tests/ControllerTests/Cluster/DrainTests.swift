import Controller
import FakeKubernetes
import Foundation
import Interruption
import JSONValues
import Kubernetes
import Locking
import TestSupport
import Testing

@Suite("Cluster: drains from the watch cache", .timeLimit(.minutes(1)))
struct DrainTests {
    static let base: [JSONValue] = [
        Seed.node("n1", InstanceID.test(1).rawValue), Seed.node("n2", InstanceID.test(2).rawValue),
        ObjectFactory.namespace("shop"), ObjectFactory.namespace("kube-system"),
    ]

    static func cordon(_ harness: ClusterHarness, _ node: String) async throws -> CordonReceipt {
        let state = NodeJobState(
            instanceID: .test(1), eventIDs: ["e"], kinds: [.spotInterruption], deadline: nil, startedAt: Date())
        return try await harness.cluster.cordon(node: node, steps: [.cordon], state: state)
    }

    @Test("ReplicaSet, DaemonSet, mirror, emptyDir and finished pods: evict, skip, and no quorum read or polling")
    func mixedPods() async throws {
        let seed =
            Self.base + [
                Seed.web("web-1", on: "n1"), Seed.web("web-2", on: "n1"), Seed.web("web-3", on: "n2"),
                ObjectFactory.pod(
                    name: "agent-n1", namespace: "kube-system", nodeName: "n1",
                    owner: .daemonSet(name: "agent", uid: Seed.dsUID)),
                ObjectFactory.pod(name: "kube-apiserver-n1", namespace: "kube-system", nodeName: "n1", mirror: true),
                ObjectFactory.pod(
                    name: "cache", namespace: "shop", nodeName: "n1", owner: .replicaSet(name: "c", uid: "c-1"),
                    emptyDir: true),
                Seed.finished("job-done", on: "n1"),
            ]
        try await withClusterHarness(seed: seed) { harness in
            let receipt = try await Self.cordon(harness, "n1")
            harness.server.ledger.reset()
            let log = ProgressLog()
            let outcome = try await harness.cluster.drain(
                DrainRequest(
                    nodeName: "n1", afterResourceVersion: receipt.resourceVersion,
                    deadline: Date().addingTimeInterval(120)),
                progress: log.record)
            let drainRequests = harness.podRequests()
            #expect(outcome.result == .drained)
            #expect(
                Set(outcome.evicted.map(\.description)) == ["shop/web-1", "shop/web-2", "shop/cache", "shop/job-done"])
            #expect(outcome.skipped.map(\.reason).sorted { $0.rawValue < $1.rawValue } == [.daemonSet, .mirrorPod])
            #expect(outcome.remaining.isEmpty)
            #expect(outcome.listResourceVersion != nil)

            let pods = try await harness.client.list(
                Pod.self, options: ListOptions(fieldSelector: "spec.nodeName=n1"))
            #expect(Set(pods.items.compactMap(\.metadata.name)) == ["agent-n1", "kube-apiserver-n1"])
            let untouched = try await harness.client.get(Pod.self, name: "web-3", namespace: "shop")
            #expect(untouched.metadata.deletionTimestamp == nil)

            #expect(drainRequests.filter { $0.requestClass == .consistentRead }.isEmpty)
            #expect(drainRequests.filter { $0.requestClass == .cacheRead }.count == 1)
            #expect(drainRequests.filter { $0.requestClass == .watch }.count == 1)
            #expect(drainRequests.filter { $0.requestClass == .eviction }.count == 4)
            let perPod = drainRequests.filter { $0.method == "GET" && !$0.query.contains("fieldSelector") }
            #expect(perPod.isEmpty, "no per-pod GET")
            let list = try #require(drainRequests.first { $0.requestClass == .cacheRead })
            #expect(list.query.contains("resourceVersionMatch=NotOlderThan"))
            #expect(list.query.contains("resourceVersion=\(receipt.resourceVersion)"))
        }
    }

    @Test("a PodDisruptionBudget refuses, then allows once it changes; refusals are retried without holding a slot")
    func budgetBlocksThenAllows() async throws {
        let seed =
            Self.base + [
                Seed.web("web-1", on: "n1"), Seed.web("web-2", on: "n2"),
                ObjectFactory.podDisruptionBudget(
                    name: "web-pdb", namespace: "shop", selector: ["app": "web"], minAvailable: 2),
            ]
        try await withClusterHarness(seed: seed) { harness in
            let receipt = try await Self.cordon(harness, "n1")
            let log = ProgressLog()
            // The slots in use when each refusal is reported (the drain retries within 50 ms here, so only the
            // moment of the report says whether the refused request gave its slot back).
            let slotsAtRefusal = Lock<[Int]>([])
            let budget = harness.cluster.budget
            let record: @Sendable (DrainProgress) -> Void = { step in
                if case .evictionRefused = step { slotsAtRefusal.withLock { $0.append(budget.statistics.inFlight) } }
                log.record(step)
            }
            let outcome = try await withThrowingTaskGroup(of: DrainOutcome?.self) { group in
                group.addTask {
                    try await harness.cluster.drain(
                        DrainRequest(nodeName: "n1", afterResourceVersion: receipt.resourceVersion, deadline: nil),
                        progress: record)
                }
                group.addTask {
                    try await log.wait { if case .evictionRefused = $0 { true } else { false } }
                    let slots = slotsAtRefusal.withLock { $0 }
                    #expect(!slots.isEmpty && slots.allSatisfy { $0 == 0 }, "a refused eviction waits without a slot")
                    try await harness.client.delete(PodDisruptionBudget.self, name: "web-pdb", namespace: "shop")
                    return nil
                }
                var outcome: DrainOutcome?
                for try await result in group { if let result { outcome = result } }
                return try #require(outcome)
            }
            #expect(outcome.result == .drained)
            #expect(outcome.evicted.map(\.name) == ["web-1"])
            #expect(outcome.refusals >= 1)
            let refusal = log.steps.compactMap { step -> String? in
                if case .evictionRefused(_, let message, _) = step { message } else { nil }
            }.first
            #expect(refusal?.contains("web-pdb") == true)
        }
    }

    @Test("pods bound after the cordon, hidden by a lagging cache or created after the list, are evicted too")
    func podsAppearingLater() async throws {
        let seed = Self.base + [Seed.web("web-1", on: "n1")]
        try await withClusterHarness(seed: seed) { harness in
            await harness.store.setCacheLag(.milliseconds(300))
            let receipt = try await Self.cordon(harness, "n1")
            try await harness.store.seed(Seed.web("late-1", on: "n1"))
            harness.server.ledger.reset()
            let log = ProgressLog()
            let outcome = try await withThrowingTaskGroup(of: DrainOutcome?.self) { group in
                group.addTask {
                    try await harness.cluster.drain(
                        DrainRequest(
                            nodeName: "n1", afterResourceVersion: receipt.resourceVersion,
                            deadline: Date().addingTimeInterval(120)),
                        progress: log.record)
                }
                group.addTask {
                    try await log.wait { if case .listed = $0 { true } else { false } }
                    try await harness.store.seed(Seed.web("late-2", on: "n1"))
                    return nil
                }
                var outcome: DrainOutcome?
                for try await result in group { if let result { outcome = result } }
                return try #require(outcome)
            }
            #expect(outcome.result == .drained)
            #expect(Set(outcome.evicted.map(\.name)) == ["web-1", "late-1", "late-2"])
            #expect(harness.server.ledger.snapshot().count(.consistentRead) == 0)
            let left = try await harness.client.list(Pod.self, options: ListOptions(fieldSelector: "spec.nodeName=n1"))
            #expect(left.items.isEmpty)
        }
    }

    @Test("at the deadline a blocked pod is reported, and deleted when configured")
    func deadlineReached() async throws {
        let seed =
            Self.base + [
                Seed.web("web-1", on: "n1"), Seed.web("web-2", on: "n2"), Seed.web("free", on: "n1").renamedApp(),
                ObjectFactory.podDisruptionBudget(
                    name: "web-pdb", namespace: "shop", selector: ["app": "web"], minAvailable: 2),
            ]
        for delete in [false, true] {
            try await withClusterHarness(seed: seed) { harness in
                let receipt = try await Self.cordon(harness, "n1")
                let log = ProgressLog()
                let started = ContinuousClock.now
                let outcome = try await harness.cluster.drain(
                    DrainRequest(
                        nodeName: "n1", afterResourceVersion: receipt.resourceVersion,
                        // Seconds of real time: enough to evict the free pod on a machine busy with the parallel
                        // suite, and to show that the drain stops at the deadline rather than waiting on.
                        deadline: Date().addingTimeInterval(delete ? 5 : 4), deleteRemainingAtDeadline: delete),
                    progress: log.record)
                #expect(ContinuousClock.now - started < .seconds(20))
                #expect(outcome.result == .deadlineReached)
                #expect(outcome.remaining.map(\.name) == ["web-1"])
                #expect(outcome.evicted.map(\.name) == ["free"])
                #expect(outcome.refusals >= 1)
                #expect(log.steps.contains { if case .deadlineReached = $0 { true } else { false } })
                let pod = try? await harness.client.get(Pod.self, name: "web-1", namespace: "shop")
                if delete {
                    #expect(outcome.deletedAtDeadline.map(\.name) == ["web-1"])
                    #expect(pod == nil || pod?.metadata.deletionTimestamp != nil)
                    let deletes = harness.podRequests().filter { $0.method == "DELETE" }
                    #expect(deletes.map(\.path) == ["/api/v1/namespaces/shop/pods/web-1"])
                } else {
                    #expect(outcome.deletedAtDeadline.isEmpty)
                    #expect(pod?.metadata.deletionTimestamp == nil)
                    #expect(pod != nil)
                }
            }
        }
    }

    @Test(
        "a storm of 429s on evictions is ridden out by the drain's own back-off; the read/write client never retries them"
    )
    func throttledEvictions() async throws {
        var seed = Self.base
        for index in 0..<6 { seed.append(Seed.web("web-\(index)", on: "n1")) }
        try await withClusterHarness(seed: seed) { harness in
            let receipt = try await Self.cordon(harness, "n1")
            // The fake's seeded draw refuses about 70 % of evictions, as plain-text 429s with Retry-After (what
            // APF sends).
            var faults = FaultPlan()
            faults.errors["evict"] = FaultPlan.ErrorRate(rate: 0.7, status: 429, retryAfterSeconds: 1)
            harness.server.faults = faults
            harness.server.ledger.reset()
            let outcome = try await harness.cluster.drain(
                DrainRequest(
                    nodeName: "n1", afterResourceVersion: receipt.resourceVersion,
                    deadline: Date().addingTimeInterval(120)),
                progress: { _ in })
            #expect(outcome.result == .drained)
            #expect(outcome.evicted.count == 6)
            #expect(outcome.refusals >= 1)
            let evictions = harness.server.ledger.snapshot().count(.eviction)
            #expect(evictions == 6 + outcome.refusals, "each refusal is one request, retried by the drain alone")
        }
    }

    @Test("a plain-text 429's Retry-After header is the floor of the eviction back-off")
    func retryAfterHeaderHonoured() async throws {
        var seed = Self.base
        for index in 0..<4 { seed.append(Seed.web("web-\(index)", on: "n1")) }
        var configuration = testClusterConfiguration()
        configuration.evictionBackoff = EvictionBackoff(initial: .milliseconds(40), maximum: .seconds(10))
        // Back-offs (at most 10 s here) pass at once; the deadline timer (about 120 s) really waits.
        configuration.clock = HurriedClock { wait in wait <= .seconds(10) ? .milliseconds(1) : wait }
        try await withClusterHarness(seed: seed, configuration: configuration) { harness in
            let receipt = try await Self.cordon(harness, "n1")
            var faults = FaultPlan()
            faults.errors["evict"] = FaultPlan.ErrorRate(rate: 0.7, status: 429, retryAfterSeconds: 2)
            harness.server.faults = faults
            let log = ProgressLog()
            let outcome = try await harness.cluster.drain(
                DrainRequest(
                    nodeName: "n1", afterResourceVersion: receipt.resourceVersion,
                    deadline: Date().addingTimeInterval(120)),
                progress: log.record)
            #expect(outcome.result == .drained)
            let waits = log.steps.compactMap { step -> Duration? in
                if case .evictionRefused(_, _, let wait) = step { return wait }
                return nil
            }
            #expect(!waits.isEmpty)
            #expect(waits.allSatisfy { $0 >= .seconds(2) }, "waits \(waits) ignore the server's Retry-After: 2")
        }
    }

    @Test("a blocking pod stops the drain before any eviction (kubectl semantics)")
    func blocked() async throws {
        let seed =
            Self.base + [
                Seed.web("web-1", on: "n1"),
                ObjectFactory.pod(name: "bare", namespace: "shop", nodeName: "n1"),
            ]
        try await withClusterHarness(seed: seed) { harness in
            let receipt = try await Self.cordon(harness, "n1")
            harness.server.ledger.reset()
            let outcome = try await harness.cluster.drain(
                DrainRequest(
                    nodeName: "n1", afterResourceVersion: receipt.resourceVersion, deadline: nil,
                    filter: DrainFilter(force: false)),
                progress: { _ in })
            #expect(outcome.result == .blocked)
            #expect(outcome.blocking.map(\.pod.name) == ["bare"])
            #expect(harness.server.ledger.snapshot().count(.eviction) == 0)
        }
    }

    @Test("resourceVersion=0 and consistent listings are options; only the latter reads from storage")
    func listingModes() async throws {
        for listing in [DrainRequest.PodListing.anyCached, .consistent] {
            try await withClusterHarness(seed: Self.base + [Seed.web("web-1", on: "n1")]) { harness in
                let receipt = try await Self.cordon(harness, "n1")
                harness.server.ledger.reset()
                let outcome = try await harness.cluster.drain(
                    DrainRequest(
                        nodeName: "n1", afterResourceVersion: receipt.resourceVersion, deadline: nil,
                        listing: listing),
                    progress: { _ in })
                #expect(outcome.result == .drained)
                let ledger = harness.server.ledger.snapshot()
                #expect(ledger.count(.consistentRead) == (listing == .consistent ? 1 : 0))
            }
        }
    }

    @Test("cancellation (SIGTERM) stops a waiting drain promptly")
    func cancellation() async throws {
        let seed =
            Self.base + [
                Seed.web("web-1", on: "n1"), Seed.web("web-2", on: "n2"),
                ObjectFactory.podDisruptionBudget(
                    name: "web-pdb", namespace: "shop", selector: ["app": "web"], minAvailable: 2),
            ]
        try await withClusterHarness(seed: seed) { harness in
            let receipt = try await Self.cordon(harness, "n1")
            let log = ProgressLog()
            let drain = Task {
                try await harness.cluster.drain(
                    DrainRequest(nodeName: "n1", afterResourceVersion: receipt.resourceVersion, deadline: nil),
                    progress: log.record)
            }
            try await log.wait { if case .evictionRefused = $0 { true } else { false } }
            let started = ContinuousClock.now
            drain.cancel()
            let result = await drain.result
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(throws: CancellationError.self) { try result.get() }
        }
    }
}

extension JSONValue {
    /// The same pod with another `app` label, outside the `web` budget.
    func renamedApp() -> JSONValue {
        var copy = self
        copy["metadata"]["labels"]["app"] = "free"
        return copy
    }
}
