import Clocks
import Foundation
import HTTPClient
import Locking

/// Supplies the credentials of each request and refreshes them: token files are re-read every
/// ``KubernetesConfiguration/tokenRefreshInterval`` and after a 401; exec plugins are re-run at their expiry and
/// after a 401. Concurrent refreshes of an exec credential share one plugin run (``SharedRun``), which is stopped
/// after ``KubernetesConfiguration/execPluginTimeout``.
actor Authenticator {
    /// What one request carries.
    struct Credentials: Sendable, Equatable {
        var bearerToken: String?
        var clientCertificate: PEMSource?
        var clientKey: PEMSource?
    }

    private let authentication: KubernetesConfiguration.Authentication
    private let refreshInterval: Duration
    private let clock: any WallClock
    private let execPluginTimeout: Duration
    private var cached: (credentials: Credentials, validUntil: Date?)?
    /// The plugin run in progress, awaited by every caller that needs the credential meanwhile. No caller's
    /// cancellation ends it: it ends when the plugin exits or at the timeout.
    private let pluginRun = SharedRun<Result<ExecPlugin.Credential, any Error>>()

    init(
        authentication: KubernetesConfiguration.Authentication, refreshInterval: Duration,
        execPluginTimeout: Duration = .seconds(60), clock: any WallClock
    ) {
        self.authentication = authentication
        self.refreshInterval = refreshInterval
        self.execPluginTimeout = execPluginTimeout
        self.clock = clock
    }

    /// The credentials for the next request.
    func credentials() async throws -> Credentials {
        let time = clock.now
        if let cached, cached.validUntil.map({ time < $0 }) ?? true {
            return cached.credentials
        }
        switch authentication {
        case .none:
            return Credentials()
        case .bearerToken(let token):
            return Credentials(bearerToken: token)
        case .tokenFile(let path):
            let token: String
            do {
                token = try String(contentsOfFile: path, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw KubernetesError.configuration("cannot read the bearer token file: \(error)", path: path)
            }
            let credentials = Credentials(bearerToken: token)
            cached = (credentials, time.addingTimeInterval(refreshInterval.seconds))
            return credentials
        case .exec(let plugin):
            let timeout = execPluginTimeout
            let credential = try await pluginRun.value { await Self.run(plugin, timeout: timeout) }.value.get()
            let credentials = Credentials(
                bearerToken: credential.token,
                clientCertificate: credential.clientCertificateData.map { .bytes(Data($0.utf8)) },
                clientKey: credential.clientKeyData.map { .bytes(Data($0.utf8)) })
            cached = (credentials, credential.expirationTimestamp)
            return credentials
        }
    }

    /// Runs `plugin`, stopping it (the run is cancelled, which terminates the process) after `timeout`.
    private static func run(_ plugin: ExecPlugin, timeout: Duration) async -> Result<ExecPlugin.Credential, any Error> {
        do {
            return .success(
                try await withThrowingTaskGroup(of: ExecPlugin.Credential?.self) { group in
                    group.addTask { try await plugin.run() }
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let credential = first else {
                        throw KubernetesError.configuration(
                            "the exec credential plugin \(plugin.command) did not finish within \(timeout); it was "
                                + "stopped")
                    }
                    return credential
                })
        } catch {
            return .failure(error)
        }
    }

    /// Forgets cached credentials after the server refused them (401), so the next request re-reads or re-runs.
    /// Returns whether a refresh can change anything (static tokens cannot).
    func invalidate() -> Bool {
        cached = nil
        switch authentication {
        case .none, .bearerToken: return false
        case .tokenFile, .exec: return true
        }
    }
}
