import Foundation

/// When to retry a request that got an answer: a pure function of the status, the `Retry-After` header and the
/// attempt, as client-go's `checkWait` does it.
///
/// Only 429 and 5xx responses that carry an integer `Retry-After` are retried, up to ``maxRetries`` times, waiting
/// what the server asked for (capped at ``maxDelay``). A 429 without `Retry-After` (a PodDisruptionBudget refusing
/// an eviction) is the caller's to handle.
public struct RetryPolicy: Sendable, Equatable {
    /// How many retries after the first attempt.
    public var maxRetries: Int
    /// The longest wait honoured; larger `Retry-After` values are clamped.
    public var maxDelay: Duration

    /// Creates a policy; client-go's defaults are 10 retries.
    public init(maxRetries: Int = 10, maxDelay: Duration = .seconds(30)) {
        self.maxRetries = maxRetries
        self.maxDelay = maxDelay
    }

    /// The wait before retry number `attempt` (1 for the first retry), or `nil` to give up.
    public func delay(status: Int, retryAfter: String?, attempt: Int) -> Duration? {
        guard status == 429 || (500...599).contains(status) else { return nil }
        guard attempt <= maxRetries, let retryAfter else { return nil }
        guard let seconds = Int(retryAfter.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return min(.seconds(seconds), maxDelay)
    }
}
