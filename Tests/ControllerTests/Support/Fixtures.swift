import Foundation
import Interruption
import Testing

/// The shared event fixtures: `$NTH_SHARED_DIR/testdata/events`, with `NTH_SHARED_DIR` defaulting to the `shared`
/// folder next to the repository. A missing directory fails the test (never a skip).
enum Fixtures {
    static var directory: URL {
        if let path = ProcessInfo.processInfo.environment["NTH_SHARED_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path).appendingPathComponent("testdata/events")
        }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/testdata/events")
    }

    /// Every fixture's file name.
    static let names = [
        "asg-launch-lifecycle-eventbridge.json",
        "asg-terminate-lifecycle-direct.json",
        "asg-terminate-lifecycle-eventbridge.json",
        "asg-test-notification-direct.json",
        "asg-test-notification-eventbridge.json",
        "health-scheduled-change.json",
        "instance-state-change-running.json",
        "instance-state-change-stopping.json",
        "rebalance-recommendation.json",
        "spot-interruption-warning.json",
    ]

    /// A fixture's body.
    static func body(_ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        let data = try #require(
            try? Data(contentsOf: url), "fixture \(url.path) is missing; set NTH_SHARED_DIR to the shared folder")
        return String(decoding: data, as: UTF8.self)
    }

    /// The events a body decodes to (empty for a rejection).
    static func events(_ body: String) -> [InterruptionEvent] {
        MessageDecoder().decode(body: body, receivedAt: Date()).events
    }

    /// A spot interruption warning for `instance`.
    static func spot(_ instance: String, id: String = UUID().uuidString, time: String = "2026-11-29T10:00:00Z")
        -> String
    {
        #"{"version":"0","id":"\#(id)","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","account":"123456789012","time":"\#(time)","region":"us-east-1","resources":[],"detail":{"instance-id":"\#(instance)","instance-action":"terminate"}}"#
    }

    /// A rebalance recommendation for `instance`.
    static func rebalance(_ instance: String, time: String = "2026-11-29T10:00:00Z") -> String {
        #"{"version":"0","id":"\#(UUID().uuidString)","detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2","account":"123456789012","time":"\#(time)","region":"us-east-1","resources":[],"detail":{"instance-id":"\#(instance)"}}"#
    }

    /// A state change to `state` for `instance`.
    static func stateChange(_ instance: String, state: String = "stopping", time: String = "2026-11-29T10:00:00Z")
        -> String
    {
        #"{"version":"0","id":"\#(UUID().uuidString)","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"\#(time)","region":"us-east-1","resources":[],"detail":{"instance-id":"\#(instance)","state":"\#(state)"}}"#
    }

    /// An Auto Scaling terminate lifecycle action (EventBridge) for `instance`.
    static func asgTerminate(
        _ instance: String, group: String = "workers-a", hook: String = "drain",
        token: String = UUID().uuidString.lowercased(), time: String = "2026-11-29T10:00:00Z",
        id: String = UUID().uuidString
    ) -> String {
        #"{"version":"0","id":"\#(id)","detail-type":"EC2 Instance-terminate Lifecycle Action","source":"aws.autoscaling","account":"123456789012","time":"\#(time)","region":"us-east-1","resources":[],"detail":{"LifecycleActionToken":"\#(token)","AutoScalingGroupName":"\#(group)","LifecycleHookName":"\#(hook)","EC2InstanceId":"\#(instance)","LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"}}"#
    }

    /// An Auto Scaling launch lifecycle action (EventBridge) for `instance`.
    static func asgLaunch(_ instance: String, token: String = UUID().uuidString.lowercased()) -> String {
        #"{"version":"0","id":"\#(UUID().uuidString)","detail-type":"EC2 Instance-launch Lifecycle Action","source":"aws.autoscaling","account":"123456789012","time":"2026-11-29T10:00:00Z","region":"us-east-1","resources":[],"detail":{"LifecycleActionToken":"\#(token)","AutoScalingGroupName":"workers-a","LifecycleHookName":"launch","EC2InstanceId":"\#(instance)","LifecycleTransition":"autoscaling:EC2_INSTANCE_LAUNCHING"}}"#
    }
}

/// A made-up instance id for test number `n`.
func instance(_ n: Int) -> String { String(format: "i-0%016x", n + 0xabc000) }
