import Controller
import Foundation
import Interruption
import Simulation
import Testing

@Suite("scenarios: the built-in ones and the YAML file format")
struct ScenarioTests {
    @Test("a file with every key reads into the scenario it describes")
    func everyKey() throws {
        let scenario = try Scenario(
            yaml: """
                name: mine
                description: all of it
                nodes: 50
                podsPerNode: 3
                interruptions: 20
                kinds: [spot-warning, rebalance]
                timeScale: 0.5
                arrivalSeconds: 1.5
                environment: {WORKERS: "4", CORDON_ONLY: "true"}
                lifecycleHooks: {heartbeatTimeoutSeconds: 2, heartbeatIntervalSeconds: 0.5}
                blockingBudgets: {relaxAfterSeconds: 3}
                throttling: {rate: 0.25, retryAfterSeconds: 2, forSeconds: 4, verbs: [evict, patch]}
                handOver: {afterSeconds: 1}
                """)
        var expected = Scenario(name: "mine", description: "all of it")
        expected.nodes = 50
        expected.podsPerNode = 3
        expected.interruptions = 20
        expected.kinds = [.spotWarning, .rebalance]
        expected.timeScale = 0.5
        expected.arrivalSeconds = 1.5
        expected.environment = ["WORKERS": "4", "CORDON_ONLY": "true"]
        expected.lifecycleHooks = .init(heartbeatTimeoutSeconds: 2, heartbeatIntervalSeconds: 0.5)
        expected.blockingBudgets = .init(relaxAfterSeconds: 3)
        expected.throttling = .init(rate: 0.25, retryAfterSeconds: 2, forSeconds: 4, verbs: ["evict", "patch"])
        expected.handOver = .init(afterSeconds: 1)
        #expect(scenario == expected)
    }

    @Test("base starts from a built-in scenario; the keys given replace its values")
    func base() throws {
        let scenario = try Scenario(yaml: "base: spot-burst\nname: bigger\nnodes: 800\ninterruptions: 600\n")
        var expected = Scenario.spotBurst
        expected.name = "bigger"
        expected.nodes = 800
        expected.interruptions = 600
        #expect(scenario == expected)
    }

    @Test(
        "a bad file gets an error naming the line and what is wrong",
        arguments: [
            ("nodes: 10\nnodse: 3\n", "2: unknown key 'nodse'"),
            ("nodes: ten\n", "1: nodes: expected a whole number from 1 to 100000, got 'ten'"),
            ("kinds: [spot-warning, spot]\n", "1: kinds: unknown kind 'spot'"),
            ("kinds: spot-warning\n", "1: kinds: expected a list"),
            (
                "throttling: {rate: 2, retryAfterSeconds: 1, forSeconds: 1}\n",
                "throttling.rate: expected a number from 0.0 to 1.0"
            ),
            ("throttling: {rate: 0.5, forSeconds: 1}\n", "throttling.retryAfterSeconds is missing"),
            ("handOver: {after: 1}\n", "handOver: unknown key 'after'"),
            ("base: nothing\n", "base: no built-in scenario 'nothing'"),
            ("- nodes: 3\n", "a scenario is a mapping"),
            ("nodes: [1, 2\n", "not YAML"),
            ("nodes: 5\ninterruptions: 6\n", "interruptions (6) must not exceed nodes (5)"),
            (
                "lifecycleHooks: {heartbeatTimeoutSeconds: 1, heartbeatIntervalSeconds: 2}\n",
                "heartbeatIntervalSeconds must be shorter than heartbeatTimeoutSeconds"
            ),
        ])
    func badFile(yaml: String, message: String) {
        #expect {
            try Scenario(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            let description = (error as? ScenarioError)?.description ?? ""
            return description.hasPrefix("bad.yaml") && description.contains(message)
        }
    }

    @Test("a missing file says so, with its path")
    func missingFile() {
        #expect {
            try Scenario(contentsOf: "/nonexistent/scenario.yaml")
        } throws: { error in
            (error as? ScenarioError)?.description.hasPrefix("/nonexistent/scenario.yaml: cannot read") == true
        }
    }

    @Test("every file under scenarios/ reads")
    func shippedFiles() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 2)
        for file in files {
            let scenario = try Scenario(contentsOf: directory.appendingPathComponent(file).path)
            #expect(scenario.name == String(file.dropLast(5)))
        }
    }

    @Test("a scenario's variables configure the controller; the shell's win; scale multiplies the cluster")
    func configuration() throws {
        var scenario = Scenario.hooks
        scenario.environment = ["WORKERS": "3", "CORDON_ONLY": "true"]
        let configuration = try scenario.configuration(environment: ["WORKERS": "7"], scale: 2)
        #expect(configuration.controller.workers == 7)
        #expect(configuration.controller.policy.cordonOnly)
        #expect(configuration.nodes == 80)
        #expect(configuration.interruptions == 48)
        #expect(configuration.controller.deadlineRules.lifecycleHeartbeatTimeout == 2)
        #expect(configuration.controller.heartbeat?.interval == 0.5)
        #expect(configuration.controller.emitKubernetesEvents)
        #expect(configuration.scenario == "hooks")
    }

    @Test("the built-in scenarios have distinct names and fit their own limits")
    func builtIns() {
        #expect(Set(Scenario.builtIn.map(\.name)).count == Scenario.builtIn.count)
        for scenario in Scenario.builtIn {
            #expect(scenario.interruptions <= scenario.nodes, "\(scenario.name)")
            #expect(Scenario.named(scenario.name) == scenario)
        }
    }
}
