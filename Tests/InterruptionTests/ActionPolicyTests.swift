import Foundation
import Testing

@testable import Interruption

@Suite("Action policy from NTH's configuration")
struct ActionPolicyEnvironmentTests {
    @Test("an empty environment gives NTH's defaults, with rebalance = cordon")
    func defaults() throws {
        let policy = try ActionPolicy(environment: [:])
        #expect(policy == ActionPolicy())
        #expect(!policy.cordonOnly && !policy.taintNode && !policy.dryRun && !policy.outOfServiceTaint)
        #expect(policy.taintEffect == .noSchedule)
        #expect(policy.checkTagBeforeDraining)
        #expect(policy.managedTag == "aws-node-termination-handler/managed")
        #expect(policy.rebalance == .cordon)
        #expect(policy.drainFilter == DrainFilter())
        #expect(policy.heartbeat == nil)
        #expect(policy.completeLifecycleActionDelay == nil)
        #expect(policy.nodeTerminationGracePeriod == 120)
    }

    @Test("every option is read under NTH's name")
    func everyOption() throws {
        let policy = try ActionPolicy(environment: [
            "CORDON_ONLY": "true", "TAINT_NODE": "1", "TAINT_EFFECT": "NoExecute", "ENABLE_OUT_OF_SERVICE_TAINT": "T",
            "EXCLUDE_FROM_LOAD_BALANCERS": "True", "CHECK_TAG_BEFORE_DRAINING": "false", "MANAGED_TAG": "team/managed",
            "DELETE_SQS_MSG_IF_NODE_NOT_FOUND": "TRUE", "DRY_RUN": "t", "REBALANCE_ACTION": "ignore",
            "IGNORE_DAEMON_SETS": "false", "DELETE_LOCAL_DATA": "0", "POD_TERMINATION_GRACE_PERIOD": "45",
            "POD_NAME": "nth-0", "NAMESPACE": "kube-system", "HEARTBEAT_INTERVAL": "30", "HEARTBEAT_UNTIL": "600",
            "COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS": "5", "NODE_TERMINATION_GRACE_PERIOD": "90",
        ])
        #expect(policy.cordonOnly && policy.taintNode && policy.outOfServiceTaint && policy.excludeFromLoadBalancers)
        #expect(policy.taintEffect == .noExecute)
        #expect(!policy.checkTagBeforeDraining)
        #expect(policy.managedTag == "team/managed")
        #expect(policy.deleteMessageIfNodeNotFound && policy.dryRun)
        #expect(policy.rebalance == .ignore)
        #expect(
            policy.drainFilter
                == DrainFilter(
                    ignoreDaemonSets: false, deleteEmptyDirData: false, podTerminationGracePeriod: 45,
                    ownPod: PodReference(namespace: "kube-system", name: "nth-0")))
        #expect(policy.heartbeat == HeartbeatSchedule(interval: 30, until: 600))
        #expect(policy.completeLifecycleActionDelay == 5)
        #expect(policy.nodeTerminationGracePeriod == 90)
    }

    @Test("deprecated aliases and ENABLE_REBALANCE_DRAINING are honoured; empty values count as unset")
    func aliases() throws {
        let policy = try ActionPolicy(environment: [
            "CHECK_ASG_TAG_BEFORE_DRAINING": "false", "MANAGED_ASG_TAG": "legacy", "GRACE_PERIOD": "10",
            "ENABLE_REBALANCE_DRAINING": "true", "TAINT_EFFECT": "", "POD_TERMINATION_GRACE_PERIOD": "",
        ])
        #expect(!policy.checkTagBeforeDraining)
        #expect(policy.managedTag == "legacy")
        #expect(policy.drainFilter.podTerminationGracePeriod == 10)
        #expect(policy.rebalance == .cordonAndDrain)
        #expect(policy.taintEffect == .noSchedule)
        let explicit = try ActionPolicy(environment: [
            "ENABLE_REBALANCE_DRAINING": "true", "REBALANCE_ACTION": "cordon", "POD_TERMINATION_GRACE_PERIOD": "-1",
            "COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS": "-1", "HEARTBEAT_INTERVAL": "-1",
        ])
        #expect(explicit.rebalance == .cordon)
        #expect(explicit.drainFilter.podTerminationGracePeriod == nil)
        #expect(explicit.completeLifecycleActionDelay == nil)
        #expect(explicit.heartbeat == nil)
        let onlyInterval = try ActionPolicy(environment: ["HEARTBEAT_INTERVAL": "60"])
        #expect(onlyInterval.heartbeat == HeartbeatSchedule(interval: 60, until: 172_800))
        let ownPodDefaultNamespace = try ActionPolicy(environment: ["POD_NAME": "nth"])
        #expect(ownPodDefaultNamespace.drainFilter.ownPod == PodReference(namespace: "default", name: "nth"))
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var environment: [String: String]
        var variables: [String]
        var testDescription: String { environment.keys.sorted().joined(separator: ",") }
    }

    @Test(
        "invalid values are reported together, each naming its variable",
        arguments: [
            InvalidCase(environment: ["TAINT_EFFECT": "NoSchedul"], variables: ["TAINT_EFFECT"]),
            InvalidCase(environment: ["DRY_RUN": "yes"], variables: ["DRY_RUN"]),
            InvalidCase(environment: ["REBALANCE_ACTION": "drain"], variables: ["REBALANCE_ACTION"]),
            InvalidCase(
                environment: ["NODE_TERMINATION_GRACE_PERIOD": "2m"], variables: ["NODE_TERMINATION_GRACE_PERIOD"]),
            InvalidCase(
                environment: ["POD_TERMINATION_GRACE_PERIOD": "-5"], variables: ["POD_TERMINATION_GRACE_PERIOD"]),
            InvalidCase(environment: ["HEARTBEAT_INTERVAL": "10"], variables: ["HEARTBEAT_INTERVAL"]),
            InvalidCase(environment: ["HEARTBEAT_INTERVAL": "4000"], variables: ["HEARTBEAT_INTERVAL"]),
            InvalidCase(environment: ["HEARTBEAT_UNTIL": "600"], variables: ["HEARTBEAT_UNTIL"]),
            InvalidCase(
                environment: ["HEARTBEAT_INTERVAL": "60", "HEARTBEAT_UNTIL": "59"], variables: ["HEARTBEAT_UNTIL"]),
            InvalidCase(
                environment: ["HEARTBEAT_INTERVAL": "600", "HEARTBEAT_UNTIL": "300"], variables: ["HEARTBEAT_INTERVAL"]),
            InvalidCase(
                environment: [
                    "CORDON_ONLY": "maybe", "TAINT_NODE": "2", "COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS": "x",
                ],
                variables: ["CORDON_ONLY", "TAINT_NODE", "COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS"]),
        ])
    func invalid(_ testCase: InvalidCase) {
        do {
            _ = try ActionPolicy(environment: testCase.environment)
            Issue.record("expected a PolicyError")
        } catch {
            #expect(error.problems.map(\.variable).sorted() == testCase.variables.sorted())
            for variable in testCase.variables { #expect(error.description.contains(variable)) }
        }
    }
}

