import Foundation
import Testing

@testable import FakeSQS

@Suite("QueueState: the SQS message state machine")
struct QueueStateTests {
    private func queue(visibilityTimeout: Int = 30) throws -> QueueState {
        QueueState(
            name: "q", arn: "arn:aws:sqs:us-east-1:123456789012:q",
            settings: try QueueSettings(attributes: ["VisibilityTimeout": String(visibilityTimeout)]), now: 0)
    }

    @Test("A receive hides the message for the visibility timeout and counts the receive")
    func receiveHides() throws {
        var queue = try queue()
        let sent = queue.send(body: "hello", senderID: "AIDA", now: 1_000)
        #expect(sent.md5OfBody == "5d41402abc4b2a76b9719d911017c592")
        let first = queue.receive(maxMessages: 10, now: 2_000)
        #expect(first.map(\.messageID) == [sent.messageID])
        #expect(first.first?.receiveCount == 1)
        #expect(first.first?.sentTimestamp == 1_000)
        #expect(first.first?.firstReceiveTimestamp == 2_000)
        #expect(queue.receive(maxMessages: 10, now: 31_999).isEmpty)
        #expect(queue.counts(now: 31_999) == (visible: 0, inFlight: 1, delayed: 0))
        #expect(queue.nextReveal == 32_000)
    }

    @Test("A message shows again when its timeout ends, with a new handle, a count of two and the first time kept")
    func showsAgain() throws {
        var queue = try queue(visibilityTimeout: 1)
        _ = queue.send(body: "a", senderID: "AIDA", now: 0)
        let first = try #require(queue.receive(maxMessages: 1, now: 10).first)
        let second = try #require(queue.receive(maxMessages: 1, now: 1_010).first)
        #expect(second.receiptHandle != first.receiptHandle)
        #expect(second.receiveCount == 2)
        #expect(second.firstReceiveTimestamp == 10)
    }

    @Test("Receives take visible messages in send order, at most the number asked for")
    func order() throws {
        var queue = try queue()
        let ids = (0..<12).map { queue.send(body: "m\($0)", senderID: "AIDA", now: Int64($0)).messageID }
        #expect(queue.receive(maxMessages: 10, now: 100).map(\.messageID) == Array(ids[0..<10]))
        #expect(queue.receive(maxMessages: 10, now: 100).map(\.messageID) == Array(ids[10...]))
    }

    @Test("Deleting with a stale handle succeeds and keeps the message; the latest deletes it; again succeeds")
    func staleHandle() throws {
        var queue = try queue(visibilityTimeout: 1)
        _ = queue.send(body: "a", senderID: "AIDA", now: 0)
        let old = try #require(queue.receive(maxMessages: 1, now: 0).first).receiptHandle
        let latest = try #require(queue.receive(maxMessages: 1, now: 1_000).first).receiptHandle
        #expect(try queue.delete(handle: old) == .staleHandleIgnored)
        #expect(queue.counts(now: 1_000) == (visible: 0, inFlight: 1, delayed: 0))
        #expect(try queue.delete(handle: latest) == .deleted)
        #expect(try queue.delete(handle: latest) == .alreadyDeleted)
        #expect(try queue.delete(handle: old) == .alreadyDeleted)
        #expect(queue.counts(now: 1_000) == (visible: 0, inFlight: 0, delayed: 0))
    }

    @Test("A handle never issued is ReceiptHandleIsInvalid, with SQS's message")
    func invalidHandle() throws {
        var queue = try queue()
        #expect(throws: SQSFault.receiptHandleIsInvalid("nope")) { try queue.delete(handle: "nope") }
        #expect(throws: SQSFault.receiptHandleIsInvalid("nope")) {
            try queue.changeVisibility(handle: "nope", timeout: 5, now: 0)
        }
        #expect(
            SQSFault.receiptHandleIsInvalid("x").message
                == "The input receipt handle \"x\" is not a valid receipt handle.")
    }

    @Test("Visibility 0 makes a message visible at once; its handle is then expired for visibility changes")
    func visibilityZero() throws {
        var queue = try queue()
        _ = queue.send(body: "a", senderID: "AIDA", now: 0)
        let handle = try #require(queue.receive(maxMessages: 1, now: 0).first).receiptHandle
        try queue.changeVisibility(handle: handle, timeout: 0, now: 5)
        #expect(queue.counts(now: 5) == (visible: 1, inFlight: 0, delayed: 0))
        #expect(throws: SQSFault.receiptHandleExpired(handle)) {
            try queue.changeVisibility(handle: handle, timeout: 10, now: 6)
        }
        let again = try #require(queue.receive(maxMessages: 1, now: 7).first)
        #expect(again.receiveCount == 2)
    }

    @Test("Extending visibility counts from now; beyond 12 hours since the receive is refused")
    func extend() throws {
        var queue = try queue()
        _ = queue.send(body: "a", senderID: "AIDA", now: 0)
        let handle = try #require(queue.receive(maxMessages: 1, now: 0).first).receiptHandle
        try queue.changeVisibility(handle: handle, timeout: 100, now: 20_000)
        #expect(queue.receive(maxMessages: 1, now: 119_999).isEmpty)
        #expect(throws: SQSFault.self) { try queue.changeVisibility(handle: handle, timeout: 43_200, now: 60_000) }
        #expect(queue.receive(maxMessages: 1, now: 120_000).count == 1)
    }

    @Test("A delayed message stays hidden until due and counts as delayed")
    func delay() throws {
        var queue = try queue()
        _ = queue.send(body: "a", delaySeconds: 2, senderID: "AIDA", now: 0)
        #expect(queue.counts(now: 1_999) == (visible: 0, inFlight: 0, delayed: 1))
        #expect(queue.receive(maxMessages: 1, now: 1_999).isEmpty)
        #expect(queue.receive(maxMessages: 1, now: 2_000).count == 1)
    }

    @Test("Purge removes visible and in-flight messages; their handles are then invalid")
    func purge() throws {
        var queue = try queue()
        _ = queue.send(body: "a", senderID: "AIDA", now: 0)
        _ = queue.send(body: "b", senderID: "AIDA", now: 0)
        let handle = try #require(queue.receive(maxMessages: 1, now: 0).first).receiptHandle
        queue.purge()
        #expect(queue.counts(now: 0) == (visible: 0, inFlight: 0, delayed: 0))
        #expect(throws: SQSFault.receiptHandleIsInvalid(handle)) { try queue.delete(handle: handle) }
    }

    @Test("The attribute digest is SQS's (the value moto computes for the same attributes)")
    func attributeDigest() {
        let attributes = [
            "Zeta": MessageAttributeValue(dataType: "String", stringValue: "z"),
            "alpha": MessageAttributeValue(dataType: "Number", stringValue: "42"),
            "bin": MessageAttributeValue(dataType: "Binary", binaryValue: Data([0, 1, 2])),
        ]
        #expect(MessageDigest.md5(attributes: attributes) == "f4ded6970a21022c3ca42e49c736c20c")
        #expect(MessageDigest.md5(attributes: [:]) == nil)
    }

    @Test("Queue settings refuse unknown names and values out of range")
    func settings() {
        #expect(throws: SQSFault.invalidAttributeName("Colour")) { try QueueSettings(attributes: ["Colour": "red"]) }
        #expect(throws: SQSFault.invalidAttributeValue("VisibilityTimeout")) {
            try QueueSettings(attributes: ["VisibilityTimeout": "43201"])
        }
    }
}
