public import Foundation
import Locking

/// The queues of one fake SQS endpoint behind one lock, and the long polls waiting on them.
///
/// A receive with a wait finds nothing, registers itself on the queue, and sleeps until a send (or a visibility
/// change) on that queue wakes it, until the next hidden message is due to show, or until its wait ends, whichever
/// comes first; it never polls. All operations take the queue's name; the server maps URLs to names.
public final class SQSBroker: Sendable {
    /// The account id in queue URLs and ARNs.
    public let accountID: String
    /// The region in queue ARNs.
    public let region: String
    /// Milliseconds since the epoch.
    let now: @Sendable () -> Int64

    private struct State: Sendable {
        var queues: [String: QueueState] = [:]
        /// Bumped on every change that can make a message visible, per queue.
        var generations: [String: UInt64] = [:]
        var waiters: [String: [ObjectIdentifier: PollWaiter]] = [:]
    }

    private let state = Lock(State())

    /// Creates a broker without queues.
    ///
    /// - Parameters:
    ///   - accountID: the account id.
    ///   - region: the region.
    ///   - now: the clock, in milliseconds since the epoch (the system clock by default).
    public init(
        accountID: String = "123456789012", region: String = "us-east-1",
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.accountID = accountID
        self.region = region
        self.now = now
    }

    /// Creates a queue, or returns the existing one when its attributes agree.
    ///
    /// - Parameters:
    ///   - name: 1–80 characters of `A-Z a-z 0-9 - _`.
    ///   - attributes: `CreateQueue` attributes.
    /// - Throws: ``SQSFault``: `InvalidParameterValue` for a bad name, `QueueNameExists` when the queue exists with
    ///   other attributes, and the errors of ``QueueSettings/init(attributes:)``.
    public func createQueue(_ name: String, attributes: [String: String] = [:]) throws(SQSFault) {
        let valid =
            (1...80).contains(name.utf8.count)
            && name.utf8.allSatisfy { SQSNames.isIdentifierByte($0) }
        guard valid else {
            throw .invalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        let settings = try QueueSettings(attributes: attributes)
        let time = now()
        let arn = "arn:aws:sqs:\(region):\(accountID):\(name)"
        try state.withLock { (state: inout State) throws(SQSFault) in
            if let existing = state.queues[name] {
                if let attribute = existing.settings.firstDifference(from: attributes) {
                    throw .queueNameExists(attribute)
                }
                return
            }
            state.queues[name] = QueueState(name: name, arn: arn, settings: settings, now: time)
        }
    }

    /// The names of every queue, sorted.
    public var queueNames: [String] {
        state.withLock { $0.queues.keys.sorted() }
    }

    /// Whether a queue of that name exists.
    public func hasQueue(_ name: String) -> Bool {
        state.withLock { $0.queues[name] != nil }
    }

    /// Runs `body` on the named queue and, when `wakes`, wakes the long polls waiting on it.
    ///
    /// - Throws: ``SQSFault/queueDoesNotExist``, or what `body` throws.
    public func withQueue<Result>(
        _ name: String, wakes: Bool = false, _ body: (inout QueueState, Int64) throws(SQSFault) -> Result
    ) throws(SQSFault) -> Result {
        let time = now()
        let (result, woken) = try state.withLock { (state: inout State) throws(SQSFault) in
            guard var queue = state.queues[name] else { throw SQSFault.queueDoesNotExist }
            // Removed while `body` runs, so the queue's storage is not copied on write.
            state.queues[name] = nil
            defer { state.queues[name] = queue }
            let result = try body(&queue, time)
            guard wakes else { return (result, [PollWaiter]()) }
            state.generations[name, default: 0] &+= 1
            let woken = state.waiters.removeValue(forKey: name).map { Array($0.values) } ?? []
            return (result, woken)
        }
        for waiter in woken { waiter.wake() }
        return result
    }

    /// Receives, waiting up to `waitSeconds` for a first message: returns as soon as one is visible.
    ///
    /// - Parameters:
    ///   - name: the queue's name.
    ///   - maxMessages: 1...10.
    ///   - visibilityTimeout: seconds, or `nil` for the queue's.
    ///   - waitSeconds: 0...20.
    /// - Returns: the messages; empty when the wait ended without any (or the task was cancelled).
    /// - Throws: ``SQSFault/queueDoesNotExist``.
    public func receive(
        _ name: String, maxMessages: Int, visibilityTimeout: Int?, waitSeconds: Int
    ) async throws(SQSFault) -> [ReceivedMessage] {
        let deadline = now() + Int64(waitSeconds) * 1000
        while true {
            let (messages, generation, nextReveal) = try state.withLock {
                (state: inout State) throws(SQSFault) in
                guard var queue = state.queues[name] else { throw SQSFault.queueDoesNotExist }
                state.queues[name] = nil
                defer { state.queues[name] = queue }
                let messages = queue.receive(
                    maxMessages: maxMessages, visibilityTimeout: visibilityTimeout, now: now())
                return (messages, state.generations[name, default: 0], queue.nextReveal)
            }
            let time = now()
            if !messages.isEmpty || time >= deadline || Task.isCancelled { return messages }
            await waitForChange(name, since: generation, until: min(deadline, nextReveal ?? deadline))
        }
    }

    /// The number of long polls waiting on the named queue now.
    public func waitingPolls(_ name: String) -> Int {
        state.withLock { $0.waiters[name]?.count ?? 0 }
    }

    /// Sleeps until the queue's generation moves past `generation`, `wakeAt` passes, or the task is cancelled.
    private func waitForChange(_ name: String, since generation: UInt64, until wakeAt: Int64) async {
        let waiter = PollWaiter()
        let key = ObjectIdentifier(waiter)
        let registered = state.withLock { state in
            guard state.generations[name, default: 0] == generation else { return false }
            state.waiters[name, default: [:]][key] = waiter
            return true
        }
        guard registered else { return }
        let delay = max(0, wakeAt - now())
        let timer = Task {
            do { try await Task.sleep(for: .milliseconds(delay)) } catch { return }
            waiter.wake()
        }
        await withTaskCancellationHandler {
            await waiter.wait()
        } onCancel: {
            waiter.wake()
        }
        timer.cancel()
        state.withLock { state in _ = state.waiters[name]?.removeValue(forKey: key) }
    }
}

/// One waiting long poll: woken once, by whoever comes first (a send, its timer, cancellation).
final class PollWaiter: Sendable {
    private struct State: Sendable {
        var continuation: CheckedContinuation<Void, Never>?
        var woken = false
    }

    private let state = Lock(State())

    /// Returns once ``wake()`` has been called (at once if it already was).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.woken { return true }
                state.continuation = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Ends the wait; later calls do nothing.
    func wake() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.woken else { return nil }
            state.woken = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }
}

/// Name rules SQS shares between queue names and batch entry ids.
enum SQSNames {
    /// `A-Z a-z 0-9 - _`.
    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_")
    }
}
