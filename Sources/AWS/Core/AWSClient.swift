public import Clocks
public import Foundation
public import HTTPClient
import Locking

/// The transport every service client shares: endpoint resolution, credentials, SigV4 signing, retries with a
/// retry quota, and clock-skew correction.
///
/// Create one per process and hand it to ``SQSClient``, ``EC2Client``, ``AutoScalingClient`` and ``STSClient``. The
/// generic ``query(_:action:parameters:region:signed:)`` and ``json(_:operation:body:region:timeout:)`` calls reach
/// any operation of a query or AWS JSON service (tests use them to set up moto).
///
/// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html> and
/// <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>.
public final class AWSClient: Sendable {
    /// Region, endpoints, retry policy and timeouts.
    public let configuration: AWSConfiguration
    /// The HTTP transport.
    public let httpClient: HTTPClient
    /// Where signing credentials come from; `nil` for a client that only makes unsigned calls.
    public let credentialsProvider: (any CredentialsProvider)?
    /// The wall clock (signing times) and sleeper (back-off).
    public let clock: any WallClock
    /// Call counters per operation.
    public let statistics = AWSCallStatistics()

    /// The jitter source for back-off, a number in [0, 1).
    let random: @Sendable () -> Double
    /// Sees every request after signing (tests only).
    let interceptor: (@Sendable (inout HTTPRequest) -> Void)?

    /// State shared by every call: the retry quota and the clock correction.
    struct SharedState: Sendable {
        var quota = RetryQuota()
        var clockOffset: TimeInterval = 0
    }

    let state = Lock(SharedState())

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: region, endpoints, retries and timeouts.
    ///   - credentialsProvider: where credentials come from; `nil` when every call is unsigned.
    ///   - httpClient: the HTTP transport, shared with other users.
    ///   - clock: the wall clock and sleeper; the system clock by default.
    ///   - random: the jitter source, returning numbers in [0, 1).
    public convenience init(
        configuration: AWSConfiguration,
        credentialsProvider: (any CredentialsProvider)?,
        httpClient: HTTPClient,
        clock: any WallClock = SystemClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.init(
            configuration: configuration, credentialsProvider: credentialsProvider, httpClient: httpClient,
            clock: clock, random: random, interceptor: nil)
    }

    /// Creates a client whose signed requests pass through `interceptor` just before they are sent (tests tamper
    /// with them to show that the server checks the signature; the controller never sets one).
    ///
    /// - Parameters:
    ///   - configuration: region, endpoints, retries and timeouts.
    ///   - credentialsProvider: where credentials come from; `nil` when every call is unsigned.
    ///   - httpClient: the HTTP transport, shared with other users.
    ///   - clock: the wall clock and sleeper.
    ///   - random: the jitter source, returning numbers in [0, 1).
    ///   - interceptor: sees, and may change, every request after signing; `nil` for none.
    public init(
        configuration: AWSConfiguration,
        credentialsProvider: (any CredentialsProvider)?,
        httpClient: HTTPClient,
        clock: any WallClock,
        random: @escaping @Sendable () -> Double,
        interceptor: (@Sendable (inout HTTPRequest) -> Void)?
    ) {
        self.configuration = configuration
        self.credentialsProvider = credentialsProvider
        self.httpClient = httpClient
        self.clock = clock
        self.random = random
        self.interceptor = interceptor
    }

    /// Creates a client configured from `environment` with the default credentials chain (environment, web
    /// identity, container, shared files, IMDSv2), refreshed 5 minutes before expiry.
    ///
    /// - Parameters:
    ///   - environment: the environment variables to read (see docs/aws.md).
    ///   - httpClient: the HTTP transport.
    ///   - clock: the wall clock and sleeper.
    public convenience init(
        environment: [String: String], httpClient: HTTPClient, clock: any WallClock = SystemClock()
    ) {
        let configuration = AWSConfiguration(environment: environment)
        let chain = CredentialsChain.standard(
            environment: environment, configuration: configuration, httpClient: httpClient, clock: clock)
        self.init(
            configuration: configuration,
            credentialsProvider: RefreshingCredentials(source: chain, clock: clock),
            httpClient: httpClient, clock: clock)
    }

