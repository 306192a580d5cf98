import Foundation
import HTTPClient
import Testing

@testable import AWS

@Suite("Endpoints, regions, timestamps and query encoding")
struct EndpointTests {
    @Test(
        "standard regional endpoints",
        arguments: [
            (AWSService.sqs, "eu-west-1", "https://sqs.eu-west-1.amazonaws.com"),
            (AWSService.ec2, "us-east-1", "https://ec2.us-east-1.amazonaws.com"),
            (AWSService.autoScaling, "ap-southeast-2", "https://autoscaling.ap-southeast-2.amazonaws.com"),
            (AWSService.sts, "us-east-1", "https://sts.us-east-1.amazonaws.com"),
            (AWSService.sts, "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn"),
            (AWSService.sqs, "us-gov-west-1", "https://sqs.us-gov-west-1.amazonaws.com"),
            (AWSService.iam, "eu-west-1", "https://iam.amazonaws.com"),
        ])
    func standard(service: AWSService, region: String, expected: String) throws {
        #expect(try EndpointResolver().endpoint(for: service, region: region) == expected)
    }

    @Test("overrides: per service, then AWS_ENDPOINT_URL, then NTH's AWS_ENDPOINT")
    func overrides() throws {
        let nth = EndpointResolver(environment: ["AWS_ENDPOINT": "http://localhost:4566/"])
        #expect(try nth.endpoint(for: .sqs, region: "eu-west-1") == "http://localhost:4566")
        #expect(try nth.endpoint(for: .ec2, region: nil) == "http://localhost:4566")
        let both = EndpointResolver(environment: [
            "AWS_ENDPOINT": "http://nth:1", "AWS_ENDPOINT_URL": "http://sdk:2", "AWS_ENDPOINT_URL_STS": "http://sts:3",
        ])
        #expect(try both.endpoint(for: .sqs, region: "eu-west-1") == "http://sdk:2")
        #expect(try both.endpoint(for: .sts, region: "eu-west-1") == "http://sts:3")
        let bad = EndpointResolver(override: "localhost:4566")
        let error = try #require(throws: AWSError.self) { try bad.endpoint(for: .sqs, region: "eu-west-1") }
        #expect(error.kind == .configuration)
    }

    @Test("no region is a configuration error, except for STS which falls back to its global endpoint")
    func noRegion() throws {
        let error = try #require(throws: AWSError.self) { try EndpointResolver().endpoint(for: .sqs, region: nil) }
        #expect(error.kind == .configuration)
        #expect(try EndpointResolver().endpoint(for: .sts, region: nil) == "https://sts.amazonaws.com")
        let legacy = EndpointResolver(environment: ["AWS_STS_REGIONAL_ENDPOINTS": "legacy"])
        #expect(try legacy.endpoint(for: .sts, region: "us-east-1") == "https://sts.amazonaws.com")
    }

    @Test(
        "the region of a queue URL",
        arguments: [
            ("https://sqs.eu-west-1.amazonaws.com/123456789012/q", "eu-west-1"),
            ("https://eu-central-1.queue.amazonaws.com/123456789012/q", "eu-central-1"),
            ("https://queue.amazonaws.com/123456789012/q", "us-east-1"),
            ("https://sqs.cn-northwest-1.amazonaws.com.cn/123456789012/q", "cn-northwest-1"),
            ("https://vpce-0a1b.sqs.us-gov-west-1.vpce.amazonaws.com/123456789012/q", "us-gov-west-1"),
            ("http://127.0.0.1:5000/123456789012/q", nil),
            ("http://localstack:4566/000000000000/q", nil),
        ])
    func queueURLRegion(url: String, region: String?) {
        #expect(Region.fromQueueURL(url) == region)
    }

    @Test("an SQS client takes the queue URL's region when none is configured, and fails without either")
    func sqsRegion() async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let unconfigured = AWSClient(configuration: AWSConfiguration(), credentialsProvider: nil, httpClient: http)
        let sqs = try SQSClient(client: unconfigured, queueURL: "https://sqs.ap-south-1.amazonaws.com/1/q")
        #expect(sqs.region == "ap-south-1")
        let error = try #require(throws: AWSError.self) {
            try SQSClient(client: unconfigured, queueURL: "http://127.0.0.1:1/1/q")
        }
        #expect(error.kind == .configuration)
        let configured = AWSClient(
            configuration: AWSConfiguration(region: "eu-west-1"), credentialsProvider: nil, httpClient: http)
        #expect(
            try SQSClient(client: configured, queueURL: "https://sqs.ap-south-1.amazonaws.com/1/q").region
                == "eu-west-1")
    }

    @Test("configuration from the environment: AWS_REGION before AWS_DEFAULT_REGION, AWS_MAX_ATTEMPTS")
    func configurationFromEnvironment() {
        let configuration = AWSConfiguration(environment: [
            "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2", "AWS_MAX_ATTEMPTS": "5",
            "AWS_ENDPOINT": "http://127.0.0.1:4566", "HOME": "/nonexistent",
        ])
        #expect(configuration.region == "eu-west-1")
        #expect(configuration.retryPolicy.maxAttempts == 5)
        #expect(configuration.endpoints.override == "http://127.0.0.1:4566")
        #expect(AWSConfiguration(environment: ["AWS_DEFAULT_REGION": "us-west-2", "HOME": "/x"]).region == "us-west-2")
    }

    @Test("query bodies percent-encode everything but unreserved characters")
    func queryEncoding() {
        let body = QueryEncoding.body(
            action: "DeleteMessage", version: "2012-11-05",
            parameters: [("ReceiptHandle", "a+b/c=="), ("QueueUrl", "https://x/1/q name"), ("Unicode", "é")])
        #expect(
            body == "Action=DeleteMessage&Version=2012-11-05&ReceiptHandle=a%2Bb%2Fc%3D%3D"
                + "&QueueUrl=https%3A%2F%2Fx%2F1%2Fq%20name&Unicode=%C3%A9")
        #expect(
            QueryEncoding.list("InstanceId", ["i-1", "i-2"]).map { $0.0 + "=" + $0.1 } == [
                "InstanceId.1=i-1", "InstanceId.2=i-2",
            ])
        #expect(QueryEncoding.list("Names", ["a"], member: true).map { $0.0 + "=" + $0.1 } == ["Names.member.1=a"])
    }
}
