public import Clocks
internal import CoreMetrics
internal import Foundation
public import Interruption
internal import Kubernetes
internal import Locking
public import Logging
internal import ServiceLifecycle

/// The queue side of the controller: receives interruption messages, keeps one job per instance, cordons at once,
/// drains by priority, keeps lifecycle hooks alive and completes them, and acknowledges a message only when every
/// obligation of every job holding it is met.
///
/// ```
/// let coordinator = JobCoordinator(
///     configuration: try ControllerConfiguration(environment: env), queue: SQSInterruptionQueue(client: sqs),
///     directory: EC2InstanceDirectory(client: ec2), cluster: cluster,
///     lifecycle: AutoScalingLifecycleActions(client: autoScaling))
/// try await coordinator.run()   // until cancelled: then a graceful shutdown
/// ```
///
/// ``run()`` owns every task it starts (receivers, visibility extension, acknowledgements, one handler per job).
/// Cancelling it is the graceful shutdown: receiving stops, cordons in flight finish, finished jobs' deletes are
/// sent, and every message still held is released (visibility 0) for the next controller. See docs/architecture.md.
public final class JobCoordinator: Sendable {
    let configuration: ControllerConfiguration
    let queue: any InterruptionQueue
    let cluster: any ClusterOperations
    let lifecycle: any LifecycleActions
    let clock: any WallClock
    let logger: Logger
    let resolver: NodeResolver
    let decoder: MessageDecoder
    let board: JobBoard
    let slots: DrainSlots
    let acknowledger: Acknowledger
    /// Kubernetes Events on their way, written off the job's path.
    let events: NodeEventQueue
    let recorder: StatisticsRecorder
    let metrics: ControllerMetrics?
    let webhook: WebhookNotifier?
    /// Drains running now, for the `nth_drains_running` gauge.
    let runningDrains = Lock(0)
    /// The receivers' freshness, for readiness.
    let pollState: Lock<PollState>
    /// Called when the last live job has ended (the process gives its free heap back then).
    let onIdle: (@Sendable () -> Void)?

    /// Creates a coordinator.
    ///
    /// - Parameters:
    ///   - configuration: The knobs and the action policy.
    ///   - queue: The interruption queue.
    ///   - directory: EC2, for instances without a node in the cache and for the managed-tag check.
    ///   - cluster: The cluster side (node cache, cordon, drain, readiness).
    ///   - lifecycle: Auto Scaling lifecycle actions.
    ///   - clock: Time and sleeps.
    ///   - logger: Where log lines go.
    ///   - metrics: Where metrics go; none by default.
    ///   - webhook: Where one notification per interrupted instance goes; none by default (and none in dry run).
    ///   - onIdle: Called, off every lock, each time a job ends and no other job is live: the end of a reclaim, whose
    ///     peak the process can then give back. None by default.
    public init(
        configuration: ControllerConfiguration, queue: any InterruptionQueue, directory: any InstanceDirectory,
        cluster: any ClusterOperations, lifecycle: any LifecycleActions,
        clock: any WallClock = SystemClock(), logger: Logger = .disabled,
        metrics: ControllerMetrics? = nil, webhook: WebhookNotifier? = nil, onIdle: (@Sendable () -> Void)? = nil
    ) {
        self.onIdle = onIdle
        self.metrics = metrics
        self.webhook = configuration.dryRun ? nil : webhook
        self.recorder = StatisticsRecorder(metrics: metrics)
        self.pollState = Lock(PollState(startedAt: clock.now))
        self.configuration = configuration
        self.queue = queue
        self.cluster = cluster
        self.lifecycle = lifecycle
        self.clock = clock
        self.logger = logger
        self.resolver = NodeResolver(cluster: cluster, directory: directory, policy: configuration.policy)
        self.decoder = MessageDecoder(deadlineRules: configuration.deadlineRules)
        self.board = JobBoard(
            maxInFlight: configuration.maxMessagesInFlight, maxReceiveCount: configuration.maxReceiveCount,
            policy: configuration.policy)
        self.slots = DrainSlots(capacity: configuration.workers)
        self.acknowledger = Acknowledger(
            queue: queue, clock: clock, logger: logger, statistics: recorder,
            attempts: configuration.deleteAttempts)
        self.events = NodeEventQueue(logger: logger, statistics: recorder)
    }

    /// What the coordinator did so far.
    public var statistics: ControllerStatistics { recorder.snapshot }

    /// How fresh the receivers are: when one last returned from `ReceiveMessage`, and whether any waits for room
    /// under `NTH_MAX_MESSAGES_IN_FLIGHT` (not receiving on purpose).
    public var poll: PollState { pollState.withLock { $0 } }

    /// The most drains that held a worker slot at once.
    public var busiestDrainSlots: Int { slots.busiest }

    /// The instances with a live job.
    public func liveJobs() async -> [InstanceID] { await board.jobIDs.sorted() }

