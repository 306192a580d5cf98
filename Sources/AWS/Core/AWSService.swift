/// An AWS service as the client needs to know it: names for display, signing, endpoints and endpoint overrides,
/// and the API version of query-protocol services.
///
/// See <https://docs.aws.amazon.com/general/latest/gr/rande.html> and
/// <https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// The name in errors and logs, e.g. `SQS`, `AutoScaling`.
    public let name: String
    /// The SigV4 signing name, e.g. `sqs`, `autoscaling`.
    public let signingName: String
    /// The first label of the standard endpoint, e.g. `sqs` in `sqs.eu-west-1.amazonaws.com`.
    public let endpointPrefix: String
    /// The suffix of the service's endpoint variable, e.g. `SQS` in `AWS_ENDPOINT_URL_SQS`.
    public let environmentName: String
    /// The `Version` parameter of query-protocol calls, e.g. `2016-11-15` for EC2.
    public let apiVersion: String
    /// Whether the service has one global endpoint (IAM) instead of regional ones.
    public let isGlobal: Bool
    /// For AWS JSON services, the `X-Amz-Target` prefix, e.g. `AmazonSQS`; `nil` for query services.
    public let jsonTargetPrefix: String?
    /// For AWS JSON services, the protocol version in the content type: `1.0` (SQS) or `1.1` (EventBridge).
    public let jsonVersion: String?

    /// Describes a service.
    ///
    /// - Parameters:
    ///   - name: the display name.
    ///   - signingName: the SigV4 signing name.
    ///   - endpointPrefix: the first label of the standard endpoint.
    ///   - environmentName: the suffix of `AWS_ENDPOINT_URL_<NAME>`.
    ///   - apiVersion: the query-protocol `Version`.
    ///   - isGlobal: whether the service has a single global endpoint.
    ///   - jsonTargetPrefix: the `X-Amz-Target` prefix of an AWS JSON service.
    ///   - jsonVersion: the AWS JSON protocol version, `1.0` or `1.1`.
    public init(
        name: String, signingName: String, endpointPrefix: String, environmentName: String, apiVersion: String,
        isGlobal: Bool = false, jsonTargetPrefix: String? = nil, jsonVersion: String? = nil
    ) {
        self.name = name
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
        self.environmentName = environmentName
        self.apiVersion = apiVersion
        self.isGlobal = isGlobal
        self.jsonTargetPrefix = jsonTargetPrefix
        self.jsonVersion = jsonVersion
    }

    /// The display name.
    public var description: String { name }

    /// Amazon SQS, spoken in the AWS JSON 1.0 protocol
    /// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/Welcome.html>).
    public static let sqs = AWSService(
        name: "SQS", signingName: "sqs", endpointPrefix: "sqs", environmentName: "SQS", apiVersion: "2012-11-05",
        jsonTargetPrefix: "AmazonSQS", jsonVersion: "1.0")
    /// Amazon EC2, query protocol (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Welcome.html>).
    public static let ec2 = AWSService(
        name: "EC2", signingName: "ec2", endpointPrefix: "ec2", environmentName: "EC2", apiVersion: "2016-11-15")
    /// Amazon EC2 Auto Scaling, query protocol
    /// (<https://docs.aws.amazon.com/autoscaling/ec2/APIReference/Welcome.html>).
    public static let autoScaling = AWSService(
        name: "AutoScaling", signingName: "autoscaling", endpointPrefix: "autoscaling",
        environmentName: "AUTO_SCALING", apiVersion: "2011-01-01")
    /// AWS STS, query protocol (<https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html>).
    public static let sts = AWSService(
        name: "STS", signingName: "sts", endpointPrefix: "sts", environmentName: "STS", apiVersion: "2011-06-15")
    /// Amazon EventBridge, AWS JSON 1.1 protocol
    /// (<https://docs.aws.amazon.com/eventbridge/latest/APIReference/Welcome.html>).
    public static let eventBridge = AWSService(
        name: "EventBridge", signingName: "events", endpointPrefix: "events", environmentName: "EVENTBRIDGE",
        apiVersion: "2015-10-07", jsonTargetPrefix: "AWSEvents", jsonVersion: "1.1")
    /// AWS IAM, query protocol, one global endpoint
    /// (<https://docs.aws.amazon.com/IAM/latest/APIReference/welcome.html>).
    public static let iam = AWSService(
        name: "IAM", signingName: "iam", endpointPrefix: "iam", environmentName: "IAM", apiVersion: "2010-05-08",
        isGlobal: true)
}
