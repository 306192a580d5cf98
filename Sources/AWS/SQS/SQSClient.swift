import Foundation

/// One SQS queue, spoken to in the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`).
///
/// The region is the client's, or the one in the queue URL (`sqs.<region>.amazonaws.com`) when none is configured.
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/Welcome.html> and
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html>.
public struct SQSClient: Sendable {
    /// The transport.
    public let client: AWSClient
    /// The queue URL, e.g. `https://sqs.eu-west-1.amazonaws.com/123456789012/nth`.
    public let queueURL: String
    /// The region requests are signed for and sent to.
    public let region: String?

    /// Most messages one receive returns.
    public static let maxMessagesPerReceive = 10
    /// The longest long poll.
    public static let maxWaitTimeSeconds = 20
    /// Most entries in one batch call.
    public static let maxBatchEntries = 10

    /// Creates a client for one queue.
    ///
    /// - Parameters:
    ///   - client: the transport.
    ///   - queueURL: the queue URL.
    /// - Throws: ``AWSError/Kind/configuration`` when no region is configured, the URL names none and no endpoint
    ///   override is set.
    public init(client: AWSClient, queueURL: String) throws(AWSError) {
        self.client = client
        self.queueURL = queueURL
        self.region = client.configuration.region ?? Region.fromQueueURL(queueURL)
        _ = try client.configuration.endpoints.endpoint(for: .sqs, region: region)
    }

    /// What to ask `ReceiveMessage` for.
    public struct ReceiveOptions: Sendable, Equatable {
        /// 1...10 messages.
        public var maxNumberOfMessages: Int
        /// The long poll's length, 0...20 seconds.
        public var waitTimeSeconds: Int
        /// The visibility timeout of the received messages, or `nil` for the queue's.
        public var visibilityTimeout: Int?
        /// System attributes to return.
        public var systemAttributeNames: [String]
        /// Message attributes to return (`All` for every one).
        public var messageAttributeNames: [String]

        /// Creates options; the defaults are 10 messages, a 20-second long poll, the queue's visibility timeout,
        /// `SentTimestamp` and `ApproximateReceiveCount`, and all message attributes.
        ///
        /// - Parameters:
        ///   - maxNumberOfMessages: 1...10.
        ///   - waitTimeSeconds: 0...20.
        ///   - visibilityTimeout: 0...43200 seconds, or `nil`.
        ///   - systemAttributeNames: system attributes to return.
        ///   - messageAttributeNames: message attributes to return.
        public init(
            maxNumberOfMessages: Int = 10, waitTimeSeconds: Int = 20, visibilityTimeout: Int? = nil,
            systemAttributeNames: [String] = ["SentTimestamp", "ApproximateReceiveCount"],
            messageAttributeNames: [String] = ["All"]
        ) {
            self.maxNumberOfMessages = maxNumberOfMessages
            self.waitTimeSeconds = waitTimeSeconds
            self.visibilityTimeout = visibilityTimeout
            self.systemAttributeNames = systemAttributeNames
            self.messageAttributeNames = messageAttributeNames
        }
    }

