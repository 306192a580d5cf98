public import Foundation

/// When to send `RecordLifecycleActionHeartbeat` for a terminate lifecycle action (`HEARTBEAT_INTERVAL`,
/// `HEARTBEAT_UNTIL`).
///
/// Unlike NTH, which starts counting when a worker picks the event up, heartbeats count from the job's first receive,
/// so jobs waiting for the drain budget are kept alive too.
public struct HeartbeatSchedule: Sendable, Hashable {
    /// `HEARTBEAT_INTERVAL`: seconds between heartbeats, 30–3600.
    public var interval: TimeInterval
    /// `HEARTBEAT_UNTIL`: seconds after the first receive to stop, 60–172800 (172800 when only the interval is set).
    public var until: TimeInterval

    /// Creates a schedule.
    ///
    /// - Parameters:
    ///   - interval: Seconds between heartbeats.
    ///   - until: Seconds after the first receive to stop.
    public init(interval: TimeInterval, until: TimeInterval = 172_800) {
        self.interval = interval
        self.until = until
    }

    /// The next heartbeat.
    ///
    /// - Parameters:
    ///   - start: The job's first receive.
    ///   - lastHeartbeat: The last heartbeat sent, or `nil`.
    /// - Returns: One interval after the last heartbeat (or the start), or `nil` once that is past `start + until`.
    public func nextHeartbeat(start: Date, lastHeartbeat: Date?) -> Date? {
        let next = (lastHeartbeat ?? start).addingTimeInterval(interval)
        return next <= start.addingTimeInterval(until) ? next : nil
    }
}
