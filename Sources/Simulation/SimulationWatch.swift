import ControllerFakes
import FakeKubernetes
import Foundation
import Interruption
import JSONValues
import Locking

/// Reads the fake's store for progress: cordoned target nodes and workload pods left on them.
struct Observer: Sendable {
    let store: ClusterStore
    let targets: Set<String>

    init(store: ClusterStore, targets: [String]) {
        self.store = store
        self.targets = Set(targets)
    }

    func look() async -> (cordoned: Int, workloadPodsLeft: Int) {
        let cordoned = await store.objects(.nodes).count {
            targets.contains($0["metadata"]["name"].stringValue ?? "") && $0["spec"]["unschedulable"].boolValue == true
        }
        return (cordoned, await workloadPods().count)
    }

    func drainedNodes() async -> Int {
        let busy = Set(await workloadPods().compactMap { $0["spec"]["nodeName"].stringValue })
        return targets.subtracting(busy).count
    }

    private func workloadPods() async -> [JSONValue] {
        await store.objects(.pods).filter {
            $0["metadata"]["namespace"].stringValue != "kube-system"
                && targets.contains($0["spec"]["nodeName"].stringValue ?? "")
        }
    }
}

/// The deadline of every message sent, decoded as the controller decodes it (the same ``DeadlineRules``): a spot
/// warning's two minutes, an Auto Scaling hook's heartbeat timeout, pushed out by each heartbeat the fake answered.
/// Counts the messages sent.
final class DeadlineBook: Sendable {
    private struct Entry {
        var node: String
        var deadline: Date?
        /// For a lifecycle action: its start and token (heartbeats extend its deadline).
        var lifecycle: (start: Date, token: String)?
    }

    private let decoder: MessageDecoder
    private let entries = Lock<[InstanceID: Entry]>([:])
    private let count = Lock(0)

    /// Messages recorded.
    var sent: Int { count.withLock { $0 } }

    init(rules: DeadlineRules) { decoder = MessageDecoder(deadlineRules: rules) }

    /// Records the deadlines of a message sent for `node`.
    func record(body: String, node: String, sentAt: Date) {
        count.withLock { $0 += 1 }
        guard case .events(let events, _) = decoder.decode(body: body, receivedAt: sentAt) else { return }
        entries.withLock { entries in
            for event in events {
                entries[event.instanceID] = Entry(
                    node: node, deadline: event.deadline,
                    lifecycle: event.lifecycleAction.map { (event.time, $0.token) })
            }
        }
    }

    /// The nearest deadline among the instances in `live`, with `heartbeats` applied.
    func nearest(live: Set<InstanceID>, heartbeats: [InMemoryLifecycleActions.Call], now: Date)
        -> Simulation.Progress.Deadline?
    {
        var lastHeartbeat: [String: Date] = [:]
        for call in heartbeats { lastHeartbeat[call.token] = max(call.at, lastHeartbeat[call.token] ?? call.at) }
        let rules = decoder.deadlineRules
        return entries.withLock { entries in
            var nearest: Simulation.Progress.Deadline?
            for id in live {
                guard let entry = entries[id] else { continue }
                var deadline = entry.deadline
                if let (start, token) = entry.lifecycle {
                    deadline = rules.lifecycleDeadline(start: start, lastHeartbeat: lastHeartbeat[token])
                }
                guard let deadline else { continue }
                if let current = nearest, current.at <= deadline { continue }
                let slack = deadline.timeIntervalSince(now)
                nearest = Simulation.Progress.Deadline(
                    node: entry.node, at: deadline, slack: .milliseconds(Int64((slack * 1000).rounded())))
            }
            return nearest
        }
    }
}

/// The fake apiserver's ledger as the live view shows it: the controller's requests by class, and its 429 answers
/// (a budget's refusal or throttling) by class, counted as they come. The requests of a kubectl watching the run
/// (they carry a `Kubectl-Command` header) and of the timeline recorder's watches (re-opened ones too) are left out.
final class LedgerTally: Sendable {
    private let ledger: RequestLedger
    private let state = Lock<(seen: Int, requests: [String: Int], refused: [String: Int])>((0, [:], [:]))

    /// The class the tally counts Kubernetes Event writes in (the ledger counts them as `write`).
    static let eventClass = "event"

    init(ledger: RequestLedger) { self.ledger = ledger }

    /// Requests by class, and 429 answers by class, so far.
    func sample() -> (requests: [String: Int], refused: [String: Int]) {
        let snapshot = ledger.snapshot()
        return state.withLock { state in
            let new = min(max(0, snapshot.total - state.seen), snapshot.entries.count)
            for entry in snapshot.entries.suffix(new)
            where entry.kubectlCommand == nil && entry.user != TimelineRecorder.watchUser {
                // Kubernetes Events apart from the other writes: NTH writes the same ones, kubectl drain none.
                let isEvent = entry.requestClass == .write && entry.path.hasSuffix("/events")
                let name = isEvent ? Self.eventClass : entry.requestClass.rawValue
                state.requests[name, default: 0] += 1
                if entry.status == 429 { state.refused[name, default: 0] += 1 }
            }
            state.seen = snapshot.total
            return (state.requests, state.refused)
        }
    }
}
