import Controller
import FakeKubernetes
import Foundation
import Interruption
import Locking
import Simulation
import Testing

@Suite("simulate: a mass interruption against in-process fakes", .serialized)
struct SimulationTests {
    @Test("every interrupted node is cordoned and drained, hooks completed, queue emptied, no quorum read")
    func smallReclaim() async throws {
        var configuration = try Simulation.Configuration()
        configuration.nodes = 12
        configuration.podsPerNode = 4
        configuration.interruptions = 9
        configuration.kinds = [.spotWarning, .autoScalingTerminate]
        configuration.timeout = .seconds(60)
        let reports = ReportLog()
        let summary = try await Simulation(configuration: configuration).run(progress: { reports.add($0) })
        #expect(summary.interruptedByKind == [.spotWarning: 5, .autoScalingTerminate: 4])
        #expect(summary.cordoned == 9)
        #expect(summary.drained == 9)
        #expect(summary.allCordoned != nil)
        #expect(summary.lifecycleCompletions == 4)
        #expect(summary.statistics.messagesDeleted == 9)
        #expect(summary.statistics.jobsSucceeded == 9)
        #expect(summary.apiserverRequests["consistentRead"] == nil)
        #expect(summary.apiserverRequests["eviction"] == 36)
    }

    @Test("the controller's variables apply: CORDON_ONLY cordons every interrupted node and evicts nothing")
    func cordonOnly() async throws {
        var configuration = try Simulation.Configuration(environment: ["CORDON_ONLY": "true"])
        configuration.nodes = 6
        configuration.podsPerNode = 2
        configuration.interruptions = 3
        configuration.kinds = [.spotWarning]
        configuration.timeout = .seconds(60)
        let summary = try await Simulation(configuration: configuration).run()
        #expect(summary.cordoned == 3)
        #expect(summary.drained == 0)
        #expect(summary.apiserverRequests["eviction"] == nil)
        #expect(summary.statistics.messagesDeleted == 3)
    }

    @Test("a QUEUE_URL of another account and region in the shell does not make the simulated events foreign")
    func exportedQueueURLKeepsTheSimulatedOrigin() async throws {
        var configuration = try Simulation.Configuration(environment: [
            "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/999999999999/elsewhere", "CORDON_ONLY": "true",
        ])
        configuration.nodes = 4
        configuration.podsPerNode = 1
        configuration.interruptions = 2
        configuration.kinds = [.spotWarning]
        configuration.timeout = .seconds(60)
        let summary = try await Simulation(configuration: configuration).run()
        #expect(summary.cordoned == 2)
        #expect(summary.statistics.messagesDeleted == 2)
    }
}

/// Progress reports collected from the simulation's callback.
final class ReportLog: Sendable {
    private let reports = Lock<[Simulation.Progress]>([])

    func add(_ report: Simulation.Progress) { reports.withLock { $0.append(report) } }

    var all: [Simulation.Progress] { reports.withLock { $0 } }
}
