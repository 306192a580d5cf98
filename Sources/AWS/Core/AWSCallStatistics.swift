import Locking

/// Counters of the calls an ``AWSClient`` made, per service and operation: for metrics, and for tests that count
/// calls (DescribeInstances batching).
public final class AWSCallStatistics: Sendable {
    /// The counters of one operation.
    public struct Counts: Sendable, Equatable {
        /// Calls made (one per operation invocation, however many attempts it took).
        public var calls = 0
        /// HTTP requests sent (attempts, retries included).
        public var attempts = 0
        /// Calls that failed after their last attempt.
        public var failures = 0
        /// Retries made after a failure (back-off, clock-skew correction or credential refresh).
        public var retries = 0

        /// Creates zero counters.
        public init() {}
    }

    private let counts = Lock<[String: Counts]>([:])

    /// Creates empty statistics.
    public init() {}

    /// The counters of every operation, keyed `Service.Operation` (e.g. `EC2.DescribeInstances`).
    public var snapshot: [String: Counts] {
        counts.withLock { $0 }
    }

    /// The counters of one operation.
    ///
    /// - Parameters:
    ///   - service: the service.
    ///   - operation: the operation, e.g. `DescribeInstances`.
    /// - Returns: its counters, zero if it was never called.
    public func counts(_ service: AWSService, _ operation: String) -> Counts {
        counts.withLock { $0[service.name + "." + operation] ?? Counts() }
    }

    func record(_ service: AWSService, _ operation: String, _ update: (inout Counts) -> Void) {
        counts.withLock { update(&$0[service.name + "." + operation, default: Counts()]) }
    }
}
