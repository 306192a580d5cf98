import Foundation
import HTTPClient
import Testing

@testable import AWS

@Suite("The retry decision: a pure function of the error and the attempt")
struct RetryPolicyTests {
    private let policy = AWSRetryPolicy.standard
    private let signedAt = Date(timeIntervalSince1970: 1_795_000_000)

    private func service(_ status: Int, _ code: String?, serverDate: Date? = nil, message: String = "m") -> AWSError {
        AWSError(
            kind: code == nil ? .unexpectedResponse : .service, service: "SQS", operation: "ReceiveMessage",
            status: status, code: code, message: message, serverDate: serverDate)
    }

    private func transport(_ code: HTTPClientError.Code) -> AWSError {
        AWSError(
            kind: .transport, service: "EC2", operation: "DescribeInstances", message: "no response",
            transportError: HTTPClientError(code: code, url: "https://ec2", curlCode: 7, message: "x"))
    }

    @Test(
        "classification of failures",
        arguments: [
            ("Throttling 400", RetryClass.throttling),
            ("ThrottlingException 400", .throttling),
            ("RequestLimitExceeded 503", .throttling),
            ("RequestThrottled 403", .throttling),
            ("SlowDown 503", .throttling),
            ("- 429", .throttling),
            ("- 500", .transient),
            ("- 502", .transient),
            ("- 503", .transient),
            ("- 504", .transient),
            ("InternalError 500", .transient),
            ("IDPCommunicationError 400", .transient),
            ("RequestTimeout 400", .timeout),
            ("- 408", .timeout),
            ("ValidationError 400", .notRetryable),
            ("AccessDenied 403", .notRetryable),
            ("SignatureDoesNotMatch 403", .notRetryable),
            ("QueueDoesNotExist 400", .notRetryable),
            ("- 404", .notRetryable),
            ("- 501", .notRetryable),
        ])
    func classifyService(spec: String, expected: RetryClass) {
        let parts = spec.split(separator: " ")
        let code = parts[0] == "-" ? nil : String(parts[0])
        #expect(policy.classify(service(Int(parts[1]) ?? 0, code)) == expected)
    }

    @Test(
        "classification of transport failures",
        arguments: [
            (HTTPClientError.Code.connectionFailed, RetryClass.transient),
            (.transferFailed, .transient),
            (.connectTimeout, .timeout),
            (.requestTimeout, .timeout),
            (.tlsFailure, .notRetryable),
            (.invalidRequest, .notRetryable),
            (.responseTooLarge, .notRetryable),
            (.clientShutdown, .notRetryable),
        ])
    func classifyTransport(code: HTTPClientError.Code, expected: RetryClass) {
        #expect(policy.classify(transport(code)) == expected)
    }

    @Test("full-jitter exponential back-off, capped at 20 seconds")
    func backoff() {
        #expect(policy.backoff(attempt: 1, jitter: 1) == .seconds(1))
        #expect(policy.backoff(attempt: 2, jitter: 1) == .seconds(2))
        #expect(policy.backoff(attempt: 3, jitter: 0.5) == .seconds(2))
        #expect(policy.backoff(attempt: 5, jitter: 1) == .seconds(16))
        #expect(policy.backoff(attempt: 6, jitter: 1) == .seconds(20))
        #expect(policy.backoff(attempt: 60, jitter: 1) == .seconds(20))
        #expect(policy.backoff(attempt: 4, jitter: 0) == .zero)
        #expect(policy.backoff(attempt: 1, jitter: 0.25) == .milliseconds(250))
    }

