/// Runs `body` in a child task of its own and returns its value: cancellation, errors, priority and task-local
/// values behave as if `body` were called directly.
///
/// What it is for: a task keeps the memory of the deepest stack of async frames it ever had (the Swift runtime's task
/// allocator holds its slabs until the task ends). A long-lived task that makes one deep call first (a drain's pod
/// list, a watch's request, a job's cordon) and then waits for a long time would hold that call's frames for all of
/// its life; made in a child task, they are freed when the call returns. Every drain of a mass reclaim runs at once,
/// so this is worth a few kilobytes per node (docs/performance.md, "Peak memory during a reclaim").
@inline(never)
func withChildTaskStack<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    async let value = body()
    return try await value
}
