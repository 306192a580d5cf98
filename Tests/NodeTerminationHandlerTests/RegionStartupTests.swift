import ArgumentParser
import Controller
import Foundation
import Interruption
import Testing

@testable import node_termination_handler

@Suite("run: the AWS region is settled at start-up")
struct RegionStartupTests {
    @Test("without a configured region, AWS_REGION becomes the queue URL's for every client")
    func derived() throws {
        let environment = try Run.awsEnvironment(
            ["HOME": "/nonexistent"], queueURL: "https://sqs.eu-central-1.amazonaws.com/123456789012/nth")
        #expect(environment["AWS_REGION"] == "eu-central-1")
        let configured = try Run.awsEnvironment(
            ["HOME": "/nonexistent", "AWS_DEFAULT_REGION": "us-west-2"],
            queueURL: "https://sqs.eu-central-1.amazonaws.com/123456789012/nth")
        #expect(configured["AWS_REGION"] == "us-west-2", "a configured region wins over the URL's")
    }

    @Test("the event origin check expects the queue URL's region, else the resolved AWS_REGION")
    func eventRegion() throws {
        let run = try Run.parse([])
        for (url, configured, expected) in [
            ("http://127.0.0.1:5000/123456789012/nth", "us-east-1", "us-east-1"),
            ("https://sqs.eu-central-1.amazonaws.com/123456789012/nth", "us-west-2", "eu-central-1"),
            ("https://sqs.eu-central-1.amazonaws.com/123456789012/nth", nil, "eu-central-1"),
        ] as [(String, String?, String)] {
            var base = ["HOME": "/nonexistent", "QUEUE_URL": url]
            base["AWS_REGION"] = configured
            let environment = try Run.awsEnvironment(base, queueURL: url)
            let configuration = try run.controllerConfiguration(base)
                .expectingEvents(inRegion: environment["AWS_REGION"])
            #expect(configuration.eventOrigins.acceptedRegions == [expected], "\(url)")
            #expect(configuration.eventOrigins.acceptedAccounts == ["123456789012"], "\(url)")
        }
    }

    @Test("no usable region is a usage error (exit 64) that names AWS_REGION")
    func unusable() throws {
        let error = #expect(throws: ValidationError.self) {
            try Run.awsEnvironment(["HOME": "/nonexistent"], queueURL: "http://localhost:4566/000000000000/nth")
        }
        #expect(error?.message.contains("AWS_REGION") == true)
        #expect(Run.exitCode(for: try #require(error)) == ExitCode(64))
    }
}
