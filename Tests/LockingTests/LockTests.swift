import Locking
import Testing

@Suite("Lock: a value behind a pthread mutex")
struct LockTests {
    @Test("concurrent updates from eight tasks are never lost")
    func concurrentUpdates() async {
        let counter = Lock(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<10_000 { counter.withLock { $0 += 1 } } }
            }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }

    @Test("withLock returns the body's result, and copies of a Lock share one value")
    func resultAndCopies() {
        let lock = Lock<[String]>([])
        let copy = lock
        let count = copy.withLock { names -> Int in
            names.append("a")
            return names.count
        }
        #expect(count == 1)
        #expect(lock.withLock { $0 } == ["a"])
    }

    @Test("a typed error thrown inside releases the lock and reaches the caller with its type")
    func throwingBody() {
        struct Refused: Error, Equatable {}
        let lock = Lock(1)
        #expect(throws: Refused.self) {
            try lock.withLock { (value: inout Int) throws(Refused) -> Void in
                value = 2
                throw Refused()
            }
        }
        // Not deadlocked: the lock was released on the throw, and the change made before it stands.
        #expect(lock.withLock { $0 } == 2)
    }

    @Test("the guarded value is released with the last copy of the Lock")
    func releasesState() {
        final class Tracked: Sendable {}
        weak var tracked: Tracked?
        do {
            let value = Tracked()
            tracked = value
            let lock = Lock(value)
            let copy = lock
            #expect(copy.withLock { $0 } === value)
        }
        #expect(tracked == nil)
    }
}
