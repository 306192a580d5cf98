import Clocks
import Controller
import ControllerFakes
import Foundation
import Interruption
import Kubernetes
import Locking

/// An in-memory ``ClusterOperations``: nodes by name and instance id, a log of cordons and drains, drains that can
/// be held open by the test, readiness that the test flips.
final class FakeCluster: ClusterOperations {
    enum Held {
        case result(DrainOutcome.Result)
        case failure(InjectedFault)
    }

    private struct State {
        var nodes: [String: ClusterNode] = [:]
        var cordons: [(node: String, steps: [NodeAction])] = []
        var drains: [DrainRequest] = []
        var drainsStarted: [String] = []
        var outOfServiceTaints: [String] = []
        var clearedJobStates: [String] = []
        var events: [NodeEvent] = []
        var eventsHeld = false
        var eventWaiters: [CheckedContinuation<Void, Never>] = []
        var holding: Set<String> = []
        var holdingBusy: Set<String> = []
        var held: [String: CheckedContinuation<Held, any Error>] = [:]
        var releasedEarly: [String: Held] = [:]
        var drainResults: [String: DrainOutcome.Result] = [:]
        var failingCordons: [String: (remaining: Int, error: any Error & Sendable)] = [:]
        var readyWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var cancelledWaiters: Set<UInt64> = []
        var writes = 0
        var readyVersion: UInt64 = 0
    }

    private let state = Lock(State())
    let clock: ManualClock

    init(clock: ManualClock) {
        self.clock = clock
    }

    // MARK: Set-up and inspection

    /// Adds a node with a providerID for `instanceID` (or none).
    @discardableResult
    func addNode(_ name: String, instanceID: InstanceID?, ready: Bool = true) -> ClusterNode {
        let node = ClusterNode(name: name, instanceID: instanceID, hasProviderID: instanceID != nil, isReady: ready)
        state.withLock { $0.nodes[name] = node }
        wakeReadyWaiters()
        return node
    }

    /// Adds a cordoned node carrying the job state a previous controller wrote (or unreadable annotations).
    @discardableResult
    func addNode(
        _ name: String, instanceID: InstanceID?, jobState: NodeJobState?, unreadableJobState: String? = nil,
        cordoned: Bool = true
    ) -> ClusterNode {
        let node = ClusterNode(
            name: name, instanceID: instanceID, hasProviderID: instanceID != nil, isReady: true, isCordoned: cordoned,
            jobState: jobState, resourceVersion: "rv-\(name)", unreadableJobState: unreadableJobState)
        state.withLock { $0.nodes[name] = node }
        return node
    }

    /// Marks a node Ready.
    func markReady(_ name: String) {
        state.withLock { $0.nodes[name]?.isReady = true }
        wakeReadyWaiters()
    }

    /// Drains of `node` wait until ``finishDrain(_:with:)``: after issuing their evictions (only waiting), or before
    /// (busy, holding their worker slot).
    func holdDrains(of node: String, beforeEvicting: Bool = false) {
        state.withLock {
            $0.holding.insert(node)
            if beforeEvicting { $0.holdingBusy.insert(node) }
        }
    }

    /// Drains of `node` end with this verdict.
    func setDrainResult(_ result: DrainOutcome.Result, for node: String) {
        state.withLock { $0.drainResults[node] = result }
    }

    /// The next `times` cordons of `node` fail with `error` (by default the transport error of an apiserver that
    /// is down).
    func failCordons(
        of node: String, times: Int = .max,
        with error: any Error & Sendable = KubernetesError(
            code: .transport, verb: "PATCH", path: "/api/v1/nodes", message: "connection refused (injected)")
    ) {
        state.withLock { $0.failingCordons[node] = (times, error) }
    }

    /// Ends a held drain.
    func finishDrain(_ node: String, with outcome: Held = .result(.drained)) {
        let continuation = state.withLock { state -> CheckedContinuation<Held, any Error>? in
            state.holding.remove(node)
            guard let continuation = state.held.removeValue(forKey: node) else {
                state.releasedEarly[node] = outcome
                return nil
            }
            return continuation
        }
        continuation?.resume(returning: outcome)
    }

    var cordons: [(node: String, steps: [NodeAction])] { state.withLock { $0.cordons } }
    var cordonedNodes: [String] { cordons.map(\.node) }
    var drains: [DrainRequest] { state.withLock { $0.drains } }
    var drainsStarted: [String] { state.withLock { $0.drainsStarted } }
    var outOfServiceTaints: [String] { state.withLock { $0.outOfServiceTaints } }
    var events: [NodeEvent] { state.withLock { $0.events } }
    var clearedJobStates: [String] { state.withLock { $0.clearedJobStates } }
    /// The job state a node carries now.
    func jobState(of node: String) -> NodeJobState? { state.withLock { $0.nodes[node]?.jobState } }
    /// Every write (cordon, taint, clear) the cluster saw.
    var writes: Int { state.withLock { $0.writes } }
    /// Whether a drain of `node` is held open now.
    func isHolding(_ node: String) -> Bool { state.withLock { $0.held[node] != nil } }

    // MARK: ClusterOperations

    func waitUntilSynced() async throws {}

    func nodes(for instanceIDs: [InstanceID]) -> [InstanceID: ClusterNode] {
        state.withLock { state in
            var result: [InstanceID: ClusterNode] = [:]
            for node in state.nodes.values {
                if let id = node.instanceID, instanceIDs.contains(id) { result[id] = node }
            }
            return result
        }
    }

