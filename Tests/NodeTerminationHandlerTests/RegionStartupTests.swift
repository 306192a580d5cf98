import ArgumentParser
import Foundation
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

    @Test("no usable region is a usage error (exit 64) that names AWS_REGION")
    func unusable() throws {
        let error = #expect(throws: ValidationError.self) {
            try Run.awsEnvironment(["HOME": "/nonexistent"], queueURL: "http://localhost:4566/000000000000/nth")
        }
        #expect(error?.message.contains("AWS_REGION") == true)
        #expect(Run.exitCode(for: try #require(error)) == ExitCode(64))
    }
}
