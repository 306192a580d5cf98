import Foundation

extension SQSService.Context {
    /// Runs one operation and returns its JSON response body.
    func perform(_ operation: String) async throws(SQSFault) -> Data {
        switch operation {
        case "CreateQueue": return try createQueue()
        case "GetQueueUrl": return try getQueueURL()
        case "ListQueues": return try listQueues()
        case "GetQueueAttributes": return try getQueueAttributes()
        case "SendMessage": return try sendMessage()
        case "SendMessageBatch": return try sendMessageBatch()
        case "ReceiveMessage": return try await receiveMessage()
        case "DeleteMessage": return try deleteMessage()
        case "DeleteMessageBatch": return try deleteMessageBatch()
        case "ChangeMessageVisibility": return try changeMessageVisibility()
        case "ChangeMessageVisibilityBatch": return try changeMessageVisibilityBatch()
        case "PurgeQueue": return try purgeQueue()
        default: throw .invalidAction(operation)
        }
    }

    private func createQueue() throws(SQSFault) -> Data {
        let input = try decode(Wire.QueueName.self)
        guard let name = input.QueueName else { throw .missingParameter("QueueName") }
        try broker.createQueue(name, attributes: input.Attributes ?? [:])
        return try encode(Wire.QueueURLResponse(QueueUrl: queueURL(name)))
    }

    private func getQueueURL() throws(SQSFault) -> Data {
        let input = try decode(Wire.QueueName.self)
        guard let name = input.QueueName else { throw .missingParameter("QueueName") }
        guard broker.hasQueue(name) else { throw .queueDoesNotExist }
        return try encode(Wire.QueueURLResponse(QueueUrl: queueURL(name)))
    }

    private func listQueues() throws(SQSFault) -> Data {
        let prefix = try decode(Wire.ListQueues.self).QueueNamePrefix ?? ""
        let names = broker.queueNames.filter { $0.hasPrefix(prefix) }
        return try encode(Wire.ListQueuesResponse(QueueUrls: names.isEmpty ? nil : names.map(queueURL)))
    }

    private func getQueueAttributes() throws(SQSFault) -> Data {
        let input = try decode(Wire.GetQueueAttributes.self)
        let names = input.AttributeNames ?? []
        if let unknown = names.first(where: { $0 != "All" && !QueueState.attributeNames.contains($0) }) {
            throw .invalidAttributeName(unknown)
        }
        let all = try broker.withQueue(try queueName(input.QueueUrl)) { queue, now in queue.attributes(now: now) }
        let selected = names.contains("All") ? all : all.filter { names.contains($0.key) }
        return try encode(Wire.AttributesResponse(Attributes: selected.isEmpty ? nil : selected))
    }

    private func attributes(_ wire: [String: Wire.MessageAttribute]?) throws(SQSFault) -> [String:
        MessageAttributeValue]
    {
        var result: [String: MessageAttributeValue] = [:]
        for (name, value) in wire ?? [:] {
            result[name] = try value.value(name: name)
        }
        return result
    }

    /// Checks a body and delay as SendMessage does.
    private func validate(body: String?, delay: Int?, maximumSize: Int) throws(SQSFault) -> String {
        guard let body, !body.isEmpty else { throw .missingParameter("MessageBody") }
        guard body.utf8.count <= maximumSize else {
            throw .invalidParameterValue(
                "One or more parameters are invalid. Reason: Message must be shorter than \(maximumSize) bytes.")
        }
        if let delay, !(0...900).contains(delay) {
            throw .invalidParameterValue(
                "Value \(delay) for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")
        }
        return body
    }

    private func sendMessage() throws(SQSFault) -> Data {
        let input = try decode(Wire.SendMessage.self)
        let name = try queueName(input.QueueUrl)
        let attributes = try attributes(input.MessageAttributes)
        let sender = senderID
        let sent = try broker.withQueue(name, wakes: true) { (queue, now) throws(SQSFault) in
            let body = try validate(
                body: input.MessageBody, delay: input.DelaySeconds, maximumSize: queue.settings.maximumMessageSize)
            return queue.send(
                body: body, attributes: attributes, delaySeconds: input.DelaySeconds, senderID: sender, now: now)
        }
        return try encode(
            Wire.SendMessageResponse(
                MessageId: sent.messageID, MD5OfMessageBody: sent.md5OfBody,
                MD5OfMessageAttributes: sent.md5OfAttributes))
    }

