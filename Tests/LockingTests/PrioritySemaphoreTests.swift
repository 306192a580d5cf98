import Locking
import TestSupport
import Testing

@Suite("PrioritySemaphore: the one priority waiter")
struct PrioritySemaphoreTests {
    /// The names in the order their waits ended.
    final class Served: Sendable {
        private let names = Lock<[String]>([])
        func append(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    @Test("freed permits go to the least key first, then in arrival order")
    func order() async throws {
        let semaphore = PrioritySemaphore<Int>(permits: 1)
        try await semaphore.acquire(0)
        let served = Served()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, (name, key)) in [("late", 3), ("first-1", 1), ("middle", 2), ("first-2", 1)].enumerated() {
                group.addTask {
                    try await semaphore.acquire(key)
                    served.append(name)
                    semaphore.release()
                }
                try await eventually("\(name) queued") { semaphore.statistics.waiting == index + 1 }
            }
            semaphore.release()
            try await group.waitForAll()
        }
        #expect(served.all == ["first-1", "first-2", "middle", "late"])
        #expect(semaphore.statistics == .init(held: 0, peakHeld: 1, granted: 5, waiting: 0, unsettled: 0))
    }

    @Test("five hundred waiters with mixed keys are served least key first, then in arrival order")
    func manyWaiters() async throws {
        let semaphore = PrioritySemaphore<Int>(permits: 1)
        try await semaphore.acquire(0)
        let served = Served()
        var generator = SystemRandomNumberGenerator()
        let keys = (0..<500).map { _ in Int.random(in: 0..<7, using: &generator) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, key) in keys.enumerated() {
                group.addTask {
                    try await semaphore.acquire(key)
                    served.append("\(key)/\(index)")
                    semaphore.release()
                }
                try await eventually("waiter \(index) queued") { semaphore.statistics.waiting == index + 1 }
            }
            semaphore.release()
            try await group.waitForAll()
        }
        let expected = keys.enumerated().sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }
        #expect(served.all == expected.map { "\($0.element)/\($0.offset)" })
    }

    @Test("permits are taken at once while free, and never more than there are")
    func capacity() async throws {
        let semaphore = PrioritySemaphore<Int>(permits: 3)
        for _ in 0..<3 { try await semaphore.acquire(0) }
        let fourth = Task { try await semaphore.acquire(0) }
        try await eventually("the fourth waits") { semaphore.statistics.waiting == 1 }
        #expect(semaphore.statistics.held == 3)
        semaphore.release()
        try await fourth.value
        #expect(semaphore.statistics.held == 3)
        #expect(semaphore.statistics.peakHeld == 3)
        for _ in 0..<3 { semaphore.release() }
        #expect(semaphore.statistics.held == 0)
    }

    @Test("a waiter cancelled before its grant throws and leaves nothing behind; the permit goes to the next")
    func cancellation() async throws {
        let semaphore = PrioritySemaphore<Int>(permits: 1)
        try await semaphore.acquire(0)
        let cancelled = Task { try await semaphore.acquire(0) }
        try await eventually("the first waiter queued") { semaphore.statistics.waiting == 1 }
        let next = Task { try await semaphore.acquire(1) }
        try await eventually("the second waiter queued") { semaphore.statistics.waiting == 2 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(semaphore.statistics.waiting == 1)
        semaphore.release()
        try await next.value
        semaphore.release()
        #expect(semaphore.statistics == .init(held: 0, peakHeld: 1, granted: 2, waiting: 0, unsettled: 0))
    }

    @Test("a task cancelled before it waits throws, and one cancelled after its grant keeps the permit")
    func cancellationAroundTheGrant() async throws {
        let semaphore = PrioritySemaphore<Int>(permits: 1)
        try await semaphore.acquire(0)
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await semaphore.acquire(0)
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        let granted = Task {
            try await semaphore.acquire(0)
            withUnsafeCurrentTask { $0?.cancel() }
            return semaphore.statistics.held
        }
        try await eventually("the waiter queued") { semaphore.statistics.waiting == 1 }
        semaphore.release()
        #expect(try await granted.value == 1, "the grant survives a later cancellation")
        semaphore.release()
        #expect(semaphore.statistics.held == 0)
        #expect(semaphore.statistics.unsettled == 0)
    }

    @Test("withPermit releases when the body throws")
    func withPermitReleases() async throws {
        struct Failure: Error {}
        let semaphore = PrioritySemaphore<Int>(permits: 1)
        await #expect(throws: Failure.self) { try await semaphore.withPermit(0) { throw Failure() } }
        #expect(semaphore.statistics.held == 0)
        #expect(try await semaphore.withPermit(0) { 42 } == 42)
    }
}
