import Foundation
import HTTPClient
import SigV4
import TestSupport
import Testing

@testable import AWS

@Suite("SQS against moto with signature checking on")
struct SQSMotoTests {
    @Test("a message sent in the middle of a long poll arrives within that poll")
    func longPollRoundTrip() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("long-poll"))
            let sqs = try SQSClient(client: moto.client(), queueURL: url)
            let started = ContinuousClock.now
            async let received = sqs.receiveMessages(.init(maxNumberOfMessages: 10, waitTimeSeconds: 20))
            try await Task.sleep(for: .milliseconds(1500))
            let sentID = try await sqs.sendMessage(
                body: #"{"detail-type":"EC2 Spot Instance Interruption Warning"}"#,
                messageAttributes: ["kind": .string("spot")])
            let messages = try await received
            let elapsed = ContinuousClock.now - started
            let message = try #require(messages.first)
            #expect(messages.count == 1)
            #expect(message.messageID == sentID)
            #expect(message.body.contains("Spot Instance Interruption"))
            #expect(message.messageAttributes["kind"] == .string("spot"))
            #expect(message.approximateReceiveCount == 1)
            let sent = try #require(message.sentTimestamp)
            #expect(abs(sent.timeIntervalSinceNow) < 60)
            #expect(elapsed >= .milliseconds(1400), "the poll returned before the message was sent")
            #expect(elapsed < .seconds(15), "the message did not end the 20 s poll early")
        }
    }

    @Test("an empty long poll waits its time and returns no messages")
    func emptyPoll() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("empty"))
            let sqs = try SQSClient(client: moto.client(), queueURL: url)
            let started = ContinuousClock.now
            let messages = try await sqs.receiveMessages(.init(waitTimeSeconds: 1))
            #expect(messages.isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(900))
        }
    }

    @Test("batch visibility change and batch delete report per-entry failures")
    func batches() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("batches"))
            let sqs = try SQSClient(client: moto.client(), queueURL: url)
            for index in 0..<3 { _ = try await sqs.sendMessage(body: "message \(index)") }
            var received: [SQSMessage] = []
            for _ in 0..<5 where received.count < 3 {
                received += try await sqs.receiveMessages(.init(waitTimeSeconds: 1, visibilityTimeout: 60))
            }
            try #require(received.count == 3)

            // Make the first message visible again at once; extend the second; the third entry is a bad handle.
            let visibility = try await sqs.changeMessageVisibilityBatch([
                SQSVisibilityEntry(id: "now", receiptHandle: received[0].receiptHandle, visibilityTimeout: 0),
                SQSVisibilityEntry(id: "later", receiptHandle: received[1].receiptHandle, visibilityTimeout: 120),
                SQSVisibilityEntry(id: "bogus", receiptHandle: "not-a-receipt-handle", visibilityTimeout: 10),
            ])
            #expect(Set(visibility.successful) == ["now", "later"])
            let visibilityFailure = try #require(visibility.failed.first)
            #expect(visibility.failed.count == 1)
            #expect(visibilityFailure.id == "bogus")
            #expect(visibilityFailure.code == "ReceiptHandleIsInvalid")
            #expect(visibilityFailure.senderFault)

            // The first message is back, received a second time.
            let again = try await sqs.receiveMessages(.init(waitTimeSeconds: 2, visibilityTimeout: 60))
            let redelivered = try #require(again.first)
            #expect(again.count == 1)
            #expect(redelivered.messageID == received[0].messageID)
            #expect(redelivered.approximateReceiveCount == 2)

            // Delete all three with their latest handles, plus one bad entry.
            let deletion = try await sqs.deleteMessageBatch([
                SQSDeleteEntry(id: "m0", receiptHandle: redelivered.receiptHandle),
                SQSDeleteEntry(id: "m1", receiptHandle: received[1].receiptHandle),
                SQSDeleteEntry(id: "m2", receiptHandle: received[2].receiptHandle),
                SQSDeleteEntry(id: "bad", receiptHandle: "garbage"),
            ])
            #expect(Set(deletion.successful) == ["m0", "m1", "m2"])
            #expect(deletion.failed.map(\.id) == ["bad"])
            #expect(deletion.failed.first?.code == "ReceiptHandleIsInvalid")
            #expect(!deletion.allSucceeded)

            let attributes = try await sqs.getQueueAttributes([
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            ])
            #expect(attributes["ApproximateNumberOfMessages"] == "0")
            #expect(attributes["ApproximateNumberOfMessagesNotVisible"] == "0")
        }
    }

    @Test("single delete, visibility change and queue attributes")
    func singles() async throws {
        try await MotoServer.with { moto in
            let name = MotoServer.unique("singles")
            let url = try await moto.createQueue(name, attributes: ["VisibilityTimeout": "45"])
            let sqs = try SQSClient(client: moto.client(), queueURL: url)
            let attributes = try await sqs.getQueueAttributes()
            #expect(attributes["VisibilityTimeout"] == "45")
            #expect(attributes["QueueArn"] == "arn:aws:sqs:us-east-1:\(MotoServer.account):\(name)")
            _ = try await sqs.sendMessage(body: "one")
            let message = try #require(try await sqs.receiveMessages(.init(waitTimeSeconds: 2)).first)
            try await sqs.changeMessageVisibility(receiptHandle: message.receiptHandle, visibilityTimeout: 100)
            try await sqs.deleteMessage(receiptHandle: message.receiptHandle)
            let error = try await #require(throws: AWSError.self) {
                try await sqs.deleteMessage(receiptHandle: "nonsense")
            }
            #expect(error.code == "ReceiptHandleIsInvalid")
        }
    }

    @Test("a queue that does not exist is a typed QueueDoesNotExist error")
    func missingQueue() async throws {
        try await MotoServer.with { moto in
            let sqs = try SQSClient(client: moto.client(), queueURL: moto.endpoint + "/123456789012/nope")
            let error = try await #require(throws: AWSError.self) {
                try await sqs.receiveMessages(.init(waitTimeSeconds: 0))
            }
            #expect(error.kind == .service)
            #expect(error.status == 400)
            #expect(error.hasCode(in: ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"]))
            #expect(error.requestID != nil)
            #expect(error.description.contains("check QUEUE_URL"))
        }
    }

    @Test("out-of-range arguments fail before anything is sent")
    func invalidArguments() async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let client = AWSClient(
            configuration: AWSConfiguration(
                region: "eu-west-1", endpoints: EndpointResolver(override: "http://127.0.0.1:9")),
            credentialsProvider: StaticCredentialsProvider(Credentials(accessKeyID: "a", secretAccessKey: "b")),
            httpClient: http)
        let sqs = try SQSClient(client: client, queueURL: "https://sqs.eu-west-1.amazonaws.com/1/q")
        let tooLong = try await #require(throws: AWSError.self) {
            try await sqs.receiveMessages(.init(waitTimeSeconds: 21))
        }
        #expect(tooLong.kind == .invalidArgument)
        let tooMany = try await #require(throws: AWSError.self) {
            try await sqs.receiveMessages(.init(maxNumberOfMessages: 11))
        }
        #expect(tooMany.kind == .invalidArgument)
        let entries = (0..<11).map { SQSDeleteEntry(id: "e\($0)", receiptHandle: "h") }
        let bigBatch = try await #require(throws: AWSError.self) { try await sqs.deleteMessageBatch(entries) }
        #expect(bigBatch.kind == .invalidArgument)
        let duplicate = try await #require(throws: AWSError.self) {
            try await sqs.deleteMessageBatch([.init(id: "a", receiptHandle: "1"), .init(id: "a", receiptHandle: "2")])
        }
        #expect(duplicate.kind == .invalidArgument)
        let empty = try await #require(throws: AWSError.self) { try await sqs.changeMessageVisibilityBatch([]) }
        #expect(empty.kind == .invalidArgument)
        #expect(client.statistics.snapshot.values.allSatisfy { $0.attempts == 0 })
    }
}
