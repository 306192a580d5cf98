#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`: the one lock type of this codebase, used wherever a `Mutex` would be.
///
/// Why not `Synchronization.Mutex`: on Linux (Swift 6.3.1) ThreadSanitizer does not see it. Eight tasks appending to
/// an array inside `Mutex.withLock` get 4–5 "Swift access race" reports a run, the same program with a
/// `pthread_mutex_t` none, because TSan intercepts the pthread calls and so learns the happens-before edges that
/// `Mutex`'s futex leaves invisible. With `Mutex`, `scripts/sanitizers` could not tell a real race from a locked
/// access; with this type it can. Uncontended, a pthread mutex costs the same as `Mutex` (one atomic exchange each
/// way); see docs/reliability.md for the figures.
///
/// The lock and the value live in one heap allocation (the mutex must not move once initialised), freed with the
/// last copy of the ``Lock``. The guarded state must be `Sendable` (unlike `Mutex`, whose `sending` parameters this
/// type cannot express over a pointer): whatever a caller copies in or out is then safe to share, so the lock is.
public struct Lock<State: Sendable>: @unchecked Sendable {
    private let storage: LockStorage<State>

    /// A lock guarding `initialState`.
    public init(_ initialState: State) {
        storage = LockStorage.make(initialState)
    }

    /// Runs `body` with exclusive access to the guarded state and returns what it returns. Not reentrant: calling
    /// `withLock` on the same lock inside `body` deadlocks.
    public func withLock<Result, Failure: Error>(
        _ body: (inout State) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withLock(body)
    }
}

/// The allocation behind a ``Lock``: the state as the header, one `pthread_mutex_t` as the single element.
private final class LockStorage<State: Sendable>: ManagedBuffer<State, pthread_mutex_t> {
    static func make(_ initialState: State) -> LockStorage {
        let buffer = create(minimumCapacity: 1) { _ in initialState }
        // `create` returns the subclass's dynamic type; the cast cannot fail.
        let storage = unsafeDowncast(buffer, to: LockStorage.self)
        storage.withUnsafeMutablePointerToElements { mutex in
            mutex.initialize(to: pthread_mutex_t())
            let result = pthread_mutex_init(mutex, nil)
            precondition(result == 0, "pthread_mutex_init failed: \(result)")
        }
        return storage
    }

    func withLock<Result, Failure: Error>(
        _ body: (inout State) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        // The addresses are stable for the object's lifetime, and `self` outlives this call.
        let (state, mutex) = withUnsafeMutablePointers { ($0, $1) }
        let locked = pthread_mutex_lock(mutex)
        precondition(locked == 0, "pthread_mutex_lock failed: \(locked)")
        defer {
            let unlocked = pthread_mutex_unlock(mutex)
            precondition(unlocked == 0, "pthread_mutex_unlock failed: \(unlocked)")
        }
        return try body(&state.pointee)
    }

    deinit {
        withUnsafeMutablePointerToElements { mutex in
            _ = pthread_mutex_destroy(mutex)
            _ = mutex.deinitialize(count: 1)
        }
    }
}
