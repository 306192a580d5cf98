public import Foundation

/// The freshness of the receive loop, for the readiness probe.
public struct PollState: Sendable, Hashable {
    /// When the coordinator was created.
    public var startedAt: Date
    /// When a `ReceiveMessage` last returned successfully.
    public var lastReceive: Date?
    /// Receivers waiting for room under the in-flight bound.
    public var waitingForRoom = 0

    /// Creates a state.
    public init(startedAt: Date, lastReceive: Date? = nil, waitingForRoom: Int = 0) {
        self.startedAt = startedAt
        self.lastReceive = lastReceive
        self.waitingForRoom = waitingForRoom
    }

    /// Whether the receive loop is fresh at `now`: a receive returned within `staleAfter` (counted from the start
    /// before the first one), or the receivers wait for room on purpose.
    public func isFresh(at now: Date, staleAfter: TimeInterval) -> Bool {
        if waitingForRoom > 0 { return true }
        return now.timeIntervalSince(lastReceive ?? startedAt) <= staleAfter
    }
}
