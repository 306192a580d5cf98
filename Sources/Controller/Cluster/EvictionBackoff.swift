/// When to retry an eviction a PodDisruptionBudget (or throttling) refused: a pure function of the attempt, the
/// server's `Retry-After` and a random draw.
///
/// Exponential from ``initial`` doubling to ``maximum``, with "equal jitter" (half fixed, half random) so that many
/// drains refused by the same budget do not retry in lockstep. A `Retry-After` from the server is a floor: the
/// wait is never shorter than what the server asked for (capped at ``maximum``).
public struct EvictionBackoff: Sendable, Hashable {
    /// The first wait.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration

    /// Creates a back-off; kubectl drain waits 5 s between refused evictions, we start lower and grow.
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The wait before retry number `attempt` (1 for the first retry).
    /// - Parameters:
    ///   - attempt: the retry number, from 1.
    ///   - retryAfter: the server's `Retry-After`, if it sent one.
    ///   - random: a draw in `0..<1`.
    /// - Returns: a wait between half the exponential step and the step, at least `retryAfter` (capped at
    ///   ``maximum``).
    public func delay(attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let step = min(initial * (1 << exponent), maximum)
        let fraction = min(max(random, 0), 1)
        let jittered = step / 2 + (step / 2) * fraction
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maximum))
    }
}
