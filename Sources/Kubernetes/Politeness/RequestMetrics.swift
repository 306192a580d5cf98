import Locking

/// Receives one record per HTTP exchange with the apiserver (each retry counts), for request metrics by verb,
/// resource and code. Implement it to bridge to a metrics backend; ``RequestCounter`` keeps counts in memory.
public protocol RequestMetrics: Sendable {
    /// Records one exchange.
    /// - Parameters:
    ///   - verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete` or `evict`.
    ///   - resource: the plural resource name, for example `pods`.
    ///   - code: the HTTP status, or 0 when no response arrived.
    ///   - duration: the time from sending to the response head.
    func record(verb: String, resource: String, code: Int, duration: Duration)
}

/// An in-memory ``RequestMetrics``: counts per verb, resource and code.
public final class RequestCounter: RequestMetrics {
    /// The key of one count.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        /// The verb.
        public var verb: String
        /// The resource.
        public var resource: String
        /// The HTTP status, 0 for no response.
        public var code: Int

        /// Creates a key.
        public init(verb: String, resource: String, code: Int) {
            self.verb = verb
            self.resource = resource
            self.code = code
        }

        /// `verb resource code`.
        public var description: String { "\(verb) \(resource) \(code)" }
    }

    private let counts = Lock<[Key: Int]>([:])

    /// Creates an empty counter.
    public init() {}

    /// Adds one to the count of this verb, resource and code.
    public func record(verb: String, resource: String, code: Int, duration: Duration) {
        counts.withLock { $0[Key(verb: verb, resource: resource, code: code), default: 0] += 1 }
    }

    /// A snapshot of every count.
    public var snapshot: [Key: Int] { counts.withLock { $0 } }

    /// The count for one verb, resource and code.
    public func count(verb: String, resource: String, code: Int) -> Int {
        counts.withLock { $0[Key(verb: verb, resource: resource, code: code)] ?? 0 }
    }

    /// The number of exchanges recorded in all.
    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}