    /// Checks a batch's entry count and ids as every batch operation does.
    private func checkBatch(_ ids: [String?]) throws(SQSFault) -> [String] {
        guard !ids.isEmpty else { throw .emptyBatchRequest }
        guard ids.count <= 10 else { throw .tooManyEntriesInBatchRequest(ids.count) }
        var seen: Set<String> = []
        var result: [String] = []
        for id in ids {
            guard let id, (1...80).contains(id.utf8.count), id.utf8.allSatisfy(SQSNames.isIdentifierByte) else {
                throw .invalidBatchEntryId
            }
            guard seen.insert(id).inserted else { throw .batchEntryIdsNotDistinct(id) }
            result.append(id)
        }
        return result
    }

    private func sendMessageBatch() throws(SQSFault) -> Data {
        let input = try decode(Wire.Batch<Wire.SendEntry>.self)
        let name = try queueName(input.QueueUrl)
        let entries = input.Entries ?? []
        let ids = try checkBatch(entries.map(\.Id))
        let total = entries.reduce(0) { $0 + ($1.MessageBody?.utf8.count ?? 0) }
        guard total <= 1_048_576 else {
            throw SQSFault(
                status: 400, type: "com.amazonaws.sqs#BatchRequestTooLong",
                queryCode: "AWS.SimpleQueueService.BatchRequestTooLong",
                message: "Batch requests cannot be longer than 1048576 bytes. You have sent \(total) bytes.")
        }
        let sender = senderID
        let response = try broker.withQueue(name, wakes: true) { (queue, now) throws(SQSFault) in
            var response = Wire.BatchResponse<Wire.SendBatchSuccess>(Successful: [], Failed: [])
            for (id, entry) in zip(ids, entries) {
                do {
                    let body = try validate(
                        body: entry.MessageBody, delay: entry.DelaySeconds,
                        maximumSize: queue.settings.maximumMessageSize)
                    let sent = queue.send(
                        body: body, attributes: try attributes(entry.MessageAttributes),
                        delaySeconds: entry.DelaySeconds, senderID: sender, now: now)
                    response.Successful.append(
                        Wire.SendBatchSuccess(
                            Id: id, MessageId: sent.messageID, MD5OfMessageBody: sent.md5OfBody,
                            MD5OfMessageAttributes: sent.md5OfAttributes))
                } catch {
                    response.Failed.append(Self.failure(id, error))
                }
            }
            return response
        }
        return try encode(response)
    }

    private func receiveMessage() async throws(SQSFault) -> Data {
        let input = try decode(Wire.ReceiveMessage.self)
        let name = try queueName(input.QueueUrl)
        let maxMessages = input.MaxNumberOfMessages ?? 1
        guard (1...10).contains(maxMessages) else {
            throw .invalidParameterValue(
                "Value \(maxMessages) for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
                    + "if provided.")
        }
        if let wait = input.WaitTimeSeconds, !(0...20).contains(wait) {
            throw .invalidParameterValue(
                "Value \(wait) for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.")
        }
        if let timeout = input.VisibilityTimeout, !(0...43_200).contains(timeout) {
            throw .invalidParameterValue(
                "Value \(timeout) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, "
                    + "if provided.")
        }
        var wait = input.WaitTimeSeconds ?? 0
        if input.WaitTimeSeconds == nil {
            wait = try broker.withQueue(name) { queue, _ in queue.settings.receiveMessageWaitTimeSeconds }
        }
        let received = try await broker.receive(
            name, maxMessages: maxMessages, visibilityTimeout: input.VisibilityTimeout, waitSeconds: wait)
        let systemNames = Set((input.AttributeNames ?? []) + (input.MessageSystemAttributeNames ?? []))
        let attributeNames = input.MessageAttributeNames ?? []
        let messages = received.map { message in
            let selected = Self.select(message.messageAttributes, attributeNames)
            return Wire.Message(
                MessageId: message.messageID, ReceiptHandle: message.receiptHandle, MD5OfBody: message.md5OfBody,
                Body: message.body, Attributes: Self.systemAttributes(message, systemNames),
                MessageAttributes: selected.isEmpty ? nil : selected.mapValues(Wire.MessageAttribute.init),
                MD5OfMessageAttributes: MessageDigest.md5(attributes: selected))
        }
        return try encode(Wire.ReceiveMessageResponse(Messages: messages.isEmpty ? nil : messages))
    }

    private func deleteMessage() throws(SQSFault) -> Data {
        let input = try decode(Wire.DeleteMessage.self)
        let name = try queueName(input.QueueUrl)
        guard let handle = input.ReceiptHandle else { throw .missingParameter("ReceiptHandle") }
        try broker.withQueue(name) { (queue, _) throws(SQSFault) in _ = try queue.delete(handle: handle) }
        return try encode(Wire.Empty())
    }

