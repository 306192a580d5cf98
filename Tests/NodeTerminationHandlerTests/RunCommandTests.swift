import ArgumentParser
import Controller
import Foundation
import Interruption
import Logging
import Testing

@testable import node_termination_handler

@Suite("node-termination-handler run: options and NTH environment variables")
struct RunCommandTests {
    @Test("flags are written over their environment variables")
    func flagsOverrideEnvironment() throws {
        let run = try Run.parse(["--queue-url", "https://sqs.eu-west-1.amazonaws.com/123456789012/nth", "--dry-run"])
        let environment = run.effectiveEnvironment(["QUEUE_URL": "https://example.invalid/other", "WORKERS": "7"])
        #expect(environment["QUEUE_URL"] == "https://sqs.eu-west-1.amazonaws.com/123456789012/nth")
        #expect(environment["DRY_RUN"] == "true")
        #expect(environment["WORKERS"] == "7")
        let configuration = try run.controllerConfiguration(environment)
        #expect(configuration.dryRun)
        #expect(configuration.workers == 7)
    }

    @Test("an NTH queue-mode environment configures the controller unchanged")
    func nthEnvironment() throws {
        let run = try Run.parse([])
        let configuration = try run.controllerConfiguration([
            "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/nth-queue",
            "WORKERS": "25", "CORDON_ONLY": "false", "TAINT_NODE": "true", "TAINT_EFFECT": "NoExecute",
            "DELETE_SQS_MSG_IF_NODE_NOT_FOUND": "true", "HEARTBEAT_INTERVAL": "30", "HEARTBEAT_UNTIL": "3600",
        ])
        #expect(configuration.queueURL == "https://sqs.us-east-1.amazonaws.com/123456789012/nth-queue")
        #expect(configuration.workers == 25)
        #expect(configuration.policy.taintNode)
        #expect(configuration.policy.taintEffect == .noExecute)
        #expect(configuration.deleteMessageIfNodeNotFound)
        #expect(configuration.heartbeat?.interval == 30)
    }

    @Test("a missing queue URL is a usage error that names the variable")
    func missingQueueURL() throws {
        let run = try Run.parse([])
        let error = #expect(throws: (any Error).self) { try run.controllerConfiguration([:]) }
        #expect("\(String(describing: error))".contains("QUEUE_URL"))
    }

    @Test("every invalid variable is reported at once")
    func everyProblemReported() throws {
        let run = try Run.parse([])
        let error = #expect(throws: (any Error).self) {
            try run.controllerConfiguration(["QUEUE_URL": "https://q", "WORKERS": "zero", "TAINT_EFFECT": "Bogus"])
        }
        let text = String(describing: error)
        #expect(text.contains("WORKERS"))
        #expect(text.contains("TAINT_EFFECT"))
    }

    @Test("a bad NTH_ALLOWED_EVENT_ACCOUNTS is a usage error (exit 64) naming the bad id")
    func badAllowedAccount() throws {
        let run = try Run.parse([])
        let error = #expect(throws: ValidationError.self) {
            try run.controllerConfiguration([
                "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/nth",
                "NTH_ALLOWED_EVENT_ACCOUNTS": "111122223333,11112222333x",
            ])
        }
        #expect(error?.message.contains("NTH_ALLOWED_EVENT_ACCOUNTS") == true)
        #expect(error?.message.contains("\"11112222333x\"") == true)
        #expect(Run.exitCode(for: try #require(error)) == ExitCode(64))
    }

    @Test("log levels parse by name and reject anything else")
    func logLevels() throws {
        #expect(try Logger.Level(setting: nil) == .info)
        #expect(try Logger.Level(setting: "DEBUG") == .debug)
        #expect(try Logger.Level(setting: "warn") == .warning)
        #expect(throws: (any Error).self) { try Logger.Level(setting: "loud") }
        #expect(try Run.logLevel(["LOG_LEVEL": "DEBUG"]) == .debug, "NTH's variable")
        #expect(try Run.logLevel(["LOG_LEVEL": "debug", "NTH_LOG_LEVEL": "error"]) == .error, "ours first")
        #expect(try Run.logLevel([:]) == .info)
    }

    @Test("simulate rejects an unknown interruption kind and takes the known ones")
    func simulateKinds() throws {
        #expect(throws: (any Error).self) {
            _ = try NodeTerminationHandler.parseAsRoot(["simulate", "--kinds", "spot-warning,meteor"])
        }
        let command = try NodeTerminationHandler.parseAsRoot(["simulate", "--kinds", "asg-terminate", "--nodes", "5"])
        #expect((command as? Simulate)?.nodes == 5)
    }
}
