/// Why a queue message yields no event, and what to do with it.
///
/// This is the decoder's typed error, and ``EventOrigins``'s. Every rejection names its ``reason`` (with the
/// offending field or value), a bounded ``code`` for metrics, and a ``disposition``: delete the message (it can never
/// succeed) or leave it to be received again (and, after `maxReceiveCount`, moved to the dead-letter queue for an
/// operator to look at).
public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// What to do with the message.
    public enum Disposition: String, Sendable, Hashable {
        /// Delete the message: decoding it again can never give a different answer, or it asks for nothing.
        case delete
        /// Leave the message on the queue: it may be actionable and only an operator (or a newer version) can tell.
        case retry
    }

    /// Why the message was rejected.
    public enum Reason: Sendable, Hashable {
        /// The body is over SQS's 256 KiB limit for a message (`bytes` long).
        case bodyTooLarge(bytes: Int)
        /// The body is not a JSON document.
        case notJSON
        /// The body is JSON but neither an EventBridge envelope nor an Auto Scaling notification; says what it is.
        case unknownShape(String)
        /// An EventBridge event (or Auto Scaling notification) of a kind this controller does not act on.
        case unsupportedEvent(source: String, detailType: String)
        /// An AWS Health event for another service or category than `EC2` / `scheduledChange`.
        case unsupportedHealthEvent(service: String, category: String)
        /// An Auto Scaling test notification (`autoscaling:TEST_NOTIFICATION`), sent when a hook is created.
        case testNotification
        /// A state change to a state that needs nothing (`pending`, `running`).
        case nonActionableState(InstanceState)
        /// A state change to a state EC2 does not have (an empty state included).
        case unknownInstanceState(String)
        /// A required field is absent.
        case missingField(String)
        /// A field is present but has the wrong type or an invalid value.
        case malformedField(String, value: String)
        /// An instance id field does not hold `i-` followed by 8 or 17 hexadecimal digits.
        case malformedInstanceID(field: String, value: String)
        /// An Auto Scaling lifecycle action with a transition other than terminating or launching.
        case unknownLifecycleTransition(String)
        /// The event comes from an account or region this queue does not accept, or names none (see
        /// ``EventOrigins``).
        case untrustedOrigin(OriginRefusal)
    }

    /// Why the message was rejected.
    public var reason: Reason

    /// Creates a rejection.
    ///
    /// - Parameter reason: Why the message was rejected.
    public init(_ reason: Reason) {
        self.reason = reason
    }

    /// Whether to delete the message or let it be received again.
    ///
    /// Decoding is deterministic, so almost every rejection is `delete`. The exception is a lifecycle action with a
    /// transition we do not know: a hook may be holding an instance, so the message is kept for the dead-letter queue
    /// rather than silently acknowledged (NTH also keeps it).
    public var disposition: Disposition {
        switch reason {
        case .unknownLifecycleTransition: .retry
        case .bodyTooLarge, .notJSON, .unknownShape, .unsupportedEvent, .unsupportedHealthEvent, .testNotification,
            .nonActionableState, .unknownInstanceState, .missingField, .malformedField, .malformedInstanceID,
            .untrustedOrigin:
            .delete
        }
    }

    /// A bounded label for metrics and logs, for example `unsupported-event`.
    public var code: String {
        switch reason {
        case .bodyTooLarge: "body-too-large"
        case .notJSON: "not-json"
        case .unknownShape: "unknown-shape"
        case .unsupportedEvent: "unsupported-event"
        case .unsupportedHealthEvent: "unsupported-health-event"
        case .testNotification: "test-notification"
        case .nonActionableState: "non-actionable-state"
        case .unknownInstanceState: "unknown-instance-state"
        case .missingField: "missing-field"
        case .malformedField: "malformed-field"
        case .malformedInstanceID: "malformed-instance-id"
        case .unknownLifecycleTransition: "unknown-lifecycle-transition"
        case .untrustedOrigin(let refusal): refusal.problem.rawValue
        }
    }

    /// What was wrong and what happens to the message, in one sentence.
    public var description: String {
        let what: String =
            switch reason {
            case .bodyTooLarge(let bytes): "the body is \(bytes) bytes, over the 262144-byte SQS limit"
            case .notJSON: "the body is not JSON"
            case .unknownShape(let shape):
                "the body is JSON (\(shape)) but neither an EventBridge event nor an Auto Scaling notification"
            case .unsupportedEvent(let source, let detailType):
                "unsupported event (source \(quoted(source)), detail-type \(quoted(detailType)))"
            case .unsupportedHealthEvent(let service, let category):
                "AWS Health event for service \(quoted(service)), category \(quoted(category)); only EC2 scheduledChange is acted on"
            case .testNotification: "Auto Scaling test notification"
            case .nonActionableState(let state): "instance state \(quoted(state.rawValue)) needs no action"
            case .unknownInstanceState(let state): "unknown instance state \(quoted(state))"
            case .missingField(let field): "field \(field) is missing"
            case .malformedField(let field, let value): "field \(field) is malformed: \(quoted(value))"
            case .malformedInstanceID(let field, let value):
                "field \(field) is not an instance id (i- and 8 or 17 hex digits): \(quoted(value))"
            case .unknownLifecycleTransition(let transition):
                "unknown lifecycle transition \(quoted(transition))"
            case .untrustedOrigin(let refusal): refusal.summary
            }
        let action =
            switch disposition {
            case .delete: "deleting the message"
            case .retry: "leaving the message for a retry or the dead-letter queue"
            }
        return "\(what); \(action)"
    }

    /// Quotes a value from the message, cut to 80 characters so that a hostile body cannot flood the logs.
    private func quoted(_ value: String) -> String {
        value.count > 80 ? "\"\(value.prefix(80))…\"" : "\"\(value)\""
    }
}
