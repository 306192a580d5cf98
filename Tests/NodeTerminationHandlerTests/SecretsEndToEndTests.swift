import AWS
import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import HTTPClient
import JSONValues
import SigV4
import TestSupport
import Testing

/// No secret in any output: `node-termination-handler run` at debug level with a known AWS secret access key, a
/// session token, a webhook URL with a token in its query and a bearer token in the kubeconfig, through successes
/// and failures (moto's signature errors for a wrong secret, apiserver 401 and 403, webhook 500). None of the
/// secrets, nor their base64, may appear in the logs, the `/metrics` output or the Kubernetes events written.
@Suite("No secret in any output of the executable", .serialized)
struct SecretsEndToEndTests {
    typealias Replica = ReplicasEndToEndTests.Replica

    static let webhookToken = "SEKRET-webhook-token-xoxb-0000"
    static let kubeToken = "SEKRET-kube-bearer-eyJhbGciOiJSUzI1NiJ9"
    static let wrongSecret = "SEKRETwrongSecretAccessKey0000000000000000"

    /// A webhook receiver on 127.0.0.1: every POST is counted; odd-numbered posts get a 500 (so the notifier logs
    /// a failed attempt and retries), even-numbered ones a 200. `GET /count` answers the number of posts.
    static let receiverScript = #"""
        import http.server, json, os, sys, threading
        posts = 0
        lock = threading.Lock()
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass
            def do_POST(self):
                global posts
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    posts += 1
                    status = 500 if posts % 2 == 1 else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def do_GET(self):
                with lock:
                    body = str(posts).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        print(json.dumps({"port": server.server_address[1]}), flush=True)
        server.serve_forever()
        """#

    /// Every secret, and its base64, that must never be output.
    static func forbidden(_ secrets: [String]) -> [String] {
        secrets + secrets.map { Data($0.utf8).base64EncodedString() }
    }

    /// Records an issue for each secret found in `text`, quoting the lines that hold it with the secret masked (the
    /// failure output must not spread the secret either).
    static func expectNone(_ secrets: [String], in text: String, _ what: String) {
        for secret in forbidden(secrets) where text.contains(secret) {
            let lines = text.split(separator: "\n").filter { $0.contains(secret) }.prefix(5)
                .map { $0.replacingOccurrences(of: secret, with: "<SECRET>").prefix(600) }
            Issue.record("a secret (\(secret.prefix(6))…) is in \(what):\n\(lines.joined(separator: "\n"))")
        }
    }

    @Test("debug logs, /metrics and events hold no secret, through signature errors, 401, 403 and webhook 500s")
    func noSecretAnywhere() async throws {
        let executable = ReplicasEndToEndTests.executable
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "the executable is not built next to the tests at \(executable.path)")
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("nth-webhook-\(UUID()).py")
        try Data(Self.receiverScript.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let receiver = try ChildProcess(python: script)
        defer { receiver.stop() }
        let ready = try await receiver.readyLine()
        let receiverPort = try #require(
            (try JSONSerialization.jsonObject(with: ready) as? [String: Any])?["port"] as? Int)

        let instances = ["i-0bbbbbbbbbbbbbbb1", "i-0bbbbbbbbbbbbbbb2"]
        try await MotoServer.with { moto in
            let queueURL = try await moto.createQueue(MotoServer.unique("secrets"), attributes: [:])
            let queue = try SQSClient(client: moto.client(), queueURL: queueURL)
            var storeConfiguration = ClusterStore.Configuration()
            storeConfiguration.timeScale = 0.01
            var serverConfiguration = FakeAPIServer.Configuration()
            serverConfiguration.serveHTTPS()
            serverConfiguration.accessRules = try ReplicasEndToEndTests.chartAccessRules(events: true)
            try await FakeAPIServer.withRunning(
                store: ClusterStore(configuration: storeConfiguration), configuration: serverConfiguration
            ) { server in
                try await server.store.seed(
                    all: ["apps", "kube-system", "default"].map { ObjectFactory.namespace($0) }
                        + ReplicasEndToEndTests.nodeWithPods("node-1", instance: instances[0])
                        + ReplicasEndToEndTests.nodeWithPods("node-2", instance: instances[1]))
                // The replicas' kubeconfig, its bearer token a known secret.
                let kubeconfig = try ReplicasEndToEndTests.writeKubeconfig(server)
                defer { try? FileManager.default.removeItem(at: kubeconfig) }
                let text = try String(contentsOf: kubeconfig, encoding: .utf8)
                try Data(text.replacingOccurrences(of: "replica-token", with: Self.kubeToken).utf8).write(
                    to: kubeconfig)

                // Session credentials (moto checks the token), from a role with an allow-all policy.
                let session = try await Self.assumeRole(moto)
                var environment = ReplicasEndToEndTests.environment(queueURL: queueURL, moto: moto)
                environment["AWS_ACCESS_KEY_ID"] = session.accessKeyID
                environment["AWS_SECRET_ACCESS_KEY"] = session.secretAccessKey
                environment["AWS_SESSION_TOKEN"] = session.sessionToken
                environment["NTH_LEADER_ELECTION"] = "false"
                environment["WEBHOOK_URL"] =
                    "http://127.0.0.1:\(receiverPort)/services/T000/B000?token=\(Self.webhookToken)"
                var wrong = environment
                wrong["AWS_SECRET_ACCESS_KEY"] = Self.wrongSecret
                let good = try Replica(
                    name: "good", executable: executable, kubeconfig: kubeconfig, environment: environment)
                let bad = try Replica(name: "bad", executable: executable, kubeconfig: kubeconfig, environment: wrong)
                let replicas = [good, bad]
                defer {
                    for replica in replicas where replica.process.isRunning { replica.process.terminate() }
                }
                func eventually(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
                    try await ReplicasEndToEndTests.eventually(what, replicas: replicas, condition)
                }
                let store = server.store
                @Sendable func drained(_ node: String) async -> Bool {
                    let cordoned = await store.object(.nodes, name: node)?["spec"]["unschedulable"].boolValue == true
                    let left = await store.objects(.pods, namespace: "apps").filter {
                        $0["spec"]["nodeName"].stringValue == node
                    }
                    return cordoned && left.isEmpty
                }
                let http = moto.httpClient
                @Sendable func posts() async -> Int {
                    Int(await good.get("/count", port: receiverPort, client: http).body) ?? 0
                }

                // A success: node-1 drained, events written, the webhook posted (a 500, then a 200).
                _ = try await queue.sendMessage(body: ReplicasEndToEndTests.spotWarning(instances[0]))
                try await eventually("node-1 to be drained") { await drained("node-1") }
                try await eventually("the webhook to be posted twice (a 500, then a 200)") { await posts() >= 2 }
                try await eventually("events to be written") { await !store.objects(.coreEvents).isEmpty }
                try await eventually("the wrong secret's signature error to be logged") {
                    bad.log.contains("aws identity check failed")
                }

                // Failures: the cordon's patch answered 401, event writes 403, the webhook 500 again.
                var faults = FaultPlan()
                faults.errors = [
                    "patch": FaultPlan.ErrorRate(rate: 1, status: 401),
                    "create": FaultPlan.ErrorRate(rate: 1, status: 403),
                ]
                server.faults = faults
                _ = try await queue.sendMessage(body: ReplicasEndToEndTests.spotWarning(instances[1]))
                let ledger = server.ledger
                try await eventually("a 401 and a 403 to be answered") {
                    let statuses = Set(ledger.snapshot().entries.map(\.status))
                    return statuses.contains(401) && statuses.contains(403)
                }
                try await eventually("the webhook to be posted for node-2") { await posts() >= 4 }
                server.faults = FaultPlan()

                let secrets = [
                    session.secretAccessKey, Self.wrongSecret, try #require(session.sessionToken), Self.webhookToken,
                    Self.kubeToken,
                ]
                for replica in replicas {
                    let metrics = await replica.get("/metrics", port: replica.metricsPort, client: http)
                    #expect(metrics.status == 200)
                    Self.expectNone(secrets, in: metrics.body, "\(replica.name)'s /metrics")
                    _ = try await replica.terminate()
                    Self.expectNone(secrets, in: replica.log, "\(replica.name)'s log")
                }
                let events = try await store.objects(.coreEvents).map {
                    String(decoding: try JSONEncoder().encode($0), as: UTF8.self)
                }
                #expect(!events.isEmpty, "no event was written")
                Self.expectNone(secrets, in: events.joined(separator: "\n"), "the events written")
                for replica in replicas { try? FileManager.default.removeItem(at: replica.logPath) }
            }
        }
    }

    @Test(
        "a kubeconfig that does not parse: exit 1 naming the line, not the token on it",
        arguments: [
            "users:\n- name: u\n  user:\n    token: \(kubeToken): broken\n",
            "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
                + "    insecure-skip-tls-verify: \(kubeToken)\n",
        ])
    func unparsableKubeconfig(_ body: String) async throws {
        let executable = ReplicasEndToEndTests.executable
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nth-kubeconfig-\(UUID())")
        try Data(("apiVersion: v1\nkind: Config\n" + body).utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let replica = try Replica(
            name: "kubeconfig", executable: executable, arguments: ["run", "--kubeconfig", path.path],
            environment: [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/nonexistent",
                "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/nth",
            ], metricsPort: 0, probesPort: 0)
        defer { try? FileManager.default.removeItem(at: replica.logPath) }
        let end = ContinuousClock.now + .seconds(30)
        while replica.process.isRunning, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
        if replica.process.isRunning { _ = try await replica.terminate() }
        await replica.process.exited()
        let stderr = replica.log
        #expect(replica.process.terminationStatus == 1, "stderr:\n\(stderr)")
        #expect(stderr.contains("kubeconfig is not valid YAML"), "stderr:\n\(stderr)")
        Self.expectNone([Self.kubeToken], in: stderr, "the start-up error")
    }

    /// Creates a role with an allow-all policy and assumes it with the IAM user's key: moto's session credentials.
    static func assumeRole(_ moto: MotoServer) async throws -> Credentials {
        let name = MotoServer.unique("secrets")
        let trust =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
        let iam = moto.client()
        let created = try await iam.query(
            .iam, action: "CreateRole", parameters: [("RoleName", name), ("AssumeRolePolicyDocument", trust)])
        _ = try await iam.query(
            .iam, action: "PutRolePolicy",
            parameters: [("RoleName", name), ("PolicyName", "allow-all"), ("PolicyDocument", MotoServer.allowAll)])
        let arn = try #require(created.value(at: "CreateRoleResult", "Role", "Arn"))
        let assumed = try await iam.query(
            .sts, action: "AssumeRole", parameters: [("RoleArn", arn), ("RoleSessionName", "secrets")])
        func value(_ key: String) throws -> String {
            try #require(assumed.value(at: "AssumeRoleResult", "Credentials", key))
        }
        return Credentials(
            accessKeyID: try value("AccessKeyId"), secretAccessKey: try value("SecretAccessKey"),
            sessionToken: try value("SessionToken"))
    }
}
