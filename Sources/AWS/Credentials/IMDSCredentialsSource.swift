public import Clocks
import Foundation
public import HTTPClient

/// The instance profile's credentials from the EC2 instance metadata service, IMDSv2 only.
///
/// `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: 21600`, then, with
/// `X-aws-ec2-metadata-token`, `GET /latest/meta-data/iam/security-credentials/` (the role name) and
/// `GET …/security-credentials/<role>` (the credentials); a 401 fetches a new token once. Endpoint:
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `http://169.254.169.254` (`http://[fd00:ec2::254]` with
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`); off with `AWS_EC2_METADATA_DISABLED=true`; timeout
/// `AWS_METADATA_SERVICE_TIMEOUT` seconds (1), attempts `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (1). In a pod without
/// host networking, the instance's `HttpPutResponseHopLimit` must be at least 2.
///
/// See <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html> and
/// <https://docs.aws.amazon.com/sdkref/latest/guide/feature-imds-credentials.html>.
public struct IMDSCredentialsSource: CredentialsSource {
    /// `imds`.
    public let name = "imds"
    /// The metadata service's base URL, without a trailing slash.
    public let endpoint: String
    /// Whether the source is switched off.
    public let disabled: Bool
    /// The time allowed for each metadata request (`AWS_METADATA_SERVICE_TIMEOUT`, 1 s by default), so that a
    /// machine without IMDS falls through the chain quickly.
    public let timeout: Duration
    /// The token lifetime asked for, in seconds.
    public static let tokenTTL = 21_600
    private let fetcher: MetadataFetcher

    /// Reads the variables from `environment`.
    ///
    /// - Parameters:
    ///   - environment: the environment variables.
    ///   - httpClient: the HTTP transport.
    ///   - clock: the sleeper between attempts.
    public init(environment: [String: String], httpClient: HTTPClient, clock: any WallClock = SystemClock()) {
        var endpoint =
            environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6"
                ? "http://[fd00:ec2::254]" : "http://169.254.169.254")
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        self.disabled = environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
        let timeout = environment["AWS_METADATA_SERVICE_TIMEOUT"].flatMap(Double.init).map { max($0, 0.1) } ?? 1
        let attempts = environment["AWS_METADATA_SERVICE_NUM_ATTEMPTS"].flatMap(Int.init).map { max($0, 1) } ?? 1
        self.timeout = .milliseconds(Int64(timeout * 1000))
        self.fetcher = MetadataFetcher(
            httpClient: httpClient, clock: clock, source: "imds", timeout: self.timeout,
            attempts: attempts, delay: .seconds(1))
    }

    /// The instance profile's credentials.
    ///
    /// - Returns: the credentials, or `nil` when IMDS is disabled, does not answer, refuses a token, or the instance
    ///   has no instance profile.
    /// - Throws: ``AWSError`` when IMDS answers but the credentials cannot be had.
    public func resolve() async throws(AWSError) -> AWSCredentials? {
        guard !disabled else { return nil }
        guard var token = try await token() else { return nil }
        let roleURL = endpoint + "/latest/meta-data/iam/security-credentials/"
        var response = try await get(roleURL, token: token)
        if response.status == 401 {
            guard let fresh = try await self.token() else { return nil }
            token = fresh
            response = try await get(roleURL, token: token)
        }
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure("listing the instance profile role", response) }
        let role =
            String(decoding: response.body, as: UTF8.self)
            .split(whereSeparator: \.isNewline).first.map { String($0).trimmingASCIIWhitespace() } ?? ""
        guard !role.isEmpty, !role.contains("/") else { return nil }
        let credentialsResponse = try await get(roleURL + role, token: token)
        guard credentialsResponse.status == 200 else {
            throw failure("reading the credentials of role \(role)", credentialsResponse)
        }
        return try CredentialsDocument.credentials(from: credentialsResponse.body, source: name)
    }

    /// A session token, or `nil` when IMDS does not answer or refuses (IMDSv2 disabled, hop limit too low).
    private func token() async throws(AWSError) -> String? {
        let request = HTTPRequest(
            method: .put, url: endpoint + "/latest/api/token",
            headers: HTTPHeaders([("X-aws-ec2-metadata-token-ttl-seconds", String(Self.tokenTTL))]))
        let response: HTTPResponse
        do {
            response = try await fetcher.fetch(request)
        } catch let error where error.kind == .transport {
            return nil
        }
        guard response.status == 200 else { return nil }
        let token = String(decoding: response.body, as: UTF8.self).trimmingASCIIWhitespace()
        return token.isEmpty ? nil : token
    }

    private func get(_ url: String, token: String) async throws(AWSError) -> HTTPResponse {
        try await fetcher.fetch(
            HTTPRequest(method: .get, url: url, headers: HTTPHeaders([("X-aws-ec2-metadata-token", token)])))
    }

    private func failure(_ step: String, _ response: HTTPResponse) -> AWSError {
        AWSError(
            kind: .credentials, service: "credentials", operation: name, status: response.status,
            message: "IMDS answered HTTP \(response.status) \(step) — check the instance profile")
    }
}
