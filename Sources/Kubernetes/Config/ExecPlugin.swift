public import Foundation

/// A client-go credential plugin (`users[].user.exec` in a kubeconfig), such as `aws eks get-token`.
///
/// The plugin runs as a child process with `KUBERNETES_EXEC_INFO` set and prints an `ExecCredential`
/// (`client.authentication.k8s.io/v1` or `v1beta1`) whose status carries a token or a client certificate and,
/// optionally, an `expirationTimestamp` until which the client caches it.
/// See https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
public struct ExecPlugin: Sendable {
    /// The command: an absolute path, a path relative to the kubeconfig's folder (when it has a `/`), or a name
    /// looked up on `PATH`.
    public var command: String
    /// The arguments.
    public var arguments: [String]
    /// Extra environment variables, on top of the process's own.
    public var environment: [(String, String)]
    /// The ExecCredential API version the plugin speaks.
    public var apiVersion: String
    /// The folder relative commands are resolved against (the kubeconfig's).
    public var workingDirectory: String
    /// Text shown when the command cannot be found.
    public var installHint: String?
    /// Cluster details passed to the plugin when the kubeconfig sets `provideClusterInfo`.
    public var cluster: ClusterInfo?

    /// Creates a plugin description.
    public init(
        command: String, arguments: [String] = [], environment: [(String, String)] = [],
        apiVersion: String = "client.authentication.k8s.io/v1", workingDirectory: String = ""
    ) {
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.apiVersion = apiVersion
        self.workingDirectory = workingDirectory
    }

    /// `spec.cluster` of the `KUBERNETES_EXEC_INFO` input.
    public struct ClusterInfo: Sendable, Codable {
        /// The apiserver URL.
        public var server: String
        /// The cluster CA, base64 PEM.
        public var certificateAuthorityData: String?
        /// Whether TLS verification is off.
        public var insecureSkipTLSVerify: Bool

        /// Creates cluster details.
        public init(server: String, certificateAuthorityData: String? = nil, insecureSkipTLSVerify: Bool = false) {
            self.server = server
            self.certificateAuthorityData = certificateAuthorityData
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
        }

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    /// What a plugin run produced.
    public struct Credential: Sendable, Equatable {
        /// A bearer token.
        public var token: String?
        /// A client certificate, PEM.
        public var clientCertificateData: String?
        /// The client certificate's key, PEM.
        public var clientKeyData: String?
        /// When the credential stops being valid; `nil` means until the server refuses it.
        public var expirationTimestamp: Date?
    }

    /// Runs the plugin and parses its ExecCredential.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Code/configuration``) when the plugin cannot run, exits
    ///   non-zero or prints something else; `CancellationError` (after terminating the plugin) when cancelled.
    public func run() async throws -> Credential {
        let executable = try resolveExecutable()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nth-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdout.close()
            try? stderr.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (name, value) in environment { env[name] = value }
        env["KUBERNETES_EXEC_INFO"] = try execInfo()
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        let box = ProcessBox(process)
        let status: Int32 = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(
                        throwing: KubernetesError.configuration(
                            "cannot start the credential plugin: \(error)", path: executable))
                }
            }
        } onCancel: {
            box.terminate()
        }
        try Task.checkCancellation()
        let output = (try? Data(contentsOf: stdoutURL)) ?? Data()
        guard status == 0 else {
            let errorText = String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self)
            throw KubernetesError.configuration(
                "the credential plugin exited with status \(status): "
                    + errorText.trimmingCharacters(in: .whitespacesAndNewlines),
                path: executable)
        }
        return try Self.parseCredential(output, path: executable)
    }

    /// Parses an ExecCredential document.
    static func parseCredential(_ data: Data, path: String) throws -> Credential {
        struct ExecCredential: Decodable {
            var kind: String?
            var status: Status?
            struct Status: Decodable {
                var token: String?
                var clientCertificateData: String?
                var clientKeyData: String?
                var expirationTimestamp: Date?
            }
        }
        let decoded: ExecCredential
        do {
            decoded = try KubernetesJSON.makeDecoder().decode(ExecCredential.self, from: data)
        } catch {
            throw KubernetesError.configuration(
                "the credential plugin printed no valid ExecCredential: \(error)", path: path)
        }
        guard let status = decoded.status, status.token != nil || status.clientCertificateData != nil else {
            throw KubernetesError.configuration(
                "the credential plugin's ExecCredential has neither a token nor a client certificate", path: path)
        }
        return Credential(
            token: status.token, clientCertificateData: status.clientCertificateData,
            clientKeyData: status.clientKeyData, expirationTimestamp: status.expirationTimestamp)
    }

    /// The `KUBERNETES_EXEC_INFO` JSON: kind, apiVersion and a spec saying the session is not interactive.
    func execInfo() throws -> String {
        struct Spec: Encodable {
            var interactive = false
            var cluster: ClusterInfo?
        }
        struct Info: Encodable {
            var kind = "ExecCredential"
            var apiVersion: String
            var spec: Spec
        }
        let data = try KubernetesJSON.makeEncoder().encode(
            Info(apiVersion: apiVersion, spec: Spec(cluster: cluster)))
        return String(decoding: data, as: UTF8.self)
    }

    func resolveExecutable() throws -> String {
        if command.hasPrefix("/") { return command }
        if command.contains("/") {
            return workingDirectory.isEmpty ? command : workingDirectory + "/" + command
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw KubernetesError.configuration(
            "the credential plugin \"\(command)\" is not on PATH" + (installHint.map { ": \($0)" } ?? ""))
    }
}

/// Lets the cancellation handler stop the plugin. Safe: it only sends a signal, and the handler runs at most while
/// `run()` awaits the process, which it owns.
///
/// SIGKILL, not SIGTERM: the plugin is started from a thread of Swift's concurrency pool, whose threads block most
/// signals (libdispatch's workers do), and Foundation's `Process` passes that mask on to the child; a SIGTERM would
/// stay pending for good in a plugin that never unblocks it (seen: `sleep 600` outliving its timeout).
private final class ProcessBox: @unchecked Sendable {
    private let process: Process

    init(_ process: Process) { self.process = process }

    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
