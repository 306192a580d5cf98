public import AWS
public import Interruption

/// ``InterruptionQueue`` over an Amazon SQS queue.
///
/// Receives ask for `SentTimestamp` and `ApproximateReceiveCount`. Batch entries are numbered `e0`…`e9` (SQS wants
/// ids unique within a call, of letters, digits, `-` and `_`) and mapped back to message ids; more than 10 messages
/// are sent in several calls. See
/// [ChangeMessageVisibilityBatch](https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatch.html)
/// and [DeleteMessageBatch](https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html).
public struct SQSInterruptionQueue: InterruptionQueue {
    /// The SQS client for the queue.
    public let client: SQSClient

    /// Creates the queue.
    ///
    /// - Parameter client: The SQS client for the queue.
    public init(client: SQSClient) {
        self.client = client
    }

    /// Receives with `ReceiveMessage`.
    ///
    /// - Parameters:
    ///   - maxMessages: 1–10.
    ///   - waitTimeSeconds: 0–20.
    ///   - visibilityTimeoutSeconds: The visibility timeout of the received messages.
    /// - Returns: The messages.
    /// - Throws: ``AWSError``.
    public func receive(maxMessages: Int, waitTimeSeconds: Int, visibilityTimeoutSeconds: Int) async throws
        -> [ReceivedMessage]
    {
        let messages = try await client.receiveMessages(
            .init(
                maxNumberOfMessages: min(max(maxMessages, 1), SQSClient.maxMessagesPerReceive),
                waitTimeSeconds: min(max(waitTimeSeconds, 0), SQSClient.maxWaitTimeSeconds),
                visibilityTimeout: visibilityTimeoutSeconds,
                messageAttributeNames: []))
        return messages.map {
            ReceivedMessage(
                messageID: $0.messageID, receiptHandle: $0.receiptHandle, body: $0.body,
                receiveCount: $0.approximateReceiveCount ?? 1, sentAt: $0.sentTimestamp)
        }
    }

    /// Extends visibility with `ChangeMessageVisibilityBatch`.
    ///
    /// - Parameters:
    ///   - messages: The messages.
    ///   - timeoutSeconds: The new visibility timeout.
    /// - Returns: The entries that failed.
    /// - Throws: ``AWSError`` when a whole call failed.
    public func extendVisibility(_ messages: [QueueMessage], timeoutSeconds: Int) async throws
        -> [QueueEntryFailure]
    {
        try await changeVisibility(messages, timeoutSeconds: timeoutSeconds)
    }

    /// Deletes with `DeleteMessageBatch`.
    ///
    /// - Parameter messages: The messages.
    /// - Returns: The entries that failed.
    /// - Throws: ``AWSError`` when a whole call failed.
    public func delete(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure] {
        var failures: [QueueEntryFailure] = []
        for chunk in messages.chunked(into: SQSClient.maxBatchEntries) {
            let result = try await client.deleteMessageBatch(
                chunk.enumerated().map { SQSDeleteEntry(id: "e\($0.offset)", receiptHandle: $0.element.receiptHandle) }
            )
            failures += Self.failures(result, chunk)
        }
        return failures
    }

    /// Releases with `ChangeMessageVisibilityBatch` and a timeout of 0.
    ///
    /// - Parameter messages: The messages.
    /// - Returns: The entries that failed.
    /// - Throws: ``AWSError`` when a whole call failed.
    public func release(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure] {
        try await changeVisibility(messages, timeoutSeconds: 0)
    }

    private func changeVisibility(_ messages: [QueueMessage], timeoutSeconds: Int) async throws
        -> [QueueEntryFailure]
    {
        var failures: [QueueEntryFailure] = []
        for chunk in messages.chunked(into: SQSClient.maxBatchEntries) {
            let result = try await client.changeMessageVisibilityBatch(
                chunk.enumerated().map {
                    SQSVisibilityEntry(
                        id: "e\($0.offset)", receiptHandle: $0.element.receiptHandle, visibilityTimeout: timeoutSeconds)
                })
            failures += Self.failures(result, chunk)
        }
        return failures
    }

    private static func failures(_ result: SQSBatchResult, _ chunk: [QueueMessage]) -> [QueueEntryFailure] {
        result.failed.compactMap { failure in
            guard failure.id.hasPrefix("e"), let index = Int(failure.id.dropFirst()), chunk.indices.contains(index)
            else { return nil }
            return QueueEntryFailure(
                messageID: chunk[index].messageID, code: failure.code, message: failure.message,
                senderFault: failure.senderFault)
        }
    }
}

extension Array {
    /// The array cut into consecutive slices of at most `size` elements.
    func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: Swift.max(size, 1)).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
