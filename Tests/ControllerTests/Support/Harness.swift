import Clocks
import Controller
import ControllerFakes
import Foundation
import InMemoryLogging
import Interruption
import Locking
import Logging
import TestSupport
import Testing

/// A coordinator wired to in-memory fakes on a manual clock, running for the length of one test.
struct Harness {
    let clock: ManualClock
    let queue: InMemoryQueue
    let directory: InMemoryInstanceDirectory
    let cluster: FakeCluster
    let lifecycle: InMemoryLifecycleActions
    let coordinator: JobCoordinator
    let logs: LogLines

    /// Builds the fakes, lets `setUp` seed them, runs the coordinator, runs `body`, then cancels the coordinator
    /// (a graceful shutdown) and waits for it to return (at most 10 s).
    static func run(
        _ configure: (inout ControllerConfiguration) -> Void = { _ in },
        setUp: (Harness) throws -> Void = { _ in }, metrics: ControllerMetrics? = nil,
        webhook: WebhookNotifier? = nil, onIdle: (@Sendable () -> Void)? = nil,
        _ body: (Harness) async throws -> Void
    ) async throws {
        var configuration = ControllerConfiguration()
        configuration.policy.checkTagBeforeDraining = false
        configure(&configuration)
        let clock = ManualClock()
        let logs = LogLines()
        let queue = InMemoryQueue(clock: clock)
        let directory = InMemoryInstanceDirectory()
        let cluster = FakeCluster(clock: clock)
        let lifecycle = InMemoryLifecycleActions(clock: clock)
        let coordinator = JobCoordinator(
            configuration: configuration, queue: queue, directory: directory, cluster: cluster, lifecycle: lifecycle,
            clock: clock,
            logger: logs.logger,
            metrics: metrics, webhook: webhook, onIdle: onIdle)
        let harness = Harness(
            clock: clock, queue: queue, directory: directory, cluster: cluster, lifecycle: lifecycle,
            coordinator: coordinator, logs: logs)
        try setUp(harness)
        let finished = Lock(false)
        let task = Task {
            try? await coordinator.run()
            finished.withLock { $0 = true }
        }
        var failure: (any Error)?
        do {
            try await body(harness)
        } catch {
            failure = error
        }
        task.cancel()
        // Reported before the wait: if the coordinator then fails to stop, the body's failure is not lost.
        if let failure { Issue.record(failure) }
        try await eventually("the coordinator to stop") { finished.withLock { $0 } }
    }

    @discardableResult
    func addNode(_ n: Int, ready: Bool = true) -> String {
        let name = "ip-10-0-0-\(n).ec2.internal"
        cluster.addNode(name, instanceID: InstanceID(instance(n)), ready: ready)
        return name
    }

    /// Moves the clock `step` seconds at a time until `condition` holds. A sleeper the test counts on may not have
    /// started its sleep when the test moves time (its deadline then counts from the later time), so one big move
    /// can be missed; small moves repeated cannot.
    func advance(
        by step: TimeInterval, until what: @autoclosure () -> String, _ condition: () async throws -> Bool
    ) async throws {
        try await eventually(what()) {
            if try await condition() { return true }
            clock.advance(by: step)
            return false
        }
    }

    /// Waits until every message sent is deleted.
    func waitUntilQueueEmpty(_ what: String = "the queue to be empty") async throws {
        try await eventually(what) { queue.remaining == 0 }
    }
}

/// Log lines kept for assertions (and to show that nothing secret is logged), through swift-log's in-memory handler.
final class LogLines: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let handler: InMemoryLogHandler

    init() {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        self.handler = handler
    }

    /// A logger whose every line lands here.
    var logger: Logger { Logger(label: "test") { [handler] _ in handler } }

    var all: [Line] {
        handler.entries.map {
            Line(level: $0.level, message: $0.message.description, metadata: $0.metadata.mapValues(\.description))
        }
    }

    func contains(_ message: String) -> Bool { all.contains { $0.message.contains(message) } }
}
