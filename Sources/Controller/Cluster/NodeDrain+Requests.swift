import Clocks
import Foundation
import Interruption
import Kubernetes
import Logging

extension NodeDrain {
    /// How many times a failed list is retried (a cache still behind the cordon answers 504 after 3 s).
    static let listAttempts = 5

    /// Lists the node's pods (``listPods(notOlderThan:)``), reports the list, and returns the pods as the drain rules
    /// see them: the decoded pods are dropped here, not kept for the drain's lifetime.
    @inline(never)
    func listPodDescriptions() async throws -> ([PodDescription], String?) {
        let (pods, listVersion) = try await listPods()
        progress(.listed(pods: pods.count, resourceVersion: listVersion))
        return (pods.map(PodDescription.init), listVersion)
    }

    /// Lists the node's pods as ``DrainRequest/listing`` says, retrying transient failures.
    /// - Returns: the pods and the list's resourceVersion (where the watch starts).
    func listPods(notOlderThan floor: String? = nil) async throws -> ([Pod], String?) {
        var options = ListOptions(fieldSelector: selector)
        switch (request.listing, floor ?? request.afterResourceVersion) {
        case (.consistent, _):
            break
        case (.notOlderThanCordon, let version?) where !version.isEmpty:
            options.resourceVersion = version
            options.resourceVersionMatch = .notOlderThan
        case (.anyCached, _), (.notOlderThanCordon, _):
            options.resourceVersion = "0"
        }
        var attempt = 0
        while true {
            do {
                let list = try await cluster.client.listAll(Pod.self, namespace: nil, options: options)
                return (list.items, list.metadata.resourceVersion)
            } catch let error as KubernetesError where Self.isTransient(error) && attempt < Self.listAttempts {
                attempt += 1
                configuration.logger.info(
                    "could not list the node's pods; retrying",
                    metadata: ["node.name": "\(request.nodeName)", "error": "\(error)"])
                try await configuration.clock.sleep(
                    for:
                        configuration.evictionBackoff.delay(
                            attempt: attempt, retryAfter: nil, random: configuration.random()))
            }
        }
    }

    /// Follows the node's pods from `version` until cancelled: re-opens the watch from the last resourceVersion
    /// when it ends, relists from the cache after a 410, backs off after other failures.
    ///
    /// The loop's async frame lives as long as the drain, so each step is a function of its own (not inlined):
    /// only the resume point and the failure count stay here.
    func watch(from version: String?, into signals: AsyncStream<Signal>.Continuation) async {
        var version = version
        var failures = 0
        while !Task.isCancelled {
            do {
                if version == nil { version = try await relist(notOlderThan: nil, into: signals) }
                try await follow(from: &version, failures: &failures, into: signals)
            } catch let error as KubernetesError where error.isExpired {
                // Too old: relist from the cache, not older than what was last seen.
                do {
                    version = try await relist(notOlderThan: version, into: signals)
                } catch {
                    if Task.isCancelled { return }
                    version = nil
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                guard await backOff(after: error, failures: failures) else { return }
            }
        }
    }

    /// Lists the node's pods again and hands them to the drain loop; returns the list's resourceVersion.
    @inline(never)
    private func relist(notOlderThan floor: String?, into signals: AsyncStream<Signal>.Continuation)
        async throws -> String?
    {
        let (pods, listed) = try await listPods(notOlderThan: floor)
        signals.yield(.relisted(pods.map(PodDescription.init)))
        return listed
    }

    /// One watch from `version` until the server ends it, each event handed to the drain loop as it comes.
    @inline(never)
    private func follow(
        from version: inout String?, failures: inout Int, into signals: AsyncStream<Signal>.Continuation
    ) async throws {
        let options = ListOptions(
            fieldSelector: selector, resourceVersion: version,
            timeoutSeconds: configuration.drainWatchTimeoutSeconds)
        let client = cluster.client
        let stream = try await withChildTaskStack { try await client.watch(Pod.self, namespace: nil, options: options) }
        for try await event in stream {
            if let next = event.resourceVersion, !next.isEmpty { version = next }
            signals.yield(Signal(event))
            failures = 0
        }
    }

    /// Logs a failed watch and waits before the next; `false` when cancelled meanwhile.
    @inline(never)
    private func backOff(after error: any Error, failures: Int) async -> Bool {
        configuration.logger.info(
            "the drain's pod watch failed", metadata: ["node.name": "\(request.nodeName)", "error": "\(error)"])
        let wait = configuration.evictionBackoff.delay(
            attempt: failures, retryAfter: nil, random: configuration.random())
        do { try await configuration.clock.sleep(for: wait) } catch { return false }
        return true
    }

    /// Evicts one pod until the apiserver accepts, the pod is gone, the drain no longer wants it, or the task is
    /// cancelled. A budget slot is held for each request only, never during a back-off.
    func evict(_ pod: PodDescription, wanted: WantedPods, into signals: AsyncStream<Signal>.Continuation)
        async
    {
        let reference = pod.reference
        var attempt = 0
        while !Task.isCancelled, wanted.contains(reference) {
            let grace = configuration.deadlineRules.evictionGracePeriod(
                podGracePeriod: pod.terminationGracePeriodSeconds, configured: request.filter.podTerminationGracePeriod,
                deadline: request.deadline, now: configuration.clock.now)
            do {
                try await cluster.budget.withSlot(priority: request.priority, deadline: request.deadline) { [cluster] in
                    wanted.beginRequest(reference)
                    defer { wanted.endRequest(reference) }
                    try await cluster.evictionClient.evict(
                        podName: reference.name, namespace: reference.namespace,
                        options: DeleteOptions(gracePeriodSeconds: Int64(grace)))
                }
                progress(.evicted(reference, gracePeriodSeconds: grace))
                signals.yield(.accepted(reference))
                return
            } catch let error as KubernetesError where error.isNotFound {
                signals.yield(.gone(reference))
                return
            } catch let error as KubernetesError where Self.isTransient(error) {
                attempt += 1
                let retryAfter =
                    error.retryAfter ?? error.status?.details?.retryAfterSeconds.map { Duration.seconds($0) }
                let wait = configuration.evictionBackoff.delay(
                    attempt: attempt, retryAfter: retryAfter, random: configuration.random())
                let message = error.firstCauseMessage ?? error.message
                progress(.evictionRefused(reference, message: message, retryAfter: wait))
                signals.yield(.refused(reference))
                do { try await configuration.clock.sleep(for: wait) } catch { return }
            } catch let error as KubernetesError {
                configuration.logger.info("an eviction failed", metadata: ["pod": "\(reference)", "error": "\(error)"])
                progress(.evictionFailed(reference, message: error.description))
                signals.yield(.failed(reference))
                return
            } catch {
                return
            }
        }
    }

    /// 429 (a budget, or throttling), 5xx (including "more than one PodDisruptionBudget"), 504 and transport
    /// failures are worth retrying; 4xx others are not.
    static func isTransient(_ error: KubernetesError) -> Bool {
        switch error.code {
        case .tooManyRequests, .serverError, .transport: true
        default: false
        }
    }
}

extension NodeDrain.Signal {
    /// The drain's view of a pod watch event.
    init(_ event: WatchEvent<Pod>) {
        switch event {
        case .added(let pod), .modified(let pod): self = .seen(PodDescription(pod))
        case .deleted(let pod): self = .deleted(PodReference(pod))
        case .bookmark: self = .bookmark
        }
    }
}
