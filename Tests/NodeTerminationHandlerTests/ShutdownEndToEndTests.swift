import FakeKubernetes
import Foundation
import Locking
import TestSupport
import Testing

/// How the executable ends after SIGTERM when its graceful shutdown cannot finish: the apiserver stalls every
/// request for a minute, so the leader's Lease release (which outlives cancellation) hangs.
@Suite("Shutdown: a deadline, and a second signal", .serialized)
struct ShutdownEndToEndTests {
    typealias Replicas = ReplicasEndToEndTests

    /// Stalls the apiserver, sends the leader `signals` SIGTERMs (the later ones once the first is logged) and
    /// returns its exit status, how long it took to exit after the first, and its log.
    static func stalledShutdown(
        environment: [String: String], signals: Int
    ) async throws -> (status: Int32, took: Duration, log: String) {
        let result = Lock<(Int32, Duration, String)?>(nil)
        try await Replicas.withWorld("shutdown", seed: [], environment: environment) { world in
            let (leader, _) = try await world.electedPair()
            try await world.eventually("the leader to receive") {
                leader.log.contains("receiving interruption messages")
            }
            var faults = FaultPlan()
            faults.latencyMilliseconds = 60_000
            world.server.faults = faults
            let start = ContinuousClock.now
            kill(leader.process.processIdentifier, SIGTERM)
            try await world.eventually("the shutdown to start") { leader.log.contains("shutting down") }
            for _ in 1..<signals { kill(leader.process.processIdentifier, SIGTERM) }
            let exit = Task { await leader.process.exited() }
            let killer = Task {
                try await Task.sleep(for: .seconds(45))
                kill(leader.process.processIdentifier, SIGKILL)
            }
            let status = await exit.value
            killer.cancel()
            result.withLock { $0 = (status, ContinuousClock.now - start, leader.log) }
            world.server.faults = FaultPlan()
        }
        let (status, took, log) = try #require(result.withLock { $0 })
        return (status, took, log)
    }

    @Test("a graceful shutdown stalled past NTH_SHUTDOWN_TIMEOUT_SECONDS ends the process soon after the deadline")
    func deadline() async throws {
        let (status, took, log) = try await Self.stalledShutdown(
            environment: ["NTH_SHUTDOWN_TIMEOUT_SECONDS": "2"], signals: 1)
        #expect(status == 1, "\(log.suffix(3000))")
        #expect(log.contains("the graceful shutdown outlived its deadline"))
        // The deadline (2 s) and the guard's margin (2 s); a stalled release alone would take a minute.
        #expect(took < .seconds(15), "exited \(took) after SIGTERM")
    }

    @Test("a second SIGTERM during a stalled graceful shutdown ends the process at once")
    func secondSignal() async throws {
        let (status, took, log) = try await Self.stalledShutdown(environment: [:], signals: 2)
        #expect(status == 128 + SIGTERM, "\(log.suffix(3000))")
        #expect(log.contains("second signal during the shutdown"))
        #expect(took < .seconds(15), "exited \(took) after the first SIGTERM (the deadline is 25 s)")
    }
}
