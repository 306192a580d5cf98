import AWS
import ArgumentParser
import FakeSQS
import Foundation
import HTTPClient
import Locking
import SigV4

/// `fake-sqs bench`: the throughput of a running fake SQS through the controller's own client.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send N messages to a fake SQS, then receive and delete them with concurrent receivers.",
        discussion: """
            Sends with SendMessageBatch (10 a call) from --senders tasks, then receives (10 a call, 1-second long \
            polls) and deletes (DeleteMessageBatch) with --receivers tasks through the AWS module's SQSClient, the \
            controller's client. Prints the rates and a verdict line; exits 1 when the receive-and-delete rate is \
            below --minimum. Used by scripts/bench-sqs.
            """)

    @Option(help: "The fake's base URL (the first line fake-sqs serve prints).")
    var endpoint: String

    @Option(name: .customLong("access-key"), help: "The key to sign with, ACCESS_KEY_ID:SECRET_ACCESS_KEY.")
    var accessKey: String

    @Option(help: "The region to sign for.")
    var region = "us-east-1"

    @Option(help: "The queue to create and use.")
    var queue = "bench"

    @Option(help: "Messages to send and then receive.")
    var messages = 5000

    @Option(help: "Concurrent senders.")
    var senders = 4

    @Option(help: "Concurrent receivers (the controller runs several pollers).")
    var receivers = 4

    @Option(help: "The receive-and-delete rate, in messages a second, below which the verdict is FAIL.")
    var minimum = 1000.0

    func validate() throws {
        guard messages > 0, senders > 0, receivers > 0 else {
            throw ValidationError("--messages, --senders and --receivers must be positive")
        }
    }

    func run() async throws {
        let parts = accessKey.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("--access-key is ACCESS_KEY_ID:SECRET_ACCESS_KEY") }
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.maxConnectionsPerHost = senders + receivers
        httpConfiguration.maxTotalConnections = senders + receivers + 2
        let client = AWSClient(
            configuration: AWSConfiguration(region: region, endpoints: EndpointResolver(override: endpoint)),
            credentialsProvider: StaticCredentialsProvider(
                Credentials(accessKeyID: parts[0], secretAccessKey: parts[1])),
            httpClient: try HTTPClient(configuration: httpConfiguration))
        let created = try await client.json(
            .sqs, operation: "CreateQueue", body: try JSONSerialization.data(withJSONObject: ["QueueName": queue]))
        guard let url = (try JSONSerialization.jsonObject(with: created) as? [String: Any])?["QueueUrl"] as? String
        else { throw ValidationError("CreateQueue returned no QueueUrl") }
        let sqs = try SQSClient(client: client, queueURL: url)
        _ = try await client.json(
            .sqs, operation: "PurgeQueue", body: try JSONSerialization.data(withJSONObject: ["QueueUrl": url]))

        let clock = ContinuousClock()
        let sendStart = clock.now
        try await send(client: client, url: url)
        let sendSeconds = Self.seconds(sendStart.duration(to: clock.now))

        let receiveStart = clock.now
        let deleted = try await receiveAndDelete(sqs)
        let receiveSeconds = Self.seconds(receiveStart.duration(to: clock.now))
        let left = try await sqs.getQueueAttributes([
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        ])

        let sendRate = Double(messages) / sendSeconds
        let rate = Double(deleted) / receiveSeconds
        print(
            "sent \(messages) messages in \(Self.format(sendSeconds, 2)) s: \(Self.format(sendRate, 0)) msg/s "
                + "(SendMessageBatch, \(senders) senders)")
        print(
            "received and deleted \(deleted) in \(Self.format(receiveSeconds, 2)) s: \(Self.format(rate, 0)) msg/s "
                + "(\(receivers) receivers, ReceiveMessage and DeleteMessageBatch of 10)")
        print(
            "left in the queue: \(left["ApproximateNumberOfMessages"] ?? "?") visible, "
                + "\(left["ApproximateNumberOfMessagesNotVisible"] ?? "?") in flight")
        let pass =
            deleted == messages && rate >= minimum && left["ApproximateNumberOfMessages"] == "0"
            && left["ApproximateNumberOfMessagesNotVisible"] == "0"
        print(
            "fake-sqs: \(Self.grouped(rate)) msg/s \(rate >= minimum ? "≥" : "<") \(Self.grouped(minimum)): "
                + (pass ? "PASS" : "FAIL"))
        if !pass { throw ExitCode(1) }
    }

    /// Sends `messages` bodies in batches of 10 from `senders` tasks.
    private func send(client: AWSClient, url: String) async throws {
        let batches = (messages + 9) / 10
        let next = Lock(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<senders {
                group.addTask {
                    while true {
                        let batch = next.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard batch < batches else { return }
                        let count = min(10, messages - batch * 10)
                        let entries = (0..<count).map { index in
                            ["Id": "m\(index)", "MessageBody": #"{"bench":\#(batch * 10 + index)}"#]
                        }
                        _ = try await client.json(
                            .sqs, operation: "SendMessageBatch",
                            body: try JSONSerialization.data(withJSONObject: ["QueueUrl": url, "Entries": entries]))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Receives and deletes until `messages` are deleted; returns how many were.
    private func receiveAndDelete(_ sqs: SQSClient) async throws -> Int {
        let deleted = Lock(0)
        let target = messages
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<receivers {
                group.addTask {
                    while deleted.withLock({ $0 }) < target {
                        let received = try await sqs.receiveMessages(
                            .init(
                                maxNumberOfMessages: 10, waitTimeSeconds: 1, visibilityTimeout: 30,
                                messageAttributeNames: []))
                        guard !received.isEmpty else { continue }
                        let result = try await sqs.deleteMessageBatch(
                            received.enumerated().map {
                                SQSDeleteEntry(id: "e\($0.offset)", receiptHandle: $0.element.receiptHandle)
                            })
                        guard result.failed.isEmpty else {
                            throw ValidationError("DeleteMessageBatch failed entries: \(result.failed)")
                        }
                        deleted.withLock { $0 += result.successful.count }
                    }
                }
            }
            try await group.waitForAll()
        }
        return deleted.withLock { $0 }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// `5234.7` → `5,235`.
    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
