/// The standard retry mode's token bucket: retries spend tokens, successes return them, and when the bucket is
/// empty failures are reported at once instead of piling retries onto a struggling service.
///
/// 500 tokens; a retry costs 5 (10 after a timeout); a success returns the cost of the retry that led to it, or 1
/// when it needed none.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>.
public struct RetryQuota: Sendable, Equatable {
    /// The bucket's size.
    public static let defaultCapacity = 500
    /// Tokens a retry costs.
    public static let retryCost = 5
    /// Tokens a retry after a timeout costs.
    public static let timeoutCost = 10
    /// Tokens a success that needed no retry returns.
    public static let successIncrement = 1

    /// The bucket's size.
    public let capacity: Int
    /// Tokens left.
    public private(set) var available: Int

    /// Creates a full bucket.
    ///
    /// - Parameter capacity: the bucket's size.
    public init(capacity: Int = RetryQuota.defaultCapacity) {
        self.capacity = max(0, capacity)
        self.available = self.capacity
    }

    /// Takes `cost` tokens for a retry.
    ///
    /// - Parameter cost: the retry's cost.
    /// - Returns: `false`, taking nothing, when fewer than `cost` tokens are left.
    public mutating func acquire(_ cost: Int) -> Bool {
        guard available >= cost else { return false }
        available -= cost
        return true
    }

    /// Returns tokens after a success.
    ///
    /// - Parameter retryCost: the cost of the retry that succeeded, or `nil` when the first attempt did.
    public mutating func recordSuccess(retryCost: Int?) {
        available = min(capacity, available + (retryCost ?? Self.successIncrement))
    }
}
