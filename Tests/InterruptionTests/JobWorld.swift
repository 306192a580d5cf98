import Foundation

@testable import Interruption

/// One queue message of a test scenario: its id and the events it carries (one per instance it names).
struct MessageSpec: Sendable {
    var id: String
    var events: [InterruptionEvent]
}

/// How the outside world answers a scenario's actions.
struct WorldOutcomes: Sendable, CustomStringConvertible {
    /// What every drain reports.
    var drain = JobInput.drained
    /// Whether `CompleteLifecycleAction` fails for good (the job fails).
    var completionFails = false
    /// Whether each job's first cordon fails transiently (the round starts over).
    var cordonFailsOnce = false
    /// Whether the node is gone when the cordon comes.
    var nodeVanishes = false
    /// Whether `DescribeInstances` fails when a new job is first processed (the job fails).
    var describeFails = false

    var description: String {
        "drain=\(drain) completionFails=\(completionFails) cordonFailsOnce=\(cordonFailsOnce) "
            + "nodeVanishes=\(nodeVanishes) describeFails=\(describeFails)"
    }
}

/// One entry of a world's trace.
enum TraceEntry: CustomStringConvertible {
    case receive(String)
    case resume(InstanceID)
    case process(InstanceID)
    case heartbeat(InstanceID)
    case action(InstanceID, JobAction)
    case shutdown

    var description: String {
        switch self {
        case .receive(let id): "receive \(id)"
        case .resume(let id): "resume \(id.rawValue)"
        case .process(let id): "process \(id.rawValue)"
        case .heartbeat(let id): "heartbeat \(id.rawValue)"
        case .action(let id, let action): "\(id.rawValue): \(action)"
        case .shutdown: "shutdown"
        }
    }
}

/// A synchronous stand-in for the coordinator around a ``JobLedger``: it receives messages, processes them (resolve,
/// fast-path cordon, start a handler), steps handlers through their machine's actions with scripted outcomes, shuts
/// down, and checks the machine's invariants at every step, collecting every breach in ``violations``.
struct JobWorld {
    /// What one job's life saw, from its start to its end.
    struct Incarnation {
        var drainDone = false
        var cordonFailed = false
        var ends = 0
        var completions: [String: Int] = [:]
    }

    private(set) var ledger: JobLedger
    let policy: ActionPolicy
    let outcomes: WorldOutcomes
    let resolutions: [InstanceID: NodeResolution]
    private(set) var now = t0
    private(set) var incarnations: [InstanceID: Incarnation] = [:]
    private(set) var toProcess: [InstanceID: Bool] = [:]  // instance → whether its job is new
    private(set) var handlers: Set<InstanceID> = []
    /// Messages received and not yet deleted, released or left (the receive that counts is the last one).
    private(set) var outstanding: Set<String> = []
    /// Messages a failed or parked job held since their last receive: never to be deleted.
    private(set) var retainedByFailure: Set<String> = []
    private(set) var deleted: [String: Int] = [:]
    private(set) var released: Set<String> = []
    private(set) var isShutDown = false
    private(set) var violations: [String] = []
    /// What happened so far, formatted only when an invariant breaks (formatting every step is slow).
    private(set) var trace: [TraceEntry] = []
    private var receives = 0

    init(
        policy: ActionPolicy, outcomes: WorldOutcomes, resolutions: [InstanceID: NodeResolution],
        maxReceiveCount: Int = 5
    ) {
        ledger = JobLedger(maxReceiveCount: maxReceiveCount)
        self.policy = policy
        self.outcomes = outcomes
        self.resolutions = resolutions
    }

    private mutating func violation(_ text: String) {
        violations.append(text + " — trace: " + trace.map { "\($0)" }.joined(separator: " › "))
    }

    /// The ledger's kept count of live messages agrees with a walk over every job.
    private mutating func checkLiveCount() {
        let walked = ledger.liveMessages().count
        if ledger.liveMessageCount != walked {
            violation("the ledger counts \(ledger.liveMessageCount) live messages, its jobs hold \(walked)")
        }
    }

    // MARK: Inputs from outside the handler

    /// A receive of a message (again, when it was received before and not deleted).
    mutating func receive(_ spec: MessageSpec) {
        guard !isShutDown, deleted[spec.id] == nil else { return }
        trace.append(.receive(spec.id))
        receives += 1
        now = now.addingTimeInterval(1)
        outstanding.insert(spec.id)
        retainedByFailure.remove(spec.id)
        released.remove(spec.id)
        let message = QueueMessage(
            messageID: spec.id, receiptHandle: "\(spec.id)/\(receives)", receivedAt: now, receiveCount: 1)
        for update in ledger.record(spec.events, message: message) where !update.isDuplicate {
            if update.isNewJob { incarnations[update.instanceID] = Incarnation() }
            toProcess[update.instanceID] = (toProcess[update.instanceID] ?? false) || update.isNewJob
        }
        checkLiveCount()
    }