    /// Kubernetes Events recorded and not written yet (queued or being written).
    public func unwrittenEvents() async -> Int { await events.unwrittenCount }

    /// Runs until the service group's graceful shutdown (SIGTERM) or a cancellation (the term ended), then stops
    /// receiving, sends the deletes of finished jobs and releases every message still held.
    ///
    /// After a graceful shutdown, that last step is itself cancellable: the group's shutdown deadline or a second
    /// signal cuts it short. After a cancellation (leadership lost, or a caller that stops the coordinator that
    /// way) it runs shielded, bounded by the clients' request timeouts, so the messages come back at once.
    ///
    /// Waits for the cluster's node cache first, so that "no node" means no node; then resumes the jobs previous
    /// controllers wrote on nodes (see docs/architecture.md, "Resuming after a restart").
    /// - Throws: `CancellationError` when cancelled before the node cache synced.
    public func run() async throws {
        try await cluster.waitUntilSynced()
        logger.info(
            "receiving interruption messages",
            metadata: [
                "receivers": "\(configuration.receivers)", "workers": "\(configuration.workers)",
                "dry_run": "\(configuration.dryRun)",
                "accepted_accounts": "\(configuration.eventOrigins.acceptedAccounts.joined(separator: ","))",
                "accepted_regions": "\(configuration.eventOrigins.acceptedRegions.joined(separator: ","))",
            ])
        let (jobs, jobStarts) = AsyncStream.makeStream(of: InstanceID.self)
        // Before any receive: a message that comes back for a resumed job joins it instead of starting another.
        await resumeJobs(startJob: { jobStarts.yield($0) })
        await cancelWhenGracefulShutdown { await self.receiveAndHandle(jobs: jobs, jobStarts: jobStarts) }
        jobStarts.finish()
        if Task.isCancelled {
            await shielded { await self.shutDown() }
        } else {
            await shutDown()
            // Last, and only on a graceful stop, as far as the shutdown deadline allows: events are bookkeeping.
            await events.flush(into: cluster)
        }
    }

    /// The receivers, the visibility extender, the acknowledger, the webhook and one task per job, until cancelled.
    private func receiveAndHandle(jobs: AsyncStream<InstanceID>, jobStarts: AsyncStream<InstanceID>.Continuation) async
    {
        await withDiscardingTaskGroup { group in
            for index in 0..<configuration.receivers {
                group.addTask { await self.receiveLoop(index, startJob: { jobStarts.yield($0) }) }
            }
            if !configuration.dryRun {
                group.addTask { await self.extendVisibilityLoop() }
                group.addTask { await self.acknowledger.run() }
                if configuration.emitKubernetesEvents { group.addTask { await self.events.run(into: self.cluster) } }
                if let webhook { group.addTask { await webhook.run() } }
            }
            // Ends when cancelled; the children are cancelled with it.
            for await id in jobs {
                group.addTask { await self.handle(id) }
            }
        }
    }

    // MARK: Receiving

    /// One long-poll receiver: reserve room, receive, process, repeat; back off only after failures.
    private func receiveLoop(_ index: Int, startJob: @escaping @Sendable (InstanceID) -> Void) async {
        var failures = 0
        while !Task.isCancelled {
            let room: Int
            do {
                pollState.withLock { $0.waitingForRoom += 1 }
                defer { pollState.withLock { $0.waitingForRoom -= 1 } }
                room = try await board.reserve(upTo: QueueBatch.maxEntries)
            } catch {
                return
            }
            let received: [ReceivedMessage]
            do {
                received = try await queue.receive(
                    maxMessages: room, waitTimeSeconds: configuration.receiveWaitSeconds,
                    visibilityTimeoutSeconds: configuration.visibilityTimeoutSeconds)
                failures = 0
                recorder.add(\.receives, 1)
                let now = clock.now
                pollState.withLock { $0.lastReceive = now }
            } catch {
                await board.unreserve(room)
                if Task.isCancelled { return }
                failures += 1
                recorder.add(\.receiveFailures, 1)
                let delay = min(30, pow(2, Double(min(failures, 6) - 1)))
                logger.warning(
                    "receiving messages failed; backing off",
                    metadata: ["error": "\(error)", "receiver": "\(index)", "delay_seconds": "\(delay)"])
                do { try await clock.sleep(seconds: delay) } catch { return }
                continue
            }
            await process(received, startJob: startJob)
            await board.unreserve(room)
            await recordMessagesInFlight()
        }
    }

