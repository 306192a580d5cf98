/// A queue's configurable attributes, as `CreateQueue` sets them and `GetQueueAttributes` reports them.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html>.
public struct QueueSettings: Sendable, Equatable {
    /// Seconds a received message stays hidden, 0...43200 (default 30).
    public var visibilityTimeout = 30
    /// Seconds a sent message stays hidden before its first receive, 0...900 (default 0).
    public var delaySeconds = 0
    /// The long poll of a receive that names no `WaitTimeSeconds`, 0...20 (default 0).
    public var receiveMessageWaitTimeSeconds = 0
    /// Reported only: messages are kept until deleted or purged (default four days).
    public var messageRetentionPeriod = 345_600
    /// The largest body in bytes, 1024...1048576 (default 1 MiB, as SQS since 2025).
    public var maximumMessageSize = 1_048_576
    /// Attributes stored and reported as given but without effect here (`Policy`, `RedrivePolicy`, KMS, SSE).
    public var passive: [String: String] = [:]

    /// The attribute names `CreateQueue` accepts and `GetQueueAttributes` knows.
    static let settable: Set<String> = [
        "VisibilityTimeout", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MessageRetentionPeriod",
        "MaximumMessageSize",
    ]
    static let passiveNames: Set<String> = [
        "Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
    ]

    /// The defaults.
    public init() {}

    /// Settings from `CreateQueue`'s `Attributes`.
    ///
    /// - Parameter attributes: attribute names and values (strings, as on the wire).
    /// - Throws: ``SQSFault`` `InvalidAttributeName` for an unknown name, `InvalidAttributeValue` for a value out of
    ///   range, `InvalidParameterValue` for `FifoQueue=true` (standard queues only).
    public init(attributes: [String: String]) throws(SQSFault) {
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            switch name {
            case "VisibilityTimeout": visibilityTimeout = try Self.integer(name, value, 0...43_200)
            case "DelaySeconds": delaySeconds = try Self.integer(name, value, 0...900)
            case "ReceiveMessageWaitTimeSeconds": receiveMessageWaitTimeSeconds = try Self.integer(name, value, 0...20)
            case "MessageRetentionPeriod": messageRetentionPeriod = try Self.integer(name, value, 60...1_209_600)
            case "MaximumMessageSize": maximumMessageSize = try Self.integer(name, value, 1024...1_048_576)
            case "FifoQueue":
                guard value == "false" else {
                    throw .invalidParameterValue("fake-sqs serves standard queues only (FifoQueue=\(value))")
                }
            case _ where Self.passiveNames.contains(name): passive[name] = value
            default: throw .invalidAttributeName(name)
            }
        }
    }

    /// Every attribute as a string, the way `GetQueueAttributes` returns them.
    var strings: [String: String] {
        var result = passive
        result["VisibilityTimeout"] = String(visibilityTimeout)
        result["DelaySeconds"] = String(delaySeconds)
        result["ReceiveMessageWaitTimeSeconds"] = String(receiveMessageWaitTimeSeconds)
        result["MessageRetentionPeriod"] = String(messageRetentionPeriod)
        result["MaximumMessageSize"] = String(maximumMessageSize)
        return result
    }

    /// The first attribute of `requested` whose value differs from these settings, if any.
    func firstDifference(from requested: [String: String]) -> String? {
        let current = strings
        return requested.keys.sorted().first { name in
            name != "FifoQueue" && current[name] != requested[name]
        }
    }

    private static func integer(_ name: String, _ value: String, _ range: ClosedRange<Int>) throws(SQSFault) -> Int {
        guard let number = Int(value), range.contains(number) else { throw .invalidAttributeValue(name) }
        return number
    }
}