    /// A job resumed from node annotations, before any receive; its handler starts at once.
    mutating func resume(_ machine: JobMachine) {
        let id = machine.job.instanceID
        guard ledger.resume(machine) else { return }
        checkLiveCount()
        trace.append(.resume(id))
        incarnations[id] = Incarnation()
        if ledger.claimHandler(id) { handlers.insert(id) }
    }

    /// The rest of a receive batch for one instance: resolve, cordon at once, start the handler of a new job.
    mutating func process(_ id: InstanceID) {
        guard !isShutDown, let isNew = toProcess.removeValue(forKey: id), ledger.machines[id] != nil else { return }
        trace.append(.process(id))
        if outcomes.describeFails, isNew {
            fail(id)
            return
        }
        ledger.handle(.resolved(resolutions[id] ?? .notFound), for: id)
        _ = cordon(id)
        if isNew, ledger.claimHandler(id) { handlers.insert(id) }
    }

    /// A heartbeat round: the first target answers "no active lifecycle action".
    mutating func heartbeat(_ id: InstanceID) {
        guard let machine = ledger.machines[id] else { return }
        trace.append(.heartbeat(id))
        for target in machine.heartbeatTargets where machine.isSettled(target) {
            violation("a heartbeat goes to the settled action \(target.token)")
        }
        if let first = machine.heartbeatTargets.first { ledger.handle(.heartbeatsStopped(token: first.token), for: id) }
        ledger.handle(.heartbeatRoundDue(now), for: id)
    }

    /// The graceful shutdown: every held message is released, none deleted.
    mutating func shutDown() {
        guard !isShutDown else { return }
        trace.append(.shutdown)
        isShutDown = true
        let live = Set(ledger.liveMessages().map(\.messageID))
        let messages = ledger.shutDown()
        if Set(messages.map(\.messageID)) != live { violation("shutdown did not release every held message") }
        for message in messages { dispose(message.messageID, as: "released at shutdown") }
        handlers = []
        toProcess = [:]
        if !ledger.machines.isEmpty { violation("jobs outlived the shutdown") }
    }

    // MARK: The handler

    /// One action of a job's handler, carried out with the scripted outcome; `false` when the handler is done.
    @discardableResult
    mutating func step(_ id: InstanceID) -> Bool {
        guard handlers.contains(id) else { return false }
        guard let step = ledger.next(id, policy: policy) else {
            violation("a handler ran for \(id.rawValue) without a job")
            handlers.remove(id)
            return false
        }
        trace.append(.action(id, step.action))
        switch step.action {
        case .finish:
            checkHandled(step.machine)
            end(id, .succeeded, disposal: step.disposal, held: step.machine.heldMessages)
        case .park:
            end(id, .parked, disposal: step.disposal, held: step.machine.heldMessages)
        case .cordon:
            if !cordon(id) { ledger.handle(.stepFailedTransiently, for: id) }
        case .taintOutOfService, .waitForNodeReady:
            break
        case .drain:
            if incarnations[id]?.drainDone == true { violation("\(id.rawValue) drained a second time") }
            if outcomes.drain != .drainBlocked { incarnations[id]?.drainDone = true }
            ledger.handle(outcomes.drain, for: id)
        case .completeLifecycleAction(let action, _, _):
            if outcomes.completionFails {
                fail(id)
                return false
            }
            let hold = "\(action.autoScalingGroupName)/\(action.hookName)/\(action.instanceID.rawValue)"
            incarnations[id]?.completions[hold, default: 0] += 1
            if incarnations[id]?.completions[hold] ?? 0 > 1 { violation("the hold \(hold) was completed twice") }
            ledger.handle(.lifecycleActionCompleted(token: action.token), for: id)
        case .awaitMessages(let until, _):
            now = max(now, until)
            ledger.handle(.messagesAwaited(now: now), for: id)
        }
        return handlers.contains(id)
    }

    /// Processes every pending batch and runs every handler to its end (or reports one that does not end).
    mutating func settle() {
        var rounds = 0
        while !isShutDown, !toProcess.isEmpty || !handlers.isEmpty {
            rounds += 1
            if rounds > 500 {
                violation("handlers did not end: \(handlers.map(\.rawValue).sorted())")
                return
            }
            for id in toProcess.keys.sorted() { process(id) }
            for id in handlers.sorted() { step(id) }
        }
        guard !isShutDown else { return }
        if !ledger.machines.isEmpty { violation("jobs without a handler: \(ledger.machines.keys.map(\.rawValue))") }
        if !outstanding.isEmpty { violation("messages never disposed of: \(outstanding.sorted())") }
    }