    /// Keeps every live message hidden: each interval, one `ChangeMessageVisibilityBatch` per 10 messages, oldest
    /// received first, up to ``maxExtensionBatchesInFlight`` calls at once (a sweep over thousands of messages must
    /// end well within a visibility timeout).
    private func extendVisibilityLoop() async {
        while true {
            do {
                try await clock.sleep(seconds: TimeInterval(configuration.visibilityExtensionSeconds))
            } catch {
                return
            }
            let live = await messagesToKeepHidden().sorted { $0.receivedAt < $1.receivedAt }
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for chunk in live.chunked(into: QueueBatch.maxEntries) {
                    if running == Self.maxExtensionBatchesInFlight {
                        await group.next()
                        running -= 1
                    }
                    if Task.isCancelled { return }
                    running += 1
                    group.addTask { await self.extendVisibility(of: chunk) }
                }
            }
            if Task.isCancelled { return }
        }
    }

    /// `ChangeMessageVisibilityBatch` calls out at once during a sweep.
    static let maxExtensionBatchesInFlight = 4

    /// Extends one batch and accounts for the answer.
    private func extendVisibility(of chunk: [QueueMessage]) async {
        do {
            let answered = try await queue.extendVisibility(
                chunk, timeoutSeconds: configuration.visibilityTimeoutSeconds)
            // A job may end while its extension is in flight: its message, deleted meanwhile, is refused.
            // That is no failure; only messages still held count (and get a warning).
            let stillLive = answered.isEmpty ? [] : Set(await messagesToKeepHidden().map(\.messageID))
            let failures = answered.filter { stillLive.contains($0.messageID) }
            recorder.add(\.visibilityExtensions, chunk.count - answered.count)
            recorder.add(\.visibilityExtensionFailures, failures.count)
            for failure in failures {
                logger.warning(
                    "extending a message's visibility failed",
                    metadata: ["sqs.message.id": "\(failure.messageID)", "error": "\(failure.code)"])
            }
        } catch {
            if Task.isCancelled { return }
            recorder.add(\.visibilityExtensionFailures, chunk.count)
            logger.warning("ChangeMessageVisibilityBatch failed", metadata: ["error": "\(error)"])
        }
    }

    /// The messages of live jobs and those whose delete is still pending (the newest handle of each).
    private func messagesToKeepHidden() async -> [QueueMessage] {
        var latest: [String: QueueMessage] = [:]
        for message in await board.liveMessages() + acknowledger.pendingMessages() {
            if let existing = latest[message.messageID], !message.isNewer(than: existing) { continue }
            latest[message.messageID] = message
        }
        return latest.values.sorted { $0.messageID < $1.messageID }
    }

    // MARK: Ending

    /// Sets the `nth_sqs_messages_in_flight` gauge.
    func recordMessagesInFlight() async {
        guard let metrics else { return }
        metrics.messagesInFlight.record(await board.liveMessageCount)
    }

    /// Deletes, releases or leaves the messages of an ended job.
    func dispose(_ disposal: MessageDisposal) async {
        await recordMessagesInFlight()
        guard !configuration.dryRun else { return }
        await acknowledger.enqueue(disposal.delete)
        await release(disposal.release)
        recorder.add(\.messagesLeft, disposal.leave.count)
        for message in disposal.leave where (message.receiveCount ?? 1) >= configuration.maxReceiveCount {
            logger.warning(
                "message failed too often; leaving it to the queue's redrive policy",
                metadata: ["sqs.message.id": "\(message.messageID)", "receive_count": "\(message.receiveCount ?? 1)"])
        }
    }

    /// Makes messages visible again now, in batches of 10.
    private func release(_ messages: [QueueMessage]) async {
        for chunk in messages.chunked(into: QueueBatch.maxEntries) {
            do {
                let failures = try await shielded { try await self.queue.release(chunk) }
                recorder.add(\.messagesReleased, chunk.count - failures.count)
                for failure in failures {
                    logger.warning(
                        "releasing a message failed",
                        metadata: ["sqs.message.id": "\(failure.messageID)", "error": "\(failure.code)"])
                }
            } catch {
                logger.warning(
                    "releasing messages failed", metadata: ["error": "\(error)", "messages": "\(chunk.count)"])
            }
        }
    }

    /// Records a Kubernetes Event on a node with `EMIT_KUBERNETES_EVENTS` (never in a dry run); best effort.
    func emit(
        node: String, reason: String, action: String, note: String, severity: NodeEvent.Severity = .normal
    ) async {
        guard configuration.emitKubernetesEvents, !configuration.dryRun else { return }
        await events.record(
            NodeEvent(nodeName: node, reason: reason, action: action, note: note, severity: severity, time: clock.now))
    }

    /// The graceful end: send the deletes of finished jobs, release every message still held.
    private func shutDown() async {
        guard !configuration.dryRun else {
            _ = await board.drainAll()
            return
        }
        await acknowledger.flush()
        let held = await board.drainAll()
        await release(held)
        logger.info("stopped; released the messages of unfinished jobs", metadata: ["messages": "\(held.count)"])
    }
}

/// Runs `operation` to completion even when the caller is cancelled (cordons in flight, releases on shutdown).
///
/// An unstructured task, awaited at once: it inherits no cancellation, and the caller waits for it, so it never
/// outlives the caller. Its own work is bounded by the clients' request timeouts.
func shielded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await operation() }.value
}

/// Runs `operation` to completion even when the caller is cancelled; see the throwing variant.
func shielded<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
    await Task { await operation() }.value
}
