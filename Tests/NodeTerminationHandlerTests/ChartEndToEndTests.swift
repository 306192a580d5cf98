import AWS
import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import HTTPClient
import JSONValues
import SigV4
import TestSupport
import Testing

/// The chart and the binary cannot disagree: Helm's own engine (through `Tests/Chart/render.py`) renders the chart
/// with a switching NTH user's values file, the rendered objects go into the fake apiserver (its RBAC is exactly the
/// rendered Roles bound to the rendered ServiceAccount), and the executable starts with **exactly the environment of
/// the rendered Deployment**. Only the test endpoints differ, and they too go in as chart values (`queueURL`,
/// `awsEndpoint`, the emulator's keys, free ports); the kubeconfig stands in for the in-cluster service account.
@Suite("The rendered chart drives the executable", .serialized)
struct ChartEndToEndTests {
    static let release = "nth"
    static let namespace = "kube-system"

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The executable under test: `NTH_TEST_EXECUTABLE` (CI points it at the release binary the image is built
    /// from), else the one built next to the tests.
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["NTH_TEST_EXECUTABLE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return ReplicasEndToEndTests.executable
    }

    /// Renders the chart with Helm's engine: the objects, or a failure carrying render.py's error output.
    static func render(values: [String], set: [String: String]) async throws -> [JSONValue] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = [
            "python3", root.appendingPathComponent("Tests/Chart/render.py").path, "--release", release,
            "--namespace", namespace,
        ]
        for file in values { arguments += ["--values", root.appendingPathComponent(file).path] }
        // `--set-string`: values stay strings, as env values must (the test endpoints, ports, booleans alike).
        for (key, value) in set.sorted(by: { $0.key < $1.key }) { arguments += ["--set-string", "\(key)=\(value)"] }
        process.arguments = arguments
        let result = try await process.runToEnd()
        let data = result.stdout
        guard result.status == 0 else {
            throw FixtureError(
                "render.py exited \(result.status) (scripts/test installs helm-python-sdk): \(result.errors)")
        }
        return try JSONValue(parsing: data).arrayValue ?? []
    }

