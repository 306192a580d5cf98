import AWS
import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import HTTPClient
import JSONValues
import SigV4
import TestSupport
import Testing

/// Two `node-termination-handler run` processes, as two replicas of the Deployment: moto's SQS (signature checking
/// on) and the fake apiserver over HTTPS with its generated CA in a kubeconfig. One replica leads and drains; on
/// SIGTERM it stops cleanly and hands the Lease over; the other leads and drains the next node.
@Suite("Two replicas of the executable", .serialized)
struct ReplicasEndToEndTests {
    /// One replica's process, its JSON log in a file.
    final class Replica: @unchecked Sendable {
        // `@unchecked`: set in init, then only read; Process is thread-safe for these calls.
        let name: String
        let process = Process()
        let logPath: URL
        let metricsPort: Int
        let probesPort: Int

        /// Starts `executable` with exactly `arguments` and `environment`; `metricsPort` and `probesPort` are where
        /// that environment makes it serve.
        init(
            name: String, executable: URL, arguments: [String], environment: [String: String], metricsPort: Int,
            probesPort: Int
        ) throws {
            self.name = name
            self.metricsPort = metricsPort
            self.probesPort = probesPort
            logPath = FileManager.default.temporaryDirectory.appendingPathComponent("nth-\(name)-\(UUID()).log")
            _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
            process.executableURL = executable
            process.arguments = arguments
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: logPath)
            try process.run()
        }

        /// `run` with `kubeconfig`, `environment` and, on free ports, the metrics and probes servers.
        convenience init(name: String, executable: URL, kubeconfig: URL, environment: [String: String]) throws {
            let metricsPort = try Self.freePort()
            let probesPort = try Self.freePort()
            try self.init(
                name: name, executable: executable, arguments: ["run", "--kubeconfig", kubeconfig.path],
                environment: environment.merging([
                    "POD_NAME": name, "ENABLE_PROMETHEUS_SERVER": "true", "PROMETHEUS_SERVER_PORT": String(metricsPort),
                    "ENABLE_PROBES_SERVER": "true", "PROBES_SERVER_PORT": String(probesPort),
                ]) { _, new in new }, metricsPort: metricsPort, probesPort: probesPort)
        }

        var log: String { (try? String(contentsOf: logPath, encoding: .utf8)) ?? "" }

