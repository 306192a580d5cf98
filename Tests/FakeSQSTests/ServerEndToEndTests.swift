import AWS
import FakeSQS
import Foundation
import HTTPClient
import SigV4
import Testing

/// The fake served over HTTP, driven by the controller's own client (`AWS.SQSClient`), signatures checked.
@Suite("FakeSQSServer end to end with the controller's SQSClient")
struct ServerEndToEndTests {
    static let credentials = Credentials(accessKeyID: "AKIDFAKESQS", secretAccessKey: "fake-sqs-secret")

    /// Runs `body` with a started server holding queue `q`, and a client signing with `credentials`.
    private func withServer(
        credentials: Credentials = Self.credentials,
        _ body: (FakeSQSServer, AWSClient, SQSClient) async throws -> Void
    ) async throws {
        let broker = SQSBroker()
        try broker.createQueue("q", attributes: ["VisibilityTimeout": "30"])
        let server = FakeSQSServer(
            service: SQSService(
                broker: broker,
                verifier: SigV4Verifier(
                    secrets: [Self.credentials.accessKeyID: Self.credentials.secretAccessKey], region: "us-east-1")))
        let url = try await server.start()
        let client = AWSClient(
            configuration: AWSConfiguration(
                region: "us-east-1", endpoints: EndpointResolver(override: url),
                retryPolicy: AWSRetryPolicy(maxAttempts: 1)),
            credentialsProvider: StaticCredentialsProvider(credentials), httpClient: try HTTPClient())
        do {
            try await body(server, client, try SQSClient(client: client, queueURL: url + "/123456789012/q"))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("Send, receive with attributes and MD5s, then a batch delete with one invalid handle fails that entry only")
    func roundTrip() async throws {
        try await withServer { _, _, sqs in
            let id = try await sqs.sendMessage(
                body: "hello", messageAttributes: ["kind": SQSMessageAttribute(dataType: "String", stringValue: "x")])
            let messages = try await sqs.receiveMessages(.init(waitTimeSeconds: 1))
            let message = try #require(messages.first)
            #expect(message.messageID == id)
            #expect(message.md5OfBody == "5d41402abc4b2a76b9719d911017c592")
            #expect(message.attributes["ApproximateReceiveCount"] == "1")
            #expect(message.messageAttributes["kind"]?.stringValue == "x")
            let sent = try #require(message.attributes["SentTimestamp"].flatMap { Int64($0) })
            #expect(abs(sent - Int64(Date().timeIntervalSince1970 * 1000)) < 60_000)

            let counts = try await sqs.getQueueAttributes([
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "QueueArn",
            ])
            #expect(counts["ApproximateNumberOfMessagesNotVisible"] == "1")
            #expect(counts["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:q")

            let result = try await sqs.deleteMessageBatch([
                SQSDeleteEntry(id: "good", receiptHandle: message.receiptHandle),
                SQSDeleteEntry(id: "bad", receiptHandle: "not-a-handle"),
            ])
            #expect(result.successful == ["good"])
            #expect(result.failed.map(\.id) == ["bad"])
            #expect(result.failed.first?.code == "ReceiptHandleIsInvalid")
            #expect(result.failed.first?.senderFault == true)
            #expect(try await sqs.getQueueAttributes(["ApproximateNumberOfMessagesNotVisible"]).values.first == "0")
        }
    }

    @Test("Releasing with visibility 0 makes the message receivable again, counted twice")
    func release() async throws {
        try await withServer { _, _, sqs in
            _ = try await sqs.sendMessage(body: "again")
            let first = try #require(try await sqs.receiveMessages(.init(waitTimeSeconds: 0)).first)
            let result = try await sqs.changeMessageVisibilityBatch([
                SQSVisibilityEntry(id: "e0", receiptHandle: first.receiptHandle, visibilityTimeout: 0),
                SQSVisibilityEntry(id: "e1", receiptHandle: "nope", visibilityTimeout: 0),
            ])
            #expect(result.successful == ["e0"])
            #expect(result.failed.first?.code == "ReceiptHandleIsInvalid")
            let second = try #require(try await sqs.receiveMessages(.init(waitTimeSeconds: 1)).first)
            #expect(second.attributes["ApproximateReceiveCount"] == "2")
            #expect(second.receiptHandle != first.receiptHandle)
        }
    }

    @Test("A wrong secret is SignatureDoesNotMatch and an unknown key InvalidClientTokenId, both HTTP 403")
    func authentication() async throws {
        let wrong = Credentials(accessKeyID: Self.credentials.accessKeyID, secretAccessKey: "wrong")
        try await withServer(credentials: wrong) { _, _, sqs in
            let error = try await #require(throws: AWSError.self) { _ = try await sqs.getQueueAttributes() }
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.status == 403)
        }
        let unknown = Credentials(accessKeyID: "AKIDUNKNOWN", secretAccessKey: "x")
        try await withServer(credentials: unknown) { _, _, sqs in
            let error = try await #require(throws: AWSError.self) { _ = try await sqs.getQueueAttributes() }
            #expect(error.code == "InvalidClientTokenId")
        }
    }

    @Test("A queue that does not exist is QueueDoesNotExist with SQS's query-compatible code")
    func missingQueue() async throws {
        try await withServer { server, client, _ in
            let sqs = try SQSClient(client: client, queueURL: server.baseURL + "/123456789012/missing")
            let error = try await #require(throws: AWSError.self) { _ = try await sqs.receiveMessages() }
            #expect(error.code == "QueueDoesNotExist")
            #expect(error.hasCode(in: ["AWS.SimpleQueueService.NonExistentQueue"]))
            #expect(error.status == 400)
        }
    }

    @Test("Calls are counted by operation")
    func callCounts() async throws {
        try await withServer { server, _, sqs in
            _ = try await sqs.receiveMessages(.init(waitTimeSeconds: 0))
            #expect(server.service.callCounts["ReceiveMessage"] == 1)
        }
    }
}
