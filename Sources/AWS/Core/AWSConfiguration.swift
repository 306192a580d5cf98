/// Region, endpoints, retries and timeouts shared by every service client.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>.
public struct AWSConfiguration: Sendable, Equatable {
    /// The region, e.g. `eu-west-1`. `nil` is allowed when every call names its own (SQS takes the queue URL's).
    public var region: String?
    /// Where each service is called.
    public var endpoints: EndpointResolver
    /// When and how failed calls are retried.
    public var retryPolicy: AWSRetryPolicy
    /// The time allowed for one HTTP attempt (long polls add their wait time to it).
    public var requestTimeout: Duration
    /// The `User-Agent` sent (never signed).
    public var userAgent: String

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - region: the region.
    ///   - endpoints: endpoint overrides.
    ///   - retryPolicy: the retry policy; standard mode by default.
    ///   - requestTimeout: the time allowed for one attempt.
    ///   - userAgent: the `User-Agent` header.
    public init(
        region: String? = nil,
        endpoints: EndpointResolver = EndpointResolver(),
        retryPolicy: AWSRetryPolicy = .standard,
        requestTimeout: Duration = .seconds(30),
        userAgent: String = "node-termination-handler"
    ) {
        self.region = region
        self.endpoints = endpoints
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
        self.userAgent = userAgent
    }

    /// Reads the configuration from environment variables: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the
    /// `region` of the profile in the shared config file (`AWS_CONFIG_FILE`, `AWS_PROFILE`); the endpoint variables
    /// of ``EndpointResolver/init(environment:)``; `AWS_MAX_ATTEMPTS`.
    ///
    /// - Parameter environment: the process environment; empty values count as unset.
    public init(environment: [String: String]) {
        let region = [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        var policy = AWSRetryPolicy.standard
        if let attempts = environment["AWS_MAX_ATTEMPTS"].flatMap(Int.init), attempts > 0 {
            policy.maxAttempts = attempts
        }
        self.init(
            region: region ?? SharedConfigFiles(environment: environment).region(),
            endpoints: EndpointResolver(environment: environment), retryPolicy: policy)
    }
}
