public import Clocks
public import Foundation
internal import Locking

/// One place credentials can come from: the environment, a web identity token, a container endpoint, the shared
/// files, the instance metadata service.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>.
public protocol CredentialsSource: Sendable {
    /// A short name for logs and errors, e.g. `web-identity`.
    var name: String { get }

    /// Fetches credentials.
    ///
    /// - Returns: the credentials, or `nil` when this source is not configured here (its variables are unset, no
    ///   metadata service answers), so that a chain moves on to the next source.
    /// - Throws: ``AWSError`` when the source is configured but fails.
    func resolve() async throws(AWSError) -> AWSCredentials?
}

/// Caches a source's credentials and renews temporary ones 5 minutes before they expire.
///
/// Concurrent callers share one refresh. When a refresh fails, the old credentials stay in use until they really
/// expire (and refreshes are retried at most every ``retryInterval``); only then does the failure reach callers.
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html> and the EC2 note that
/// "new credentials are available at least five minutes before the expiration of the old credentials"
/// (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html>).
public actor RefreshingCredentials: CredentialsProvider {
    /// How long before expiry credentials are renewed: 5 minutes.
    public static let refreshWindow: TimeInterval = 300

    /// The source refreshed from.
    public let source: any CredentialsSource
    /// The wall clock expiry is compared with.
    public let clock: any WallClock
    /// After a failed refresh, the old credentials are used without trying again for this long.
    public let retryInterval: TimeInterval

    private var current: AWSCredentials?
    /// The refresh in flight, shared by every caller meanwhile (``SharedRun``; no caller's cancellation ends it: it
    /// ends when the source answers or its HTTP timeouts fire).
    private let refresh = SharedRun<Result<AWSCredentials, AWSError>>()
    private var lastFailure: Date?
    /// How many times the source was asked and answered (for tests and metrics).
    public private(set) var fetchCount = 0

    /// Wraps `source`.
    ///
    /// - Parameters:
    ///   - source: where credentials come from.
    ///   - clock: the wall clock.
    ///   - retryInterval: seconds between refresh attempts while old credentials are still valid.
    public init(source: any CredentialsSource, clock: any WallClock = SystemClock(), retryInterval: TimeInterval = 10) {
        self.source = source
        self.clock = clock
        self.retryInterval = retryInterval
    }

    /// Valid credentials: the cached ones, or fresh ones when they are within 5 minutes of expiry.
    ///
    /// - Returns: the credentials.
    /// - Throws: ``AWSError`` (kind ``AWSError/Kind/credentials`` or the source's) when there are none and no valid
    ///   old ones.
    public func credentials() async throws(AWSError) -> AWSCredentials {
        let now = clock.now
        if let current, !Self.needsRefresh(current, at: now) {
            return current
        }
        if let current, Self.isValid(current, at: now), let lastFailure, now < lastFailure + retryInterval {
            return current
        }
        switch await refreshed() {
        case .success(let credentials):
            return credentials
        case .failure(let error):
            let later = clock.now
            if let current, Self.isValid(current, at: later) {
                lastFailure = later
                return current
            }
            throw error
        }
    }

    /// Drops the cached credentials: AWS said they expired.
    public func invalidate() async {
        current = nil
        lastFailure = nil
    }

    /// Whether `credentials` are due for renewal at `date`: they expire within ``refreshWindow``.
    ///
    /// - Parameters:
    ///   - credentials: the credentials.
    ///   - date: now.
    /// - Returns: `false` for credentials without expiry.
    public static func needsRefresh(_ credentials: AWSCredentials, at date: Date) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return date >= expiration.addingTimeInterval(-refreshWindow)
    }

    /// Whether `credentials` are still usable at `date`.
    ///
    /// - Parameters:
    ///   - credentials: the credentials.
    ///   - date: now.
    /// - Returns: `true` until the expiry.
    public static func isValid(_ credentials: AWSCredentials, at date: Date) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return date < expiration
    }

    /// Joins the refresh in flight, or starts one.
    private func refreshed() async -> Result<AWSCredentials, AWSError> {
        let source = self.source
        let (result, started) = await refresh.value { () -> Result<AWSCredentials, AWSError> in
            do throws(AWSError) {
                guard let credentials = try await source.resolve() else {
                    return .failure(
                        AWSError(
                            kind: .credentials, service: "credentials", operation: source.name,
                            message: "no credentials found"))
                }
                return .success(credentials)
            } catch {
                return .failure(error)
            }
        }
        if started { fetchCount += 1 }
        if started, case .success(let credentials) = result {
            current = credentials
            lastFailure = nil
        }
        return result
    }
}
