public import Foundation
public import SigV4

/// Credentials with their expiry and where they came from.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    /// The keys the signer uses.
    public var credentials: Credentials
    /// When temporary credentials expire; `nil` for long-term keys.
    public var expiration: Date?
    /// The source's name, e.g. `environment`, `web-identity`, `container`, `profile`, `imds`.
    public var source: String

    /// Creates credentials.
    ///
    /// - Parameters:
    ///   - credentials: the keys.
    ///   - expiration: when they expire, or `nil` for long-term keys.
    ///   - source: the source's name.
    public init(credentials: Credentials, expiration: Date? = nil, source: String) {
        self.credentials = credentials
        self.expiration = expiration
        self.source = source
    }

    /// The access key id, the source and the expiry; never the secret or the token.
    public var description: String {
        var text = "AWSCredentials(\(credentials.accessKeyID) from \(source)"
        if let expiration { text += ", expires \(expiration)" }
        return text + ")"
    }
}

/// Hands out credentials to sign with. The client asks before every request; implementations cache.
///
/// Implementations: ``StaticCredentialsProvider`` and ``RefreshingCredentials`` (which wraps a
/// ``CredentialsSource`` such as the default ``CredentialsChain``).
public protocol CredentialsProvider: Sendable {
    /// Credentials valid now.
    ///
    /// - Returns: the credentials.
    /// - Throws: ``AWSError`` of kind ``AWSError/Kind/credentials`` when none can be had.
    func credentials() async throws(AWSError) -> AWSCredentials

    /// Forgets cached credentials, because AWS said they expired (`ExpiredToken`). The next call fetches anew.
    func invalidate() async
}

extension CredentialsProvider {
    /// Does nothing: fixed credentials cannot be renewed.
    public func invalidate() async {}
}

/// Fixed credentials, e.g. from a test or the caller's own configuration.
public struct StaticCredentialsProvider: CredentialsProvider {
    /// The credentials handed out.
    public let value: AWSCredentials

    /// Hands out `credentials` forever.
    ///
    /// - Parameter credentials: the keys.
    public init(_ credentials: Credentials) {
        self.value = AWSCredentials(credentials: credentials, source: "static")
    }

    /// The fixed credentials.
    ///
    /// - Returns: the credentials given at creation.
    public func credentials() async throws(AWSError) -> AWSCredentials { value }
}
