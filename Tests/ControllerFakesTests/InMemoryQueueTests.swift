import Clocks
import Controller
import ControllerFakes
import Foundation
import Interruption
import TestSupport
import Testing

@Suite("The in-memory queue: SQS's visibility, receipt handles and long polls")
struct InMemoryQueueTests {
    @Test("a received message hides until released; a stale receipt handle is refused, the fresh one deletes")
    func visibilityAndHandles() async throws {
        let queue = InMemoryQueue()
        let id = queue.send("hello")
        let first = try await queue.receive(maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30)
        #expect(first.map(\.messageID) == [id])
        #expect(try await queue.receive(maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30).isEmpty)
        let held = QueueMessage(
            messageID: id, receiptHandle: first[0].receiptHandle, receivedAt: Date(), receiveCount: 1)
        #expect(try await queue.release([held]).isEmpty)
        let second = try await queue.receive(maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30)
        #expect(second.first?.receiveCount == 2)
        let failures = try await queue.delete([held])
        #expect(failures.map(\.code) == ["ReceiptHandleIsInvalid"])
        let fresh = QueueMessage(
            messageID: id, receiptHandle: second[0].receiptHandle, receivedAt: Date(), receiveCount: 2)
        #expect(try await queue.delete([fresh]).isEmpty)
        #expect(queue.remaining == 0)
        #expect(queue.calls.staleHandles == 1)
    }

    @Test("on a manual clock, a long poll wakes when the visibility timeout passes, and ends empty at its wait")
    func longPollOnManualClock() async throws {
        let clock = ManualClock()
        let queue = InMemoryQueue(clock: clock)
        let id = queue.send("hello")
        _ = try await queue.receive(maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30)
        let poll = Task { try await queue.receive(maxMessages: 10, waitTimeSeconds: 20, visibilityTimeoutSeconds: 30) }
        try await eventually("the long poll to wait") { queue.waitingReceives == 1 }
        clock.advance(by: 10)
        try await eventually("the long poll to wait again") { queue.waitingReceives == 1 }
        clock.advance(by: 10)  // past the wait: the poll ends empty, although the message is still hidden
        #expect(try await poll.value.isEmpty)
        let again = Task { try await queue.receive(maxMessages: 10, waitTimeSeconds: 20, visibilityTimeoutSeconds: 30) }
        try await eventually("the second long poll to wait") { queue.waitingReceives == 1 }
        clock.advance(by: 15)  // 35 s after the receive: visible again
        let received = try await again.value
        #expect(received.map(\.messageID) == [id])
        #expect(received.first?.receiveCount == 2)
    }

    @Test("on the system clock, a long poll returns a message sent while it waits, and ends empty at its wait")
    func longPollOnSystemClock() async throws {
        let queue = InMemoryQueue(idFormat: "sim-%06d")
        let started = ContinuousClock.now
        #expect(try await queue.receive(maxMessages: 10, waitTimeSeconds: 1, visibilityTimeoutSeconds: 30).isEmpty)
        #expect(ContinuousClock.now - started >= .seconds(1))
        let poll = Task { try await queue.receive(maxMessages: 10, waitTimeSeconds: 20, visibilityTimeoutSeconds: 30) }
        let id = queue.send("hello")
        #expect(try await poll.value.map(\.messageID) == [id])
        #expect(id == "sim-000001")
    }

    @Test("injected failures: receives throw, deletes fail per entry, then both recover")
    func injectedFailures() async throws {
        let queue = InMemoryQueue(clock: ManualClock())
        let id = queue.send("hello")
        queue.failReceives(1)
        await #expect(throws: InjectedFault.self) {
            try await queue.receive(maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30)
        }
        let received = try await queue.receive(maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30)
        let message = QueueMessage(
            messageID: id, receiptHandle: received[0].receiptHandle, receivedAt: Date(), receiveCount: 1)
        queue.failDeletes(of: id, times: 1)
        #expect(try await queue.delete([message]).map(\.code) == ["InternalError"])
        #expect(try await queue.delete([message]).isEmpty)
        #expect(queue.isDeleted(id))
        #expect(queue.calls.deleteBatches == [[id], [id]])
    }
}
