import Foundation
import Testing

@testable import Interruption

let replicaSet = [OwnerReference(kind: "ReplicaSet", name: "web-abc")]
let daemonSet = [OwnerReference(kind: "DaemonSet", name: "node-exporter")]

struct FilterCase: Sendable, CustomTestStringConvertible {
    var name: String
    var pod: PodDescription
    var filter = DrainFilter()
    var action: PodAction
    var reason: PodDecision.Reason
    var testDescription: String { name }
}

let filterCases: [FilterCase] = [
    .init(
        name: "a ReplicaSet pod is evicted",
        pod: PodDescription(namespace: "a", name: "web", ownerReferences: replicaSet),
        action: .evict, reason: .managed),
    .init(
        name: "a DaemonSet pod is skipped when ignoring DaemonSets",
        pod: PodDescription(namespace: "a", name: "ds", ownerReferences: daemonSet), action: .skip, reason: .daemonSet),
    .init(
        name: "a DaemonSet pod blocks otherwise",
        pod: PodDescription(namespace: "a", name: "ds", ownerReferences: daemonSet),
        filter: DrainFilter(ignoreDaemonSets: false), action: .block, reason: .daemonSet),
    .init(
        name: "a DaemonSet owner that is not the controller does not count",
        pod: PodDescription(
            namespace: "a", name: "x",
            ownerReferences: [OwnerReference(kind: "DaemonSet", name: "d", isController: false)] + replicaSet),
        filter: DrainFilter(ignoreDaemonSets: false), action: .evict, reason: .managed),
    .init(
        name: "a finished DaemonSet pod is removed without waiting",
        pod: PodDescription(namespace: "a", name: "ds", phase: .succeeded, ownerReferences: daemonSet),
        filter: DrainFilter(ignoreDaemonSets: false), action: .evictWithoutWaiting, reason: .finished),
    .init(
        name: "a mirror pod is skipped",
        pod: PodDescription(
            namespace: "kube-system", name: "kube-proxy", annotations: [PodDescription.mirrorPodAnnotation: "x"]),
        filter: DrainFilter(force: false), action: .skip, reason: .mirrorPod),
    .init(
        name: "our own pod is skipped",
        pod: PodDescription(namespace: "kube-system", name: "nth", ownerReferences: replicaSet),
        filter: DrainFilter(ownPod: PodReference(namespace: "kube-system", name: "nth")), action: .skip, reason: .ownPod
    ),
    .init(
        name: "a pod of the same name in another namespace is not ours",
        pod: PodDescription(namespace: "default", name: "nth", ownerReferences: replicaSet),
        filter: DrainFilter(ownPod: PodReference(namespace: "kube-system", name: "nth")), action: .evict,
        reason: .managed),
    .init(
        name: "a failed pod is removed without waiting",
        pod: PodDescription(namespace: "a", name: "job", phase: .failed), filter: DrainFilter(force: false),
        action: .evictWithoutWaiting, reason: .finished),
    .init(
        name: "a terminating pod is waited on, not evicted again",
        pod: PodDescription(namespace: "a", name: "web", deletionTimestamp: t0, ownerReferences: replicaSet),
        action: .waitForDeletion, reason: .terminating),
    .init(
        name: "a terminating finished pod is waited on",
        pod: PodDescription(namespace: "a", name: "web", phase: .succeeded, deletionTimestamp: t0),
        action: .waitForDeletion, reason: .terminating),
    .init(
        name: "an emptyDir pod is evicted with DELETE_LOCAL_DATA",
        pod: PodDescription(namespace: "a", name: "cache", ownerReferences: replicaSet, emptyDirVolumes: ["tmp"]),
        action: .evict, reason: .localStorage),
    .init(
        name: "an emptyDir pod blocks without DELETE_LOCAL_DATA",
        pod: PodDescription(namespace: "a", name: "cache", ownerReferences: replicaSet, emptyDirVolumes: ["tmp"]),
        filter: DrainFilter(deleteEmptyDirData: false), action: .block, reason: .localStorage),
    .init(
        name: "a pod without a controller is evicted with force",
        pod: PodDescription(namespace: "a", name: "bare"), action: .evict, reason: .unreplicated),
    .init(
        name: "a pod without a controller blocks without force", pod: PodDescription(namespace: "a", name: "bare"),
        filter: DrainFilter(force: false), action: .block, reason: .unreplicated),
    .init(
        name: "a pod whose only owner is not a controller is unreplicated",
        pod: PodDescription(
            namespace: "a", name: "x", ownerReferences: [OwnerReference(kind: "Foo", name: "f", isController: false)]),
        filter: DrainFilter(force: false), action: .block, reason: .unreplicated),
]

