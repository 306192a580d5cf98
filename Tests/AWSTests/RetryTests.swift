import Clocks
import Foundation
import HTTPClient
import SigV4
import TestSupport
import Testing

@testable import AWS

@Suite("Retries, the retry quota and clock-skew correction against a local server")
struct RetryTests {
    @Test("a throttling storm (503 page, 429, Throttling) is retried with full-jitter back-off until it passes")
    func throttlingStorm() async throws {
        try await FakeAWS.with { fake in
            try await fake.script([.html(503), .queryError(400, "Throttling", "Rate exceeded")])
            let clock = InstantClock(now: Date())
            let client = fake.client(clock: clock, jitter: 0.5)
            let identity = try await STSClient(client: client).getCallerIdentity()
            #expect(identity.account == "123456789012")
            #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
            let counts = client.statistics.counts(.sts, "GetCallerIdentity")
            #expect(counts.calls == 1)
            #expect(counts.attempts == 3)
            #expect(counts.retries == 2)
            #expect(counts.failures == 0)
            #expect(client.retryQuota.available == 500 - 5 - 5 + 5)

            try await fake.script([.status(429, "Too Many Requests", ["Content-Type": "text/plain"])])
            _ = try await STSClient(client: client).getCallerIdentity()
            #expect(client.statistics.counts(.sts, "GetCallerIdentity").attempts == 5)
        }
    }

