public import Clocks
import Foundation
public import HTTPClient

/// IRSA: credentials for `AWS_ROLE_ARN` from STS `AssumeRoleWithWebIdentity`, with the token in
/// `AWS_WEB_IDENTITY_TOKEN_FILE` (re-read on every refresh: the kubelet rotates it) and the session name
/// `AWS_ROLE_SESSION_NAME` (default `node-termination-handler-<unix time>`). The STS call is unsigned and goes to the
/// regional endpoint (or the STS endpoint override).
///
/// See <https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html> and
/// <https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html>.
public struct WebIdentityCredentialsSource: CredentialsSource {
    /// `web-identity`.
    public let name = "web-identity"
    /// The role to assume.
    public let roleARN: String?
    /// The path of the token file.
    public let tokenFile: String?
    /// The session name, when configured.
    public let sessionName: String?
    private let sts: STSClient
    private let clock: any WallClock

    /// Reads the variables from `environment`.
    ///
    /// - Parameters:
    ///   - environment: the environment variables.
    ///   - configuration: region and endpoints for STS.
    ///   - httpClient: the HTTP transport.
    ///   - clock: the wall clock (session names) and sleeper (retries).
    public init(
        environment: [String: String], configuration: AWSConfiguration, httpClient: HTTPClient,
        clock: any WallClock = SystemClock()
    ) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        self.roleARN = value("AWS_ROLE_ARN")
        self.tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE")
        self.sessionName = value("AWS_ROLE_SESSION_NAME")
        self.clock = clock
        self.sts = STSClient(
            client: AWSClient(
                configuration: configuration, credentialsProvider: nil, httpClient: httpClient, clock: clock))
    }

    /// Temporary credentials for the role.
    ///
    /// - Returns: the credentials, or `nil` when `AWS_ROLE_ARN` or `AWS_WEB_IDENTITY_TOKEN_FILE` is unset.
    /// - Throws: ``AWSError`` when the token file cannot be read or STS refuses.
    public func resolve() async throws(AWSError) -> AWSCredentials? {
        guard let roleARN, let tokenFile else { return nil }
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw AWSError(
                kind: .credentials, service: "credentials", operation: name,
                message: "cannot read AWS_WEB_IDENTITY_TOKEN_FILE \(tokenFile) — is the service account token "
                    + "projected into the pod?")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingASCIIWhitespace()
        guard !token.isEmpty else {
            throw AWSError(
                kind: .credentials, service: "credentials", operation: name,
                message: "AWS_WEB_IDENTITY_TOKEN_FILE \(tokenFile) is empty")
        }
        let session = sessionName ?? "node-termination-handler-\(Int(clock.now.timeIntervalSince1970))"
        var role = try await sts.assumeRoleWithWebIdentity(
            roleARN: roleARN, sessionName: session, webIdentityToken: token)
        role.credentials.source = name
        return role.credentials
    }
}
