import AWS
import FakeKubernetes
import Foundation
import HTTPClient
import Kubernetes

/// The release executables the bench runs (built by `scripts/bench-burst`).
struct Executables: Sendable {
    var controller: String
    var fakeAPIServer: String
    var fakeSQS: String

    /// The three in `directory`; each must exist.
    init(directory: String) throws {
        controller = directory + "/node-termination-handler"
        fakeAPIServer = directory + "/fake-apiserver"
        fakeSQS = directory + "/fake-sqs"
        for path in [controller, fakeAPIServer, fakeSQS] where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchError(
                "\(path) is missing: build it with swift build -c release --product \(path.split(separator: "/").last ?? "")"
            )
        }
    }
}

/// A `fake-apiserver` process: NODES generated nodes of PODS workload pods (plus two DaemonSet pods each), the
/// kubelet at `--time-scale 0.01` (an evicted pod is gone 0.3 s later), its PodDisruptionBudgets deleted before the
/// measurement (each covers ten pods on ten nodes with `maxUnavailable: 1`, and the fake recreates no pod, so a mass
/// reclaim would wait on them forever).
struct FakeCluster: Sendable {
    let process: ChildProcess
    let url: String
    let nodes: Int
    let podsPerNode: Int
    let http: HTTPClient

    static func start(
        executable: String, nodes: Int, podsPerNode: Int, name: String, directory: URL, http: HTTPClient
    ) async throws -> FakeCluster {
        let process = try ChildProcess(
            name: name, executable: executable,
            arguments: ["--nodes", "\(nodes)", "--pods-per-node", "\(podsPerNode)", "--time-scale", "0.01"],
            environment: ["PATH": "/usr/bin:/bin"], directory: directory)
        let url = try await process.firstLine(within: .seconds(600))
        let cluster = FakeCluster(process: process, url: url, nodes: nodes, podsPerNode: podsPerNode, http: http)
        try await cluster.deleteDisruptionBudgets()
        return cluster
    }

    /// A client sending as `token` (the fake's ledger names the user by it), not rate limited.
    func client(token: String) throws -> KubernetesClient {
        var configuration = KubernetesConfiguration(server: url, authentication: .bearerToken(token))
        configuration.qps = 1_000_000
        configuration.burst = 1_000_000
        configuration.userAgent = "burst-bench"
        return try KubernetesClient(configuration: configuration, httpClient: http)
    }

    private func deleteDisruptionBudgets() async throws {
        let client = try client(token: "bench-setup")
        let budgets = try await client.listAll(PodDisruptionBudget.self).items
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, budget) in budgets.enumerated() {
                if index >= 16 { try await group.next() }
                group.addTask {
                    try await client.delete(
                        PodDisruptionBudget.self, name: budget.metadata.name ?? "",
                        namespace: budget.metadata.namespace)
                }
            }
            try await group.waitForAll()
        }
    }

    /// A `/debug/*` endpoint (never in the ledger).
    func debug(_ method: HTTPMethod, _ name: String) async throws -> Data {
        let response = try await http.execute(HTTPRequest(method: method, url: "\(url)/debug/\(name)"))
        guard response.status < 300 else { throw BenchError("\(method) /debug/\(name): HTTP \(response.status)") }
        return response.body
    }

    /// Every request served since the last reset.
    func ledger() async throws -> RequestLedger.Snapshot {
        try JSONDecoder().decode(RequestLedger.Snapshot.self, from: try await debug(.get, "ledger"))
    }

    /// The store's revision now (a watch from it sees every later change).
    func revision() async throws -> Int {
        let state = try JSONSerialization.jsonObject(with: try await debug(.get, "state")) as? [String: Any]
        guard let revision = state?["revision"] as? Int else { throw BenchError("/debug/state has no revision") }
        return revision
    }

    /// A kubeconfig for `token` in `directory`.
    func writeKubeconfig(token: String, directory: URL) throws -> String {
        let path = directory.appendingPathComponent("kubeconfig-\(process.name)").path
        let text = """
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "\(url)"}}]
            contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: kube-system}}]
            current-context: fake
            users: [{name: fake, user: {token: \(token)}}]

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// A `fake-sqs serve` process with one queue, `bench`, and one key the controller signs with.
struct FakeQueue: Sendable {
    let process: ChildProcess
    let endpoint: String
    let queueURL: String
    let accessKeyID: String
    let secretAccessKey: String
    let http: HTTPClient

    static func start(
        executable: String, latencyMilliseconds: Int, name: String, directory: URL, http: HTTPClient
    ) async throws -> FakeQueue {
        let accessKeyID = "AKIABENCH" + String(UInt32.random(in: .min ... .max), radix: 16).uppercased()
        let secretAccessKey = (0..<5).map { _ in String(UInt64.random(in: .min ... .max), radix: 36) }.joined()
        let keys = directory.appendingPathComponent("\(name)-keys").path
        try Data("\(accessKeyID):\(secretAccessKey)\n".utf8).write(to: URL(fileURLWithPath: keys))
        let process = try ChildProcess(
            name: name, executable: executable,
            arguments: [
                "serve", "--access-keys-file", keys, "--latency-ms", "\(latencyMilliseconds)", "--queue", "bench",
            ],
            environment: ["PATH": "/usr/bin:/bin"], directory: directory)
        let endpoint = try await process.firstLine(within: .seconds(60))
        return FakeQueue(
            process: process, endpoint: endpoint, queueURL: "\(endpoint)/123456789012/bench",
            accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, http: http)
    }

    /// The environment an AWS client (ours, or the controller) needs to reach this fake.
    var awsEnvironment: [String: String] {
        [
            "AWS_ENDPOINT": endpoint, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": accessKeyID,
            "AWS_SECRET_ACCESS_KEY": secretAccessKey,
        ]
    }

    /// One spot interruption warning per `(instance, time)`, in this order, 10 a `SendMessageBatch`, 8 batches at once.
    func send(warnings: [(instance: String, time: Date)]) async throws {
        let aws = AWSClient(environment: awsEnvironment, httpClient: http)
        let formatter = ISO8601DateFormatter()
        let batches = stride(from: 0, to: warnings.count, by: 10).map {
            Array(warnings[$0..<min($0 + 10, warnings.count)])
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (number, batch) in batches.enumerated() {
                if number >= 8 { try await group.next() }
                let entries = try batch.enumerated().map { index, warning -> [String: String] in
                    let event: [String: Any] = [
                        "version": "0", "id": UUID().uuidString,
                        "detail-type": "EC2 Spot Instance Interruption Warning",
                        "source": "aws.ec2", "account": "123456789012", "time": formatter.string(from: warning.time),
                        "region": "us-east-1", "resources": ["arn:aws:ec2:us-east-1a:instance/\(warning.instance)"],
                        "detail": ["instance-id": warning.instance, "instance-action": "terminate"],
                    ]
                    let body = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
                    return ["Id": "m\(index)", "MessageBody": body]
                }
                let request = try JSONSerialization.data(withJSONObject: ["QueueUrl": queueURL, "Entries": entries])
                group.addTask {
                    let answer = try await aws.json(.sqs, operation: "SendMessageBatch", body: request)
                    let failed = (try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["Failed"] as? [Any]
                    if let failed, !failed.isEmpty { throw BenchError("SendMessageBatch failed entries: \(failed)") }
                }
            }
            try await group.waitForAll()
        }
    }

    /// `GET /fake-sqs/calls`: the calls served so far, by operation.
    func calls() async throws -> [String: Int] {
        let response = try await http.execute(HTTPRequest(url: "\(endpoint)/fake-sqs/calls"))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? Int }
    }
}