    @Test("after three failed attempts the last error is reported, typed, with the HTML page summarised")
    func exhausted() async throws {
        try await FakeAWS.with { fake in
            try await fake.script([.html(502), .html(503), .html(504), .html(500)])
            let clock = InstantClock(now: Date())
            let client = fake.client(clock: clock, jitter: 1)
            let error = try await #require(throws: AWSError.self) {
                try await STSClient(client: client).getCallerIdentity()
            }
            #expect(error.kind == .unexpectedResponse)
            #expect(error.status == 504)
            #expect(error.message.contains("text/html"))
            #expect(error.description.contains("something other than AWS answered"))
            #expect(clock.sleeps == [.seconds(1), .seconds(2)])
            #expect(client.statistics.counts(.sts, "GetCallerIdentity").failures == 1)
        }
    }

    @Test("client errors, and a 200 with an HTML body, are not retried")
    func notRetried() async throws {
        try await FakeAWS.with { fake in
            let clock = InstantClock(now: Date())
            let client = fake.client(clock: clock)
            try await fake.script([.queryError(400, "ValidationError", "bad parameter")])
            let validation = try await #require(throws: AWSError.self) {
                try await AutoScalingClient(client: client).describeLifecycleHooks(groupName: "g")
            }
            #expect(validation.code == "ValidationError")
            try await fake.script([.html(200)])
            let html = try await #require(throws: AWSError.self) {
                try await AutoScalingClient(client: client).describeLifecycleHooks(groupName: "g")
            }
            #expect(html.kind == .unexpectedResponse)
            #expect(
                html.message.contains("not XML") || html.message.contains("expected <DescribeLifecycleHooksResponse>"))
            #expect(clock.sleeps.isEmpty)
            #expect(client.statistics.counts(.autoScaling, "DescribeLifecycleHooks").attempts == 2)
        }
    }

    @Test("when the retry quota runs dry, failures are reported after one attempt; successes refill it")
    func quotaExhaustion() async throws {
        try await FakeAWS.with { fake in
            try await fake.script(Array(repeating: .status(503, "busy"), count: 400))
            let clock = InstantClock(now: Date())
            let client = fake.client(clock: clock, jitter: 0)
            var calls = 0
            var lastError: AWSError?
            while calls < 60 {
                calls += 1
                do throws(AWSError) {
                    _ = try await STSClient(client: client).getCallerIdentity()
                } catch {
                    lastError = error
                    if client.statistics.counts(.sts, "GetCallerIdentity").attempts == (calls - 1) * 3 + 1 { break }
                }
            }
            // 100 retries of 5 tokens: 50 calls of three attempts, then the 51st gets one.
            #expect(calls == 51)
            #expect(client.retryQuota.available == 0)
            #expect(lastError?.message.contains("retry quota is exhausted") == true)
            try await fake.configure(["script": []])
            _ = try await STSClient(client: client).getCallerIdentity()
            #expect(client.retryQuota.available == 1)
        }
    }

    @Test("a refused connection is retried, then reported as a transport error")
    func connectionRefused() async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let clock = InstantClock(now: Date())
        let client = AWSClient(
            configuration: AWSConfiguration(
                region: "us-east-1", endpoints: EndpointResolver(override: "http://127.0.0.1:9")),
            credentialsProvider: StaticCredentialsProvider(Credentials(accessKeyID: "a", secretAccessKey: "b")),
            httpClient: http, clock: clock, random: { 1 })
        let error = try await #require(throws: AWSError.self) {
            try await EC2Client(client: client).describeInstances(filters: [])
        }
        #expect(error.kind == .transport)
        #expect(error.transportError?.code == .connectionFailed)
        #expect(error.description.contains("check the endpoint"))
        #expect(clock.sleeps == [.seconds(1), .seconds(2)])
        #expect(client.statistics.counts(.ec2, "DescribeInstances").attempts == 3)
    }

    @Test("a slow answer times out and is retried at the timeout cost")
    func timeout() async throws {
        try await FakeAWS.with { fake in
            var slow = FakeAWS.Step.status(200)
            slow.delayMs = 3000
            try await fake.script([slow])
            let clock = InstantClock(now: Date())
            let client = AWSClient(
                configuration: AWSConfiguration(
                    region: "us-east-1", endpoints: EndpointResolver(override: fake.endpoint),
                    requestTimeout: .milliseconds(500)),
                credentialsProvider: StaticCredentialsProvider(Credentials(accessKeyID: "a", secretAccessKey: "b")),
                httpClient: fake.httpClient, clock: clock, random: { 0 })
            _ = try await STSClient(client: client).getCallerIdentity()
            #expect(client.statistics.counts(.sts, "GetCallerIdentity").attempts == 2)
            #expect(client.retryQuota.available == 500)
            #expect(clock.sleeps == [.zero])
        }
    }

    @Test(
        "a skewed clock is corrected from the response Date header, then the call is retried once",
        arguments: [3600.0, -7200.0])
    func clockSkewQuery(offset: Double) async throws {
        try await FakeAWS.with { fake in
            try await fake.configure(["clockOffset": offset])
            let clock = InstantClock(now: Date())
            let client = fake.client(clock: clock)
            let identity = try await STSClient(client: client).getCallerIdentity()
            #expect(identity.arn.hasSuffix("user/fake"))
            #expect(abs(client.clockOffset - offset) < 5)
            #expect(clock.sleeps.isEmpty, "the skew retry does not back off")
            #expect(client.statistics.counts(.sts, "GetCallerIdentity").attempts == 2)
            // Later calls sign with the corrected clock at once.
            _ = try await STSClient(client: client).getCallerIdentity()
            #expect(client.statistics.counts(.sts, "GetCallerIdentity").attempts == 3)
            let dates = try await fake.log().filter { $0.path == "/" }.compactMap { $0.headers["x-amz-date"] }
            #expect(dates.count == 3)
            #expect(dates[1] != dates[0])
        }
    }

    @Test("the JSON protocol's InvalidSignatureException for skew is corrected too (SQS)")
    func clockSkewJSON() async throws {
        try await FakeAWS.with { fake in
            try await fake.configure(["clockOffset": 1800])
            let clock = InstantClock(now: Date())
            let client = fake.client(clock: clock)
            let sqs = try SQSClient(client: client, queueURL: fake.endpoint + "/123456789012/q")
            _ = try await sqs.getQueueAttributes()
            #expect(abs(client.clockOffset - 1800) < 5)
            #expect(client.statistics.counts(.sqs, "GetQueueAttributes").attempts == 2)
        }
    }

    @Test("a skewed clock that stays wrong after one correction is reported, with the NTP hint")
    func skewNotFixable() async throws {
        try await FakeAWS.with { fake in
            let date = "Sun, 06 Nov 1994 08:49:37 GMT"
            let expired = FakeAWS.Step(
                status: 403,
                body:
                    "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>Signature expired: 20261129T000000Z "
                    + "is now earlier than 19941106T083437Z</Message></Error></ErrorResponse>",
                headers: ["Content-Type": "text/xml", "Date": date])
            try await fake.script([expired, expired])
            let client = fake.client(clock: InstantClock(now: Date()))
            let error = try await #require(throws: AWSError.self) {
                try await STSClient(client: client).getCallerIdentity()
            }
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.description.contains("fix NTP"))
            #expect(client.statistics.counts(.sts, "GetCallerIdentity").attempts == 2)
        }
    }

    @Test("ExpiredToken makes the client fetch new credentials and retry once")
    func expiredToken() async throws {
        try await FakeAWS.with { fake in
            try await fake.script([
                .queryError(403, "ExpiredToken", "The security token included in the request is expired")
            ])
            let clock = InstantClock(now: Date())
            let source = ScriptedSource([
                .success(ScriptedSource.credentials("ASIAFIRST", expiring: clock.now.addingTimeInterval(3600))),
                .success(ScriptedSource.credentials("ASIASECOND", expiring: clock.now.addingTimeInterval(7200))),
            ])
            let provider = RefreshingCredentials(source: source, clock: clock)
            let client = fake.client(clock: clock, credentials: provider)
            _ = try await STSClient(client: client).getCallerIdentity()
            #expect(await provider.fetchCount == 2)
            let authorizations = try await fake.log().filter { $0.path == "/" }.compactMap {
                $0.headers["authorization"]
            }
            #expect(authorizations.count == 2)
            #expect(authorizations[0].contains("Credential=ASIAFIRST/"))
            #expect(authorizations[1].contains("Credential=ASIASECOND/"))
        }
    }

    @Test("cancelling a call while it waits to retry ends it with a cancelled error")
    func cancellation() async throws {
        try await FakeAWS.with { fake in
            try await fake.script([.html(503), .html(503), .html(503)])
            let client = fake.client(clock: SystemClock(), jitter: 1)
            let task = Task { try await STSClient(client: client).getCallerIdentity() }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let result = await task.result
            let error = try #require(throws: AWSError.self) { try result.get() }
            #expect(error.kind == .cancelled)
        }
    }
}