@Suite("Drain filter")
struct DrainFilterTests {
    @Test("each pod gets kubectl's decision", arguments: filterCases)
    func decides(_ testCase: FilterCase) {
        let decision = testCase.filter.decide(testCase.pod)
        #expect(decision.action == testCase.action)
        #expect(decision.reason == testCase.reason)
        #expect(decision.pod == testCase.pod.reference)
        #expect(decision.description.hasPrefix("\(testCase.pod.reference): \(testCase.action.rawValue) ("))
    }

    @Test("a plan orders pods, clamps grace periods to the deadline, and one blocking pod blocks the drain")
    func plan() {
        let pods = [
            PodDescription(
                namespace: "b", name: "slow", ownerReferences: replicaSet, terminationGracePeriodSeconds: 300),
            PodDescription(
                namespace: "a", name: "quick", ownerReferences: replicaSet, terminationGracePeriodSeconds: 5),
            PodDescription(namespace: "a", name: "default", ownerReferences: replicaSet),
            PodDescription(namespace: "a", name: "done", phase: .succeeded),
            PodDescription(namespace: "a", name: "going", deletionTimestamp: t0, ownerReferences: replicaSet),
            PodDescription(namespace: "a", name: "ds", ownerReferences: daemonSet),
        ]
        let plan = DrainFilter().plan(pods: pods, deadline: t0.addingTimeInterval(70), now: t0)
        #expect(
            plan.decisions.map(\.pod.description) == ["a/default", "a/done", "a/ds", "a/going", "a/quick", "b/slow"])
        #expect(plan.decisions.map(\.gracePeriodSeconds) == [30, 30, nil, nil, 5, 60])
        #expect(plan.canProceed)
        #expect(plan.evictions.map(\.pod.name) == ["default", "done", "quick", "slow"])
        #expect(plan.awaited.map(\.name) == ["default", "going", "quick", "slow"])
        let strict = DrainFilter(ignoreDaemonSets: false).plan(pods: pods, deadline: nil, now: t0)
        #expect(!strict.canProceed)
        #expect(strict.blocking.map(\.pod.name) == ["ds"])
        #expect(strict.decisions.first?.gracePeriodSeconds == 30)
        let configured = DrainFilter(podTerminationGracePeriod: 10).plan(pods: pods, deadline: nil, now: t0)
        #expect(configured.decisions.last?.gracePeriodSeconds == 10)
    }

    @Test(
        "for any pods: one decision each, our own and mirror pods skipped, terminating pods never evicted, no blocks when permissive",
        arguments: 0..<40)
    func property(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let owners: [[OwnerReference]] = [
            [], replicaSet, daemonSet, [OwnerReference(kind: "Job", name: "j", isController: false)],
        ]
        let pods = (0..<Int.random(in: 0...30, using: &random)).map { index in
            PodDescription(
                namespace: ["a", "b", "kube-system"].randomElement(using: &random) ?? "a",
                name: "pod-\(index)",
                phase: PodPhase.allCases.randomElement(using: &random) ?? .running,
                deletionTimestamp: Bool.random(using: &random) ? t0 : nil,
                annotations: Int.random(in: 0..<5, using: &random) == 0
                    ? [PodDescription.mirrorPodAnnotation: "m"] : [:],
                ownerReferences: owners.randomElement(using: &random) ?? [],
                emptyDirVolumes: Bool.random(using: &random) ? ["data"] : [],
                terminationGracePeriodSeconds: Bool.random(using: &random)
                    ? Int.random(in: 0...600, using: &random) : nil
            )
        }
        let own = PodReference(namespace: "kube-system", name: "pod-3")
        let filter = DrainFilter(
            ignoreDaemonSets: Bool.random(using: &random), deleteEmptyDirData: Bool.random(using: &random),
            force: Bool.random(using: &random), ownPod: own)
        let secondsLeft = TimeInterval(Int.random(in: -60...400, using: &random))
        let plan = filter.plan(
            pods: pods.shuffled(using: &random), deadline: t0.addingTimeInterval(secondsLeft), now: t0)
        #expect(plan.decisions.count == pods.count)
        #expect(Set(plan.decisions.map(\.pod)) == Set(pods.map(\.reference)))
        #expect(plan == filter.plan(pods: pods, deadline: t0.addingTimeInterval(secondsLeft), now: t0))
        let byReference = Dictionary(uniqueKeysWithValues: pods.map { ($0.reference, $0) })
        for decision in plan.decisions {
            guard let pod = byReference[decision.pod] else {
                Issue.record("unknown pod \(decision.pod)")
                continue
            }
            if pod.reference == own || pod.isMirrorPod { #expect(decision.action == .skip) }
            if pod.deletionTimestamp != nil {
                #expect(decision.action != .evict && decision.action != .evictWithoutWaiting)
            }
            if pod.phase.isFinished, pod.deletionTimestamp == nil, pod.reference != own, !pod.isMirrorPod {
                #expect(decision.action == .evictWithoutWaiting)
            }
            if let grace = decision.gracePeriodSeconds {
                let requested = pod.terminationGracePeriodSeconds ?? 30
                #expect(grace <= requested)
                #expect(grace <= max(1, Int(secondsLeft - 10)))
                #expect(grace >= min(requested, 1))
            }
        }
        #expect(plan.canProceed == plan.decisions.allSatisfy { $0.action != .block })
        let permissive = DrainFilter(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true, ownPod: own)
        #expect(permissive.plan(pods: pods, deadline: nil, now: t0).canProceed)
    }
}

