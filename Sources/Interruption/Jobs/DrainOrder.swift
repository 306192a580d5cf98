public import Foundation

/// The order drains take the worker pool in: higher ``DrainPriority`` first, then the earlier deadline (none last).
/// The least value goes first; equal values go in arrival order.
public struct DrainOrder: Sendable, Hashable, Comparable {
    /// The job's priority.
    public var priority: DrainPriority
    /// When the instance goes away, if known.
    public var deadline: Date?

    /// Creates the order of a drain.
    public init(priority: DrainPriority, deadline: Date?) {
        self.priority = priority
        self.deadline = deadline
    }

    /// Whether `lhs` drains first.
    public static func < (lhs: DrainOrder, rhs: DrainOrder) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return earlier(lhs.deadline, rhs.deadline)
    }
}

/// The order evictions take the global eviction budget in: the earlier deadline first (none last), then higher
/// ``DrainPriority``. When evictions are the bottleneck, the pod whose node goes away first goes first: a node that
/// still has time waits, rather than one that has none missing its deadline. The least value goes first; equal
/// values go in arrival order.
public struct EvictionOrder: Sendable, Hashable, Comparable {
    /// The deadline of the pod's node, if known.
    public var deadline: Date?
    /// The drain's priority.
    public var priority: DrainPriority

    /// Creates the order of an eviction.
    public init(deadline: Date?, priority: DrainPriority) {
        self.deadline = deadline
        self.priority = priority
    }

    /// Whether `lhs` is evicted first.
    public static func < (lhs: EvictionOrder, rhs: EvictionOrder) -> Bool {
        if lhs.deadline != rhs.deadline { return earlier(lhs.deadline, rhs.deadline) }
        return lhs.priority > rhs.priority
    }
}

/// Whether `lhs` comes before `rhs`, a missing deadline after every known one.
private func earlier(_ lhs: Date?, _ rhs: Date?) -> Bool {
    switch (lhs, rhs) {
    case (let lhs?, let rhs?): lhs < rhs
    case (.some, .none): true
    case (.none, _): false
    }
}
