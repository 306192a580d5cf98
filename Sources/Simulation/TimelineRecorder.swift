internal import Controller
internal import ControllerFakes
internal import FakeKubernetes
internal import Foundation
internal import HTTPClient
internal import Interruption
import JSONValues
internal import Kubernetes

/// Records a simulation's ``Timeline`` from exact sources, not from the run loop's polling: the fake's node and pod
/// watches (cordons, pods gone), its request ledger (evictions, request rates, each with the time its response was
/// decided) and the in-memory queue (first receive of each message).
///
/// Its two watches are opened before the run resets the ledger, as the user ``watchUser``, and the ledger's entries
/// of that user are left out of the rates, so the figures are the controller's requests alone.
actor TimelineRecorder {
    /// The bearer token (so the ledger's user) of the recorder's watches.
    static let watchUser = "simulation-timeline"

    struct Target: Sendable {
        var node: String
        var instanceID: String
        var kind: SimulatedEvents.Kind
    }

    private struct Sent {
        var messageID: String
        var body: String
        var at: Date
    }

    private let targets: [Target]
    private let targetNodes: Set<String>
    private var nodes: WatchStream<Node>?
    private var pods: WatchStream<Pod>?
    private var sent: [String: Sent] = [:]
    private var start: Date?
    /// Each pod's node (`namespace/name`), kept after the pod is gone, to place evictions.
    private var podNodes: [String: String] = [:]
    /// Workload pods still on each target node.
    private var workloadPods: [String: Set<String>] = [:]
    private var daemonSetPods: [String: Int] = [:]
    private var cordoned: [String: Date] = [:]
    private var emptied: [String: Date] = [:]

    /// Opens the watches (they have delivered nothing yet; ``follow()`` reads them).
    init(server: FakeAPIServer, http: HTTPClient, targets: [Target]) async throws {
        self.targets = targets
        targetNodes = Set(targets.map(\.node))
        let client = try KubernetesClient(
            configuration: KubernetesConfiguration(
                server: server.baseURL, authentication: .bearerToken(Self.watchUser)),
            httpClient: http)
        var options = ListOptions()
        options.timeoutSeconds = 86_400
        nodes = try await client.watch(Node.self, options: options, allowBookmarks: false)
        pods = try await client.watch(Pod.self, options: options, allowBookmarks: false)
    }

    /// Reads both watches until cancelled, stamping each event with the time it arrived.
    func follow() async {
        guard let nodes, let pods else { return }
        self.nodes = nil
        self.pods = nil
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await event in nodes { await self.observe(node: event, at: Date()) }
                } catch {}
            }
            group.addTask {
                do {
                    for try await event in pods { await self.observe(pod: event, at: Date()) }
                } catch {}
            }
        }
    }

    /// Notes the message sent for `node`.
    func sent(node: String, messageID: String, body: String, at time: Date) {
        if start == nil { start = time }
        sent[node] = Sent(messageID: messageID, body: body, at: time)
    }

    private func observe(node event: WatchEvent<Node>, at time: Date) {
        guard let node = event.object, let name = node.metadata.name, targetNodes.contains(name) else { return }
        if case .modified = event, node.spec?.unschedulable == true, cordoned[name] == nil { cordoned[name] = time }
    }

    private func observe(pod event: WatchEvent<Pod>, at time: Date) {
        guard let pod = event.object, let name = pod.metadata.name, let node = pod.spec?.nodeName else { return }
        let namespace = pod.metadata.namespace ?? ""
        let key = "\(namespace)/\(name)"
        guard targetNodes.contains(node) else { return }
        // The same rule as the run loop's observer: every pod outside kube-system is a workload pod.
        let workload = namespace != "kube-system"
        switch event {
        case .added:
            podNodes[key] = node
            if workload {
                workloadPods[node, default: []].insert(key)
            } else if pod.controllerReference?.kind == "DaemonSet" {
                daemonSetPods[node, default: 0] += 1
            }
        case .deleted:
            guard workload, workloadPods[node]?.remove(key) != nil else { return }
            if workloadPods[node]?.isEmpty == true, emptied[node] == nil { emptied[node] = time }
        case .modified, .bookmark:
            return
        }
    }

    /// Whether the watches have caught up with the store: every target cordoned there is cordoned here, every target
    /// with no workload pod left there has none here.
    private func caughtUp(with store: ClusterStore) async -> Bool {
        let storeNodes = await store.objects(.nodes)
        for node in storeNodes {
            guard let name = node["metadata"]["name"].stringValue, targetNodes.contains(name) else { continue }
            if node["spec"]["unschedulable"].boolValue == true, cordoned[name] == nil { return false }
        }
        var busy: Set<String> = []
        for pod in await store.objects(.pods) where pod["metadata"]["namespace"].stringValue != "kube-system" {
            if let node = pod["spec"]["nodeName"].stringValue { busy.insert(node) }
        }
        return targetNodes.allSatisfy { busy.contains($0) || workloadPods[$0]?.isEmpty ?? true }
    }

    /// The timeline, once the watches have caught up with the store (at most 5 s).
    ///
    /// - Parameters:
    ///   - end: When the run ended.
    ///   - store: The fake's store.
    ///   - ledger: The fake's ledger (reset when the messages were sent).
    ///   - queue: The queue the messages went through.
    ///   - controller: The controller's configuration: its policy and deadline rules give each node's deadline.
    func finish(
        end: Date, store: ClusterStore, ledger: RequestLedger.Snapshot, queue: InMemoryQueue,
        controller: ControllerConfiguration
    ) async -> Timeline {
        let clock = ContinuousClock()
        let giveUp = clock.now.advanced(by: .seconds(5))
        while !(await caughtUp(with: store)), clock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let start = self.start ?? end
        let duration = end.timeIntervalSince(start)
        // Everything recorded happened before the run saw every job done (a job ends only after its cordon and its
        // pods' deletion), so a watch event that arrived after `end` is placed at `end`. Deadlines are not clamped.
        func offset(_ date: Date?) -> Double? { date.map { min($0.timeIntervalSince(start), duration) } }

        var firstEviction: [String: Date] = [:]
        var evicted: [String: Int] = [:]
        var evictionTimes: [(series: String, time: Double)] = []
        var requestTimes: [(series: String, time: Double)] = []
        var nodeWrites: [String: [Date]] = [:]
        for entry in ledger.entries where entry.user != Self.watchUser {
            let time = Date(timeIntervalSince1970: entry.time)
            requestTimes.append((entry.requestClass.rawValue, time.timeIntervalSince(start)))
            if entry.requestClass == .write, (200..<300).contains(entry.status), entry.path.hasPrefix("/api/v1/nodes/")
            {
                nodeWrites[String(entry.path.dropFirst("/api/v1/nodes/".count)), default: []].append(time)
            }
            guard entry.requestClass == .eviction, (200..<300).contains(entry.status) else { continue }
            evictionTimes.append(("evictions", time.timeIntervalSince(start)))
            guard let node = podNodes[Self.podKey(evictionPath: entry.path)] else { continue }
            evicted[node, default: 0] += 1
            firstEviction[node] = min(firstEviction[node] ?? time, time)
        }

        // The cordon: the last write of the node the ledger answered before the watch saw it unschedulable (the
        // write itself, without the watch's delivery), or the watch's time when there is none.
        var cordonTimes: [String: Date] = [:]
        for (node, seen) in cordoned { cordonTimes[node] = nodeWrites[node]?.filter { $0 <= seen }.max() ?? seen }
        let decoder = MessageDecoder(deadlineRules: controller.deadlineRules)
        let rows = targets.map { target -> Timeline.NodeRow in
            let message = sent[target.node]
            let received = message.flatMap { queue.firstReceivedAt($0.messageID) }
            var row = Timeline.NodeRow(
                node: target.node, instanceID: target.instanceID, kind: target.kind, drains: false,
                queued: offset(message?.at) ?? 0, received: offset(received),
                cordoned: offset(cordonTimes[target.node]),
                drainStarted: offset(firstEviction[target.node]), evictedPods: evicted[target.node] ?? 0,
                daemonSetPods: daemonSetPods[target.node] ?? 0)
            if let message, let received,
                let event = decoder.decode(body: message.body, receivedAt: received).events.first
            {
                let job = InstanceJob(
                    event: event,
                    message: QueueMessage(messageID: message.messageID, receiptHandle: "", receivedAt: received))
                row.drains = controller.policy.drains(job)
                if row.drains {
                    let deadline = controller.policy.drainDeadline(
                        for: job, rules: controller.deadlineRules,
                        minimumDrain: TimeInterval(controller.minimumDrainSeconds), now: received)
                    row.deadline = deadline.timeIntervalSince(start)
                    // A node without workload pods is done when it is cordoned: its drain has nothing to evict.
                    row.done =
                        offset(emptied[target.node])
                        ?? (workloadPods[target.node]?.isEmpty ?? true ? row.cordoned : nil)
                }
            }
            return row
        }
        return Timeline(
            start: start, end: duration, nodes: rows,
            evictions: .binning(evictionTimes, duration: duration),
            requests: .binning(requestTimes, duration: duration),
            droppedRequests: max(0, ledger.total - ledger.entries.count))
    }

    /// `namespace/name` of `/api/v1/namespaces/NAMESPACE/pods/NAME/eviction`.
    static func podKey(evictionPath path: String) -> String {
        let parts = path.split(separator: "/")
        guard parts.count >= 7, parts[2] == "namespaces", parts[4] == "pods" else { return path }
        return "\(parts[3])/\(parts[5])"
    }
}
