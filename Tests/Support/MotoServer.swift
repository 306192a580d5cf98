public import AWS
import Clocks
import Foundation
public import HTTPClient
public import SigV4
import Testing

/// A moto server (through `Tests/AWSTests/Fixtures/moto_nth.py`, the moto extension that adds Auto Scaling's
/// lifecycle actions and records them) shared by the AWS and controller tests, with signature checking on: an IAM user with an
/// allow-all policy is created while auth is still off, then auth is switched on, so every later request must be
/// signed with that user's key (or with STS credentials of a role that exists).
public struct MotoServer: Sendable {
    /// The port on 127.0.0.1.
    public let port: Int
    /// The HTTP client every ``client(credentials:region:retryPolicy:interceptor:)`` shares.
    public let httpClient: HTTPClient
    /// The IAM user's key, allowed everything.
    public let credentials: Credentials

    /// `http://127.0.0.1:PORT`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    /// moto's account id.
    public static let account = "123456789012"
    /// A policy document allowing everything.
    public static let allowAll =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#

    /// A client for this server with the given credentials (the IAM user's by default).
    public func client(
        credentials: Credentials? = nil, region: String? = "us-east-1", retryPolicy: AWSRetryPolicy = .standard,
        interceptor: (@Sendable (inout HTTPRequest) -> Void)? = nil
    ) -> AWSClient {
        // Generous per-attempt time: moto renders 1000 instances slowly on a busy CI machine.
        AWSClient(
            configuration: AWSConfiguration(
                region: region, endpoints: EndpointResolver(override: endpoint), retryPolicy: retryPolicy,
                requestTimeout: .seconds(120)),
            credentialsProvider: StaticCredentialsProvider(credentials ?? self.credentials), httpClient: httpClient,
            clock: SystemClock(), random: { Double.random(in: 0..<1) }, interceptor: interceptor)
    }