        /// A free port for a replica's server to bind later, drawn below the kernel's ephemeral range (32768–60999
        /// here): a port the kernel handed out and took back can go to the next outgoing connection of any test
        /// running in parallel before the replica binds it (seen in CI as `Address already in use`); one from
        /// 20000–32767 is only ever bound on purpose.
        static func freePort() throws -> Int {
            for _ in 0..<200 {
                let port = Int.random(in: 20000..<32768)
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = INADDR_ANY
                address.sin_port = UInt16(port).bigEndian
                let bound = withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                        bind(fd, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                    }
                }
                if bound { return port }
            }
            throw FixtureError("no free port in 20000–32767 after 200 tries")
        }

        /// GET `path` on the metrics or probes port: status and body (status 0 when nothing answered).
        func get(_ path: String, port: Int, client: HTTPClient) async -> (status: Int, body: String) {
            guard
                let response = try? await client.execute(
                    HTTPRequest(url: "http://127.0.0.1:\(port)\(path)", timeout: .seconds(5)))
            else { return (0, "") }
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }

        /// SIGTERM, then expects a clean exit (status 0); on anything else the failure carries how the process ended
        /// and the end of its log.
        func expectCleanExit(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let status = try await terminate()
            let how = process.terminationReason == .uncaughtSignal ? "killed by signal \(status)" : "exit \(status)"
            #expect(status == 0, "\(name): \(how); log ends:\n\(log.suffix(4000))", sourceLocation: sourceLocation)
        }

        /// SIGTERM, then the exit status (killed after 20 s).
        func terminate() async throws -> Int32 {
            process.terminate()
            let end = ContinuousClock.now + .seconds(20)
            while process.isRunning, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            return await process.exited()
        }
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("node-termination-handler")
    }

    static func spotWarning(_ instance: String) -> String {
        let time = Date().formatted(.iso8601)
        return
            #"{"version":"0","id":"\#(UUID())","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","account":"123456789012","time":"\#(time)","region":"us-east-1","resources":[],"detail":{"instance-id":"\#(instance)","instance-action":"terminate"}}"#
    }

    /// TestSupport's ``eventually(_:timeout:context:_:)`` with the replicas' logs in the timeout's message.
    static func eventually(
        _ what: String, within timeout: Duration = .seconds(60), replicas: [Replica],
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        try await TestSupport.eventually(
            what, timeout: timeout,
            context: { "logs:\n" + replicas.map { "\($0.name):\n\($0.log.suffix(4000))" }.joined(separator: "\n") },
            condition)
    }

    /// What a two-replica test works with; made by ``withWorld(_:seed:_:)``.
    struct World: Sendable {
        let server: FakeAPIServer
        let queue: SQSClient
        let replicas: [Replica]
        let moto: MotoServer

        var store: ClusterStore { server.store }

        /// The Lease's holder now.
        func holder() async -> String? {
            await store.object(.leases, namespace: "kube-system", name: "node-termination-handler")?["spec"][
                "holderIdentity"
            ].stringValue
        }

        /// Waits until a replica holds the Lease; the leader and the standby.
        func electedPair() async throws -> (leader: Replica, standby: Replica) {
            try await eventually("a replica to take the Lease") {
                await holder().map { $0.hasPrefix("replica-") } ?? false
            }
            let leaderName = try #require(await holder())
            let leader = try #require(replicas.first { $0.name == leaderName })
            let standby = try #require(replicas.first { $0.name != leaderName })
            return (leader, standby)
        }

        /// ``ReplicasEndToEndTests/eventually(_:within:replicas:_:)`` with this world's replicas' logs on failure.
        func eventually(
            _ what: String, within timeout: Duration = .seconds(60), _ condition: @Sendable () async throws -> Bool
        ) async throws {
            try await ReplicasEndToEndTests.eventually(what, within: timeout, replicas: replicas, condition)
        }

        /// Whether `node` is cordoned and has no pod of `apps` left.
        func drained(_ node: String) async -> Bool {
            let left = await store.objects(.pods, namespace: "apps").filter {
                $0["spec"]["nodeName"].stringValue == node
            }
            let cordoned = await store.object(.nodes, name: node)?["spec"]["unschedulable"].boolValue == true
            return left.isEmpty && cordoned
        }
    }

    /// A moto queue, the fake apiserver over HTTPS enforcing exactly the chart's RBAC (events on; a missing rule
    /// shows as a 403 in the ledger), seeded with `objects`, and two replicas of the executable (their environment
    /// with `extra` over it); stops them all after `body`.
    static func withWorld(
        _ name: String, seed objects: [JSONValue], environment extra: [String: String] = [:],
        _ body: @Sendable (World) async throws -> Void
    ) async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "the executable is not built next to the tests at \(executable.path)")
        try await MotoServer.with { moto in
            let queueURL = try await moto.createQueue(MotoServer.unique(name), attributes: [:])
            let queue = try SQSClient(client: moto.client(), queueURL: queueURL)
            var storeConfiguration = ClusterStore.Configuration()
            storeConfiguration.timeScale = 0.01
            var serverConfiguration = FakeAPIServer.Configuration()
            serverConfiguration.serveHTTPS()
            serverConfiguration.accessRules = try chartAccessRules(events: true)
            try await FakeAPIServer.withRunning(
                store: ClusterStore(configuration: storeConfiguration), configuration: serverConfiguration
            ) { server in
                try await server.store.seed(
                    all: [ObjectFactory.namespace("apps"), ObjectFactory.namespace("kube-system")] + objects)
                let kubeconfig = try writeKubeconfig(server)
                defer { try? FileManager.default.removeItem(at: kubeconfig) }
                let environment = environment(queueURL: queueURL, moto: moto).merging(extra) { _, new in new }
                let replicas = try ["replica-a", "replica-b"].map {
                    try Replica(name: $0, executable: executable, kubeconfig: kubeconfig, environment: environment)
                }
                defer {
                    for replica in replicas where replica.process.isRunning { replica.process.terminate() }
                }
                try await body(World(server: server, queue: queue, replicas: replicas, moto: moto))
                for replica in replicas { try? FileManager.default.removeItem(at: replica.logPath) }
            }
        }
    }

    /// A node of three `web` pods in `apps`.
    static func nodeWithPods(_ node: String, instance: String, labels: [String: String] = [:]) -> [JSONValue] {
        [ObjectFactory.node(name: node, instanceID: instance)]
            + (0..<3).map { pod in
                ObjectFactory.pod(
                    name: "\(node)-web-\(pod)", namespace: "apps", nodeName: node, labels: labels,
                    owner: .replicaSet(name: "web", uid: ObjectFactory.stableUID("web")),
                    terminationGracePeriodSeconds: 5)
            }
    }

    @Test("one replica leads and drains; after its SIGTERM the other takes the Lease over and drains the next node")
    func leaderHandOver() async throws {
        let instances = ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"]
        let objects =
            Self.nodeWithPods("node-1", instance: instances[0])
            + Self.nodeWithPods("node-2", instance: instances[1])
        try await Self.withWorld("replicas", seed: objects) { world in
            let (leader, standby) = try await world.electedPair()
            _ = try await world.queue.sendMessage(body: Self.spotWarning(instances[0]))
            try await world.eventually("node-1 to be drained") { await world.drained("node-1") }
            try await world.eventually("the first message to be deleted") {
                try await Self.queueDepth(world.queue) == 0
            }
            #expect(!standby.log.contains("receiving interruption messages"), "the standby must not receive")
            let http = world.moto.httpClient
            #expect(await leader.get("/healthz", port: leader.probesPort, client: http).status == 200)
            let standbyReady = await standby.get("/readyz", port: standby.probesPort, client: http)
            #expect(standbyReady.status == 200 && standbyReady.body.contains("standby"), "\(standbyReady)")
            let leaderReady = await leader.get("/readyz", port: leader.probesPort, client: http)
            #expect(leaderReady.status == 200 && leaderReady.body.contains("leader"), "\(leaderReady)")
            let metrics = await leader.get("/metrics", port: leader.metricsPort, client: http).body
            #expect(metrics.contains(#"actions_total{node_action="cordon",node_status="success"} 1"#), "\(metrics)")
            #expect(metrics.contains("nth_leader 1"))
            #expect(metrics.contains("nth_receive_to_drain_end_seconds_count 1"))
            #expect(
                metrics.contains(#"nth_kubernetes_requests_total{verb="evict",resource="pods/eviction",code="201"} 3"#))
            #expect(
                await standby.get("/metrics", port: standby.metricsPort, client: http).body.contains("nth_leader 0"))

            try await leader.expectCleanExit()
            try await world.eventually("the standby to take the Lease", within: .seconds(10)) {
                await world.holder() == standby.name
            }
            _ = try await world.queue.sendMessage(body: Self.spotWarning(instances[1]))
            try await world.eventually("node-2 to be drained") { await world.drained("node-2") }
            try await world.eventually("the second message to be deleted") {
                try await Self.queueDepth(world.queue) == 0
            }
            try await standby.expectCleanExit()
            #expect(await world.holder() == "", "the last leader released the Lease on SIGTERM")
            #expect(leader.log.contains("released the lease"))
            #expect(standby.log.contains("became the leader"))
            let entries = world.server.ledger.snapshot().entries
            #expect(entries.allSatisfy { !($0.path.contains("/pods") && $0.requestClass == .consistentRead) })
            let refused = entries.filter { $0.status == 403 }.map { "\($0.method) \($0.path)" }
            #expect(refused.isEmpty, "the chart's RBAC lacks a rule for: \(refused)")
            // The rules are all used: each names a call the controller made here.
            let calls = Set(entries.map { "\($0.method) \(Self.resourceKind($0.path))" })
            for call in [
                "GET nodes", "PATCH nodes", "GET pods", "POST pods/eviction", "GET leases", "POST leases",
                "PUT leases", "POST events",
            ] {
                #expect(calls.contains(call), "\(call) not seen: \(calls.sorted())")
            }
        }
    }

    /// What both replicas run with: moto, the queue, fast leader election, debug logs, events on.
    static func environment(queueURL: String, moto: MotoServer) -> [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "QUEUE_URL": queueURL,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT": moto.endpoint, "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey, "NAMESPACE": "kube-system",
            "CHECK_TAG_BEFORE_DRAINING": "false", "NTH_RECEIVE_WAIT_SECONDS": "1",
            "NTH_LEADER_ELECTION_LEASE_DURATION_SECONDS": "4", "NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS": "3",
            "NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS": "1", "NTH_LOG_LEVEL": "debug", "EMIT_KUBERNETES_EVENTS": "true",
        ]
    }

    static func queueDepth(_ queue: SQSClient) async throws -> Int {
        let attributes = try await queue.getQueueAttributes([
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        ])
        return (Int(attributes["ApproximateNumberOfMessages"] ?? "") ?? 0)
            + (Int(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "") ?? 0)
    }

    /// A kubeconfig for the fake's HTTPS address, trusting its generated CA (verification on), with a token.
    static func writeKubeconfig(_ server: FakeAPIServer) throws -> URL {
        let url = try #require(server.httpsBaseURL)
        let authority = Data(try #require(server.certificateAuthorityPEM).utf8).base64EncodedString()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nth-kubeconfig-\(UUID())")
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster: {server: "\(url)", certificate-authority-data: \(authority)}
            contexts:
            - name: fake
              context: {cluster: fake, user: fake, namespace: kube-system}
            current-context: fake
            users:
            - name: fake
              user: {token: replica-token}
            """
        try Data(text.utf8).write(to: path)
        return path
    }

    /// The rules `charts/node-termination-handler` grants: its ClusterRole (with the events rule when `events`)
    /// and its leader-election Role in `kube-system`, read from the chart's `files/`.
    static func chartAccessRules(events: Bool) throws -> AccessRules {
        let files = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("charts/node-termination-handler/files")
        func rules(_ name: String) throws -> String {
            let text = try String(contentsOf: files.appendingPathComponent(name), encoding: .utf8)
            return text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
                .joined(separator: "\n")
        }
        var clusterRules = try rules("cluster-rules.yaml")
        if events { clusterRules += "\n" + (try rules("events-rules.yaml")) }
        let manifests = """
            kind: ClusterRole
            rules:
            \(clusterRules)
            ---
            kind: Role
            metadata: {namespace: kube-system}
            rules:
            \(try rules("leader-election-rules.yaml"))
            """
        return try AccessRules(
            manifests: manifests, defaultNamespace: "kube-system",
            user: "system:serviceaccount:kube-system:node-termination-handler")
    }

    /// `nodes`, `pods/eviction`, `leases`, … from an API path.
    static func resourceKind(_ path: String) -> String {
        let segments = path.split(separator: "/").map(String.init)
        let kinds = ["nodes", "pods", "leases", "events"]
        guard let index = segments.lastIndex(where: { kinds.contains($0) }) else { return path }
        let subresource = segments.count > index + 2 ? "/" + segments[index + 2] : ""
        return segments[index] + subresource
    }
}
