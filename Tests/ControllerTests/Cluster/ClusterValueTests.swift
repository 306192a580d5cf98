import Controller
import Foundation
import Interruption
import Kubernetes
import Locking
import TestSupport
import Testing

@Suite("Cluster: back-off, budget order and job-state annotations (no I/O)")
struct ClusterValueTests {
    @Test("back-off doubles to its cap with equal jitter and never undercuts Retry-After")
    func backoff() {
        let backoff = EvictionBackoff(initial: .seconds(1), maximum: .seconds(8))
        #expect(backoff.delay(attempt: 1, retryAfter: nil, random: 0) == .milliseconds(500))
        #expect(backoff.delay(attempt: 1, retryAfter: nil, random: 1) == .seconds(1))
        #expect(backoff.delay(attempt: 3, retryAfter: nil, random: 1) == .seconds(4))
        #expect(backoff.delay(attempt: 10, retryAfter: nil, random: 1) == .seconds(8))
        #expect(backoff.delay(attempt: 1, retryAfter: .seconds(5), random: 0) == .seconds(5))
        #expect(backoff.delay(attempt: 1, retryAfter: .seconds(60), random: 0) == .seconds(8))
        #expect(backoff.delay(attempt: 1000, retryAfter: nil, random: 0.5) <= .seconds(8))
    }

    @Test(
        "the budget hands freed slots to the earliest deadline first, then the highest priority, then in arrival order",
        arguments: [
            (EvictionBudget.Order.deadlineFirst, ["soon", "urgent-1", "urgent-2", "advisory"]),
            (.priorityFirst, ["urgent-1", "urgent-2", "soon", "advisory"]),
        ])
    func budgetOrder(order: EvictionBudget.Order, expected: [String]) async throws {
        let budget = EvictionBudget(limit: 1, order: order)
        let now = Date()
        try await budget.acquire(priority: .urgent, deadline: nil)
        let log = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let waiters: [(String, DrainPriority, Date?)] = [
                ("advisory", .advisory, now.addingTimeInterval(120)),
                ("urgent-1", .urgent, now.addingTimeInterval(120)),
                ("urgent-2", .urgent, now.addingTimeInterval(120)), ("soon", .scheduled, now.addingTimeInterval(30)),
            ]
            for (index, (name, priority, deadline)) in waiters.enumerated() {
                group.addTask {
                    try await budget.acquire(priority: priority, deadline: deadline)
                    log.append(name)
                    budget.release()
                }
                // Let each waiter queue before the next.
                try await eventually("\(name) queued") { budget.statistics.waiting == index + 1 }
            }
            budget.release()
            try await group.waitForAll()
        }
        #expect(log.names == expected)
        #expect(budget.statistics.peakInFlight == 1)
    }

    @Test("a cancelled waiter leaves the queue and throws")
    func budgetCancellation() async throws {
        let budget = EvictionBudget(limit: 1)
        try await budget.acquire(priority: .urgent, deadline: nil)
        let waiter = Task { try await budget.acquire(priority: .urgent, deadline: nil) }
        try await eventually("the waiter queued") { budget.statistics.waiting == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(budget.statistics.waiting == 0)
        budget.release()
        #expect(budget.statistics.inFlight == 0)
    }

    @Test("job state survives the round trip through annotations; foreign or broken annotations give none")
    func annotations() throws {
        let state = NodeJobState(
            instanceID: try #require(InstanceID("i-0123456789abcdef0")), eventIDs: ["b", "a"],
            kinds: [.spotInterruption, .rebalanceRecommendation],
            deadline: Date(timeIntervalSince1970: 1_700_000_120.5),
            startedAt: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(NodeJobState(annotations: state.annotations) == state)
        var noDeadline = state
        noDeadline.deadline = nil
        #expect(NodeJobState(annotations: noDeadline.annotations) == noDeadline)
        #expect(NodeJobState(annotations: [:]) == nil)
        var broken = state.annotations
        broken[NodeJobState.instanceIDKey] = "not-an-id"
        #expect(NodeJobState(annotations: broken) == nil)
    }
}

/// A thread-safe list of names, in order.
final class OrderLog: Sendable {
    private let state = Lock<[String]>([])
    func append(_ name: String) { state.withLock { $0.append(name) } }
    var names: [String] { state.withLock { $0 } }
}

@Suite("The node cache keeps what the controller reads")
struct CachedNodeTests {
    @Test("labels, foreign annotations, addresses and other conditions are dropped; job state and Ready kept")
    func trimmed() throws {
        var node = Node(
            metadata: ObjectMeta(
                name: "node-1", labels: ["kubernetes.io/hostname": "node-1", "team": "a"],
                annotations: [
                    "node.alpha.kubernetes.io/ttl": "0", NodeJobState.instanceIDKey: "i-0123456789abcdef0",
                ], resourceVersion: "42"),
            spec: NodeSpec(
                providerID: "aws:///us-east-1a/i-0123456789abcdef0", unschedulable: true,
                taints: [Taint(key: "k", value: "v", effect: "NoSchedule")]),
            status: NodeStatus(
                conditions: [
                    NodeCondition(type: "MemoryPressure", status: "False"),
                    NodeCondition(type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting"),
                ], addresses: [NodeAddress(type: "InternalIP", address: "10.0.0.1")]))
        node.metadata.uid = "uid-1"
        let cached = KubernetesCluster.cached(node)
        #expect(cached.metadata.name == "node-1")
        #expect(cached.metadata.uid == "uid-1")
        #expect(cached.metadata.resourceVersion == "42")
        #expect(cached.metadata.labels == nil)
        #expect(cached.metadata.annotations == [NodeJobState.instanceIDKey: "i-0123456789abcdef0"])
        #expect(cached.instanceID == "i-0123456789abcdef0")
        #expect(cached.spec?.unschedulable == true)
        #expect(cached.spec?.taints?.count == 1)
        #expect(cached.status?.conditions == [NodeCondition(type: "Ready", status: "True")])
        #expect(cached.status?.addresses == nil)
        #expect(KubernetesCluster.isReady(cached))
    }
}
