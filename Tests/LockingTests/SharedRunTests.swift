import Locking
import TestSupport
import Testing

@Suite("SharedRun: the one coalescing primitive")
struct SharedRunTests {
    /// An operation that runs until the test opens it, counting its runs.
    final class Gate: Sendable {
        private let state = Lock<(runs: Int, waiters: [CheckedContinuation<Void, Never>], open: Bool)>((0, [], false))
        var runs: Int { state.withLock { $0.runs } }
        var waiting: Int { state.withLock { $0.waiters.count } }

        func run() async -> Int {
            let run = state.withLock { state -> Int in
                state.runs += 1
                return state.runs
            }
            await withCheckedContinuation { continuation in
                let open = state.withLock { state -> Bool in
                    if !state.open { state.waiters.append(continuation) }
                    return state.open
                }
                if open { continuation.resume() }
            }
            return run
        }

        func open() {
            let waiters = state.withLock { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    @Test("callers that ask while a run is in progress share it; exactly one of them started it")
    func concurrentCallersShareOneRun() async throws {
        let shared = SharedRun<Int>()
        let gate = Gate()
        let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for _ in 0..<5 {
                group.addTask { await shared.value { await gate.run() } }
            }
            try await eventually("the run started") { gate.waiting == 1 }
            gate.open()
            var results: [(Int, Bool)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(gate.runs == 1)
        #expect(results.allSatisfy { $0.0 == 1 })
        #expect(results.filter(\.1).count == 1)
        #expect(!shared.isRunning)
    }

    @Test("a run that ended is forgotten: the next caller starts a new one")
    func laterCallersStartANewRun() async {
        let shared = SharedRun<Int>()
        let gate = Gate()
        gate.open()
        #expect(await shared.value { await gate.run() } == (1, true))
        #expect(await shared.value { await gate.run() } == (2, true))
    }

    @Test("cancelling the caller that started a run does not cancel the run")
    func cancellationDoesNotEndTheRun() async throws {
        let shared = SharedRun<Bool>()
        let gate = Gate()
        let caller = Task {
            await shared.value {
                _ = await gate.run()
                return Task.isCancelled
            }
        }
        try await eventually("the run started") { gate.waiting == 1 }
        caller.cancel()
        gate.open()
        let (runWasCancelled, started) = await caller.value
        #expect(started)
        #expect(!runWasCancelled)
    }
}
