import FakeKubernetes
import Foundation
import Locking
import Simulation
import Testing

@Suite("simulate writes Kubernetes events that the real kubectl lists while it runs", .serialized)
struct EventsTests {
    @Test("kubectl get events -A lists each interrupted node's Cordon event before the run ends")
    func kubectlListsEvents() async throws {
        let kubectl = try #require(Kubectl.locate(), "kubectl is required (apt-get install kubectl)")
        var configuration = try Scenario.pdbBlocked.configuration()
        configuration.blockingBudgets = .init(relaxAfterSeconds: 5)  // long enough to look while it runs
        configuration.timeout = .seconds(60)
        let server = Lock<String?>(nil)
        let finished = Lock(false)
        let run = Task {
            defer { finished.withLock { $0 = true } }
            return try await Simulation(configuration: configuration).run(started: { fake in
                server.withLock { $0 = fake.baseURL }
            })
        }
        var url: String?
        while url == nil {
            try await Task.sleep(for: .milliseconds(20))
            url = server.withLock { $0 }
        }
        let client = try Kubectl(executable: kubectl, server: try #require(url))
        defer { client.cleanUp() }
        let targets = (0..<12).map { "ip-10-0-0-\($0).ec2.internal" }
        var listed: Set<String> = []
        var output = ""
        for _ in 0..<50 where listed != Set(targets) {
            output = try await client.run([
                "get", "events", "-A", "--field-selector", "reason=Cordon",
                "-o", "jsonpath={range .items[*]}{.involvedObject.name}{\"\\n\"}{end}",
            ])
            listed = Set(output.split(separator: "\n").map(String.init))
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(listed == Set(targets), "kubectl listed: \(output)")
        #expect(!finished.withLock { $0 }, "the run ended before kubectl saw the events")
        let summary = try await run.value
        #expect(summary.cordoned == 12)
        // kubectl's own requests are not the controller's: no quorum read in the summary.
        #expect(summary.apiserverRequests["consistentRead"] == nil)
    }
}

/// The real kubectl against the fake, with the kubeconfig `simulate --kubeconfig-out` writes, and its own `$HOME`.
struct Kubectl: Sendable {
    let executable: String
    let home: URL

    static func locate() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return (path.split(separator: ":").map { "\($0)/kubectl" } + ["/usr/bin/kubectl"])
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init(executable: String, server: String) throws {
        self.executable = executable
        home = FileManager.default.temporaryDirectory.appendingPathComponent("sim-kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try Data(Simulation.kubeconfig(server: server).utf8).write(to: home.appendingPathComponent("kubeconfig"))
    }

    func cleanUp() { try? FileManager.default.removeItem(at: home) }

    /// Runs kubectl; throws with its stderr when it fails.
    func run(_ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            ["--kubeconfig", home.appendingPathComponent("kubeconfig").path, "--request-timeout", "10s"] + arguments
        process.environment = ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]
        let out = home.appendingPathComponent("\(UUID().uuidString).out")
        let err = home.appendingPathComponent("\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let stdout = String(decoding: try Data(contentsOf: out), as: UTF8.self)
        guard status == 0 else {
            let stderr = String(decoding: try Data(contentsOf: err), as: UTF8.self)
            throw KubectlFailure(description: "kubectl \(arguments.joined(separator: " ")) exited \(status): \(stderr)")
        }
        return stdout
    }
}

struct KubectlFailure: Error, CustomStringConvertible {
    let description: String
}
