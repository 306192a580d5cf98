import Foundation
import TestSupport
import Testing

/// `node-termination-handler run` as a process: a wrong configuration exits 64 before anything is contacted, with
/// every problem on standard error and no secret among them.
@Suite("run exits 64 listing every configuration problem")
struct ConfigurationErrorProcessTests {
    typealias Replica = ReplicasEndToEndTests.Replica

    @Test("several wrong variables: exit 64, each named on stderr, the webhook URL and headers hidden")
    func exitsWithEveryProblem() async throws {
        let executable = ReplicasEndToEndTests.executable
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "the executable is not built next to the tests at \(executable.path)")
        let wrong = [
            "WORKERS": "zero", "TAINT_EFFECT": "NoSchedul", "NTH_RECEIVE_WAIT_SECONDS": "21",
            "NTH_LOG_LEVEL": "loud", "AWS_MAX_ATTEMPTS": "0", "NTH_LEADER_ELECTION_NAMESPACE": "Kube_System",
            "WEBHOOK_URL": "hooks.example/services/T000/B000?token=SEKRET-config-webhook",
            "WEBHOOK_HEADERS": #"{"Authorization":["Bearer SEKRET-config-header"]}"#,
            "WEBHOOK_PROXY": "user:SEKRET-config-proxy@proxy:3128",
        ]
        let environment = wrong.merging([
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/nonexistent",
            "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/nth",
            "AWS_SECRET_ACCESS_KEY": "SEKRET-config-aws", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        ]) { first, _ in first }
        let replica = try Replica(
            name: "config", executable: executable, arguments: ["run"], environment: environment, metricsPort: 0,
            probesPort: 0)
        let end = ContinuousClock.now + .seconds(30)
        while replica.process.isRunning, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
        if replica.process.isRunning { _ = try await replica.terminate() }
        let status = await replica.process.exited()
        let stderr = replica.log
        defer { try? FileManager.default.removeItem(at: replica.logPath) }
        #expect(status == 64, "exit \(status); stderr:\n\(stderr)")
        for variable in wrong.keys {
            #expect(stderr.contains(variable), "\(variable) is not named on stderr:\n\(stderr)")
        }
        #expect(!stderr.contains("SEKRET"), "a secret is on stderr:\n\(stderr)")
    }
}
