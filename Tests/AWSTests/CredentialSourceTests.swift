import Foundation
import HTTPClient
import SigV4
import TestSupport
import Testing

@testable import AWS

@Suite("Credential sources: environment, shared files, IMDSv2, container, web identity")
struct CredentialSourceTests {
    @Test("environment variables, with the session token and the legacy AWS_SECURITY_TOKEN")
    func environment() async throws {
        let full = try await EnvironmentCredentialsSource(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
        ]).resolve()
        #expect(
            full?.credentials == Credentials(accessKeyID: "AKIAENV", secretAccessKey: "secret", sessionToken: "token"))
        #expect(full?.expiration == nil)
        #expect(full?.source == "environment")
        let legacy = try await EnvironmentCredentialsSource(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SECURITY_TOKEN": "old",
        ]).resolve()
        #expect(legacy?.credentials.sessionToken == "old")
        #expect(try await EnvironmentCredentialsSource(environment: ["AWS_ACCESS_KEY_ID": ""]).resolve() == nil)
        let half = await #expect(throws: AWSError.self) {
            try await EnvironmentCredentialsSource(environment: ["AWS_ACCESS_KEY_ID": "AKIAENV"]).resolve()
        }
        #expect(half?.kind == .credentials)
    }

    @Test("shared files: AWS_PROFILE selects a section; the credentials file wins; the config file has the region")
    func sharedFiles() async throws {
        let directory = try TemporaryDirectory()
        let credentialsFile = try directory.write(
            "credentials",
            """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            # a comment
            [ci]
            aws_access_key_id=AKIACI
            aws_secret_access_key=ci-secret
            aws_session_token = ci-token
            """)
        let configFile = try directory.write(
            "config",
            """
            [default]
            region = eu-west-1
            [profile ci]
            region = ap-south-1
            s3 =
              max_concurrent_requests = 20
            [profile config-only]
            aws_access_key_id = AKIACONFIG
            aws_secret_access_key = config-secret
            """)
        let base = ["AWS_SHARED_CREDENTIALS_FILE": credentialsFile, "AWS_CONFIG_FILE": configFile, "HOME": "/none"]
        let defaults = try await ProfileCredentialsSource(environment: base).resolve()
        #expect(defaults?.credentials.accessKeyID == "AKIADEFAULT")
        #expect(defaults?.source == "profile:default")
        var ci = base
        ci["AWS_PROFILE"] = "ci"
        let ciCredentials = try await ProfileCredentialsSource(environment: ci).resolve()
        #expect(
            ciCredentials?.credentials
                == Credentials(accessKeyID: "AKIACI", secretAccessKey: "ci-secret", sessionToken: "ci-token"))
        #expect(AWSConfiguration(environment: ci).region == "ap-south-1")
        #expect(AWSConfiguration(environment: base).region == "eu-west-1")
        var configOnly = base
        configOnly["AWS_PROFILE"] = "config-only"
        #expect(
            try await ProfileCredentialsSource(environment: configOnly).resolve()?.credentials.accessKeyID
                == "AKIACONFIG")
        var missing = base
        missing["AWS_PROFILE"] = "nope"
        #expect(try await ProfileCredentialsSource(environment: missing).resolve() == nil)
        #expect(try await ProfileCredentialsSource(environment: ["HOME": directory.path]).resolve() == nil)
    }

    @Test("~/.aws/credentials is found through HOME")
    func homeDirectory() async throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/.aws", withIntermediateDirectories: true)
        _ = try directory.write(".aws/credentials", "[default]\naws_access_key_id=AKIAHOME\naws_secret_access_key=s\n")
        let found = try await ProfileCredentialsSource(environment: ["HOME": directory.path]).resolve()
        #expect(found?.credentials.accessKeyID == "AKIAHOME")
    }

    @Test("IMDSv2: a token PUT with a TTL, then the role and its credentials with the token, as botocore does")
    func imds() async throws {
        try await FakeAWS.with { fake in
            let source = IMDSCredentialsSource(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.endpoint + "/"], httpClient: fake.httpClient)
            let credentials = try #require(try await source.resolve())
            #expect(credentials.credentials.accessKeyID.hasPrefix("ASIAIMDS"))
            #expect(credentials.credentials.sessionToken?.hasPrefix("token-") == true)
            let expiration = try #require(credentials.expiration)
            #expect(abs(expiration.timeIntervalSinceNow - 6 * 3600) < 120)
            let log = try await fake.log()
            #expect(
                log.map { "\($0.method) \($0.path)" } == [
                    "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                    "GET /latest/meta-data/iam/security-credentials/nth-node-role",
                ])
            #expect(log[0].headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600")
            let token = try #require(log[1].headers["x-aws-ec2-metadata-token"])
            #expect(log[2].headers["x-aws-ec2-metadata-token"] == token)
        }
    }

    @Test("IMDSv2: an expired token (401) is replaced once; no role (404) means no credentials here")
    func imdsTokenExpiryAndNoRole() async throws {
        try await FakeAWS.with { fake in
            let source = IMDSCredentialsSource(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.endpoint], httpClient: fake.httpClient)
            _ = try await source.resolve()
            try await fake.expireIMDSTokens()
            #expect(try await source.resolve() != nil)
            try await fake.configure(["imdsRole": ""])
            #expect(try await source.resolve() == nil)
            try await fake.configure(["imdsRole": "nth-node-role", "failCredentials": 1])
            let error = await #expect(throws: AWSError.self) { try await source.resolve() }
            #expect(error?.status == 503)
        }
    }

    @Test("IMDS that does not answer, or is disabled, yields nothing, quickly")
    func imdsAbsent() async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let closed = IMDSCredentialsSource(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"], httpClient: http)
        #expect(try await closed.resolve() == nil)
        #expect(closed.timeout == .seconds(1), "a missing IMDS must not hold the chain for long")
        let tuned = IMDSCredentialsSource(
            environment: ["AWS_METADATA_SERVICE_TIMEOUT": "0.25"], httpClient: http)
        #expect(tuned.timeout == .milliseconds(250))
        let disabled = IMDSCredentialsSource(
            environment: [
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9",
            ],
            httpClient: http)
        #expect(disabled.disabled)
        #expect(try await disabled.resolve() == nil)
    }

    @Test("Pod Identity: the token file is sent as Authorization and re-read on every fetch")
    func podIdentity() async throws {
        try await FakeAWS.with { fake in
            let directory = try TemporaryDirectory()
            let tokenFile = try directory.write("eks-pod-identity-token", "pod-token-1\n")
            try await fake.configure(["podToken": "pod-token-1"])
            let source = ContainerCredentialsSource(
                environment: [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.endpoint + "/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-a-file-is-set",
                ],
                httpClient: fake.httpClient, clock: InstantClock())
            let first = try #require(try await source.resolve())
            #expect(first.credentials.accessKeyID.hasPrefix("ASIAPOD"))
            #expect(first.expiration != nil)

            // The kubelet rotates the token: the next fetch must send the new one.
            _ = try directory.write("eks-pod-identity-token", "pod-token-2")
            try await fake.configure(["podToken": "pod-token-2"])
            let second = try #require(try await source.resolve())
            #expect(second.credentials.accessKeyID != first.credentials.accessKeyID)
            let log = try await fake.log().filter { $0.path == "/v1/credentials" }
            #expect(log.map { $0.headers["authorization"] } == ["pod-token-1", "pod-token-2"])
            #expect(log.allSatisfy { $0.headers["accept"] == "application/json" })

            try await fake.configure(["podToken": "something-else"])
            let refused = await #expect(throws: AWSError.self) { try await source.resolve() }
            #expect(refused?.kind == .credentials)
            #expect(refused?.status == 401)
            #expect(refused?.message.contains("AccessDeniedException") == true)
            #expect(refused?.description.contains("pod-token") == false)
        }
    }

    @Test("container credentials: a 500 is retried up to three times, one second apart on the injected clock")
    func containerRetries() async throws {
        try await FakeAWS.with { fake in
            try await fake.configure(["failCredentials": 2])
            let clock = InstantClock()
            let source = ContainerCredentialsSource(
                environment: [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.endpoint + "/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t",
                ],
                httpClient: fake.httpClient, clock: clock)
            #expect(try await source.resolve() != nil)
            #expect(clock.sleeps == [.seconds(1), .seconds(1)])
        }
    }

    @Test(
        "container URIs: plain http only to loopback or the ECS / Pod Identity agents",
        arguments: [
            ("http://127.0.0.1:8080/creds", true), ("http://localhost/creds", true), ("http://[::1]:80/x", true),
            ("http://169.254.170.23/v1/credentials", true), ("http://169.254.170.2/creds", true),
            ("http://[fd00:ec2::23]/v1/credentials", true), ("https://creds.example.com/x", true),
            ("http://creds.example.com/x", false), ("http://10.0.0.1/x", false), ("ftp://127.0.0.1/x", false),
            ("not a url", false),
        ])
    func containerURIs(uri: String, allowed: Bool) {
        if allowed {
            #expect(throws: Never.self) { try ContainerCredentialsSource.validate(fullURI: uri) }
        } else {
            #expect(throws: AWSError.self) { try ContainerCredentialsSource.validate(fullURI: uri) }
        }
    }

    @Test("a container token with a line break inside is refused")
    func tokenWithNewline() async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let source = ContainerCredentialsSource(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Injected: 1",
            ],
            httpClient: http)
        let error = await #expect(throws: AWSError.self) { try await source.resolve() }
        #expect(error?.message.contains("line break") == true)
    }

    @Test("web identity: the token file is read on every refresh and sent to STS unsigned")
    func webIdentityRereadsToken() async throws {
        try await FakeAWS.with { fake in
            let directory = try TemporaryDirectory()
            let tokenFile = try directory.write("token", "jwt-one")
            let environment = [
                "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/nth", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                "AWS_ROLE_SESSION_NAME": "nth-pod", "AWS_ENDPOINT_URL_STS": fake.endpoint, "AWS_REGION": "eu-west-1",
            ]
            let source = WebIdentityCredentialsSource(
                environment: environment, configuration: AWSConfiguration(environment: environment),
                httpClient: fake.httpClient)
            let first = try #require(try await source.resolve())
            #expect(first.credentials.accessKeyID.hasPrefix("ASIAWEB"))
            #expect(first.source == "web-identity")
            _ = try directory.write("token", "jwt-two")
            _ = try await source.resolve()
            let calls = try await fake.log().filter { $0.path == "/" }
            #expect(calls.count == 2)
            #expect(calls[0].body.contains("WebIdentityToken=jwt-one"))
            #expect(calls[1].body.contains("WebIdentityToken=jwt-two"))
            #expect(calls[0].body.contains("Action=AssumeRoleWithWebIdentity"))
            #expect(calls[0].body.contains("RoleSessionName=nth-pod"))
            #expect(calls[0].body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fnth"))
            #expect(calls.allSatisfy { $0.headers["authorization"] == nil && $0.headers["x-amz-date"] == nil })

            try FileManager.default.removeItem(atPath: tokenFile)
            let error = await #expect(throws: AWSError.self) { try await source.resolve() }
            #expect(error?.kind == .credentials)
        }
    }

    @Test("web identity is not configured without both AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE")
    func webIdentityUnconfigured() async throws {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let source = WebIdentityCredentialsSource(
            environment: ["AWS_ROLE_ARN": "arn:aws:iam::1:role/x"], configuration: AWSConfiguration(), httpClient: http)
        #expect(try await source.resolve() == nil)
    }
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("nth-aws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `contents` to `name` inside the directory and returns the file's path.
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        return file
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
