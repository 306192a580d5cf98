public import Clocks
public import HTTPClient
import Locking

/// Tries credential sources in order and sticks to the first one that has credentials.
///
/// The standard chain, in this order: environment variables; web identity (IRSA); container credentials (ECS,
/// EKS Pod Identity); the shared `credentials`/`config` files; the EC2 instance metadata service (IMDSv2). A source
/// that is configured but fails ends the search with its error (a broken IRSA set-up is reported, not papered
/// over with the node's instance role). Once a source has answered, later refreshes ask only that source.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html#credentialProviderChain>.
public final class CredentialsChain: CredentialsSource {
    /// The sources, in the order they are tried.
    public let sources: [any CredentialsSource]
    private let chosen = Lock<Int?>(nil)

    /// Creates a chain.
    ///
    /// - Parameter sources: the sources, in order.
    public init(_ sources: [any CredentialsSource]) {
        self.sources = sources
    }

    /// The chain's name: `chain` until a source is chosen, then that source's name.
    public var name: String {
        chosen.withLock { index in index.map { sources[$0].name } } ?? "chain"
    }

    /// The name of the source that provided credentials, once one has.
    public var chosenSource: String? {
        chosen.withLock { index in index.map { sources[$0].name } }
    }

    /// Credentials from the chosen source, or from the first source that has some.
    ///
    /// - Returns: the credentials, or `nil` when no source is configured.
    /// - Throws: the error of a configured source that failed; ``AWSError/Kind/credentials`` when the chosen source
    ///   stops providing credentials.
    public func resolve() async throws(AWSError) -> AWSCredentials? {
        if let index = chosen.withLock({ $0 }) {
            guard let credentials = try await sources[index].resolve() else {
                throw AWSError(
                    kind: .credentials, service: "credentials", operation: sources[index].name,
                    message: "the \(sources[index].name) source no longer provides credentials")
            }
            return credentials
        }
        for (index, source) in sources.enumerated() {
            if let credentials = try await source.resolve() {
                chosen.withLock { $0 = index }
                return credentials
            }
        }
        throw AWSError(
            kind: .credentials, service: "credentials", operation: "chain",
            message: "no credentials found; tried " + sources.map(\.name).joined(separator: ", "))
    }

    /// The standard chain for `environment`.
    ///
    /// - Parameters:
    ///   - environment: the environment variables to read.
    ///   - configuration: region and endpoints (STS for web identity).
    ///   - httpClient: the HTTP transport for STS, the container endpoint and IMDS.
    ///   - clock: the wall clock and sleeper.
    /// - Returns: environment, web identity, container, shared files, IMDSv2.
    public static func standard(
        environment: [String: String], configuration: AWSConfiguration, httpClient: HTTPClient,
        clock: any WallClock = SystemClock()
    ) -> CredentialsChain {
        CredentialsChain([
            EnvironmentCredentialsSource(environment: environment),
            WebIdentityCredentialsSource(
                environment: environment, configuration: configuration, httpClient: httpClient, clock: clock),
            ContainerCredentialsSource(environment: environment, httpClient: httpClient, clock: clock),
            ProfileCredentialsSource(environment: environment),
            IMDSCredentialsSource(environment: environment, httpClient: httpClient, clock: clock),
        ])
    }
}
