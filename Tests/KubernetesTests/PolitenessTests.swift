import Foundation
import Kubernetes
import Locking
import TestSupport
import Testing

@Suite("Token bucket, retry policy and error classification")
struct PolitenessTests {
    @Test("a full bucket lets a burst through, then paces at qps")
    func burstThenPace() {
        var bucket = TokenBucket(qps: 5, burst: 10, now: 0)
        for _ in 0..<10 { #expect(bucket.reserve(at: 0) == 0) }
        #expect(abs(bucket.reserve(at: 0) - 0.2) < 1e-9)
        #expect(abs(bucket.reserve(at: 0) - 0.4) < 1e-9)
        // Tokens reserved ahead are paid back before new ones accrue.
        #expect(abs(bucket.reserve(at: 0.4) - 0.2) < 1e-9)
    }

    @Test("a quiet bucket refills to its burst and no further")
    func refillCapsAtBurst() {
        var bucket = TokenBucket(qps: 10, burst: 3, now: 0)
        for _ in 0..<3 { _ = bucket.reserve(at: 0) }
        #expect(bucket.reserve(at: 100) == 0)
        #expect(bucket.reserve(at: 100) == 0)
        #expect(bucket.reserve(at: 100) == 0)
        #expect(bucket.reserve(at: 100) > 0)
    }

    @Test("the rate limiter sleeps on its clock only once the burst is spent")
    func rateLimiterUsesClock() async throws {
        let clock = TestClock()
        let limiter = RateLimiter(qps: 2, burst: 2, clock: clock)
        try await limiter.acquire(priority: .normal)
        try await limiter.acquire(priority: .normal)
        #expect(clock.sleeps.isEmpty)
        try await limiter.acquire(priority: .normal)
        #expect(clock.sleeps == [.milliseconds(500)])
    }

    @Test("once the burst is spent, an urgent request goes before every background one queued ahead of it")
    func urgentRequestsGoFirst() async throws {
        let clock = GateClock()
        let limiter = RateLimiter(qps: 10, burst: 1, clock: clock)
        try await limiter.acquire(priority: .background)  // the burst
        let served = Lock<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The first background request takes the next token and sleeps until it is due.
            group.addTask {
                try await limiter.acquire(priority: .background)
                served.withLock { $0.append("background-0") }
            }
            try await eventually("the first sleeps for its token") { clock.sleepers == 1 }
            for (index, (name, priority)) in [
                ("background-1", RequestPriority.background), ("normal", .normal), ("background-2", .background),
                ("urgent", .urgent),
            ].enumerated() {
                group.addTask {
                    try await limiter.acquire(priority: priority)
                    served.withLock { $0.append(name) }
                }
                try await eventually("\(name) queued") { limiter.waiting == index + 1 }
            }
            for woken in 1...5 {
                try await eventually("sleeper \(woken)") { clock.sleepers == 1 }
                clock.wake()
            }
            try await group.waitForAll()
        }
        #expect(served.withLock { $0 } == ["background-0", "urgent", "normal", "background-1", "background-2"])
        #expect(
            clock.sleeps == [
                .milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(400), .milliseconds(500),
            ])
    }

    @Test("a request cancelled while it sleeps for its token gives the token back")
    func cancelledWaitGivesTheTokenBack() async throws {
        let clock = GateClock()
        let limiter = RateLimiter(qps: 10, burst: 1, clock: clock)
        try await limiter.acquire(priority: .normal)
        let waiting = Task { try await limiter.acquire(priority: .normal) }
        try await eventually("it sleeps for its token") { clock.sleepers == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        let next = Task { try await limiter.acquire(priority: .normal) }
        try await eventually("the next sleeps") { clock.sleepers == 1 }
        clock.wake()
        try await next.value
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(100)], "the cancelled token was reused")
    }

    @Test(
        "Retry-After is honoured on 429 and 5xx only, capped, and for a bounded number of attempts",
        arguments: [
            (429, "1", 1, Duration.seconds(1)),
            (503, "2", 3, Duration.seconds(2)),
            (500, "120", 1, Duration.seconds(30)),
            (429, nil, 1, nil),
            (429, "soon", 1, nil),
            (409, "1", 1, nil),
            (429, "1", 11, nil),
        ] as [(Int, String?, Int, Duration?)])
    func retryPolicy(status: Int, retryAfter: String?, attempt: Int, expected: Duration?) {
        #expect(RetryPolicy().delay(status: status, retryAfter: retryAfter, attempt: attempt) == expected)
    }

    @Test(
        "HTTP codes and Status reasons map to error codes",
        arguments: [
            (409, "Conflict", KubernetesError.Code.conflict),
            (409, "AlreadyExists", .alreadyExists),
            (410, "Expired", .expired),
            (410, "Gone", .expired),
            (403, "Forbidden", .forbidden),
            (429, "TooManyRequests", .tooManyRequests),
            (422, "Invalid", .invalid),
            (502, nil, .serverError),
            (418, nil, .unexpectedStatus),
        ] as [(Int, String?, KubernetesError.Code)])
    func errorCodes(status: Int, reason: String?, expected: KubernetesError.Code) {
        #expect(KubernetesError.code(httpStatus: status, reason: reason) == expected)
    }

    @Test("a 403 description names the call and points at the ClusterRole")
    func forbiddenDescription() {
        let error = KubernetesError(
            code: .forbidden, verb: "PATCH", path: "/api/v1/nodes/ip-10-0-1-2", httpStatus: 403, reason: "Forbidden",
            message: #"nodes "ip-10-0-1-2" is forbidden: cannot patch resource "nodes""#)
        #expect(
            error.description
                == #"PATCH /api/v1/nodes/ip-10-0-1-2 failed (403 Forbidden): nodes "ip-10-0-1-2" is forbidden: cannot patch resource "nodes" — check the ClusterRole in charts/ grants this verb on this resource"#
        )
    }

    @Test("the request counter counts by verb, resource and code")
    func requestCounter() {
        let counter = RequestCounter()
        counter.record(verb: "get", resource: "nodes", code: 200, duration: .zero)
        counter.record(verb: "get", resource: "nodes", code: 200, duration: .zero)
        counter.record(verb: "patch", resource: "nodes", code: 409, duration: .zero)
        #expect(counter.count(verb: "get", resource: "nodes", code: 200) == 2)
        #expect(counter.count(verb: "patch", resource: "nodes", code: 409) == 1)
        #expect(counter.total == 3)
    }
}
