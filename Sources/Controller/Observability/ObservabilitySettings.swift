public import Interruption

/// The metrics and probe servers, from NTH's variables (and one of ours).
public struct ObservabilitySettings: Sendable, Hashable {
    /// `ENABLE_PROMETHEUS_SERVER`: serve Prometheus metrics at `/metrics` (default false, as NTH).
    public var prometheusEnabled = false
    /// `PROMETHEUS_SERVER_PORT` (default 9092).
    public var prometheusPort = 9092
    /// `ENABLE_PROBES_SERVER`: serve the liveness and readiness probes (default false, as NTH; the chart sets it).
    public var probesEnabled = false
    /// `PROBES_SERVER_PORT` (default 8080).
    public var probesPort = 8080
    /// `PROBES_SERVER_ENDPOINT`: the liveness path (default `/healthz`).
    public var livenessPath = "/healthz"
    /// `NTH_READINESS_ENDPOINT`: the readiness path on the probes port (default `/readyz`).
    public var readinessPath = "/readyz"

    /// The defaults.
    public init() {}

    /// Reads the settings; problems go to `reader`.
    /// - Parameter reader: The environment, collecting problems.
    public init(reading reader: inout EnvironmentReader) {
        prometheusEnabled = reader.bool("ENABLE_PROMETHEUS_SERVER") ?? prometheusEnabled
        prometheusPort = reader.integer("PROMETHEUS_SERVER_PORT", in: 1...65535) ?? prometheusPort
        probesEnabled = reader.bool("ENABLE_PROBES_SERVER") ?? probesEnabled
        probesPort = reader.integer("PROBES_SERVER_PORT", in: 1...65535) ?? probesPort
        livenessPath = Self.path(&reader, "PROBES_SERVER_ENDPOINT") ?? livenessPath
        readinessPath = Self.path(&reader, "NTH_READINESS_ENDPOINT") ?? readinessPath
        if prometheusEnabled, probesEnabled, prometheusPort == probesPort {
            reader.fail("PROBES_SERVER_PORT", String(probesPort), "a port other than PROMETHEUS_SERVER_PORT")
        }
        if livenessPath == readinessPath {
            reader.fail("NTH_READINESS_ENDPOINT", readinessPath, "a path other than PROBES_SERVER_ENDPOINT")
        }
    }

    private static func path(_ reader: inout EnvironmentReader, _ name: String) -> String? {
        guard let value = reader.value(name) else { return nil }
        guard value.hasPrefix("/"), !value.contains(" ") else {
            reader.fail(name, value, "a path starting with /")
            return nil
        }
        return value
    }
}