    /// The top-level entry point: a client configured from this process's environment variables.
    ///
    /// The only place in the module that reads the process environment; library code takes it as a parameter.
    /// - Parameter httpClient: the HTTP transport.
    /// - Returns: a client with the default credentials chain.
    public static func fromProcessEnvironment(httpClient: HTTPClient) -> AWSClient {
        AWSClient(environment: ProcessInfo.processInfo.environment, httpClient: httpClient)
    }

    /// The correction added to the wall clock when signing, in seconds (0 until a skew error corrected it).
    public var clockOffset: TimeInterval {
        state.withLock { $0.clockOffset }
    }

    /// The retry quota's current state.
    public var retryQuota: RetryQuota {
        state.withLock { $0.quota }
    }

    /// Calls a query-protocol operation (EC2, Auto Scaling, STS, IAM) and returns its response's root element
    /// (`<ActionResponse>`).
    ///
    /// See <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html>.
    /// - Parameters:
    ///   - service: the service.
    ///   - action: the `Action`, e.g. `DescribeInstances`.
    ///   - parameters: the other parameters, flattened (`InstanceId.1`, `Filter.1.Name`, ...), in order.
    ///   - region: the region, when it differs from the configuration's.
    ///   - signed: `false` for the few unsigned calls (`AssumeRoleWithWebIdentity`).
    /// - Returns: the root element of the response.
    /// - Throws: ``AWSError``.
    public func query(
        _ service: AWSService, action: String, parameters: [(String, String)] = [], region: String? = nil,
        signed: Bool = true
    ) async throws(AWSError) -> XML.Element {
        let body = QueryEncoding.body(action: action, version: service.apiVersion, parameters: parameters)
        let request = AWSRequest(
            service: service, operation: action, region: region,
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
            body: Data(body.utf8), signed: signed, timeout: nil)
        let response = try await send(request)
        let root: XML.Element
        do {
            root = try XML.parse(response.body)
        } catch {
            throw AWSError.unexpected(
                response, service: service.name, operation: action, problem: "the response is not XML: \(error)")
        }
        guard root.name == action + "Response" else {
            throw AWSError.unexpected(
                response, service: service.name, operation: action,
                problem: "expected <\(action)Response>, got <\(root.name)>")
        }
        return root
    }

    /// Calls an AWS JSON operation (SQS, EventBridge) and returns the response body.
    ///
    /// Sends `X-Amz-Target: <prefix>.<operation>` and `Content-Type: application/x-amz-json-<version>`; for SQS also
    /// `x-amzn-query-mode: true`, so errors carry the query-compatible code.
    /// See <https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html>.
    /// - Parameters:
    ///   - service: an AWS JSON service.
    ///   - operation: the operation, e.g. `ReceiveMessage`.
    ///   - body: the JSON request body.
    ///   - region: the region, when it differs from the configuration's.
    ///   - timeout: the time allowed for one attempt, when it differs from the configuration's.
    /// - Returns: the JSON response body (`{}` when the response is empty).
    /// - Throws: ``AWSError``.
    public func json(
        _ service: AWSService, operation: String, body: Data, region: String? = nil, timeout: Duration? = nil
    ) async throws(AWSError) -> Data {
        guard let prefix = service.jsonTargetPrefix, let version = service.jsonVersion else {
            throw AWSError(
                kind: .invalidArgument, service: service.name, operation: operation,
                message: "\(service.name) does not speak the AWS JSON protocol")
        }
        var headers: [(name: String, value: String)] = [
            (name: "Content-Type", value: "application/x-amz-json-" + version),
            (name: "X-Amz-Target", value: prefix + "." + operation),
        ]
        if service == .sqs {
            headers.append((name: "x-amzn-query-mode", value: "true"))
        }
        let request = AWSRequest(
            service: service, operation: operation, region: region, headers: headers, body: body, signed: true,
            timeout: timeout)
        let response = try await send(request)
        return response.body.isEmpty ? Data("{}".utf8) : response.body
    }
}