@Suite("Planning a node's steps")
struct ActionPolicyPlanTests {
    func job(_ events: [InterruptionEvent]) throws -> InstanceJob {
        let first = try #require(events.first)
        var job = InstanceJob(event: first, message: message("m-0"))
        for (index, event) in events.dropFirst().enumerated() { job.record(event, message: message("m-\(index + 1)")) }
        return job
    }

    let node = NodeResolution.found(nodeName: "ip-10-0-1-2.ec2.internal")

    @Test("a spot interruption cordons, drains and acknowledges by default")
    func spotDefault() throws {
        let plan = ActionPolicy().plan(for: try job([try event(.spotInterruption)]), node: node)
        #expect(plan.steps == [.cordon, .drain, .acknowledge])
        #expect(plan.effectiveSteps == plan.steps)
    }

    @Test("every option adds its step in NTH's order")
    func everyStep() throws {
        var policy = ActionPolicy()
        policy.taintNode = true
        policy.taintEffect = .preferNoSchedule
        policy.excludeFromLoadBalancers = true
        policy.outOfServiceTaint = true
        let spot = try event(.spotInterruption, id: "1e5527d7-bb36-4607-3370-4164db56a40e")
        let hook = try event(.autoScalingTermination, id: "e-asg", token: "tok")
        let steps = policy.plan(for: try job([spot, hook]), node: node).steps
        #expect(
            steps == [
                .labelExcludeFromLoadBalancers,
                .taint(
                    Taint(
                        key: "aws-node-termination-handler/asg-lifecycle-termination", value: "e-asg",
                        effect: .preferNoSchedule)),
                .taint(
                    Taint(
                        key: "aws-node-termination-handler/spot-itn", value: "1e5527d7-bb36-4607-3370-4164db56a40e",
                        effect: .preferNoSchedule)),
                .cordon, .drain, .completeLifecycleAction(try #require(hook.lifecycleAction)), .taint(.outOfService),
                .acknowledge,
            ])
    }

