import Foundation
import TestSupport
import Testing

@testable import AWS

@Suite("Auto Scaling lifecycle actions against moto and its extension")
struct AutoScalingMotoTests {
    @Test("lifecycle hooks are described with their timeouts")
    func describeHooks() async throws {
        try await MotoServer.with { moto in
            let group = try await moto.createGroup(size: 1)
            let hooks = try await AutoScalingClient(client: moto.client()).describeLifecycleHooks(groupName: group.name)
            let hook = try #require(hooks.first)
            #expect(hooks.count == 1)
            #expect(hook.name == "drain")
            #expect(hook.groupName == group.name)
            #expect(hook.transition == "autoscaling:EC2_INSTANCE_TERMINATING")
            #expect(hook.heartbeatTimeout == 300)
            #expect(hook.defaultResult == "CONTINUE")
            #expect(hook.globalTimeout != nil)
            let named = try await AutoScalingClient(client: moto.client())
                .describeLifecycleHooks(groupName: group.name, hookNames: ["other"])
            #expect(named.isEmpty)
        }
    }

    @Test("complete (by instance and by token) and heartbeat reach the server with the right parameters")
    func completeAndHeartbeat() async throws {
        try await MotoServer.with { moto in
            let group = try await moto.createGroup(size: 2)
            let autoScaling = AutoScalingClient(client: moto.client())
            let token = UUID().uuidString.lowercased()
            try await autoScaling.recordLifecycleActionHeartbeat(
                groupName: group.name, hookName: "drain", instanceID: group.instances[0])
            try await autoScaling.completeLifecycleAction(
                groupName: group.name, hookName: "drain", instanceID: group.instances[0], result: .continue)
            try await autoScaling.completeLifecycleAction(
                groupName: group.name, hookName: "drain", token: token, result: .abandon)

            let calls = try await moto.lifecycleCalls().filter { $0["AutoScalingGroupName"] == group.name }
            #expect(calls.count == 3)
            #expect(
                calls.map { $0["Action"] } == [
                    "RecordLifecycleActionHeartbeat", "CompleteLifecycleAction", "CompleteLifecycleAction",
                ])
            #expect(calls[0]["InstanceId"] == group.instances[0])
            #expect(calls[1]["LifecycleActionResult"] == "CONTINUE")
            #expect(calls[1]["InstanceId"] == group.instances[0])
            #expect(calls[2]["LifecycleActionToken"] == token)
            #expect(calls[2]["LifecycleActionResult"] == "ABANDON")
            #expect(calls.allSatisfy { $0["LifecycleHookName"] == "drain" })
        }
    }

    @Test("an action completed once is no longer active, by token or by instance, as Auto Scaling answers")
    func completedActionIsNoLongerActive() async throws {
        try await MotoServer.with { moto in
            let group = try await moto.createGroup(size: 2)
            let autoScaling = AutoScalingClient(client: moto.client())
            let token = UUID().uuidString.lowercased()
            try await moto.announceLifecycleAction(
                group: group.name, hook: "drain", instanceID: group.instances[0], token: token)
            try await autoScaling.completeLifecycleAction(
                groupName: group.name, hookName: "drain", token: token, result: .continue)
            let attempts: [(instance: String?, token: String?, names: String)] = [
                (nil, token, "token \(token)"),
                (group.instances[0], nil, "instance ID \(group.instances[0])"),
            ]
            for attempt in attempts {
                let error = try await #require(throws: AWSError.self) {
                    try await autoScaling.completeLifecycleAction(
                        groupName: group.name, hookName: "drain", instanceID: attempt.instance, token: attempt.token,
                        result: .continue)
                }
                #expect(error.code == "ValidationError")
                #expect(error.message == "No active Lifecycle Action found with \(attempt.names)")
            }
            await #expect(throws: AWSError.self) {
                try await autoScaling.recordLifecycleActionHeartbeat(
                    groupName: group.name, hookName: "drain", instanceID: group.instances[0])
            }
            // The other instance's action is untouched.
            try await autoScaling.completeLifecycleAction(
                groupName: group.name, hookName: "drain", instanceID: group.instances[1], result: .continue)
            let calls = try await moto.lifecycleCalls().filter { $0["AutoScalingGroupName"] == group.name }
            #expect(calls.count == 2)
        }
    }

    @Test("invalid lifecycle calls are typed ValidationErrors; none is recorded")
    func validation() async throws {
        try await MotoServer.with { moto in
            let group = try await moto.createGroup(size: 1)
            let autoScaling = AutoScalingClient(client: moto.client())
            let cases: [(String, String, String?, String?)] = [
                ("no-such-group", "drain", group.instances[0], nil),
                (group.name, "no-such-hook", group.instances[0], nil),
                (group.name, "drain", "i-0123456789abcdef0", nil),
                (group.name, "drain", nil, "not-a-token"),
            ]
            for (groupName, hook, instance, token) in cases {
                let error = try await #require(throws: AWSError.self) {
                    try await autoScaling.completeLifecycleAction(
                        groupName: groupName, hookName: hook, instanceID: instance, token: token, result: .continue)
                }
                #expect(error.kind == .service)
                #expect(error.status == 400)
                #expect(error.code == "ValidationError")
                #expect(error.service == "AutoScaling")
            }
            let neither = try await #require(throws: AWSError.self) {
                try await autoScaling.recordLifecycleActionHeartbeat(groupName: group.name, hookName: "drain")
            }
            #expect(neither.kind == .invalidArgument)
            let calls = try await moto.lifecycleCalls().filter { $0["AutoScalingGroupName"] == group.name }
            #expect(calls.isEmpty)
        }
    }

    @Test("group instances carry the aws:autoscaling:groupName tag in EC2")
    func groupTag() async throws {
        try await MotoServer.with { moto in
            let group = try await moto.createGroup(size: 2)
            let instances = try await EC2Client(client: moto.client()).describeInstances(ids: group.instances)
            #expect(instances.count == 2)
            #expect(instances.allSatisfy { $0.autoScalingGroupName == group.name })
        }
    }
}