    private func deleteMessageBatch() throws(SQSFault) -> Data {
        let input = try decode(Wire.Batch<Wire.HandleEntry>.self)
        let name = try queueName(input.QueueUrl)
        let entries = input.Entries ?? []
        let ids = try checkBatch(entries.map(\.Id))
        let response = try broker.withQueue(name) { queue, _ in
            var response = Wire.BatchResponse<Wire.BatchSuccess>(Successful: [], Failed: [])
            for (id, entry) in zip(ids, entries) {
                do {
                    guard let handle = entry.ReceiptHandle else { throw SQSFault.missingParameter("ReceiptHandle") }
                    try queue.delete(handle: handle)
                    response.Successful.append(Wire.BatchSuccess(Id: id))
                } catch {
                    response.Failed.append(Self.failure(id, error))
                }
            }
            return response
        }
        return try encode(response)
    }

    private func changeMessageVisibility() throws(SQSFault) -> Data {
        let input = try decode(Wire.ChangeMessageVisibility.self)
        let name = try queueName(input.QueueUrl)
        guard let handle = input.ReceiptHandle else { throw .missingParameter("ReceiptHandle") }
        guard let timeout = input.VisibilityTimeout else { throw .missingParameter("VisibilityTimeout") }
        try broker.withQueue(name, wakes: timeout == 0) { (queue, now) throws(SQSFault) in
            try queue.changeVisibility(handle: handle, timeout: timeout, now: now)
        }
        return try encode(Wire.Empty())
    }

    private func changeMessageVisibilityBatch() throws(SQSFault) -> Data {
        let input = try decode(Wire.Batch<Wire.HandleEntry>.self)
        let name = try queueName(input.QueueUrl)
        let entries = input.Entries ?? []
        let ids = try checkBatch(entries.map(\.Id))
        let wakes = entries.contains { $0.VisibilityTimeout == 0 }
        let response = try broker.withQueue(name, wakes: wakes) { queue, now in
            var response = Wire.BatchResponse<Wire.BatchSuccess>(Successful: [], Failed: [])
            for (id, entry) in zip(ids, entries) {
                do {
                    guard let handle = entry.ReceiptHandle else { throw SQSFault.missingParameter("ReceiptHandle") }
                    guard let timeout = entry.VisibilityTimeout else {
                        throw SQSFault.missingParameter("VisibilityTimeout")
                    }
                    try queue.changeVisibility(handle: handle, timeout: timeout, now: now)
                    response.Successful.append(Wire.BatchSuccess(Id: id))
                } catch {
                    response.Failed.append(Self.failure(id, error))
                }
            }
            return response
        }
        return try encode(response)
    }

    private func purgeQueue() throws(SQSFault) -> Data {
        let name = try queueName(try decode(Wire.QueueURL.self).QueueUrl)
        try broker.withQueue(name) { queue, _ in queue.purge() }
        return try encode(Wire.Empty())
    }

    /// A batch entry's failure: the short code of the error, as SQS puts in `Failed`.
    private static func failure(_ id: String, _ error: any Error) -> Wire.BatchFailure {
        let fault = error as? SQSFault ?? .invalidParameterValue("\(error)")
        return Wire.BatchFailure(Id: id, SenderFault: fault.status < 500, Code: fault.code, Message: fault.message)
    }

    /// The system attributes asked for (`All` for every one), or `nil` when none was.
    private static func systemAttributes(_ message: ReceivedMessage, _ names: Set<String>) -> [String: String]? {
        guard !names.isEmpty else { return nil }
        let all: [String: String] = [
            "SenderId": message.senderID,
            "SentTimestamp": String(message.sentTimestamp),
            "ApproximateReceiveCount": String(message.receiveCount),
            "ApproximateFirstReceiveTimestamp": String(message.firstReceiveTimestamp),
        ]
        let selected = names.contains("All") ? all : all.filter { names.contains($0.key) }
        return selected
    }

    /// The message attributes asked for: `All` or `.*` for every one, a name, or a `prefix.*`.
    private static func select(
        _ attributes: [String: MessageAttributeValue], _ names: [String]
    ) -> [String: MessageAttributeValue] {
        guard !attributes.isEmpty, !names.isEmpty else { return [:] }
        if names.contains("All") || names.contains(".*") { return attributes }
        return attributes.filter { name, _ in
            names.contains { pattern in
                pattern.hasSuffix(".*") ? name.hasPrefix(String(pattern.dropLast(1))) : name == pattern
            }
        }
    }
}
