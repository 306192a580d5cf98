/// What one queue message decodes to.
public enum DecodeOutcome: Sendable, Hashable {
    /// One event per instance the message concerns (never empty), and the parts of the message that were skipped
    /// (for example an AWS Health affected entity that is not an instance id).
    case events([InterruptionEvent], skipped: [Rejection])
    /// No event: why, and whether to delete the message.
    case rejected(Rejection)

    /// The events, or an empty array for a rejection.
    public var events: [InterruptionEvent] {
        guard case .events(let events, _) = self else { return [] }
        return events
    }

    /// The rejection, or `nil` when the message yielded events.
    public var rejection: Rejection? {
        guard case .rejected(let rejection) = self else { return nil }
        return rejection
    }
}
