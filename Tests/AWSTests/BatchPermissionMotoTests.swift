import AWS
import Foundation
import TestSupport
import Testing

/// SQS batch calls are authorized by the single call's IAM action (SQS Developer Guide, "Amazon SQS batch
/// actions"); moto_nth.py maps them as IAM does, so these policies name only real actions.
@Suite("IAM for SQS batch calls: sqs:DeleteMessage and sqs:ChangeMessageVisibility authorize the batch calls")
struct BatchPermissionMotoTests {
    /// A queue holding one message, received by the allow-all user; returns the queue URL and the receipt handle.
    private func queueWithReceivedMessage(_ moto: MotoServer) async throws -> (String, String) {
        let url = try await moto.createQueue(MotoServer.unique("batch-iam"))
        let sqs = try SQSClient(client: moto.client(), queueURL: url)
        _ = try await sqs.sendMessage(body: "{}")
        let received = try await sqs.receiveMessages(.init(maxNumberOfMessages: 1, waitTimeSeconds: 1))
        return (url, try #require(received.first).receiptHandle)
    }

    @Test("a policy with sqs:DeleteMessage and sqs:ChangeMessageVisibility allows both batch calls")
    func singleActionsAllowBatches() async throws {
        try await MotoServer.with { moto in
            let (url, handle) = try await queueWithReceivedMessage(moto)
            let credentials = try await moto.credentials(
                allowing: ["sqs:DeleteMessage", "sqs:ChangeMessageVisibility"])
            let sqs = try SQSClient(client: moto.client(credentials: credentials), queueURL: url)
            let changed = try await sqs.changeMessageVisibilityBatch([
                SQSVisibilityEntry(id: "0", receiptHandle: handle, visibilityTimeout: 30)
            ])
            #expect(changed.failed.isEmpty && changed.successful == ["0"])
            let deleted = try await sqs.deleteMessageBatch([SQSDeleteEntry(id: "0", receiptHandle: handle)])
            #expect(deleted.failed.isEmpty && deleted.successful == ["0"])
        }
    }

    @Test("a policy naming only the batch actions allows neither, and the hint names the real actions")
    func batchNamesAllowNothing() async throws {
        try await MotoServer.with { moto in
            let (url, handle) = try await queueWithReceivedMessage(moto)
            let credentials = try await moto.credentials(
                allowing: ["sqs:DeleteMessageBatch", "sqs:ChangeMessageVisibilityBatch"])
            let sqs = try SQSClient(client: moto.client(credentials: credentials), queueURL: url)
            let delete = try await #require(throws: AWSError.self) {
                try await sqs.deleteMessageBatch([SQSDeleteEntry(id: "0", receiptHandle: handle)])
            }
            #expect(AWSError.authorizationCodes.contains(delete.code ?? ""), "\(delete)")
            #expect(delete.iamAction == "sqs:DeleteMessage")
            #expect(delete.description.contains("grant sqs:DeleteMessage in the IAM policy"), "\(delete)")
            let change = try await #require(throws: AWSError.self) {
                try await sqs.changeMessageVisibilityBatch([
                    SQSVisibilityEntry(id: "0", receiptHandle: handle, visibilityTimeout: 30)
                ])
            }
            #expect(AWSError.authorizationCodes.contains(change.code ?? ""), "\(change)")
            #expect(change.description.contains("grant sqs:ChangeMessageVisibility in the IAM policy"), "\(change)")
        }
    }
}
