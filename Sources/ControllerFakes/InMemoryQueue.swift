public import Clocks
public import Controller
public import Foundation
public import Interruption
import Locking

/// An in-memory SQS queue: visibility timeouts on a ``WallClock``, receipt handles that change with each receive (a
/// stale one is refused, as SQS does), receive counts, `SentTimestamp`, long polls that end empty after their wait,
/// per-entry failures on demand, and a log of every call. `simulate` runs on it with the system clock, the
/// controller's tests with a `ManualClock`.
///
/// A long poll wakes when a message is sent or released, and when the clock moves: at once on a clock that tells
/// (``AdvanceObservable``), otherwise within 20 ms.
public final class InMemoryQueue: InterruptionQueue {
    /// The calls the queue answered.
    public struct Calls: Sendable {
        /// Receives that returned messages.
        public var receives = 0
        /// Receives that ended empty after their wait (long polls with nothing to return).
        public var emptyReceives = 0
        /// How many messages each of those returned.
        public var receiveSizes: [Int] = []
        /// The message ids of each visibility extension, release and delete batch.
        public var extendBatches: [[String]] = []
        /// See ``extendBatches``.
        public var releaseBatches: [[String]] = []
        /// See ``extendBatches``.
        public var deleteBatches: [[String]] = []
        /// Entries refused for a receipt handle that is no longer the message's.
        public var staleHandles = 0
    }

    struct Stored {
        var body: String
        var receiveCount = 0
        var handle: String?
        var visibleAt: Date
        var deleted = false
        var sentAt: Date?
        var firstReceivedAt: Date?
    }

    struct State {
        var messages: [String: Stored] = [:]
        var order: [String] = []
        var nextID = 0
        var calls = Calls()
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var cancelledWaiters: Set<UInt64> = []
        /// Bumped by every change a long poll waits for.
        var version: UInt64 = 0
        /// Deletes of these message ids fail this many more times.
        var deleteFailures: [String: Int] = [:]
        var receiveFailures = 0
    }

    let state = Lock(State())
    private let extensionHook = Lock<(@Sendable () async -> Void)?>(nil)
    private let idFormat: String
    /// The queue's clock.
    public let clock: any WallClock

    /// An empty queue on `clock`, naming its messages with `idFormat` (a `String(format:)` of one integer).
    public init(clock: any WallClock = SystemClock(), idFormat: String = "m-%04d") {
        self.clock = clock
        self.idFormat = idFormat
        (clock as? any AdvanceObservable)?.onAdvance { [weak self] in self?.wakeAll() }
    }

    /// Sends a message (with `sentAt` as its `SentTimestamp`, if given); returns its id.
    @discardableResult
    public func send(_ body: String, sentAt: Date? = nil) -> String {
        let id = state.withLock { state -> String in
            state.nextID += 1
            let id = String(format: idFormat, state.nextID)
            state.messages[id] = Stored(body: body, visibleAt: .distantPast, sentAt: sentAt)
            state.order.append(id)
            return id
        }
        wakeAll()
        return id
    }

    /// Long polls waiting now for a change (on a clock that tells of its moves).
    public var waitingReceives: Int { state.withLock { $0.waiters.count } }

    /// The calls answered so far.
    public var calls: Calls { state.withLock { $0.calls } }

    /// Messages not deleted, visible or not.
    public var remaining: Int { state.withLock { $0.messages.values.filter { !$0.deleted }.count } }

    /// A message's receive count.
    public func receiveCount(_ id: String) -> Int { state.withLock { $0.messages[id]?.receiveCount ?? 0 } }

    /// When a message was first received, or `nil` while it never was.
    public func firstReceivedAt(_ id: String) -> Date? { state.withLock { $0.messages[id]?.firstReceivedAt } }

    /// Whether a message was deleted.
    public func isDeleted(_ id: String) -> Bool { state.withLock { $0.messages[id]?.deleted ?? false } }

    /// Whether a message is visible now.
    public func isVisible(_ id: String) -> Bool {
        let now = clock.now
        return state.withLock { state in
            guard let message = state.messages[id], !message.deleted else { return false }
            return message.visibleAt <= now
        }
    }

    /// Makes the next deletes of `id` fail `times` times (`InternalError`, as a batch entry).
    public func failDeletes(of id: String, times: Int) { state.withLock { $0.deleteFailures[id] = times } }

    /// Makes the next `count` receives throw, waking the receives waiting now (they fail at once).
    public func failReceives(_ count: Int) {
        state.withLock { $0.receiveFailures = count }
        wakeAll()
    }

    /// Runs `hook` inside the next `extendVisibility` call, before the queue answers it (to stage races).
    public func beforeNextExtension(_ hook: @escaping @Sendable () async -> Void) {
        extensionHook.withLock { $0 = hook }
    }

    public func receive(maxMessages: Int, waitTimeSeconds: Int, visibilityTimeoutSeconds: Int) async throws
        -> [ReceivedMessage]
    {
        let end = clock.now.addingTimeInterval(TimeInterval(waitTimeSeconds))
        while true {
            try Task.checkCancellation()
            // The version is read before the time: a move of the clock between the two then bumps the version, and
            // the wait below returns at once instead of missing the messages the move made visible.
            let version = state.withLock { $0.version }
            let now = clock.now
            let result = state.withLock { state in
                Self.take(&state, maxMessages: maxMessages, now: now, visibility: visibilityTimeoutSeconds)
            }
            if let result { return try result.get() }
            if now >= end {
                state.withLock { $0.calls.emptyReceives += 1 }
                return []
            }
            await waitForChange(since: version)
        }
    }

    public func extendVisibility(_ messages: [QueueMessage], timeoutSeconds: Int) async throws -> [QueueEntryFailure] {
        let hook = extensionHook.withLock { hook in
            defer { hook = nil }
            return hook
        }
        if let hook { await hook() }
        return changeVisibility(messages, timeoutSeconds: timeoutSeconds, record: \.extendBatches)
    }

    public func release(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure] {
        let failures = changeVisibility(messages, timeoutSeconds: 0, record: \.releaseBatches)
        wakeAll()
        return failures
    }

    public func delete(_ messages: [QueueMessage]) async throws -> [QueueEntryFailure] {
        precondition(messages.count <= QueueBatch.maxEntries, "a batch of more than 10 entries")
        return state.withLock { state in
            state.calls.deleteBatches.append(messages.map(\.messageID))
            var failures: [QueueEntryFailure] = []
            for entry in messages {
                if let remaining = state.deleteFailures[entry.messageID], remaining > 0 {
                    state.deleteFailures[entry.messageID] = remaining - 1
                    failures.append(QueueEntryFailure(messageID: entry.messageID, code: "InternalError"))
                    continue
                }
                guard var message = state.messages[entry.messageID], message.handle == entry.receiptHandle else {
                    state.calls.staleHandles += 1
                    failures.append(Self.invalidHandle(entry))
                    continue
                }
                message.deleted = true
                state.messages[entry.messageID] = message
            }
            return failures
        }
    }
}