    /// Receives up to 10 messages, waiting up to `waitTimeSeconds` for the first (long polling).
    ///
    /// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html>.
    /// - Parameter options: counts, wait, visibility and attributes.
    /// - Returns: the messages; empty when the poll ended without any.
    /// - Throws: ``AWSError``; ``AWSError/Kind/invalidArgument`` for options out of range.
    public func receiveMessages(_ options: ReceiveOptions = ReceiveOptions()) async throws(AWSError) -> [SQSMessage] {
        let operation = "ReceiveMessage"
        try check(1...Self.maxMessagesPerReceive, options.maxNumberOfMessages, "MaxNumberOfMessages", operation)
        try check(0...Self.maxWaitTimeSeconds, options.waitTimeSeconds, "WaitTimeSeconds", operation)
        if let visibility = options.visibilityTimeout {
            try check(0...43_200, visibility, "VisibilityTimeout", operation)
        }
        let request = SQSWire.ReceiveMessageRequest(
            QueueUrl: queueURL, MaxNumberOfMessages: options.maxNumberOfMessages,
            WaitTimeSeconds: options.waitTimeSeconds, VisibilityTimeout: options.visibilityTimeout,
            MessageSystemAttributeNames: options.systemAttributeNames,
            MessageAttributeNames: options.messageAttributeNames)
        let timeout = client.configuration.requestTimeout + .seconds(options.waitTimeSeconds)
        let response = try await client.json(
            .sqs, operation: operation, request: request, response: SQSWire.ReceiveMessageResponse.self,
            region: region, timeout: timeout)
        var messages: [SQSMessage] = []
        for message in response.Messages ?? [] {
            guard let id = message.MessageId, let handle = message.ReceiptHandle else {
                throw AWSError(
                    kind: .unexpectedResponse, service: "SQS", operation: operation, status: 200,
                    message: "a message has no MessageId or ReceiptHandle")
            }
            var attributes: [String: SQSMessageAttribute] = [:]
            for (name, value) in message.MessageAttributes ?? [:] {
                attributes[name] = SQSMessageAttribute(
                    dataType: value.DataType, stringValue: value.StringValue,
                    binaryValue: value.BinaryValue.flatMap { Data(base64Encoded: $0) })
            }
            messages.append(
                SQSMessage(
                    messageID: id, receiptHandle: handle, body: message.Body ?? "", md5OfBody: message.MD5OfBody,
                    attributes: message.Attributes ?? [:], messageAttributes: attributes))
        }
        return messages
    }

    /// Deletes up to 10 messages in one call; entries can fail one by one.
    ///
    /// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html>.
    /// - Parameter entries: 1...10 entries with distinct ids.
    /// - Returns: which entries succeeded and which failed (e.g. `ReceiptHandleIsInvalid`).
    /// - Throws: ``AWSError`` when the whole call fails; ``AWSError/Kind/invalidArgument`` for a bad batch.
    public func deleteMessageBatch(_ entries: [SQSDeleteEntry]) async throws(AWSError) -> SQSBatchResult {
        let operation = "DeleteMessageBatch"
        try checkBatch(entries.map(\.id), operation)
        let request = SQSWire.BatchRequest(
            QueueUrl: queueURL, Entries: entries.map { SQSWire.DeleteEntry(Id: $0.id, ReceiptHandle: $0.receiptHandle) }
        )
        let response = try await client.json(
            .sqs, operation: operation, request: request, response: SQSWire.BatchResponse.self, region: region)
        return Self.result(response)
    }

    /// Changes the visibility timeout of up to 10 messages in one call; entries can fail one by one.
    ///
    /// See
    /// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatch.html>.
    /// - Parameter entries: 1...10 entries with distinct ids.
    /// - Returns: which entries succeeded and which failed.
    /// - Throws: ``AWSError`` when the whole call fails; ``AWSError/Kind/invalidArgument`` for a bad batch.
    public func changeMessageVisibilityBatch(_ entries: [SQSVisibilityEntry]) async throws(AWSError) -> SQSBatchResult {
        let operation = "ChangeMessageVisibilityBatch"
        try checkBatch(entries.map(\.id), operation)
        for entry in entries {
            try check(0...43_200, entry.visibilityTimeout, "VisibilityTimeout", operation)
        }
        let request = SQSWire.BatchRequest(
            QueueUrl: queueURL,
            Entries: entries.map {
                SQSWire.VisibilityEntry(
                    Id: $0.id, ReceiptHandle: $0.receiptHandle, VisibilityTimeout: $0.visibilityTimeout)
            })
        let response = try await client.json(
            .sqs, operation: operation, request: request, response: SQSWire.BatchResponse.self, region: region)
        return Self.result(response)
    }

    /// Deletes one message.
    ///
    /// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html>.
    /// - Parameter receiptHandle: the message's latest receipt handle.
    /// - Throws: ``AWSError``, e.g. `ReceiptHandleIsInvalid`.
    public func deleteMessage(receiptHandle: String) async throws(AWSError) {
        _ = try await client.json(
            .sqs, operation: "DeleteMessage",
            request: SQSWire.DeleteMessageRequest(QueueUrl: queueURL, ReceiptHandle: receiptHandle),
            response: SQSWire.Empty.self, region: region)
    }