    /// The rendered Deployment's one container's environment, `valueFrom` resolved as the kubelet would: field
    /// references from the pod, Secret and ConfigMap keys from the rendered objects.
    static func environment(of deployment: JSONValue, pod: String, node: String, objects: [JSONValue]) throws
        -> [String: String]
    {
        let container = try #require(deployment["spec"]["template"]["spec"]["containers"].arrayValue?.first)
        var environment: [String: String] = [:]
        for variable in container["env"].arrayValue ?? [] {
            let name = try #require(variable["name"].stringValue)
            #expect(environment[name] == nil, "\(name) is rendered twice")
            if let value = variable["value"].stringValue {
                environment[name] = value
                continue
            }
            let source = variable["valueFrom"]
            switch source["fieldRef"]["fieldPath"].stringValue {
            case "metadata.name": environment[name] = pod
            case "metadata.namespace": environment[name] = namespace
            case "spec.nodeName": environment[name] = node
            case let path?: throw FixtureError("\(name): no value for fieldRef \(path)")
            case nil:
                let reference = source["secretKeyRef"].isNull ? source["configMapKeyRef"] : source["secretKeyRef"]
                let kind = source["secretKeyRef"].isNull ? "ConfigMap" : "Secret"
                let holder = try #require(
                    objects.first {
                        $0["kind"].stringValue == kind && $0["metadata"]["name"] == reference["name"]
                    }, "\(name) refers to a \(kind) the chart does not render")
                let key = try #require(reference["key"].stringValue)
                let stored = holder["stringData"][key].stringValue ?? holder["data"][key].stringValue
                let value = try #require(stored, "\(name): no key \(key)")
                environment[name] =
                    kind == "Secret" && holder["stringData"][key].isNull
                    ? String(decoding: Data(base64Encoded: value) ?? Data(), as: UTF8.self) : value
            }
        }
        return environment
    }

    /// The rules of the ClusterRoles and Roles that the rendered bindings grant the rendered ServiceAccount.
    static func accessRules(objects: [JSONValue], serviceAccount: String) throws -> AccessRules {
        func bound(_ binding: JSONValue) -> Bool {
            (binding["subjects"].arrayValue ?? []).contains {
                $0["kind"].stringValue == "ServiceAccount" && $0["name"].stringValue == serviceAccount
                    && $0["namespace"].stringValue == namespace
            }
        }
        var roles: [JSONValue] = []
        for (bindingKind, roleKind) in [("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")] {
            for binding in objects where binding["kind"].stringValue == bindingKind && bound(binding) {
                let name = binding["roleRef"]["name"]
                roles += objects.filter { $0["kind"].stringValue == roleKind && $0["metadata"]["name"] == name }
            }
        }
        let manifests = roles.map(\.text).joined(separator: "\n---\n")
        return try AccessRules(
            manifests: manifests, defaultNamespace: namespace,
            user: "system:serviceaccount:\(namespace):\(serviceAccount)")
    }

    @Test("a spot warning is cordoned, drained and deleted by the binary started with the rendered env and RBAC")
    func renderedDeploymentDrains() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.executable.path),
            "the executable is not built at \(Self.executable.path)")
        let instance = "i-0c0ffee0c0ffee001"
        try await MotoServer.with { moto in
            let queueURL = try await moto.createQueue(MotoServer.unique("chart"), attributes: [:])
            let queue = try SQSClient(client: moto.client(), queueURL: queueURL)
            let metricsPort = try ReplicasEndToEndTests.Replica.freePort()
            let probesPort = try ReplicasEndToEndTests.Replica.freePort()
            let objects = try await Self.render(
                values: ["charts/node-termination-handler/ci/nth-queue-realistic-values.yaml"],
                set: [
                    // docs/migration.md's values that keep NTH's names; no webhook Secret in this cluster.
                    "nameOverride": "aws-node-termination-handler", "webhookURLSecretName": "",
                    "queueURL": queueURL, "awsRegion": "us-east-1", "awsEndpoint": moto.endpoint,
                    "awsAccessKeyID": moto.credentials.accessKeyID,
                    "awsSecretAccessKey": moto.credentials.secretAccessKey, "checkTagBeforeDraining": "false",
                    "enablePrometheusServer": "true", "prometheusServerPort": String(metricsPort),
                    "probes.httpGet.port": String(probesPort), "emitKubernetesEvents": "true",
                    "extraEnv[0].name": "NTH_RECEIVE_WAIT_SECONDS", "extraEnv[0].value": "1",
                ])
            let deployment = try #require(objects.first { $0["kind"].stringValue == "Deployment" })
            let serviceAccount = try #require(
                deployment["spec"]["template"]["spec"]["serviceAccountName"].stringValue)
            #expect(
                objects.contains {
                    $0["kind"].stringValue == "ServiceAccount" && $0["metadata"]["name"].stringValue == serviceAccount
                }, "the Deployment's ServiceAccount \(serviceAccount) is rendered")
            let environment = try Self.environment(
                of: deployment, pod: "\(Self.release)-replica-0", node: "control-plane", objects: objects)
            #expect(environment["QUEUE_URL"] == queueURL)

            var storeConfiguration = ClusterStore.Configuration()
            storeConfiguration.timeScale = 0.01
            var serverConfiguration = FakeAPIServer.Configuration()
            serverConfiguration.serveHTTPS()
            serverConfiguration.accessRules = try Self.accessRules(objects: objects, serviceAccount: serviceAccount)
            try await FakeAPIServer.withRunning(
                store: ClusterStore(configuration: storeConfiguration), configuration: serverConfiguration
            ) { server in
                // Install what the fake stores of the release (ServiceAccount, Deployment, Service, PDB, ConfigMap);
                // RBAC kinds went into the access rules above.
                let stored: Set = ["ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "ConfigMap"]
                let served = objects.filter { stored.contains($0["kind"].stringValue ?? "") }
                try await server.store.seed(
                    all: [ObjectFactory.namespace("apps"), ObjectFactory.namespace(Self.namespace)]
                        + ReplicasEndToEndTests.nodeWithPods("node-1", instance: instance) + served)
                let kubeconfig = try ReplicasEndToEndTests.writeKubeconfig(server)
                defer { try? FileManager.default.removeItem(at: kubeconfig) }
                let container = try #require(deployment["spec"]["template"]["spec"]["containers"].arrayValue?.first)
                let arguments = (container["args"].arrayValue ?? []).compactMap(\.stringValue)
                #expect(arguments.first == "run", "the chart starts `run`: \(arguments)")
                let replica = try ReplicasEndToEndTests.Replica(
                    name: "\(Self.release)-replica-0", executable: Self.executable,
                    arguments: arguments + ["--kubeconfig", kubeconfig.path], environment: environment,
                    metricsPort: metricsPort, probesPort: probesPort)
                defer { if replica.process.isRunning { replica.process.terminate() } }
                let world = ReplicasEndToEndTests.World(server: server, queue: queue, replicas: [replica], moto: moto)

                try await world.eventually("the replica to be ready on the rendered probe port") {
                    await replica.get("/readyz", port: probesPort, client: moto.httpClient).status == 200
                }
                _ = try await queue.sendMessage(body: ReplicasEndToEndTests.spotWarning(instance))
                try await world.eventually("node-1 to be drained") { await world.drained("node-1") }
                try await world.eventually("the message to be deleted") {
                    try await ReplicasEndToEndTests.queueDepth(queue) == 0
                }
                let metrics = await replica.get("/metrics", port: metricsPort, client: moto.httpClient).body
                #expect(metrics.contains("nth_leader 1"), "metrics on the rendered port")
                try await replica.expectCleanExit()
                let refused = server.ledger.snapshot().entries.filter { $0.status == 403 }
                #expect(
                    refused.isEmpty,
                    "the rendered RBAC refused: \(refused.map { "\($0.method) \($0.path)" })")
                #expect(!replica.log.contains("\"level\":\"error\""), "log: \(replica.log.suffix(4000))")
            }
        }
    }
}
