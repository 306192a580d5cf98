import Foundation
import TestSupport
import Testing

@testable import FakeSQS

@Suite("SQSBroker: long polls")
struct BrokerTests {
    @Test("A waiting long poll returns as soon as a message is sent")
    func wakesOnSend() async throws {
        let broker = SQSBroker()
        try broker.createQueue("q")
        let clock = ContinuousClock()
        let start = clock.now
        async let received = broker.receive("q", maxMessages: 10, visibilityTimeout: nil, waitSeconds: 20)
        try await eventually("the poll waits") { broker.waitingPolls("q") == 1 }
        let sent = try broker.withQueue("q", wakes: true) { queue, now in
            queue.send(body: "wake", senderID: "AIDA", now: now)
        }
        let messages = try await received
        #expect(messages.map(\.messageID) == [sent.messageID])
        #expect(start.duration(to: clock.now) < .seconds(19), "woken, not at the end of its 20 s wait")
        #expect(broker.waitingPolls("q") == 0)
    }

    @Test("A waiting long poll returns when an in-flight message's visibility timeout ends")
    func wakesOnReveal() async throws {
        let broker = SQSBroker()
        try broker.createQueue("q")
        _ = try broker.withQueue("q", wakes: true) { queue, now in queue.send(body: "a", senderID: "AIDA", now: now) }
        _ = try await broker.receive("q", maxMessages: 1, visibilityTimeout: 1, waitSeconds: 0)
        let clock = ContinuousClock()
        let start = clock.now
        let again = try await broker.receive("q", maxMessages: 1, visibilityTimeout: 30, waitSeconds: 20)
        #expect(again.first?.receiveCount == 2)
        #expect(start.duration(to: clock.now) < .seconds(19), "woken, not at the end of its 20 s wait")
    }

    @Test("A long poll on an empty queue ends empty after its wait")
    func endsEmpty() async throws {
        let broker = SQSBroker()
        try broker.createQueue("q")
        let clock = ContinuousClock()
        let start = clock.now
        let messages = try await broker.receive("q", maxMessages: 10, visibilityTimeout: nil, waitSeconds: 1)
        #expect(messages.isEmpty)
        #expect(start.duration(to: clock.now) >= .milliseconds(990))
        #expect(broker.waitingPolls("q") == 0)
    }

    @Test("Every concurrent poller gets its own messages, none twice")
    func concurrentPollers() async throws {
        let broker = SQSBroker()
        try broker.createQueue("q")
        let ids = try broker.withQueue("q", wakes: true) { queue, now in
            (0..<100).map { queue.send(body: "m\($0)", senderID: "AIDA", now: now).messageID }
        }
        let received = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let batch = try await broker.receive(
                            "q", maxMessages: 10, visibilityTimeout: 30, waitSeconds: 0)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.messageID)
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(received.sorted() == ids.sorted())
    }

    @Test("A queue that does not exist is QueueDoesNotExist")
    func missingQueue() async {
        let broker = SQSBroker()
        await #expect(throws: SQSFault.queueDoesNotExist) {
            try await broker.receive("nope", maxMessages: 1, visibilityTimeout: nil, waitSeconds: 0)
        }
    }
}
