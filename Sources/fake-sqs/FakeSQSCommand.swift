import ArgumentParser
import FakeSQS
import Foundation
import UnixSignals

/// `fake-sqs`: a fake SQS endpoint (`serve`, the default) and its throughput benchmark (`bench`).
@main
struct FakeSQSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-sqs",
        abstract: "A fake Amazon SQS (AWS JSON 1.0, SigV4 verified) on 127.0.0.1, and its benchmark.",
        subcommands: [Serve.self, Bench.self],
        defaultSubcommand: Serve.self)
}

/// `fake-sqs serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a fake SQS on 127.0.0.1 until SIGTERM or SIGINT (then exit 0).",
        discussion: """
            Prints the base URL (http://127.0.0.1:PORT, the endpoint to give clients) as the first line on stdout \
            once listening. Every request must be signed (SigV4, region --region, service sqs) with one of the \
            access keys given by --access-key or --access-keys-file. Queue URLs are http://<Host>/<account>/<name>. \
            GET /fake-sqs/calls (unsigned) returns the calls served by operation. See docs/fake-sqs.md.
            """)

    @Option(help: "The port on 127.0.0.1; 0 picks a free one.")
    var port: UInt16 = 0

    @Option(help: "The region requests must be signed for.")
    var region = "us-east-1"

    @Option(help: "The account id in queue URLs and ARNs.")
    var accountID = "123456789012"

    @Option(
        name: .customLong("access-key"),
        help: "An accepted key as ACCESS_KEY_ID:SECRET_ACCESS_KEY (repeatable).")
    var accessKeys: [String] = []

    @Option(
        help:
            "A file of accepted keys, one ACCESS_KEY_ID:SECRET_ACCESS_KEY (or separated by spaces) a line; # comments.")
    var accessKeysFile: String?

    @Option(help: "Milliseconds every call waits before it is handled (20 stands in for real SQS).")
    var latencyMs = 0

    @Option(
        name: .customLong("queue"),
        help: "A queue to create at start, as NAME or NAME:VisibilityTimeout=30,DelaySeconds=0 (repeatable).")
    var queues: [String] = []

    func validate() throws {
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must be 0 or more") }
        guard !accessKeys.isEmpty || accessKeysFile != nil else {
            throw ValidationError("give at least one accepted key: --access-key ID:SECRET or --access-keys-file FILE")
        }
    }

    func run() async throws {
        // Trapped from the start: from now on SIGTERM and SIGINT stop the server instead of ending the process.
        let stop = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var secrets: [String: String] = [:]
        var lines = accessKeys
        if let accessKeysFile {
            lines += try String(contentsOfFile: accessKeysFile, encoding: .utf8).split(whereSeparator: \.isNewline)
                .map(String.init)
        }
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let parts = trimmed.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" }).map(String.init)
            guard parts.count == 2 else {
                // Never echo the line: it holds a secret.
                throw ValidationError("an access key is not ACCESS_KEY_ID:SECRET_ACCESS_KEY (\(parts.count) fields)")
            }
            secrets[parts[0]] = parts[1]
        }
        let broker = SQSBroker(accountID: accountID, region: region)
        for queue in queues {
            let (name, attributes) = try Self.queueSpecification(queue)
            try broker.createQueue(name, attributes: attributes)
        }
        let service = SQSService(
            broker: broker, verifier: SigV4Verifier(secrets: secrets, region: region),
            latency: .milliseconds(latencyMs))
        let server = FakeSQSServer(service: service, port: port)
        let url = try await server.start()
        FileHandle.standardOutput.write(Data((url + "\n").utf8))
        for await _ in stop { break }
        await server.stop()
    }

    /// `NAME` or `NAME:Attribute=value,Attribute=value`.
    static func queueSpecification(_ text: String) throws -> (String, [String: String]) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first else { throw ValidationError("--queue needs a name") }
        var attributes: [String: String] = [:]
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: ",") {
            let keyValue = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard keyValue.count == 2 else { throw ValidationError("--queue \(text): expected Attribute=value") }
            attributes[keyValue[0]] = keyValue[1]
        }
        return (name, attributes)
    }
}