@Suite("Deadlines and grace periods")
struct DeadlineRulesTests {
    let rules = DeadlineRules()

    @Test("each kind's deadline comes from the event")
    func kinds() {
        let time = t0
        let received = t0.addingTimeInterval(7)
        let start = t0.addingTimeInterval(86_400)
        #expect(rules.deadline(for: .spotInterruption, time: time, receivedAt: received) == t0.addingTimeInterval(120))
        #expect(
            rules.deadline(for: .autoScalingTermination, time: time, receivedAt: received) == t0.addingTimeInterval(300)
        )
        #expect(rules.deadline(for: .autoScalingLaunch, time: time, receivedAt: received) == t0.addingTimeInterval(300))
        #expect(rules.deadline(for: .scheduledChange, time: time, receivedAt: received, scheduledStart: start) == start)
        #expect(rules.deadline(for: .scheduledChange, time: time, receivedAt: received) == received)
        #expect(rules.deadline(for: .instanceStateChange, time: time, receivedAt: received) == received)
        #expect(rules.deadline(for: .rebalanceRecommendation, time: time, receivedAt: received) == nil)
    }

    @Test("heartbeats extend a lifecycle action up to its global timeout")
    func heartbeats() {
        #expect(rules.lifecycleGlobalTimeout == 30_000)
        #expect(DeadlineRules(lifecycleHeartbeatTimeout: 7200).lifecycleGlobalTimeout == 172_800)
        #expect(rules.lifecycleDeadline(start: t0, lastHeartbeat: nil) == t0.addingTimeInterval(300))
        #expect(
            rules.lifecycleDeadline(start: t0, lastHeartbeat: t0.addingTimeInterval(200)) == t0.addingTimeInterval(500))
        #expect(
            rules.lifecycleDeadline(start: t0, lastHeartbeat: t0.addingTimeInterval(-50)) == t0.addingTimeInterval(300))
        #expect(
            rules.lifecycleDeadline(start: t0, lastHeartbeat: t0.addingTimeInterval(29_900))
                == t0.addingTimeInterval(30_000))
    }

    @Test("the heartbeat schedule stops at HEARTBEAT_UNTIL")
    func heartbeatSchedule() {
        let schedule = HeartbeatSchedule(interval: 30, until: 100)
        #expect(schedule.nextHeartbeat(start: t0, lastHeartbeat: nil) == t0.addingTimeInterval(30))
        #expect(
            schedule.nextHeartbeat(start: t0, lastHeartbeat: t0.addingTimeInterval(60)) == t0.addingTimeInterval(90))
        #expect(schedule.nextHeartbeat(start: t0, lastHeartbeat: t0.addingTimeInterval(90)) == nil)
    }

    @Test("a pod's grace period is clamped to the time left minus the safety margin, and is at least 1")
    func grace() {
        let deadline = t0.addingTimeInterval(60)
        #expect(rules.evictionGracePeriod(podGracePeriod: nil, deadline: nil, now: t0) == 30)
        #expect(rules.evictionGracePeriod(podGracePeriod: 600, deadline: nil, now: t0) == 600)
        #expect(rules.evictionGracePeriod(podGracePeriod: 600, deadline: deadline, now: t0) == 50)
        #expect(rules.evictionGracePeriod(podGracePeriod: 20, deadline: deadline, now: t0) == 20)
        #expect(rules.evictionGracePeriod(podGracePeriod: 600, configured: 15, deadline: deadline, now: t0) == 15)
        #expect(rules.evictionGracePeriod(podGracePeriod: 600, deadline: deadline, now: t0.addingTimeInterval(55)) == 1)
        #expect(
            rules.evictionGracePeriod(podGracePeriod: 600, deadline: deadline, now: t0.addingTimeInterval(500)) == 1)
        #expect(rules.evictionGracePeriod(podGracePeriod: 0, deadline: deadline, now: t0) == 0)
        #expect(rules.evictionGracePeriod(podGracePeriod: -5, deadline: nil, now: t0) == 0)
        #expect(rules.evictionGracePeriod(podGracePeriod: 600, deadline: .distantFuture, now: t0) == 600)
    }
}
