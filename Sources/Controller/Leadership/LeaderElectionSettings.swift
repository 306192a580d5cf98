public import Interruption

/// Whether and how replicas elect a leader, from the environment (variables NTH lacks, so all `NTH_`-prefixed).
///
/// Only the leader receives messages and acts; the others keep their node cache warm and take over within one
/// retry period of a graceful hand-over, or a lease duration after a leader vanished.
public struct LeaderElectionSettings: Sendable, Hashable {
    /// `NTH_LEADER_ELECTION`: elect a leader through a Lease (default true; always off in dry run, which writes
    /// nothing).
    public var enabled = true
    /// `NTH_LEADER_ELECTION_LEASE_NAME`: the Lease's name (default `node-termination-handler`).
    public var leaseName = "node-termination-handler"
    /// `NTH_LEADER_ELECTION_NAMESPACE`: the Lease's namespace; `nil` uses `NAMESPACE`, then the service account's
    /// namespace (or the kubeconfig context's).
    public var namespace: String?
    /// `POD_NAME`: this replica's identity; `nil` uses the host name and a random suffix.
    public var identity: String?
    /// `NTH_LEADER_ELECTION_LEASE_DURATION_SECONDS` (default 15, client-go's).
    public var leaseDurationSeconds = 15
    /// `NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS` (default 10).
    public var renewDeadlineSeconds = 10
    /// `NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS` (default 2).
    public var retryPeriodSeconds = 2

    /// The defaults.
    public init() {}

    /// Reads the settings; problems go to `reader`.
    ///
    /// The timings must satisfy client-go's rules: lease duration > renew deadline > 1.2 × retry period.
    /// - Parameter reader: The environment, collecting problems.
    public init(reading reader: inout EnvironmentReader) {
        enabled = reader.bool("NTH_LEADER_ELECTION") ?? enabled
        leaseName = reader.kubernetesName("NTH_LEADER_ELECTION_LEASE_NAME", subdomain: true) ?? leaseName
        // NAMESPACE is checked with the policy, which reads it too.
        namespace =
            reader.kubernetesName("NTH_LEADER_ELECTION_NAMESPACE", subdomain: false) ?? reader.value("NAMESPACE")
        identity = reader.value("POD_NAME")
        leaseDurationSeconds =
            reader.integer("NTH_LEADER_ELECTION_LEASE_DURATION_SECONDS", in: 2...3600) ?? leaseDurationSeconds
        renewDeadlineSeconds =
            reader.integer("NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS", in: 1...3600) ?? renewDeadlineSeconds
        retryPeriodSeconds =
            reader.integer("NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS", in: 1...3600) ?? retryPeriodSeconds
        if renewDeadlineSeconds >= leaseDurationSeconds {
            reader.fail(
                "NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS", String(renewDeadlineSeconds),
                "less than the lease duration (\(leaseDurationSeconds) s)")
        }
        if Double(renewDeadlineSeconds) <= 1.2 * Double(retryPeriodSeconds) {
            reader.fail(
                "NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS", String(retryPeriodSeconds),
                "at most the renew deadline (\(renewDeadlineSeconds) s) divided by 1.2")
        }
    }

    /// The elector's configuration for the lease in `namespace` held as `identity`.
    ///
    /// - Parameters:
    ///   - namespace: The namespace when ``namespace`` is `nil` (the client's default namespace).
    ///   - identity: The identity when ``identity`` is `nil`.
    /// - Returns: The configuration.
    public func electorConfiguration(defaultNamespace: String, defaultIdentity: String) -> LeaderElector.Configuration {
        var configuration = LeaderElector.Configuration(
            leaseName: leaseName, namespace: namespace ?? defaultNamespace, identity: identity ?? defaultIdentity)
        configuration.leaseDuration = .seconds(leaseDurationSeconds)
        configuration.renewDeadline = .seconds(renewDeadlineSeconds)
        configuration.retryPeriod = .seconds(retryPeriodSeconds)
        return configuration
    }
}
