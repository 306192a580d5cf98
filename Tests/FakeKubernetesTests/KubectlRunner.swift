import Foundation
import TestSupport
import Testing

/// Runs the real kubectl against a fake apiserver with its own kubeconfig and `$HOME` (a cold discovery cache).
struct KubectlRunner: Sendable {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let executable: String
    let home: URL
    let kubeconfig: URL

    /// Finds kubectl (`$KUBECTL`, then `PATH`, then `/usr/bin/kubectl`); nil when there is none.
    static func locate() -> String? {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let explicit = environment["KUBECTL"] { candidates.append(explicit) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/kubectl")
        }
        candidates.append("/usr/bin/kubectl")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Writes a kubeconfig for `server` into a fresh temporary directory. With `certificateAuthorityPEM` (for an
    /// `https://` server) the kubeconfig trusts that CA through `certificate-authority-data` and the user gets a
    /// placeholder token: over HTTPS with no credentials at all, kubectl prompts for a username on stdin.
    init(executable: String, server: String, certificateAuthorityPEM: String? = nil) throws {
        self.executable = executable
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        kubeconfig = home.appendingPathComponent("kubeconfig")
        var cluster = "    server: \(server)"
        var user = "{}"
        if let certificateAuthorityPEM {
            cluster += "\n    certificate-authority-data: \(Data(certificateAuthorityPEM.utf8).base64EncodedString())"
            user = "{token: fake-token}"
        }
        let config = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
            \(cluster)
            contexts:
            - name: fake
              context: {cluster: fake, user: fake}
            current-context: fake
            users:
            - name: fake
              user: \(user)
            """
        try Data(config.utf8).write(to: kubeconfig)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: home) }

    /// Runs kubectl with `arguments`, killing it when it outlives `timeout`.
    func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--request-timeout", "10s"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["KUBECONFIG"] = kubeconfig.path
        process.environment = environment
        let id = UUID().uuidString
        let stdoutURL = home.appendingPathComponent("\(id).out")
        let stderrURL = home.appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let timedOut = process.isRunning
        if timedOut {
            process.terminate()
            await process.exited()
        }
        try stdout.close()
        try stderr.close()
        let result = Result(
            status: timedOut ? -1 : process.terminationStatus,
            stdout: String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self))
        #expect(!timedOut, "kubectl \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        return result
    }
}
