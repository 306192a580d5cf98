internal import Clocks
internal import Locking

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

    /// Returns a token ``reserve(at:)`` took that was never used (its caller was cancelled while waiting for it).
    public mutating func giveBack() {
        tokens = min(Double(burst), tokens + 1)
    }
}

/// Something that paces requests; the client calls ``acquire(priority:)`` before each one.
public protocol RequestRateLimiter: Sendable {
    /// Waits until the next request of this priority may go.
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    func acquire(priority: RequestPriority) async throws
}

/// A token-bucket rate limiter on an injected clock (`ContinuousClock` in production, a manual clock in tests) whose
/// waiters are served by ``RequestPriority``, then in arrival order.
///
/// While the burst lasts every request goes at once. Once it is spent, one waiter at a time (the most urgent, the
/// earliest among equals) takes the next token and sleeps until it is due; the others queue behind it. An urgent
/// request arriving behind a long queue of background ones therefore waits for one token at most (1/qps), where
/// client-go's limiter, a FIFO without a queue, makes it wait for all of them.
public final class RateLimiter<C: Clock>: RequestRateLimiter where C.Duration == Duration {
    private let clock: C
    private let origin: C.Instant
    private let bucket: Lock<TokenBucket>
    private let turn = PrioritySemaphore<RequestPriority>(permits: 1)

    /// Creates a limiter that allows `burst` calls at once and `qps` per second on average.
    public init(qps: Double, burst: Int, clock: C) {
        self.clock = clock
        self.origin = clock.now
        self.bucket = Lock(TokenBucket(qps: qps, burst: burst, now: 0))
    }

    /// Requests waiting for a token now, the one sleeping until its token is due excluded.
    public var waiting: Int { turn.statistics.waiting }

    /// Takes a token, after every more urgent waiter and every earlier one of the same priority, sleeping on the
    /// clock until it is due.
    public func acquire(priority: RequestPriority) async throws {
        try await turn.acquire(priority)
        defer { turn.release() }
        let elapsed = origin.duration(to: clock.now).seconds
        let wait = bucket.withLock { $0.reserve(at: elapsed) }
        guard wait > 0 else { return }
        do {
            try await clock.sleep(until: clock.now.advanced(by: .seconds(wait)), tolerance: nil)
        } catch {
            bucket.withLock { $0.giveBack() }
            throw error
        }
    }
}
