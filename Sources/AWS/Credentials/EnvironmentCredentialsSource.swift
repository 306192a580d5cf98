import SigV4

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (or the legacy
/// `AWS_SECURITY_TOKEN`).
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html>.
public struct EnvironmentCredentialsSource: CredentialsSource {
    /// `environment`.
    public let name = "environment"
    private let environment: [String: String]

    /// Reads from `environment`.
    ///
    /// - Parameter environment: the environment variables.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The keys in the environment.
    ///
    /// - Returns: the credentials, or `nil` when neither key variable is set.
    /// - Throws: ``AWSError/Kind/credentials`` when only one of the two is set.
    public func resolve() async throws(AWSError) -> AWSCredentials? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let accessKey = value("AWS_ACCESS_KEY_ID")
        let secret = value("AWS_SECRET_ACCESS_KEY")
        switch (accessKey, secret) {
        case (nil, nil):
            return nil
        case (let accessKey?, let secret?):
            let token = value("AWS_SESSION_TOKEN") ?? value("AWS_SECURITY_TOKEN")
            return AWSCredentials(
                credentials: Credentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
                source: name)
        default:
            throw AWSError(
                kind: .credentials, service: "credentials", operation: name,
                message: "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set; set both or neither")
        }
    }
}
