import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `fake-apiserver` executable stopped with SIGTERM and started again on the same ports, as the fault suite
/// runs it: the same objects, and the same TLS identity.
@Suite("fake-apiserver restart", .serialized, .timeLimit(.minutes(2)))
struct ProcessRestartTests {
    /// One `fake-apiserver` process; its stdout read for the URLs, its stderr kept for failure messages.
    final class FakeAPIServerProcess: @unchecked Sendable {
        // `@unchecked`: set in init, then only read; Process is thread-safe for these calls.
        let process = Process()
        let stdout = Pipe()
        let stderrPath: URL

        /// The executable built next to the tests.
        static var executable: URL {
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("fake-apiserver")
        }

        init(arguments: [String]) throws {
            stderrPath = FileManager.default.temporaryDirectory.appendingPathComponent("fake-apiserver-\(UUID()).log")
            _ = FileManager.default.createFile(atPath: stderrPath.path, contents: nil)
            process.executableURL = Self.executable
            process.arguments = arguments
            process.standardOutput = stdout
            process.standardError = try FileHandle(forWritingTo: stderrPath)
            try process.run()
        }

        var stderr: String { (try? String(contentsOf: stderrPath, encoding: .utf8)) ?? "" }

        /// The first `count` lines of stdout, waiting for them without blocking a cooperative thread.
        func lines(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [String] {
            let fd = stdout.fileHandleForReading.fileDescriptor
            let deadline = ContinuousClock.now.advanced(by: timeout)
            var text = Data()
            var buffer = [UInt8](repeating: 0, count: 4096)
            var ended = false
            while !ended, text.filter({ $0 == UInt8(ascii: "\n") }).count < count, ContinuousClock.now < deadline {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 0) > 0 else {
                    try await Task.sleep(for: .milliseconds(20))
                    continue
                }
                let read = Glibc.read(fd, &buffer, buffer.count)
                if read > 0 { text.append(contentsOf: buffer[0..<read]) } else { ended = true }
            }
            let lines = String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
            guard lines.count >= count else {
                throw FakeAPIServerProcessError(
                    "fake-apiserver printed \(lines) instead of \(count) lines; stderr: \(stderr)")
            }
            return lines
        }

        /// Sends SIGTERM and waits for the exit; the exit status, or `nil` when it did not exit within `timeout`.
        func terminate(timeout: Duration = .seconds(20)) async throws -> Int32? {
            kill(process.processIdentifier, SIGTERM)
            let exited = (try? await eventually("exit", timeout: timeout) { !self.process.isRunning }) != nil
            guard exited else {
                kill(process.processIdentifier, SIGKILL)
                await process.exited()
                return nil
            }
            await process.exited()
            return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let stderrPath = stderrPath
            process.reapInBackground { try? FileManager.default.removeItem(at: stderrPath) }
        }
    }

    struct FakeAPIServerProcessError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func port(_ url: String) throws -> String {
        try #require(url.split(separator: ":").last.map(String.init))
    }

    @Test("SIGTERM saves the state; a restart on the same ports serves the seeded node over HTTPS with the same CA")
    func restartKeepsObjectsAndIdentity() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: FakeAPIServerProcess.executable.path),
            "fake-apiserver is not built next to the tests at \(FakeAPIServerProcess.executable.path)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fake-restart-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tls = directory.appendingPathComponent("tls")
        let state = directory.appendingPathComponent("state.json")
        let common = ["--https", "--tls-directory", tls.path, "--state-file", state.path]
        let client = try HTTPClient()
        defer { client.shutdown() }

        let first = try FakeAPIServerProcess(arguments: common)
        let urls = try await first.lines(2)
        #expect(urls[0].hasPrefix("http://127.0.0.1:") && urls[1].hasPrefix("https://127.0.0.1:"))
        let authority = try String(contentsOf: tls.appendingPathComponent("ca.pem"), encoding: .utf8)
        let node = ObjectFactory.node(name: "node-1", instanceID: "i-00000000000000001")
        let seeded = try await client.execute(
            HTTPRequest(
                method: .post, url: urls[0] + "/debug/objects",
                headers: HTTPHeaders([("Content-Type", "application/json")]),
                body: node.serialized(), timeout: .seconds(10)))
        #expect(seeded.status == 201)
        let stored = try JSONValue(parsing: seeded.body)
        #expect(try await first.terminate() == 0, "stderr: \(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: state.path))

        let second = try FakeAPIServerProcess(
            arguments: common + ["--port", try Self.port(urls[0]), "--https-port", try Self.port(urls[1])])
        #expect(try await second.lines(2) == urls, "stderr: \(second.stderr)")
        let trusting = TLSConfiguration(certificateAuthority: .bytes(Data(authority.utf8)), verification: .full)
        let read = try await client.execute(
            HTTPRequest(url: urls[1] + "/api/v1/nodes/node-1", tls: trusting, timeout: .seconds(10)))
        #expect(read.status == 200)
        let served = try JSONValue(parsing: read.body)
        #expect(served["metadata"]["uid"] == stored["metadata"]["uid"])
        #expect(served["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"])
        #expect(served["metadata"]["creationTimestamp"] == stored["metadata"]["creationTimestamp"])
        #expect(try await second.terminate() == 0, "stderr: \(second.stderr)")
    }
}

@Suite("fake-apiserver --rbac-manifests", .timeLimit(.minutes(1)))
struct ProcessRBACTests {
    @Test("the executable enforces the rules the manifests bind to --rbac-user, names it in 403s, keeps /debug open")
    func enforcesManifests() async throws {
        typealias Server = ProcessRestartTests.FakeAPIServerProcess
        try #require(FileManager.default.isExecutableFile(atPath: Server.executable.path))
        let manifests = FileManager.default.temporaryDirectory.appendingPathComponent("fake-rbac-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: manifests) }
        try """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: nth, namespace: ops}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: nth}
        rules:
          - {apiGroups: [""], resources: [nodes], verbs: [get, list]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: nth}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nth}
        subjects: [{kind: ServiceAccount, name: nth, namespace: ops}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: nth}
        rules:
          - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: nth}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: nth}
        subjects: [{kind: ServiceAccount, name: nth}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: pods-admin}
        rules:
          - {apiGroups: [""], resources: [pods], verbs: ["*"]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: pods-admin}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pods-admin}
        subjects: [{kind: User, name: someone-else}]
        """.write(to: manifests, atomically: true, encoding: .utf8)
        let server = try Server(arguments: [
            "--rbac-manifests", manifests.path, "--rbac-user", "system:serviceaccount:ops:nth", "--rbac-namespace",
            "ops",
        ])
        let url = try #require(try await server.lines(1).first)
        let client = try HTTPClient()
        defer { client.shutdown() }
        func status(_ path: String) async throws -> (Int, JSONValue) {
            let response = try await client.execute(HTTPRequest(url: url + path, timeout: .seconds(10)))
            return (response.status, (try? JSONValue(parsing: response.body)) ?? .null)
        }
        #expect(try await status("/api/v1/nodes").0 == 200)
        let pods = try await status("/api/v1/pods")
        #expect(pods.0 == 403)
        #expect(pods.1["message"].stringValue?.contains(#"User "system:serviceaccount:ops:nth""#) == true)
        #expect(try await status("/apis/coordination.k8s.io/v1/namespaces/ops/leases/x").0 == 404)
        #expect(try await status("/apis/coordination.k8s.io/v1/namespaces/default/leases/x").0 == 403)
        #expect(try await status("/debug/state").0 == 200)
        #expect(try await server.terminate() == 0, "stderr: \(server.stderr)")
    }
}
