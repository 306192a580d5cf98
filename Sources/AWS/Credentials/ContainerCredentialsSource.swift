public import Clocks
import Foundation
public import HTTPClient

/// Credentials from a container credentials endpoint: EKS Pod Identity and ECS task roles.
///
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (Pod Identity sets `http://169.254.170.23/v1/credentials`) or
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (ECS; called at `http://169.254.170.2`). Plain-http full URIs must point
/// at a loopback address or at the ECS or Pod Identity agent (169.254.170.2, 169.254.170.23, fd00:ec2::23);
/// https may go anywhere. The `Authorization` header comes from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, re-read
/// on every refresh because the kubelet rotates it, else from `AWS_CONTAINER_AUTHORIZATION_TOKEN`. Each fetch gets
/// 2 s and up to 3 attempts 1 s apart.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html> and
/// <https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html>.
public struct ContainerCredentialsSource: CredentialsSource {
    /// `container`.
    public let name = "container"
    private let environment: [String: String]
    private let fetcher: MetadataFetcher

    /// The hosts a plain-http full URI may name besides loopback addresses.
    public static let allowedHTTPHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]

    /// Reads the variables from `environment`.
    ///
    /// - Parameters:
    ///   - environment: the environment variables.
    ///   - httpClient: the HTTP transport.
    ///   - clock: the sleeper between attempts.
    public init(environment: [String: String], httpClient: HTTPClient, clock: any WallClock = SystemClock()) {
        self.environment = environment
        self.fetcher = MetadataFetcher(
            httpClient: httpClient, clock: clock, source: "container", timeout: .seconds(2), attempts: 3,
            delay: .seconds(1))
    }

    /// Credentials from the endpoint.
    ///
    /// - Returns: the credentials, or `nil` when neither URI variable is set.
    /// - Throws: ``AWSError`` for a disallowed URI, an unreadable token file, a token with a line break, or an
    ///   endpoint that fails or answers something else than credentials.
    public func resolve() async throws(AWSError) -> AWSCredentials? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let url: String
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = "http://169.254.170.2" + (relative.hasPrefix("/") ? "" : "/") + relative
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            try Self.validate(fullURI: full)
            url = full
        } else {
            return nil
        }
        var headers = HTTPHeaders([("Accept", "application/json")])
        if let token = try authorizationToken() {
            headers.add(name: "Authorization", value: token)
        }
        let response = try await fetcher.fetch(HTTPRequest(method: .get, url: url, headers: headers))
        guard response.status == 200 else {
            throw AWSError(
                kind: .credentials, service: "credentials", operation: name, status: response.status,
                message: "the container credentials endpoint \(HTTPClientError.redactedURL(url)) answered HTTP "
                    + "\(response.status)" + (CredentialsDocument.errorSummary(response.body).map { ": " + $0 } ?? "")
                    + " — check the Pod Identity association or the task role")
        }
        return try CredentialsDocument.credentials(from: response.body, source: name)
    }

    /// The authorization token: the token file's contents (re-read now), else the token variable.
    private func authorizationToken() throws(AWSError) -> String? {
        var token: String?
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AWSError(
                    kind: .credentials, service: "credentials", operation: name,
                    message: "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path)")
            }
            token = String(decoding: data, as: UTF8.self).trimmingASCIIWhitespace()
        } else if let value = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !value.isEmpty {
            token = value
        }
        if let token, token.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            throw AWSError(
                kind: .credentials, service: "credentials", operation: name,
                message: "the container authorization token contains a line break")
        }
        return token
    }

    /// Accepts https URIs, and http URIs to loopback or the ECS / Pod Identity agents.
    static func validate(fullURI: String) throws(AWSError) {
        guard let components = URL(string: fullURI), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else {
            throw AWSError(
                kind: .credentials, service: "credentials", operation: "container",
                message: "AWS_CONTAINER_CREDENTIALS_FULL_URI \"\(fullURI)\" is not a URL with a host")
        }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let loopback = bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
        guard scheme == "https" || (scheme == "http" && (loopback || allowedHTTPHosts.contains(bare))) else {
            throw AWSError(
                kind: .credentials, service: "credentials", operation: "container",
                message: "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or "
                    + "169.254.170.2 / 169.254.170.23 / fd00:ec2::23; got host \(host)")
        }
    }
}