    @Test("at most three attempts; retries cost 5 tokens, 10 after a timeout")
    func attempts() {
        let throttled = service(400, "ThrottlingException")
        #expect(
            policy.decision(for: throttled, attempt: 1, signedAt: signedAt, jitter: 1)
                == .retry(after: .seconds(1), cost: 5))
        #expect(
            policy.decision(for: throttled, attempt: 2, signedAt: signedAt, jitter: 1)
                == .retry(after: .seconds(2), cost: 5))
        #expect(policy.decision(for: throttled, attempt: 3, signedAt: signedAt, jitter: 1) == .fail)
        #expect(
            policy.decision(for: transport(.requestTimeout), attempt: 1, signedAt: signedAt, jitter: 0)
                == .retry(after: .zero, cost: 10))
        #expect(
            policy.decision(for: service(400, "ValidationError"), attempt: 1, signedAt: signedAt, jitter: 1) == .fail)
        let five = AWSRetryPolicy(maxAttempts: 5)
        #expect(
            five.decision(for: throttled, attempt: 4, signedAt: signedAt, jitter: 1)
                == .retry(after: .seconds(8), cost: 5))
    }

    @Test("a skew error with a distant server Date asks for a clock correction, once")
    func clockSkew() {
        let ahead = signedAt.addingTimeInterval(3600)
        let expired = service(403, "SignatureDoesNotMatch", serverDate: ahead, message: "Signature expired: …")
        #expect(
            policy.decision(for: expired, attempt: 1, signedAt: signedAt, jitter: 1) == .correctClockSkew(offset: 3600))
        #expect(
            policy.decision(for: expired, attempt: 1, signedAt: signedAt, alreadyCorrected: true, jitter: 1) == .fail)
        let behind = service(400, "InvalidSignatureException", serverDate: signedAt.addingTimeInterval(-1200))
        #expect(
            policy.decision(for: behind, attempt: 3, signedAt: signedAt, jitter: 1) == .correctClockSkew(offset: -1200))
        for code in ["RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "AuthFailure"] {
            let error = service(400, code, serverDate: ahead)
            #expect(policy.clockSkewCorrection(for: error, signedAt: signedAt) == 3600)
        }
    }

    @Test("a signature error with the clocks in agreement is not skew: it fails at once")
    func noSkew() {
        let wrongSecret = service(403, "SignatureDoesNotMatch", serverDate: signedAt.addingTimeInterval(2))
        #expect(policy.clockSkewCorrection(for: wrongSecret, signedAt: signedAt) == nil)
        #expect(policy.decision(for: wrongSecret, attempt: 1, signedAt: signedAt, jitter: 1) == .fail)
        let noDate = service(403, "SignatureDoesNotMatch")
        #expect(policy.decision(for: noDate, attempt: 1, signedAt: signedAt, jitter: 1) == .fail)
        let unrelated = service(400, "ValidationError", serverDate: signedAt.addingTimeInterval(3600))
        #expect(policy.clockSkewCorrection(for: unrelated, signedAt: signedAt) == nil)
    }

    @Test("expired credentials ask for a refresh, once")
    func expiredToken() {
        let expired = service(403, "ExpiredToken")
        #expect(policy.decision(for: expired, attempt: 1, signedAt: signedAt, jitter: 1) == .refreshCredentials)
        #expect(
            policy.decision(for: expired, attempt: 1, signedAt: signedAt, alreadyCorrected: true, jitter: 1) == .fail)
    }

    @Test(
        "non-service failures are never retried",
        arguments: [AWSError.Kind.credentials, .configuration, .invalidArgument, .cancelled])
    func neverRetried(kind: AWSError.Kind) {
        let error = AWSError(kind: kind, service: "SQS", operation: "ReceiveMessage", status: 503, message: "x")
        #expect(policy.decision(for: error, attempt: 1, signedAt: signedAt, jitter: 1) == .fail)
    }

    @Test("the retry quota: 500 tokens, 5 per retry, 10 per timeout retry, refunded by successes")
    func quota() {
        var quota = RetryQuota()
        #expect(quota.available == 500)
        var granted = 0
        while quota.acquire(RetryQuota.retryCost) { granted += 1 }
        #expect(granted == 100)
        #expect(quota.available == 0)
        quota.recordSuccess(retryCost: RetryQuota.timeoutCost)
        #expect(quota.available == 10)
        let timeoutRetry = quota.acquire(RetryQuota.timeoutCost)
        #expect(timeoutRetry)
        let oneMore = quota.acquire(1)
        #expect(!oneMore)
        quota.recordSuccess(retryCost: nil)
        #expect(quota.available == 1)
        var full = RetryQuota()
        full.recordSuccess(retryCost: 5)
        #expect(full.available == 500)
    }
}