    // MARK: Checks

    /// A fast-path or handler cordon; `false` when it failed transiently.
    private mutating func cordon(_ id: InstanceID) -> Bool {
        guard let machine = ledger.machines[id], machine.cordonSteps(policy: policy) != nil else { return true }
        if outcomes.cordonFailsOnce, incarnations[id]?.cordonFailed == false {
            incarnations[id]?.cordonFailed = true
            return false
        }
        if outcomes.nodeVanishes {
            ledger.handle(.nodeVanished, for: id)
        } else {
            ledger.handle(.cordoned(kinds: machine.job.kinds, resourceVersion: "rv-\(receives)"), for: id)
        }
        return true
    }

    /// A job finishes only once its node was handled: cordoned for every kind and drained when the plan drains, or
    /// the plan needs no node work (no node and `DELETE_SQS_MSG_IF_NODE_NOT_FOUND`, unmanaged, the node gone).
    private mutating func checkHandled(_ machine: JobMachine) {
        let id = machine.job.instanceID.rawValue
        let planned = policy.plan(for: machine.roundJob, node: machine.roundResolution).steps
        if !machine.job.kinds.isSubset(of: machine.roundJob.kinds) { violation("\(id) finished with unplanned kinds") }
        guard case .found? = machine.resolution else {
            if machine.roundResolution == .notFound, machine.job.kinds != [.autoScalingLaunch],
                !policy.deleteMessageIfNodeNotFound
            {
                violation("\(id) finished without a node although DELETE_SQS_MSG_IF_NODE_NOT_FOUND is off")
            }
            return
        }
        if planned.contains(.cordon), !machine.job.kinds.isSubset(of: machine.cordonedKinds) {
            violation("\(id) finished without a cordon covering \(machine.job.kinds)")
        }
        if planned.contains(.drain), !machine.drained { violation("\(id) finished undrained") }
        for pending in machine.job.pendingLifecycleActions where !machine.isSettled(pending.action) {
            violation("\(id) finished with the hook \(pending.action.token) not completed")
        }
    }

    private mutating func fail(_ id: InstanceID) {
        let held = ledger.machines[id]?.heldMessages ?? []
        let disposal = ledger.fail(id)
        end(id, .failed, disposal: disposal, held: held)
    }

    private mutating func end(
        _ id: InstanceID, _ ending: JobLedger.Ending, disposal: MessageDisposal, held: [QueueMessage]
    ) {
        handlers.remove(id)
        toProcess[id] = nil
        incarnations[id]?.ends += 1
        if incarnations[id]?.ends != 1 { violation("\(id.rawValue) ended \(incarnations[id]?.ends ?? 0) times") }
        if ledger.machines[id] != nil { violation("\(id.rawValue) still live after its end") }
        checkLiveCount()
        if ending != .succeeded {
            if !disposal.delete.isEmpty { violation("a \(ending) job deleted \(disposal.delete.map(\.messageID))") }
            retainedByFailure.formUnion(held.map(\.messageID))
        }
        let freed = disposal.delete + disposal.release + disposal.leave
        if Set(freed.map(\.messageID)).count != freed.count { violation("a message disposed of twice at once") }
        for message in disposal.delete {
            if retainedByFailure.contains(message.messageID) {
                violation("deleted \(message.messageID), held by a job that failed or parked")
            }
            if deleted[message.messageID] != nil { violation("deleted \(message.messageID) twice") }
            deleted[message.messageID] = 1
            dispose(message.messageID, as: "deleted")
        }
        for message in disposal.release { dispose(message.messageID, as: "released") }
        for message in disposal.leave { dispose(message.messageID, as: "left") }
        let stillHeld = Set(held.map(\.messageID)).subtracting(freed.map(\.messageID))
        let heldByOthers = Set(ledger.liveMessages().map(\.messageID))
        if !stillHeld.isSubset(of: heldByOthers) { violation("\(id.rawValue) ended without disposing of its messages") }
    }

    private mutating func dispose(_ messageID: String, as what: String) {
        if ledger.liveMessages().contains(where: { $0.messageID == messageID }) {
            violation("\(what) \(messageID) while a live job holds it")
        }
        if outstanding.remove(messageID) == nil { violation("\(what) \(messageID), which was not outstanding") }
        if what.hasPrefix("released") { released.insert(messageID) }
    }
}
