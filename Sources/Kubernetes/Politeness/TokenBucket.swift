/// A token bucket as a pure value: `burst` tokens, refilled at `qps` per second. No clock inside; the caller passes
/// the time.
///
/// ``reserve(at:)`` always takes a token, possibly one that only exists in the future, and returns how long the
/// caller must wait for it; this is client-go's `flowcontrol.NewTokenBucketRateLimiter` behaviour (a fair FIFO
/// queue of waiters without a queue).
public struct TokenBucket: Sendable, Equatable {
    /// Tokens added per second.
    public let qps: Double
    /// The bucket's capacity: how many calls may go at once after a quiet period.
    public let burst: Int
    /// Tokens available at ``updatedAt`` (negative when tokens were reserved ahead).
    public private(set) var tokens: Double
    /// When ``tokens`` was last brought up to date, in seconds on the caller's clock.
    public private(set) var updatedAt: Double

    /// Creates a full bucket at time `now` (seconds on any monotonic clock).
    public init(qps: Double, burst: Int, now: Double) {
        self.qps = max(qps, 0.000_001)
        self.burst = max(burst, 1)
        self.tokens = Double(max(burst, 1))
        self.updatedAt = now
    }

    /// Takes one token at time `now` and returns the seconds to wait before using it (0 when one was available).
    public mutating func reserve(at now: Double) -> Double {
        if now > updatedAt {
            tokens = min(Double(burst), tokens + (now - updatedAt) * qps)
            updatedAt = now
        }
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / qps
    }
}

/// Something that paces requests; the client calls ``acquire()`` before each one.
public protocol RequestRateLimiter: Sendable {
    /// Waits until the next request may go.
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    func acquire() async throws
}

/// A token-bucket rate limiter on an injected clock (`ContinuousClock` in production, a manual clock in tests).
public actor RateLimiter<C: Clock>: RequestRateLimiter where C.Duration == Duration {
    private let clock: C
    private let origin: C.Instant
    private var bucket: TokenBucket

    /// Creates a limiter that allows `burst` calls at once and `qps` per second on average.
    public init(qps: Double, burst: Int, clock: C) {
        self.clock = clock
        self.origin = clock.now
        self.bucket = TokenBucket(qps: qps, burst: burst, now: 0)
    }

    /// Takes a token, sleeping on the clock until it is due.
    public func acquire() async throws {
        let elapsed = origin.duration(to: clock.now)
        let wait = bucket.reserve(at: elapsed.seconds)
        if wait > 0 {
            try await clock.sleep(until: clock.now.advanced(by: .seconds(wait)), tolerance: nil)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
