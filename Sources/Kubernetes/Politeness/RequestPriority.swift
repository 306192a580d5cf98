/// How urgent a request is to the client's rate limiter, which serves waiting requests by it: the ones that protect
/// workloads (a cordon, a taint) before the work of a drain, and that before bookkeeping (job-state annotations,
/// events). The client reads it from the task (``current``), so a caller marks a whole operation at once:
///
/// ```swift
/// try await RequestPriority.$current.withValue(.urgent) { try await cluster.cordon(...) }
/// ```
///
/// The least value goes first. It orders waiting only: while the burst lasts every request goes at once.
public enum RequestPriority: Int, Sendable, Hashable, Comparable, CaseIterable {
    /// Writes that keep new pods off a node going away: cordons and taints.
    case urgent = 0
    /// Everything not marked otherwise: reads, lists, watches, the drain's requests.
    case normal = 1
    /// Writes nothing waits for: clearing a finished job's annotations, events.
    case background = 2

    /// The priority of the requests the current task makes; ``normal`` unless set with `$current.withValue`.
    @TaskLocal public static var current: RequestPriority = .normal

    /// Orders by urgency, most urgent least.
    public static func < (lhs: RequestPriority, rhs: RequestPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}
