import AWS
import Foundation
import HTTPClient
import SigV4
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// moto_server with signature checking on and the lifecycle extension, started from the AWS tests' fixture
/// (`Tests/AWSTests/Fixtures/moto_nth.py`), once per test process. The same approach as the AWS tests' harness: an
/// IAM user with an allow-all policy is made while auth is off, then auth is turned on.
struct Moto: Sendable {
    let port: Int
    let httpClient: HTTPClient
    let credentials: Credentials

    var endpoint: String { "http://127.0.0.1:\(port)" }

    func client() -> AWSClient {
        AWSClient(
            configuration: AWSConfiguration(
                region: "us-east-1", endpoints: EndpointResolver(override: endpoint), requestTimeout: .seconds(60)),
            credentialsProvider: StaticCredentialsProvider(credentials), httpClient: httpClient)
    }

    static func unique(_ prefix: String) -> String { prefix + "-" + UUID().uuidString.prefix(8).lowercased() }

    /// Creates a queue; returns its URL.
    func createQueue(_ name: String, visibilityTimeout: Int) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: [
            "QueueName": name, "Attributes": ["VisibilityTimeout": String(visibilityTimeout)],
        ])
        let data = try await client().json(.sqs, operation: "CreateQueue", body: body)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["QueueUrl"] as? String)
    }

    /// Launches instances with tags; returns (id, private DNS name) pairs.
    func runInstances(count: Int, tags: [String: String]) async throws -> [(id: String, dns: String)] {
        var parameters: [(String, String)] = [
            ("ImageId", "ami-12c6146b"), ("MinCount", String(count)), ("MaxCount", String(count)),
            ("InstanceType", "m5.large"), ("Placement.AvailabilityZone", "us-east-1a"),
        ]
        parameters.append(("TagSpecification.1.ResourceType", "instance"))
        for (index, tag) in tags.sorted(by: { $0.key < $1.key }).enumerated() {
            parameters.append(("TagSpecification.1.Tag.\(index + 1).Key", tag.key))
            parameters.append(("TagSpecification.1.Tag.\(index + 1).Value", tag.value))
        }
        let root = try await client().query(.ec2, action: "RunInstances", parameters: parameters)
        return (root.element(at: "instancesSet")?.children("item") ?? []).compactMap { item in
            guard let id = item.value(at: "instanceId"), let dns = item.value(at: "privateDnsName") else { return nil }
            return (id, dns)
        }
    }

    /// Creates an Auto Scaling group with a terminate hook named `drain`; returns its name and instance ids.
    func createGroup(size: Int) async throws -> (name: String, instances: [String]) {
        let name = Self.unique("asg")
        let client = client()
        _ = try await client.query(
            .autoScaling, action: "CreateLaunchConfiguration",
            parameters: [("LaunchConfigurationName", name), ("ImageId", "ami-12c6146b"), ("InstanceType", "t3.micro")])
        _ = try await client.query(
            .autoScaling, action: "CreateAutoScalingGroup",
            parameters: [
                ("AutoScalingGroupName", name), ("LaunchConfigurationName", name), ("MinSize", String(size)),
                ("MaxSize", String(size)), ("DesiredCapacity", String(size)),
                ("AvailabilityZones.member.1", "us-east-1a"),
            ])
        _ = try await client.query(
            .autoScaling, action: "PutLifecycleHook",
            parameters: [
                ("AutoScalingGroupName", name), ("LifecycleHookName", "drain"),
                ("LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING"), ("HeartbeatTimeout", "300"),
                ("DefaultResult", "CONTINUE"),
            ])
        let described = try await client.query(
            .autoScaling, action: "DescribeAutoScalingGroups", parameters: [("AutoScalingGroupNames.member.1", name)])
        let members =
            described.element(at: "DescribeAutoScalingGroupsResult", "AutoScalingGroups", "member", "Instances")?
            .children("member") ?? []
        let instances = members.compactMap { $0.value(at: "InstanceId") }
        // The managed tag, as a group's tag propagated at launch would put it.
        var tags: [(String, String)] = [("Tag.1.Key", "aws-node-termination-handler/managed"), ("Tag.1.Value", "")]
        for (index, instance) in instances.enumerated() { tags.append(("ResourceId.\(index + 1)", instance)) }
        _ = try await client.query(.ec2, action: "CreateTags", parameters: tags)
        return (name, instances)
    }

    /// The lifecycle calls the extension recorded for `group`.
    func lifecycleCalls(group: String) async throws -> [[String: String]] {
        let response = try await httpClient.execute(
            HTTPRequest(url: endpoint + "/nth-test/lifecycle-calls", timeout: .seconds(10)))
        let array = try #require(try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]])
        return array.map { $0.compactMapValues { $0 as? String } }.filter { $0["AutoScalingGroupName"] == group }
    }

    /// The test process's server, started on first use (moto loads each service model once, seconds of CPU).
    static func shared() async throws -> Moto { try await MotoProcess.shared.server() }
}

