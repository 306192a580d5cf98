import Foundation
import TestSupport
import Testing

@testable import AWS

@Suite("EventBridge rules route events into the queue in moto")
struct EventBridgeMotoTests {
    @Test("a rule for ASG lifecycle events delivers a matching PutEvents entry and filters out the other")
    func routing() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("events"))
            let sqs = try SQSClient(client: moto.client(), queueURL: url)
            let queueARN = try #require(try await sqs.getQueueAttributes(["QueueArn"])["QueueArn"])
            let rule = MotoServer.unique("asg-terminate")
            let pattern = #"{"source":["aws.autoscaling"],"detail-type":["EC2 Instance-terminate Lifecycle Action"]}"#
            try await moto.json(.eventBridge, "PutRule", ["Name": rule, "EventPattern": pattern, "State": "ENABLED"])
            let targets = try await moto.json(
                .eventBridge, "PutTargets", ["Rule": rule, "Targets": [["Id": "queue", "Arn": queueARN]]])
            #expect(targets["FailedEntryCount"] as? Int == 0)

            let token = UUID().uuidString.lowercased()
            let detail: [String: Any] = [
                "LifecycleActionToken": token, "AutoScalingGroupName": "asg1", "LifecycleHookName": "drain",
                "EC2InstanceId": "i-1234567890abcdef0", "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
            ]
            let spot: [String: Any] = ["instance-id": "i-1234567890abcdef0", "instance-action": "terminate"]
            let put = try await moto.json(
                .eventBridge, "PutEvents",
                [
                    "Entries": [
                        [
                            "Source": "aws.autoscaling", "DetailType": "EC2 Instance-terminate Lifecycle Action",
                            "Resources": [
                                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/asg1"
                            ],
                            "Detail": String(
                                decoding: try JSONSerialization.data(withJSONObject: detail), as: UTF8.self),
                        ],
                        [
                            "Source": "aws.ec2", "DetailType": "EC2 Spot Instance Interruption Warning",
                            "Detail": String(decoding: try JSONSerialization.data(withJSONObject: spot), as: UTF8.self),
                        ],
                    ]
                ])
            #expect(put["FailedEntryCount"] as? Int == 0)

            let messages = try await sqs.receiveMessages(.init(waitTimeSeconds: 5))
            let message = try #require(messages.first)
            #expect(messages.count == 1)
            let envelope = try #require(
                try JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any])
            #expect(envelope["source"] as? String == "aws.autoscaling")
            // The whole event, as EventBridge sends a target without an InputTransformer (moto_nth.py restores the
            // `account` moto's template drops): the controller checks it against the queue's account.
            #expect(envelope["account"] as? String == "123456789012")
            #expect(envelope["region"] as? String == "us-east-1")
            #expect(envelope["detail-type"] as? String == "EC2 Instance-terminate Lifecycle Action")
            let delivered = try #require(envelope["detail"] as? [String: Any])
            #expect(delivered["LifecycleActionToken"] as? String == token)
            #expect(delivered["EC2InstanceId"] as? String == "i-1234567890abcdef0")
            #expect(message.sentTimestamp != nil)

            let rest = try await sqs.receiveMessages(.init(waitTimeSeconds: 1))
            #expect(rest.isEmpty, "the spot warning does not match the rule")
            _ = try await sqs.deleteMessageBatch([SQSDeleteEntry(id: "0", receiptHandle: message.receiptHandle)])
        }
    }
}
