import Clocks
public import Foundation
import HTTPClient

/// What to do after a failed attempt.
public enum RetryDecision: Sendable, Equatable {
    /// Wait, then try again; the retry costs `cost` tokens of the ``RetryQuota``.
    case retry(after: Duration, cost: Int)
    /// The request was refused because our clock is off: sign with `offset` seconds added, then retry at once.
    case correctClockSkew(offset: TimeInterval)
    /// AWS said the temporary credentials expired: fetch new ones, then retry at once.
    case refreshCredentials
    /// Give up and report the error.
    case fail
}

/// How a failure is classified for retries.
public enum RetryClass: Sendable, Equatable {
    /// Throttling: a throttling error code or HTTP 429.
    case throttling
    /// A transient failure: HTTP 500/502/503/504, a transient error code, a broken connection.
    case transient
    /// A timeout (costs more of the quota).
    case timeout
    /// Not worth retrying: a client error, bad credentials, a cancelled task.
    case notRetryable
}

/// The AWS SDKs' *standard* retry mode as a pure function of the error and the attempt number.
///
/// At most ``maxAttempts`` attempts; before retry *n* (after attempt *n* failed) wait
/// `jitter × min(baseDelay × 2^(n-1), maxBackoff)` with `jitter` uniform in [0, 1) (full jitter). Retried:
/// throttling codes and HTTP 429, HTTP 500/502/503/504, transient codes, connection failures and timeouts.
/// Separately, once per call, a request refused for clock skew is corrected from the response `Date` header, and a
/// request refused for expired credentials is retried with fresh ones.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>.
public struct AWSRetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (standard mode: 3).
    public var maxAttempts: Int
    /// The base of the exponential back-off (standard mode: 1 s).
    public var baseDelay: Duration
    /// The longest back-off (standard mode: 20 s).
    public var maxBackoff: Duration
    /// A clock difference at least this large (seconds) is corrected; smaller ones cannot explain a refusal.
    public var clockSkewThreshold: TimeInterval

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - maxAttempts: attempts in all, at least 1.
    ///   - baseDelay: the base of the exponential back-off.
    ///   - maxBackoff: the cap of the back-off.
    ///   - clockSkewThreshold: the smallest clock difference that is corrected, in seconds.
    public init(
        maxAttempts: Int = 3, baseDelay: Duration = .seconds(1), maxBackoff: Duration = .seconds(20),
        clockSkewThreshold: TimeInterval = 60
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.clockSkewThreshold = clockSkewThreshold
    }

    /// The standard mode: 3 attempts, 1 s base, 20 s cap.
    public static let standard = AWSRetryPolicy()

    /// Error codes AWS uses for throttling (botocore's standard-mode list).
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Error codes of transient failures.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError", "InternalFailure",
        "ServiceUnavailable", "IDPCommunicationError",
    ]

    /// Error codes that say the request's time is outside the server's window, or that may mean it.
    public static let clockSkewCodes: Set<String> = [
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException",
        "SignatureDoesNotMatch", "AuthFailure",
    ]

    /// Error codes that say temporary credentials expired.
    public static let expiredCredentialsCodes: Set<String> = ["ExpiredToken", "ExpiredTokenException"]

    /// Classifies a failure.
    ///
    /// - Parameter error: the failure.
    /// - Returns: its retry class.
    public func classify(_ error: AWSError) -> RetryClass {
        switch error.kind {
        case .transport:
            switch error.transportError?.code {
            case .connectTimeout?, .requestTimeout?, .idleTimeout?: return .timeout
            case .connectionFailed?, .transferFailed?: return .transient
            default: return .notRetryable
            }
        case .service, .unexpectedResponse:
            if error.hasCode(in: Self.throttlingCodes) || error.status == 429 { return .throttling }
            if error.hasCode(in: ["RequestTimeout", "RequestTimeoutException"]) || error.status == 408 {
                return .timeout
            }
            if error.hasCode(in: Self.transientCodes) { return .transient }
            if let status = error.status, [500, 502, 503, 504].contains(status) { return .transient }
            return .notRetryable
        case .credentials, .configuration, .invalidArgument, .cancelled:
            return .notRetryable
        }
    }

    /// The clock correction a failure calls for: the server's `Date` minus our signing time, when the error may
    /// mean a skewed clock and the difference is at least ``clockSkewThreshold``.
    ///
    /// - Parameters:
    ///   - error: the failure.
    ///   - signedAt: the (already corrected) time the request was signed with.
    /// - Returns: the offset to add to our clock, or `nil`.
    public func clockSkewCorrection(for error: AWSError, signedAt: Date) -> TimeInterval? {
        guard error.kind == .service, let serverDate = error.serverDate,
            error.hasCode(in: Self.clockSkewCodes) || error.message.contains("Signature expired")
        else { return nil }
        let offset = serverDate.timeIntervalSince(signedAt)
        return abs(offset) >= clockSkewThreshold ? offset : nil
    }

    /// The back-off before retry `attempt` (1 for the first retry): `jitter × min(base × 2^(attempt-1), cap)`.
    ///
    /// - Parameters:
    ///   - attempt: the number of the attempt that failed, from 1.
    ///   - jitter: a random number in [0, 1).
    /// - Returns: the delay.
    public func backoff(attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(baseDelay.seconds * Double(1 << exponent), maxBackoff.seconds)
        let fraction = min(max(jitter, 0), 1)
        return .milliseconds(Int64((ceiling * fraction * 1000).rounded(.down)))
    }

    /// The decision after attempt `attempt` failed with `error`.
    ///
    /// Pure: everything it depends on is an argument.
    /// - Parameters:
    ///   - error: the failure.
    ///   - attempt: the number of the attempt that failed, from 1.
    ///   - signedAt: the time the failed request was signed with.
    ///   - alreadyCorrected: whether this call already corrected the clock or refreshed credentials once.
    ///   - jitter: a random number in [0, 1).
    /// - Returns: what to do next.
    public func decision(
        for error: AWSError, attempt: Int, signedAt: Date, alreadyCorrected: Bool = false, jitter: Double
    ) -> RetryDecision {
        if !alreadyCorrected {
            if let offset = clockSkewCorrection(for: error, signedAt: signedAt) {
                return .correctClockSkew(offset: offset)
            }
            if error.kind == .service, error.hasCode(in: Self.expiredCredentialsCodes) {
                return .refreshCredentials
            }
        }
        guard attempt < maxAttempts else { return .fail }
        switch classify(error) {
        case .notRetryable:
            return .fail
        case .timeout:
            return .retry(after: backoff(attempt: attempt, jitter: jitter), cost: RetryQuota.timeoutCost)
        case .throttling, .transient:
            return .retry(after: backoff(attempt: attempt, jitter: jitter), cost: RetryQuota.retryCost)
        }
    }
}