    /// Changes one message's visibility timeout.
    ///
    /// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html>.
    /// - Parameters:
    ///   - receiptHandle: the message's latest receipt handle.
    ///   - visibilityTimeout: seconds from now, 0...43200.
    /// - Throws: ``AWSError``, e.g. `MessageNotInflight`.
    public func changeMessageVisibility(receiptHandle: String, visibilityTimeout: Int) async throws(AWSError) {
        try check(0...43_200, visibilityTimeout, "VisibilityTimeout", "ChangeMessageVisibility")
        _ = try await client.json(
            .sqs, operation: "ChangeMessageVisibility",
            request: SQSWire.ChangeMessageVisibilityRequest(
                QueueUrl: queueURL, ReceiptHandle: receiptHandle, VisibilityTimeout: visibilityTimeout),
            response: SQSWire.Empty.self, region: region)
    }

    /// Reads queue attributes, e.g. `QueueArn`, `VisibilityTimeout`, `ApproximateNumberOfMessages`.
    ///
    /// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html>.
    /// - Parameter names: the attributes to read; `All` for every one.
    /// - Returns: the attributes (values are strings).
    /// - Throws: ``AWSError``, e.g. `QueueDoesNotExist`.
    public func getQueueAttributes(_ names: [String] = ["All"]) async throws(AWSError) -> [String: String] {
        let response = try await client.json(
            .sqs, operation: "GetQueueAttributes",
            request: SQSWire.GetQueueAttributesRequest(QueueUrl: queueURL, AttributeNames: names),
            response: SQSWire.GetQueueAttributesResponse.self, region: region)
        return response.Attributes ?? [:]
    }

    /// Sends one message (for `simulate` and tests; the controller only consumes).
    ///
    /// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html>.
    /// - Parameters:
    ///   - body: the body.
    ///   - messageAttributes: message attributes.
    ///   - delaySeconds: a delay before the message becomes visible, 0...900.
    /// - Returns: the message id.
    /// - Throws: ``AWSError``.
    public func sendMessage(
        body: String, messageAttributes: [String: SQSMessageAttribute] = [:], delaySeconds: Int? = nil
    ) async throws(AWSError) -> String {
        let attributes = messageAttributes.mapValues {
            SQSWire.MessageAttributeValue(
                DataType: $0.dataType, StringValue: $0.stringValue, BinaryValue: $0.binaryValue?.base64EncodedString())
        }
        let response = try await client.json(
            .sqs, operation: "SendMessage",
            request: SQSWire.SendMessageRequest(
                QueueUrl: queueURL, MessageBody: body, DelaySeconds: delaySeconds,
                MessageAttributes: attributes.isEmpty ? nil : attributes),
            response: SQSWire.SendMessageResponse.self, region: region)
        return response.MessageId ?? ""
    }

    private static func result(_ response: SQSWire.BatchResponse) -> SQSBatchResult {
        SQSBatchResult(
            successful: (response.Successful ?? []).map(\.Id),
            failed: (response.Failed ?? []).map {
                SQSBatchResult.Failure(
                    id: $0.Id, code: $0.Code ?? "Unknown", message: $0.Message, senderFault: $0.SenderFault ?? false)
            })
    }

    private func check(_ range: ClosedRange<Int>, _ value: Int, _ name: String, _ operation: String) throws(AWSError) {
        guard range.contains(value) else {
            throw AWSError(
                kind: .invalidArgument, service: "SQS", operation: operation,
                message: "\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    private func checkBatch(_ ids: [String], _ operation: String) throws(AWSError) {
        guard (1...Self.maxBatchEntries).contains(ids.count) else {
            throw AWSError(
                kind: .invalidArgument, service: "SQS", operation: operation,
                message: "a batch takes 1...\(Self.maxBatchEntries) entries, got \(ids.count)")
        }
        guard Set(ids).count == ids.count else {
            throw AWSError(
                kind: .invalidArgument, service: "SQS", operation: operation, message: "batch entry ids must differ")
        }
        let valid = ids.allSatisfy { id in
            (1...80).contains(id.utf8.count)
                && id.utf8.allSatisfy { byte in
                    byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                }
        }
        guard valid else {
            throw AWSError(
                kind: .invalidArgument, service: "SQS", operation: operation,
                message: "batch entry ids are 1...80 characters of A-Z a-z 0-9 - _")
        }
    }
}