    @Test("cordon only never drains, labels or adds the out-of-service taint, but completes hooks")
    func cordonOnly() throws {
        var policy = ActionPolicy()
        policy.cordonOnly = true
        policy.excludeFromLoadBalancers = true
        policy.outOfServiceTaint = true
        let hook = try event(.autoScalingTermination, token: "tok")
        #expect(
            policy.plan(for: try job([hook]), node: node).steps == [
                .cordon, .completeLifecycleAction(try #require(hook.lifecycleAction)), .acknowledge,
            ])
    }

    @Test(
        "a rebalance recommendation cordons, drains or is ignored as configured",
        arguments: [
            (ActionPolicy.RebalanceAction.cordon, [NodeAction.cordon, .acknowledge]),
            (.cordonAndDrain, [.cordon, .drain, .acknowledge]),
            (.ignore, [.acknowledge]),
        ])
    func rebalance(_ action: ActionPolicy.RebalanceAction, _ expected: [NodeAction]) throws {
        var policy = ActionPolicy()
        policy.rebalance = action
        #expect(policy.plan(for: try job([try event(.rebalanceRecommendation)]), node: node).steps == expected)
    }

    @Test("a spot warning after an ignored rebalance drains, with only the spot taint")
    func rebalanceThenSpot() throws {
        var policy = ActionPolicy()
        policy.rebalance = .ignore
        policy.taintNode = true
        let steps = policy.plan(
            for: try job([try event(.rebalanceRecommendation), try event(.spotInterruption, id: "s")]), node: node
        ).steps
        #expect(
            steps == [
                .taint(Taint(key: "aws-node-termination-handler/spot-itn", value: "s", effect: .noSchedule)), .cordon,
                .drain, .acknowledge,
            ])
    }

    @Test("a launch waits for the node to be Ready, then completes its hook")
    func launch() throws {
        let launch = try event(.autoScalingLaunch, token: "tok")
        let action = try #require(launch.lifecycleAction)
        #expect(
            ActionPolicy().plan(for: try job([launch]), node: node).steps == [
                .waitForNodeReady, .completeLifecycleAction(action), .acknowledge,
            ])
        // Without a node yet too: the wait watches for it to join.
        #expect(
            ActionPolicy().plan(for: try job([launch]), node: .notFound).steps == [
                .waitForNodeReady, .completeLifecycleAction(action), .acknowledge,
            ])
    }

    @Test("a missing node is retried, or acknowledged with its hooks completed under DELETE_SQS_MSG_IF_NODE_NOT_FOUND")
    func nodeNotFound() throws {
        let hook = try event(.autoScalingTermination, token: "tok")
        var policy = ActionPolicy()
        let complete = NodeAction.completeLifecycleAction(try #require(hook.lifecycleAction))
        // NTH_COMPLETE_LIFECYCLE_ACTION_IF_NODE_NOT_FOUND (default true): the hook now, the messages retried.
        #expect(policy.plan(for: try job([hook]), node: .notFound).steps == [complete, .retryLater])
        #expect(
            policy.plan(for: try job([try event(.spotInterruption)]), node: .notFound).steps == [.retryLater])
        policy.completeLifecycleActionIfNodeNotFound = false
        #expect(policy.plan(for: try job([hook]), node: .notFound).steps == [.retryLater])
        policy.deleteMessageIfNodeNotFound = true
        #expect(
            policy.plan(for: try job([hook]), node: .notFound).steps == [
                .completeLifecycleAction(try #require(hook.lifecycleAction)), .acknowledge,
            ])
    }

    @Test("an unmanaged instance is only acknowledged; the tag check reads the key, not the value")
    func unmanaged() throws {
        #expect(
            ActionPolicy().plan(for: try job([try event(.spotInterruption)]), node: .unmanaged).steps == [.acknowledge])
        var policy = ActionPolicy()
        #expect(policy.isManaged(tags: ["aws-node-termination-handler/managed": ""]))
        #expect(!policy.isManaged(tags: ["Name": "worker"]))
        policy.checkTagBeforeDraining = false
        #expect(policy.isManaged(tags: [:]))
    }

    @Test("a dry run plans the same steps and performs none")
    func dryRun() throws {
        var policy = ActionPolicy()
        policy.dryRun = true
        let plan = policy.plan(for: try job([try event(.spotInterruption)]), node: node)
        #expect(plan.steps == [.cordon, .drain, .acknowledge])
        #expect(plan.dryRun)
        #expect(plan.effectiveSteps.isEmpty)
    }

    @Test(
        "the drain deadline is the job's, or NODE_TERMINATION_GRACE_PERIOD after the first receive, at least the minimum drain from now"
    )
    func drainDeadline() throws {
        let policy = ActionPolicy()
        let rules = DeadlineRules()
        func deadline(_ job: InstanceJob, minimum: TimeInterval = 30, now: Date = t0) -> Date {
            policy.drainDeadline(for: job, rules: rules, minimumDrain: minimum, now: now)
        }
        #expect(deadline(try job([try event(.spotInterruption)])) == t0.addingTimeInterval(120))
        #expect(deadline(try job([try event(.rebalanceRecommendation)])) == t0.addingTimeInterval(120))
        #expect(!policy.drains(try job([try event(.rebalanceRecommendation)])))
        // A late spot warning: its deadline passed, the minimum drain still applies.
        #expect(
            deadline(try job([try event(.spotInterruption)]), now: t0.addingTimeInterval(200))
                == t0.addingTimeInterval(230))
        // An Auto Scaling hook: the heartbeat timeout (300 s), or as far as heartbeats take it (capped by the global timeout).
        let hook = try job([try event(.autoScalingTermination, token: "tok-1")])
        #expect(deadline(hook) == t0.addingTimeInterval(300))
        var heartbeating = policy
        heartbeating.heartbeat = HeartbeatSchedule(interval: 60, until: 1000)
        #expect(
            heartbeating.drainDeadline(for: hook, rules: rules, minimumDrain: 30, now: t0)
                == t0.addingTimeInterval(1300))
    }

    @Test(
        "taint values are valid label values cut to 63 characters",
        arguments: [
            ("1e5527d7-bb36-4607-3370-4164db56a40e", "1e5527d7-bb36-4607-3370-4164db56a40e"),
            (String(repeating: "a", count: 62) + "-b", String(repeating: "a", count: 62)),
            ("-x y/z-", "x-y-z"), ("", ""), ("---", ""), ("é1", "1"),
        ])
    func taintValues(_ eventID: String, _ expected: String) {
        let value = Taint.value(fromEventID: eventID)
        #expect(value == expected)
        #expect(value.count <= 63)
    }

    @Test("the taint keys are NTH's")
    func taintKeys() {
        #expect(InterruptionKind.spotInterruption.taintKey == "aws-node-termination-handler/spot-itn")
        #expect(
            InterruptionKind.rebalanceRecommendation.taintKey == "aws-node-termination-handler/rebalance-recommendation"
        )
        #expect(InterruptionKind.scheduledChange.taintKey == "aws-node-termination-handler/scheduled-maintenance")
        #expect(
            InterruptionKind.autoScalingTermination.taintKey == "aws-node-termination-handler/asg-lifecycle-termination"
        )
        #expect(InterruptionKind.instanceStateChange.taintKey == nil)
        #expect(
            Taint.outOfService
                == Taint(key: "node.kubernetes.io/out-of-service", value: "nodeshutdown", effect: .noExecute))
    }
}
