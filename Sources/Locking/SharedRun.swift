/// One run of an operation shared by every caller that asks for it while it runs (a "single flight"): the one
/// coalescing primitive of this codebase, behind the credential refreshes of the Kubernetes client (exec plugins)
/// and the AWS clients.
///
/// The run is an unstructured task on purpose: one caller's cancellation must not end a run that others wait for,
/// so give the operation a time limit of its own. When a run ends it is forgotten only while it is still the
/// current one, so a caller that finishes late can never clear a newer run.
public final class SharedRun<Value: Sendable>: Sendable {
    private struct State: Sendable {
        var generation: UInt64 = 0
        var current: (generation: UInt64, task: Task<Value, Never>)?
    }

    private let state = Lock(State())

    /// Creates one with no run in progress.
    public init() {}

    /// Whether a run is in progress.
    public var isRunning: Bool { state.withLock { $0.current != nil } }

    /// Joins the run in progress, or starts `operation` as a new one.
    /// - Returns: The run's value, and whether this call started the run (exactly one caller per run did).
    public func value(of operation: @escaping @Sendable () async -> Value) async -> (value: Value, started: Bool) {
        let (generation, task, started) = state.withLock { state in
            if let current = state.current { return (current.generation, current.task, false) }
            state.generation += 1
            let task = Task { await operation() }
            state.current = (state.generation, task)
            return (state.generation, task, true)
        }
        let value = await task.value
        state.withLock { state in
            if state.current?.generation == generation { state.current = nil }
        }
        return (value, started)
    }
}
