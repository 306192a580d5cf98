/// The AWS credentials a ``Signer`` signs with.
///
/// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>.
public struct Credentials: Sendable, Equatable, CustomStringConvertible {
    /// The access key id (`AKIA...` for long-term keys, `ASIA...` for temporary ones).
    public let accessKeyID: String
    /// The secret access key. Never logged: ``description`` hides it.
    public let secretAccessKey: String
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    public let sessionToken: String?

    /// Creates credentials.
    ///
    /// - Parameters:
    ///   - accessKeyID: the access key id.
    ///   - secretAccessKey: the secret access key.
    ///   - sessionToken: the session token of temporary credentials, or `nil` for long-term keys.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The access key id and whether a session token is present; never the secret or the token.
    public var description: String {
        "Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, sessionToken: "
            + (sessionToken == nil ? "nil)" : "<redacted>)")
    }
}