/// Owns the moto child process for the life of the test process.
actor MotoProcess {
    static let shared = MotoProcess()
    private var starting: Task<Moto, any Error>?
    private var process: Process?
    private var stdin: Pipe?

    func server() async throws -> Moto {
        if let starting { return try await starting.value }
        let task = Task { try await self.start() }
        starting = task
        return try await task.value
    }

    private func start() async throws -> Moto {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("AWSTests/Fixtures/moto_nth.py")
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", fixture.path]
        process.standardInput = input
        process.standardOutput = output
        let stderrPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nth-moto-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrPath.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrPath)
        try process.run()
        self.process = process
        self.stdin = input  // kept open: the server exits when the test process does
        let line: Data
        do {
            line = try await Self.readLine(output.fileHandleForReading.fileDescriptor, timeout: .seconds(90))
        } catch {
            let text = (try? String(contentsOf: stderrPath, encoding: .utf8)) ?? ""
            throw TestTimeout("\(error) (\(fixture.path)); stderr: \(text.suffix(2000))")
        }
        let port = try #require(
            (try JSONSerialization.jsonObject(with: line) as? [String: Any])?["port"] as? Int,
            "moto_nth.py (\(fixture.path)) did not print its port")
        let httpClient = try HTTPClient()
        let setup = Moto(
            port: port, httpClient: httpClient, credentials: Credentials(accessKeyID: "setup", secretAccessKey: "x"))
        let iam = setup.client()
        _ = try await iam.query(.iam, action: "CreateUser", parameters: [("UserName", "nth-controller")])
        let key = try await iam.query(.iam, action: "CreateAccessKey", parameters: [("UserName", "nth-controller")])
        let accessKey = try #require(key.value(at: "CreateAccessKeyResult", "AccessKey", "AccessKeyId"))
        let secret = try #require(key.value(at: "CreateAccessKeyResult", "AccessKey", "SecretAccessKey"))
        _ = try await iam.query(
            .iam, action: "PutUserPolicy",
            parameters: [
                ("UserName", "nth-controller"), ("PolicyName", "allow-all"),
                (
                    "PolicyDocument",
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
                ),
            ])
        let reset = try await httpClient.execute(
            HTTPRequest(
                method: .post, url: "http://127.0.0.1:\(port)/moto-api/reset-auth",
                headers: ["Content-Type": "text/plain"], body: Data("0".utf8), timeout: .seconds(10)))
        try #require(reset.status == 200, "reset-auth failed")
        return Moto(
            port: port, httpClient: httpClient,
            credentials: Credentials(accessKeyID: accessKey, secretAccessKey: secret))
    }

    /// Reads the first line within `timeout`, polling without blocking the cooperative pool.
    private static func readLine(_ fd: Int32, timeout: Duration) async throws -> Data {
        let deadline = ContinuousClock.now + timeout
        var line = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !line.contains(UInt8(ascii: "\n")) {
            guard ContinuousClock.now < deadline else { throw TestTimeout("moto_nth.py printed nothing in \(timeout)") }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { throw TestTimeout("moto_nth.py exited before it was ready") }
            line.append(contentsOf: buffer[0..<count])
        }
        return line
    }
}
