import FlyingFox
import FlyingSocks
import Foundation
import Locking
import NoDelaySockets

/// A fake kube-apiserver on loopback, over plain HTTP, with TCP_NODELAY on every connection, and optionally over
/// HTTPS too through a front end (``Configuration/frontEnd``; `FakeKubernetesTLS`'s `serveHTTPS`).
///
/// Serves the ``ClusterStore`` through the Kubernetes REST API, enough for `kubectl get/cordon/drain` and the
/// project's client; records every request in ``ledger``; injects ``faults``. Start one per test on port 0:
///
/// ```swift
/// try await FakeAPIServer.withRunning { server in
///     _ = try await server.store.seed(node)
///     … requests to server.baseURL …
/// }
/// ```
public final class FakeAPIServer: Sendable {
    /// How the server listens and what it reports.
    public struct Configuration: Sendable {
        /// The port on 127.0.0.1; 0 picks a free one.
        public var port: UInt16 = 0
        /// The minor version `/version` reports. The gcloud kubectl dispatcher runs the bundled kubectl of that minor.
        public var kubernetesMinorVersion = 32
        /// Split every watch event line across two chunks, as real streams may.
        public var splitWatchEvents = false
        /// The seed of the fault injector's random numbers.
        public var faultSeed: UInt64 = 0x5EED
        /// Starts a front end in front of the HTTP listener once it listens (given its port), such as the HTTPS
        /// one of `FakeKubernetesTLS` (`configuration.serveHTTPS()`): ``FakeAPIServer/httpsBaseURL`` and
        /// ``FakeAPIServer/certificateAuthorityPEM`` report it.
        public var frontEnd: (@Sendable (_ backendPort: UInt16) async throws -> any APIServerFrontEnd)?
        /// RBAC enforced on resource requests (403 `Forbidden` when no rule allows one); `nil` allows everything.
        public var accessRules: AccessRules?

        /// The defaults: a free port, version 1.32.
        public init() {}
    }

    /// The cluster state served.
    public let store: ClusterStore
    /// Every request served (except `/debug/*`), classified.
    public let ledger: RequestLedger
    private let configuration: Configuration
    private let injector: FaultInjector
    private let state = Lock(State())

    private struct State {
        var server: HTTPServer?
        var task: Task<Void, any Error>?
        var port: UInt16 = 0
        var frontEnd: (any APIServerFrontEnd)?
        var certificateAuthorityPEM: String?
    }

    /// Creates a server over a store; call ``start()`` to listen.
    public init(store: ClusterStore = ClusterStore(), configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
        self.ledger = RequestLedger()
        self.injector = FaultInjector(seed: configuration.faultSeed)
    }

    /// The faults in force; set to inject, set to `FaultPlan()` to clear.
    public var faults: FaultPlan {
        get { injector.plan }
        set { injector.plan = newValue }
    }

    /// The port listened on (0 before ``start()``).
    public var port: UInt16 { state.withLock { $0.port } }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The front end's (HTTPS) port on 127.0.0.1, or `nil` without ``Configuration/frontEnd`` or before the start.
    public var httpsPort: UInt16? { state.withLock { $0.frontEnd?.port } }

    /// `https://127.0.0.1:PORT` of the front end, or `nil` without one or before the start.
    public var httpsBaseURL: String? { httpsPort.map { "https://127.0.0.1:\($0)" } }

    /// The PEM of the CA that signed the front end's certificate (trust it: a kubeconfig's
    /// `certificate-authority-data` is its base64), or `nil` without a TLS front end or before the start.
    public var certificateAuthorityPEM: String? { state.withLock { $0.certificateAuthorityPEM } }

    /// Starts listening and returns the (HTTP) base URL once connections are accepted; with
    /// ``Configuration/frontEnd``, the front end is serving as well before it returns.
    /// - Throws: a socket error when the port cannot be bound, or when listening does not start within 30 s; what the
    ///   front end throws when it cannot start (the server is then stopped).
    @discardableResult
    public func start() async throws -> String {
        let handler = APIHandler(
            store: store, ledger: ledger, faults: injector,
            kubernetesMinorVersion: configuration.kubernetesMinorVersion,
            serverAddress: { [weak self] in "127.0.0.1:\(self?.port ?? 0)" }, accessRules: configuration.accessRules)
        let split = configuration.splitWatchEvents
        let server = HTTPServer(
            config: HTTPServer.Configuration(
                address: try .inet(ip4: "127.0.0.1", port: configuration.port), timeout: 60,
                pool: NoDelaySocketPool(base: HTTPServer.defaultPool()), logger: .disabled),
            handler: FlyingFoxAdapter(handler: handler, splitWatchEvents: split))
        // Owned by `state`; `stop()` stops the server and cancels it.
        let task = Task { try await server.run() }
        state.withLock { $0 = State(server: server, task: task) }
        try await server.waitUntilListening(timeout: 30)
        guard case .ip4(_, let port) = await server.listeningAddress else {
            throw SocketError.unsupportedAddress
        }
        state.withLock { $0.port = port }
        if let makeFrontEnd = configuration.frontEnd {
            do {
                let frontEnd = try await makeFrontEnd(port)
                state.withLock {
                    $0.frontEnd = frontEnd
                    $0.certificateAuthorityPEM = frontEnd.certificateAuthorityPEM
                }
            } catch {
                await stop()
                throw error
            }
        }
        return baseURL
    }

    /// Stops listening (HTTPS too), closes watches and connections, and shuts the store's background tasks down.
    public func stop() async {
        let (server, task, frontEnd) = state.withLock { state in
            defer { state = State(port: state.port, certificateAuthorityPEM: state.certificateAuthorityPEM) }
            return (state.server, state.task, state.frontEnd)
        }
        await frontEnd?.stop()
        await store.shutdown()
        await server?.stop(timeout: 1)
        task?.cancel()
    }

    /// Runs `body` with a started server and stops it afterwards, whether `body` returns or throws.
    public static func withRunning<T: Sendable>(
        store: ClusterStore = ClusterStore(), configuration: Configuration = Configuration(),
        _ body: (FakeAPIServer) async throws -> T
    ) async throws -> T {
        let server = FakeAPIServer(store: store, configuration: configuration)
        try await server.start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}