    /// Creates a queue in `region` and returns its URL.
    public func createQueue(
        _ name: String, attributes: [String: String] = [:], region: String = "us-east-1"
    ) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["QueueName": name, "Attributes": attributes])
        let data = try await client(region: region).json(.sqs, operation: "CreateQueue", body: body)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["QueueUrl"] as? String)
    }

    /// Calls an AWS JSON operation with a JSON object body.
    @discardableResult
    public func json(_ service: AWSService, _ operation: String, _ body: [String: Any]) async throws -> [String: Any] {
        let data = try await client().json(
            service, operation: operation, body: try JSONSerialization.data(withJSONObject: body))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Creates an IAM user whose only policy allows `actions` on every resource, and returns its access key.
    public func credentials(allowing actions: [String]) async throws -> Credentials {
        let user = MotoServer.unique("least")
        let iam = client()
        _ = try await iam.query(.iam, action: "CreateUser", parameters: [("UserName", user)])
        let policy = try JSONSerialization.data(
            withJSONObject: [
                "Version": "2012-10-17",
                "Statement": [["Effect": "Allow", "Action": actions, "Resource": "*"]],
            ])
        _ = try await iam.query(
            .iam, action: "PutUserPolicy",
            parameters: [
                ("UserName", user), ("PolicyName", "least"),
                ("PolicyDocument", String(decoding: policy, as: UTF8.self)),
            ])
        let key = try await iam.query(.iam, action: "CreateAccessKey", parameters: [("UserName", user)])
        return Credentials(
            accessKeyID: try #require(key.value(at: "CreateAccessKeyResult", "AccessKey", "AccessKeyId")),
            secretAccessKey: try #require(key.value(at: "CreateAccessKeyResult", "AccessKey", "SecretAccessKey")))
    }

    /// The Auto Scaling lifecycle calls moto_nth.py recorded.
    public func lifecycleCalls() async throws -> [[String: String]] {
        let response = try await httpClient.execute(
            HTTPRequest(url: endpoint + "/nth-test/lifecycle-calls", timeout: .seconds(10)))
        let array = try #require(try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]])
        return array.map { $0.compactMapValues { $0 as? String } }
    }

    /// Announces a pending lifecycle action to moto_nth.py, as Auto Scaling knows it when it starts a terminate hook:
    /// a completion by its token then also ends the instance's action and the other way round.
    public func announceLifecycleAction(group: String, hook: String, instanceID: String, token: String) async throws {
        let action = [
            "AutoScalingGroupName": group, "LifecycleHookName": hook, "InstanceId": instanceID,
            "LifecycleActionToken": token,
        ]
        let response = try await httpClient.execute(
            HTTPRequest(
                method: .post, url: endpoint + "/nth-test/lifecycle-actions",
                headers: ["Content-Type": "application/json"],
                body: try JSONSerialization.data(withJSONObject: [action]), timeout: .seconds(10)))
        try #require(response.status == 204, "announcing a lifecycle action failed: \(response.status)")
    }

    /// Runs `body` with the test process's moto server, started on first use.
    ///
    /// One server serves every test of the process: moto loads each service's model on first use, which costs
    /// seconds of CPU, and a server per test would starve the other suites running in parallel. Tests therefore
    /// name everything they create uniquely (``unique(_:)``). The server exits when the test process does (its
    /// stdin closes).
    public static func with<T>(_ body: (MotoServer) async throws -> T) async throws -> T {
        try await body(try await MotoRegistry.shared.server())
    }

    /// `prefix` with a random suffix, for names unique within the shared server.
    public static func unique(_ prefix: String) -> String {
        prefix + "-" + UUID().uuidString.prefix(8).lowercased()
    }

    /// Starts moto_nth.py, prepares the IAM user and turns auth on.
    fileprivate static func start() async throws -> (MotoServer, ChildProcess) {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AWSTests/Fixtures/moto_nth.py")
        let child = try ChildProcess(python: fixture)
        do {
            let ready = try await child.readyLine()
            let port = try #require(
                (try JSONSerialization.jsonObject(with: ready) as? [String: Any])?["port"] as? Int,
                "moto_nth.py did not print its port")
            let httpClient = try HTTPClient()
            // Auth is off: any key works. Create the user, its key and an allow-all policy.
            let setup = MotoServer(
                port: port, httpClient: httpClient, credentials: Credentials(accessKeyID: "setup", secretAccessKey: "x")
            )
            let iam = setup.client()
            _ = try await iam.query(.iam, action: "CreateUser", parameters: [("UserName", "nth-tests")])
            let key = try await iam.query(.iam, action: "CreateAccessKey", parameters: [("UserName", "nth-tests")])
            let accessKey = try #require(key.value(at: "CreateAccessKeyResult", "AccessKey", "AccessKeyId"))
            let secret = try #require(key.value(at: "CreateAccessKeyResult", "AccessKey", "SecretAccessKey"))
            _ = try await iam.query(
                .iam, action: "PutUserPolicy",
                parameters: [("UserName", "nth-tests"), ("PolicyName", "allow-all"), ("PolicyDocument", allowAll)])
            // Auth on: from now on every request is checked (moto parses the body as a float; text/plain keeps it).
            let reset = try await httpClient.execute(
                HTTPRequest(
                    method: .post, url: "http://127.0.0.1:\(port)/moto-api/reset-auth",
                    headers: ["Content-Type": "text/plain"], body: Data("0".utf8), timeout: .seconds(10)))
            try #require(reset.status == 200, "reset-auth failed: \(String(decoding: reset.body, as: UTF8.self))")
            let server = MotoServer(
                port: port, httpClient: httpClient,
                credentials: Credentials(accessKeyID: accessKey, secretAccessKey: secret))
            return (server, child)
        } catch {
            child.stop()
            throw error
        }
    }
}

/// Starts the shared moto server once; a failed start fails every test that needs it (never a skip).
actor MotoRegistry {
    static let shared = MotoRegistry()
    private var starting: Task<MotoServer, any Error>?
    /// Keeps the child process (and so its stdin pipe) alive for the life of the test process.
    private var child: ChildProcess?

    func server() async throws -> MotoServer {
        if let starting { return try await starting.value }
        let task = Task { () throws -> MotoServer in
            let (server, child) = try await MotoServer.start()
            self.keep(child)
            return server
        }
        starting = task
        return try await task.value
    }

    private func keep(_ child: ChildProcess) {
        self.child = child
    }
}

extension MotoServer {
    /// An Auto Scaling group made in moto.
    public struct Group: Sendable {
        /// The group name.
        public var name: String
        /// Its instance ids.
        public var instances: [String]
    }

    /// Creates a launch configuration, an Auto Scaling group of `size` instances (in `region`'s zone `a`) and a
    /// terminating hook `drain`.
    public func createGroup(size: Int, region: String = "us-east-1") async throws -> Group {
        let name = MotoServer.unique("asg")
        let client = client(region: region)
        _ = try await client.query(
            .autoScaling, action: "CreateLaunchConfiguration",
            parameters: [("LaunchConfigurationName", name), ("ImageId", "ami-12c6146b"), ("InstanceType", "t3.micro")])
        _ = try await client.query(
            .autoScaling, action: "CreateAutoScalingGroup",
            parameters: [
                ("AutoScalingGroupName", name), ("LaunchConfigurationName", name), ("MinSize", String(size)),
                ("MaxSize", String(size)), ("DesiredCapacity", String(size)),
                ("AvailabilityZones.member.1", region + "a"),
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
        try #require(instances.count == size)
        return Group(name: name, instances: instances)
    }
}
