import Locking
import TestSupport
import Testing

@Suite("WakeUp", .timeLimit(.minutes(1)))
struct WakeUpTests {
    @Test("a signal sent before the wait is kept: the wait returns at once")
    func signalBeforeWait() async {
        let wakeUp = WakeUp()
        wakeUp.signal()
        await wakeUp.wait()
        #expect(!wakeUp.hasWaiter)
    }

    @Test("a waiting task resumes when another signals")
    func signalWhileWaiting() async throws {
        let wakeUp = WakeUp()
        let waiting = Task { await wakeUp.wait() }
        try await eventually("the task waits") { wakeUp.hasWaiter }
        wakeUp.signal()
        await waiting.value
        #expect(!wakeUp.hasWaiter)
    }

    @Test("many signals sent while nobody waits end one wait, not two")
    func signalsCoalesce() async throws {
        let wakeUp = WakeUp()
        wakeUp.signal()
        wakeUp.signal()
        wakeUp.signal()
        await wakeUp.wait()
        let second = Task { await wakeUp.wait() }
        try await eventually("the second wait suspends") { wakeUp.hasWaiter }
        wakeUp.signal()
        await second.value
    }

    @Test("cancelling the waiting task ends its wait, and a cancelled task's waits return at once")
    func cancellation() async throws {
        let wakeUp = WakeUp()
        let waiting = Task {
            await wakeUp.wait()
            await wakeUp.wait()
            return Task.isCancelled
        }
        try await eventually("the task waits") { wakeUp.hasWaiter }
        waiting.cancel()
        #expect(await waiting.value)
        #expect(!wakeUp.hasWaiter)
    }
}
