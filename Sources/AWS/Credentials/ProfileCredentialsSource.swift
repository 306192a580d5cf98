import SigV4

/// Long-term keys from the shared files: the selected profile (`AWS_PROFILE`, default `default`) in the credentials
/// file (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`), else in the config file (`AWS_CONFIG_FILE`,
/// default `~/.aws/config`). Reads `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token`; role
/// assumption, SSO and `credential_process` profiles are not supported.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>.
public struct ProfileCredentialsSource: CredentialsSource {
    /// `profile`.
    public let name = "profile"
    private let files: SharedConfigFiles

    /// Reads paths and the profile from `environment`.
    ///
    /// - Parameter environment: the environment variables (`HOME` included).
    public init(environment: [String: String]) {
        self.files = SharedConfigFiles(environment: environment)
    }

    /// The profile's keys.
    ///
    /// - Returns: the credentials, or `nil` when neither file has keys for the profile.
    /// - Throws: ``AWSError/Kind/credentials`` when the profile has an access key but no secret, or the reverse.
    public func resolve() async throws(AWSError) -> AWSCredentials? {
        for section in [files.credentialsSection(), files.configSection()].compactMap({ $0 }) {
            let accessKey = section["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
            let secret = section["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
            switch (accessKey, secret) {
            case (nil, nil):
                continue
            case (let accessKey?, let secret?):
                let token = section["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
                return AWSCredentials(
                    credentials: Credentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
                    source: name + ":" + files.profile)
            default:
                throw AWSError(
                    kind: .credentials, service: "credentials", operation: name,
                    message: "profile \"\(files.profile)\" has only one of aws_access_key_id and "
                        + "aws_secret_access_key")
            }
        }
        return nil
    }
}
