import Kubernetes
import Testing

@testable import Controller

@Suite("A call in a child task of its own behaves as a direct call", .timeLimit(.minutes(1)))
struct ChildTaskStackTests {
    struct Refused: Error, Equatable {
        let reason: String
    }

    @Test("the body's value is returned and its error thrown unchanged")
    func valueAndError() async throws {
        let value = try await withChildTaskStack { 42 }
        #expect(value == 42)
        let thrown = await #expect(throws: Refused.self) {
            try await withChildTaskStack { () async throws -> Int in throw Refused(reason: "no") }
        }
        #expect(thrown == Refused(reason: "no"))
    }

    @Test("the body sees the caller's task-local values (a request's priority)")
    func taskLocals() async throws {
        let seen = try await RequestPriority.$current.withValue(.urgent) {
            try await withChildTaskStack { RequestPriority.current }
        }
        #expect(seen == .urgent)
        #expect(try await withChildTaskStack { RequestPriority.current } == .normal)
    }

    @Test("cancelling the caller cancels the body")
    func cancellation() async throws {
        let (started, starting) = AsyncStream<Void>.makeStream()
        let task = Task {
            try await withChildTaskStack { () async throws -> Bool in
                starting.yield()
                // Waits until cancelled: the stream never ends on its own.
                let (never, keep) = AsyncStream<Void>.makeStream()
                for await _ in never {}
                keep.finish()
                return Task.isCancelled
            }
        }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        task.cancel()
        #expect(try await task.value == true)
    }
}
