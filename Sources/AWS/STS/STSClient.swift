import Foundation
import SigV4
import Timestamps

/// The two AWS STS operations the controller needs: `AssumeRoleWithWebIdentity` (IRSA credentials; unsigned) and
/// `GetCallerIdentity` (a start-up check of who we are).
///
/// Query protocol, `Version=2011-06-15`, regional endpoint `sts.<region>.amazonaws.com`.
/// See <https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html>.
public struct STSClient: Sendable {
    /// The transport.
    public let client: AWSClient

    /// Creates an STS client.
    ///
    /// - Parameter client: the transport; it needs no credentials for ``assumeRoleWithWebIdentity(roleARN:sessionName:webIdentityToken:durationSeconds:)``.
    public init(client: AWSClient) {
        self.client = client
    }

    /// The result of `AssumeRoleWithWebIdentity`.
    public struct AssumedRole: Sendable, Equatable {
        /// The temporary credentials, with their expiry.
        public var credentials: AWSCredentials
        /// The assumed role's session ARN, e.g. `arn:aws:sts::123456789012:assumed-role/nth/pod`.
        public var assumedRoleARN: String?
        /// The assumed role id, e.g. `AROA…:pod`.
        public var assumedRoleID: String?
    }

    /// Exchanges a web identity token (the projected service-account token of IRSA) for temporary credentials.
    /// The call is unsigned.
    ///
    /// See <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>.
    /// - Parameters:
    ///   - roleARN: the role to assume (`AWS_ROLE_ARN`).
    ///   - sessionName: the role session name, 2–64 characters of `[\w+=,.@-]`.
    ///   - webIdentityToken: the OIDC token's contents.
    ///   - durationSeconds: the session length (900–43200), or `nil` for the role's default (1 h).
    /// - Returns: the temporary credentials.
    /// - Throws: ``AWSError``, e.g. `InvalidIdentityToken`, `AccessDenied`, `ExpiredTokenException`.
    public func assumeRoleWithWebIdentity(
        roleARN: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil
    ) async throws(AWSError) -> AssumedRole {
        let action = "AssumeRoleWithWebIdentity"
        var parameters = [
            ("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", webIdentityToken),
        ]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        let root = try await client.query(.sts, action: action, parameters: parameters, signed: false)
        guard let result = root.child(action + "Result"), let document = result.child("Credentials"),
            let accessKey = document.value(at: "AccessKeyId"), !accessKey.isEmpty,
            let secret = document.value(at: "SecretAccessKey"), !secret.isEmpty,
            let token = document.value(at: "SessionToken"), !token.isEmpty,
            let expirationText = document.value(at: "Expiration"),
            let expiration = RFC3339.parse(expirationText)  // value(at:) trims
        else {
            throw AWSError(
                kind: .unexpectedResponse, service: "STS", operation: action,
                message: "the response has no complete <Credentials> (AccessKeyId, SecretAccessKey, SessionToken, "
                    + "Expiration)")
        }
        return AssumedRole(
            credentials: AWSCredentials(
                credentials: Credentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
                expiration: expiration, source: "web-identity"),
            assumedRoleARN: result.value(at: "AssumedRoleUser", "Arn"),
            assumedRoleID: result.value(at: "AssumedRoleUser", "AssumedRoleId"))
    }

    /// Who the credentials belong to.
    public struct CallerIdentity: Sendable, Equatable {
        /// The account id, e.g. `123456789012`.
        public var account: String
        /// The ARN of the user or assumed role.
        public var arn: String
        /// The unique id of the user or role session.
        public var userID: String
    }

    /// Returns the account and ARN the client's credentials belong to; needs no IAM permission.
    ///
    /// See <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>.
    /// - Returns: the caller's identity.
    /// - Throws: ``AWSError``, e.g. `InvalidClientTokenId` or `SignatureDoesNotMatch` for bad credentials.
    public func getCallerIdentity() async throws(AWSError) -> CallerIdentity {
        let action = "GetCallerIdentity"
        let root = try await client.query(.sts, action: action)
        guard let result = root.child(action + "Result"), let account = result.value(at: "Account"),
            let arn = result.value(at: "Arn")
        else {
            throw AWSError(
                kind: .unexpectedResponse, service: "STS", operation: action,
                message: "the response has no Account or Arn")
        }
        return CallerIdentity(account: account, arn: arn, userID: result.value(at: "UserId") ?? "")
    }
}