    func node(named name: String) -> ClusterNode? { state.withLock { $0.nodes[name] } }

    func nodesWithJobState() -> [ClusterNode] {
        state.withLock { state in
            state.nodes.values.filter { $0.jobState != nil || $0.unreadableJobState != nil }.sorted {
                $0.name < $1.name
            }
        }
    }

    func cordon(node: String, steps: [NodeAction], state jobState: NodeJobState) async throws -> CordonReceipt {
        try state.withLock { state in
            guard state.nodes[node] != nil else {
                throw ClusterError(code: .nodeNotFound, nodeName: node, message: "not found")
            }
            if let failing = state.failingCordons[node], failing.remaining > 0 {
                state.failingCordons[node]?.remaining -= 1
                throw failing.error
            }
            state.writes += 1
            state.cordons.append((node, steps))
            state.nodes[node]?.isCordoned = true
            state.nodes[node]?.jobState = jobState
            return CordonReceipt(nodeName: node, resourceVersion: "\(state.writes)", wasCordoned: false)
        }
    }

    func drain(_ request: DrainRequest, progress: @escaping @Sendable (DrainProgress) -> Void) async throws
        -> DrainOutcome
    {
        let node = request.nodeName
        let pod = PodReference(namespace: "default", name: "web-\(node)")
        let (hold, busy, result) = state.withLock { state in
            state.drainsStarted.append(node)
            return (
                state.holding.contains(node), state.holdingBusy.remove(node) != nil,
                state.drainResults[node] ?? .drained
            )
        }
        if !busy {
            progress(.listed(pods: 1, resourceVersion: "1"))
            progress(.decided(PodDecision(pod: pod, action: .evict, reason: .managed)))
            progress(.evicted(pod, gracePeriodSeconds: 30))
        }
        var verdict = result
        if hold {
            let held = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Held, any Error>) in
                    let early = state.withLock { state -> Held? in
                        if let early = state.releasedEarly.removeValue(forKey: node) { return early }
                        state.held[node] = continuation
                        return nil
                    }
                    if let early { continuation.resume(returning: early) }
                }
            } onCancel: {
                state.withLock { $0.held.removeValue(forKey: node) }?.resume(throwing: CancellationError())
            }
            switch held {
            case .result(let result): verdict = result
            case .failure(let error): throw error
            }
        }
        if verdict == .drained { progress(.deleted(pod)) }
        state.withLock { $0.drains.append(request) }
        return DrainOutcome(
            nodeName: node, result: verdict, evicted: verdict == .blocked ? [] : [pod],
            remaining: verdict == .deadlineReached ? [pod] : [])
    }

    func waitUntilReady(instanceID: InstanceID, timeout: Duration) async throws -> NodeReadiness {
        let seconds = TimeInterval(timeout.components.seconds)
        let deadline = clock.now.addingTimeInterval(seconds)
        return try await withThrowingTaskGroup(of: NodeReadiness?.self) { group in
            group.addTask {
                try await self.clock.sleep(until: deadline)
                return .timedOut(nodeName: self.nodes(for: [instanceID])[instanceID]?.name)
            }
            group.addTask {
                while true {
                    let version = self.state.withLock { $0.readyVersion }
                    if let node = self.nodes(for: [instanceID])[instanceID], node.isReady {
                        return .ready(nodeName: node.name)
                    }
                    try Task.checkCancellation()
                    await self.waitForReadyChange(since: version)
                }
            }
            defer { group.cancelAll() }
            while let first = try await group.next() {
                if let first { return first }
            }
            throw CancellationError()
        }
    }

    func applyOutOfServiceTaint(node: String) async throws -> String {
        state.withLock { state in
            state.writes += 1
            state.outOfServiceTaints.append(node)
            return "\(state.writes)"
        }
    }

    func clearJobState(node: String) async throws {
        state.withLock { state in
            state.writes += 1
            state.clearedJobStates.append(node)
            state.nodes[node]?.jobState = nil
        }
    }

    func recordEvent(_ event: NodeEvent) async {
        await withCheckedContinuation { continuation in
            let wait = state.withLock { state in
                if state.eventsHeld { state.eventWaiters.append(continuation) }
                return state.eventsHeld
            }
            if !wait { continuation.resume() }
        }
        state.withLock { $0.events.append(event) }
    }

    /// Makes event writes wait until ``releaseEvents()``, as an apiserver slow to take them (release before the
    /// test ends: a held write is not cancellable).
    func holdEvents() { state.withLock { $0.eventsHeld = true } }

    /// Lets every held and later event write through.
    func releaseEvents() {
        let waiters = state.withLock { state in
            state.eventsHeld = false
            defer { state.eventWaiters = [] }
            return state.eventWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Event writes waiting under ``holdEvents()``.
    var heldEventWrites: Int { state.withLock { $0.eventWaiters.count } }

    // MARK: Readiness waits

    private func waitForReadyChange(since version: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let registered = state.withLock { state -> Bool in
                    guard state.cancelledWaiters.remove(id) == nil, state.readyVersion == version else { return false }
                    state.readyWaiters[id] = continuation
                    return true
                }
                if !registered { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.readyWaiters.removeValue(forKey: id) else {
                    state.cancelledWaiters.insert(id)
                    return nil
                }
                return waiter
            }?.resume()
        }
    }

    private func wakeReadyWaiters() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer {
                state.readyWaiters = [:]
                state.readyVersion += 1
            }
            return Array(state.readyWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}
