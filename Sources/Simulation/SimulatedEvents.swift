public import Foundation
import Timestamps

/// EventBridge messages as AWS sends them, for `simulate` (the shapes of `testdata/events`).
public enum SimulatedEvents {
    /// The kinds `simulate` sends, round-robin.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `EC2 Spot Instance Interruption Warning`: two minutes' notice.
        case spotWarning = "spot-warning"
        /// `EC2 Instance-terminate Lifecycle Action`: an Auto Scaling scale-in held by a terminate hook.
        case autoScalingTerminate = "asg-terminate"
        /// `EC2 Instance Rebalance Recommendation`.
        case rebalance
    }

    /// The account every simulated event comes from (the simulated queue's own).
    public static let account = "123456789012"
    /// The region every simulated event comes from (the simulated queue's own).
    public static let region = "us-east-1"

    /// The message body of `kind` for `instanceID`, sent at `time`.
    public static func body(_ kind: Kind, instanceID: String, time: Date) -> String {
        let stamp = RFC3339.format(time)
        let id = UUID().uuidString.lowercased()
        switch kind {
        case .spotWarning:
            return
                #"{"version":"0","id":"\#(id)","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","account":"\#(account)","time":"\#(stamp)","region":"\#(region)","resources":["arn:aws:ec2:us-east-1b:instance/\#(instanceID)"],"detail":{"instance-id":"\#(instanceID)","instance-action":"terminate"}}"#
        case .autoScalingTerminate:
            let token = UUID().uuidString.lowercased()
            return
                #"{"version":"0","id":"\#(id)","detail-type":"EC2 Instance-terminate Lifecycle Action","source":"aws.autoscaling","account":"\#(account)","time":"\#(stamp)","region":"\#(region)","resources":["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:26e7234b-03a4-47fb-b0a9-2b241662774e:autoScalingGroupName/workers-a"],"detail":{"LifecycleActionToken":"\#(token)","AutoScalingGroupName":"workers-a","LifecycleHookName":"node-termination-handler","EC2InstanceId":"\#(instanceID)","LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"}}"#
        case .rebalance:
            return
                #"{"version":"0","id":"\#(id)","detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2","account":"\#(account)","time":"\#(stamp)","region":"\#(region)","resources":["arn:aws:ec2:us-east-1b:instance/\#(instanceID)"],"detail":{"instance-id":"\#(instanceID)"}}"#
        }
    }
}
