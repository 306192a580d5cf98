import Controller
import ControllerFakes
import Foundation
import Interruption
import Testing

@Suite("Each fixture event kind through the coordinator (in-memory fakes)")
struct FixtureEventTests {
    /// What a fixture should lead to.
    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var rejected: String?
        var drains: Bool
        var cordons: Bool
        var completions: Int

        var description: String { file }
    }

    static let expectations: [Expectation] = [
        .init(file: "asg-launch-lifecycle-eventbridge.json", drains: false, cordons: false, completions: 1),
        .init(file: "asg-terminate-lifecycle-direct.json", drains: true, cordons: true, completions: 1),
        .init(file: "asg-terminate-lifecycle-eventbridge.json", drains: true, cordons: true, completions: 1),
        .init(
            file: "asg-test-notification-direct.json", rejected: "test-notification", drains: false, cordons: false,
            completions: 0),
        .init(
            file: "asg-test-notification-eventbridge.json", rejected: "test-notification", drains: false,
            cordons: false, completions: 0),
        .init(file: "health-scheduled-change.json", drains: true, cordons: true, completions: 0),
        .init(
            file: "instance-state-change-running.json", rejected: "non-actionable-state", drains: false, cordons: false,
            completions: 0),
        .init(file: "instance-state-change-stopping.json", drains: true, cordons: true, completions: 0),
        .init(file: "rebalance-recommendation.json", drains: false, cordons: true, completions: 0),
        .init(file: "spot-interruption-warning.json", drains: true, cordons: true, completions: 0),
    ]

    @Test("every fixture file is covered")
    func coverage() {
        #expect(Set(Self.expectations.map(\.file)) == Set(Fixtures.names))
    }

    @Test("a fixture leads to the right cordons, drains, completions and one delete", arguments: expectations)
    func fixture(_ expectation: Expectation) async throws {
        let body = try Fixtures.body(expectation.file)
        let events = Fixtures.events(body)
        #expect(events.isEmpty == (expectation.rejected != nil))
        let nodes = events.map { "node-\($0.instanceID.rawValue)" }
        try await Harness.run(setUp: { harness in
            for event in events {
                harness.cluster.addNode("node-\(event.instanceID.rawValue)", instanceID: event.instanceID)
            }
        }) { harness in
            let id = harness.queue.send(body)
            try await harness.waitUntilQueueEmpty()
            #expect(harness.queue.isDeleted(id))
            #expect(harness.queue.receiveCount(id) == 1)
            let statistics = harness.coordinator.statistics
            if let code = expectation.rejected {
                #expect(statistics.rejected == [code: 1])
                #expect(statistics.rejectedDeleted == 1)
                #expect(statistics.jobsStarted == 0)
            } else {
                #expect(statistics.jobsSucceeded == events.count)
            }
            #expect(Set(harness.cluster.cordonedNodes) == (expectation.cordons ? Set(nodes) : []))
            #expect(harness.cluster.cordons.count == (expectation.cordons ? nodes.count : 0))
            #expect(Set(harness.cluster.drains.map(\.nodeName)) == (expectation.drains ? Set(nodes) : []))
            #expect(harness.cluster.drains.count == (expectation.drains ? nodes.count : 0))
            #expect(harness.lifecycle.completions.count == expectation.completions)
            #expect(harness.lifecycle.completions.allSatisfy { $0.result == "CONTINUE" })
            #expect(harness.queue.calls.releaseBatches.isEmpty)
        }
    }
}
