public import Clocks
public import Foundation
public import HTTPClient

/// Everything the client needs to reach one apiserver: its address, TLS, credentials, default namespace and
/// politeness settings.
///
/// Make one with ``inCluster(environment:serviceAccountDirectory:)``, ``kubeconfig(path:context:environment:)`` or
/// ``load(kubeconfigPath:context:environment:)`` (the usual search order), or build it by hand for tests.
public struct KubernetesConfiguration: Sendable {
    /// The apiserver's base URL, for example `https://10.96.0.1:443` (a path prefix is kept).
    public var server: String
    /// TLS settings: the cluster CA, a static client certificate, verification.
    public var tls: TLSConfiguration
    /// How requests authenticate.
    public var authentication: Authentication
    /// The namespace used when a namespaced call names none (the in-cluster namespace file or the context's).
    public var namespace: String
    /// Average requests per second the client allows itself.
    public var qps: Double = 20
    /// Requests allowed at once after a quiet period.
    public var burst: Int = 100
    /// A rate limiter to use instead of one built from ``qps`` and ``burst`` (a shared one, or one on a test clock).
    public var rateLimiter: (any RequestRateLimiter)?
    /// Which throttled or failed responses are retried, and how often.
    public var retryPolicy = RetryPolicy()
    /// Where request metrics go; none by default.
    public var metrics: (any RequestMetrics)?
    /// How often a token file is re-read (client-go: a minute less 10 s of leeway). It is also re-read after a 401.
    public var tokenRefreshInterval: Duration = .seconds(50)
    /// How long one run of an exec credential plugin may take before it is stopped and the request fails (a plugin
    /// waiting on a dead network must not hold every request of the client for good).
    public var execPluginTimeout: Duration = .seconds(60)
    /// The `User-Agent` header.
    public var userAgent = "node-termination-handler"
    /// The timeout of one non-streaming request.
    public var requestTimeout: Duration = .seconds(30)
    /// The clock: credential expiry, token re-reads, and the sleeps of retries and re-lists (tests inject one that
    /// records them).
    public var clock: any WallClock = SystemClock()
    /// When set, writes (other than a Lease's) are sent only while this fence is open: leader election opens it for
    /// its term (``WriteFence``). `nil`: every write is sent.
    public var writeFence: WriteFence?

    /// Creates a configuration.
    public init(
        server: String, tls: TLSConfiguration = TLSConfiguration(), authentication: Authentication = .none,
        namespace: String = "default"
    ) {
        self.server = server
        self.tls = tls
        self.authentication = authentication
        self.namespace = namespace
    }

    /// How requests authenticate.
    public enum Authentication: Sendable {
        /// No credentials (or only the TLS client certificate).
        case none
        /// A fixed bearer token.
        case bearerToken(String)
        /// A bearer token read from a file, re-read periodically and after a 401 (service-account tokens rotate).
        case tokenFile(String)
        /// A credential plugin run as a process (`aws eks get-token`), cached until its expiry.
        case exec(ExecPlugin)
    }
}

extension KubernetesConfiguration {
    /// The in-cluster configuration: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the mounted
    /// service-account token (re-read as it rotates), CA and namespace.
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - serviceAccountDirectory: where the service account is mounted.
    /// - Throws: ``KubernetesError`` with code ``KubernetesError/Code/configuration`` when not in a cluster.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws -> KubernetesConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubernetesError.configuration(
                "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
        }
        let tokenPath = serviceAccountDirectory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubernetesError.configuration("the service-account token is not readable", path: tokenPath)
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let caPath = serviceAccountDirectory + "/ca.crt"
        var tls = TLSConfiguration()
        if FileManager.default.fileExists(atPath: caPath) {
            tls.certificateAuthority = .file(caPath)
        }
        let namespaceText = try? String(contentsOfFile: serviceAccountDirectory + "/namespace", encoding: .utf8)
        let namespace = namespaceText?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return KubernetesConfiguration(
            server: "https://\(hostPart):\(port)", tls: tls, authentication: .tokenFile(tokenPath),
            namespace: namespace.isEmpty ? "default" : namespace)
    }

    /// The configuration found the usual way: an explicit kubeconfig path, else `KUBECONFIG`, else in-cluster when
    /// `KUBERNETES_SERVICE_HOST` is set, else `~/.kube/config`.
    /// - Throws: ``KubernetesError`` with code ``KubernetesError/Code/configuration`` when nothing usable is found.
    public static func load(
        kubeconfigPath: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KubernetesConfiguration {
        if kubeconfigPath != nil || !(environment["KUBECONFIG"] ?? "").isEmpty {
            return try kubeconfig(path: kubeconfigPath, context: context, environment: environment)
        }
        if !(environment["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty {
            return try inCluster(environment: environment)
        }
        return try kubeconfig(path: nil, context: context, environment: environment)
    }

    /// The configuration of a kubeconfig context.
    /// - Parameters:
    ///   - path: the kubeconfig file; `nil` means `KUBECONFIG` (a `:`-separated list, merged first-wins) or
    ///     `~/.kube/config`.
    ///   - context: the context to use; `nil` means `current-context`.
    ///   - environment: the process environment.
    /// - Throws: ``KubernetesError`` with code ``KubernetesError/Code/configuration``.
    public static func kubeconfig(
        path: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KubernetesConfiguration {
        let paths: [String]
        if let path {
            paths = [path]
        } else if let list = environment["KUBECONFIG"], !list.isEmpty {
            paths = list.split(separator: ":").map(String.init)
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            paths = [home + "/.kube/config"]
        }
        var merged = Kubeconfig()
        var foundAny = false
        for file in paths {
            guard FileManager.default.fileExists(atPath: file) else {
                if paths.count == 1 { throw KubernetesError.configuration("no kubeconfig at this path", path: file) }
                continue
            }
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw KubernetesError.configuration("cannot read the kubeconfig: \(error)", path: file)
            }
            let parsed = try Kubeconfig.parse(text, path: file)
            merged.merge(parsed)
            foundAny = true
        }
        guard foundAny else {
            throw KubernetesError.configuration(
                "none of the kubeconfig files exist", path: paths.joined(separator: ":"))
        }
        return try merged.configuration(context: context)
    }
}
