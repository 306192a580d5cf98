import Controller
import FlyingFox
import FlyingSocks
import Foundation
import Locking
import NoDelaySockets
import Prometheus

/// What the probes read: whether the node cache synced, whether this replica leads, and the coordinator of the
/// current term.
final class ReplicaState: Sendable {
    private struct State {
        var synced = false
        var electing = false
        var coordinator: JobCoordinator?
    }

    private let state = Lock(State())

    /// Marks the node cache as synced.
    func setSynced() { state.withLock { $0.synced = true } }

    /// Whether replicas elect a leader (a standby is then ready when synced).
    func setElecting(_ electing: Bool) { state.withLock { $0.electing = electing } }

    /// The coordinator of the current term, or `nil` while this replica waits for the Lease.
    func setCoordinator(_ coordinator: JobCoordinator?) { state.withLock { $0.coordinator = coordinator } }

    /// Ready when the node cache synced and, when leading, the receive loop is fresh (a `ReceiveMessage` returned
    /// within `staleAfter`, or the receivers wait for room on purpose). A standby is ready: it can take over.
    func readiness(now: Date, staleAfter: TimeInterval) -> (ready: Bool, detail: [String: String]) {
        let (synced, electing, coordinator) = state.withLock { ($0.synced, $0.electing, $0.coordinator) }
        guard synced else { return (false, ["reason": "the node cache has not synced yet"]) }
        guard let coordinator else {
            return electing
                ? (true, ["role": "standby"])
                : (false, ["reason": "the coordinator has not started"])
        }
        let poll = coordinator.poll
        guard poll.isFresh(at: now, staleAfter: staleAfter) else {
            let since = poll.lastReceive.map { "\(Int(now.timeIntervalSince($0))) s" } ?? "start-up"
            return (false, ["role": "leader", "reason": "no successful ReceiveMessage since \(since)"])
        }
        return (true, ["role": electing ? "leader" : "single"])
    }
}

/// A small HTTP server (FlyingFox) for `/metrics` or the probes: GET routes to handlers, 404 otherwise.
struct ObservabilityServer {
    typealias Route = @Sendable () async -> FlyingFox.HTTPResponse

    let port: UInt16
    let routes: [String: Route]

    /// Serves until cancelled, then returns.
    /// - Throws: a socket error when the port cannot be bound, or the listening socket fails while serving.
    func run() async throws {
        let server = HTTPServer(
            config: HTTPServer.Configuration(
                address: .inet(port: port), timeout: 15, pool: NoDelaySocketPool(base: HTTPServer.defaultPool()),
                logger: .disabled),
            handler: Router(routes: routes))
        do {
            try await server.run()
        } catch  where Task.isCancelled {
            return  // FlyingFox ends a cancelled server with `SocketError.disconnected`: the stop asked for
        }
    }

    /// The metrics server (`ENABLE_PROMETHEUS_SERVER`) and the probes server (`ENABLE_PROBES_SERVER`), as set.
    static func servers(
        _ configuration: ControllerConfiguration, registry: PrometheusCollectorRegistry?, replica: ReplicaState
    ) -> [ObservabilityServer] {
        let settings = configuration.observability
        var servers: [ObservabilityServer] = []
        if let registry, settings.prometheusEnabled {
            servers.append(
                ObservabilityServer(
                    port: UInt16(settings.prometheusPort),
                    routes: [
                        "/metrics": {
                            FlyingFox.HTTPResponse(
                                statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: Data(registry.emitToBuffer()))
                        }
                    ]))
        }
        if settings.probesEnabled {
            // Three long polls plus slack: a receive loop quiet for longer than that is stuck or failing.
            let staleAfter = TimeInterval(3 * configuration.receiveWaitSeconds + 30)
            servers.append(
                ObservabilityServer(
                    port: UInt16(settings.probesPort),
                    routes: [
                        settings.livenessPath: { ObservabilityServer.liveness() },
                        settings.readinessPath: { ObservabilityServer.readiness(replica, staleAfter: staleAfter) },
                    ]))
        }
        return servers
    }

    /// `200 {"health":"OK"}`, NTH's liveness answer: the process serves requests.
    static func liveness() -> FlyingFox.HTTPResponse {
        json(.ok, ["health": "OK"])
    }

    /// `200` or `503` with a JSON detail.
    static func readiness(_ state: ReplicaState, staleAfter: TimeInterval) -> FlyingFox.HTTPResponse {
        let (ready, detail) = state.readiness(now: Date(), staleAfter: staleAfter)
        return json(ready ? .ok : .serviceUnavailable, detail.merging(["ready": "\(ready)"]) { first, _ in first })
    }

    static func json(_ status: HTTPStatusCode, _ fields: [String: String]) -> FlyingFox.HTTPResponse {
        let body = FlatJSON.encode(fields)
        return FlyingFox.HTTPResponse(
            statusCode: status, headers: [.contentType: "application/json"], body: body)
    }

    private struct Router: HTTPHandler {
        let routes: [String: Route]

        func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
            guard request.method == .GET || request.method == .HEAD, let route = routes[request.path] else {
                return FlyingFox.HTTPResponse(statusCode: .notFound)
            }
            return await route()
        }
    }
}
