import Foundation
import HTTPClient
import SigV4
import TestSupport
import Testing

@testable import AWS

@Suite("Signature checking: moto verifies every request's SigV4 signature")
struct AuthMotoTests {
    @Test("correctly signed calls succeed on SQS (JSON), STS and EC2 (query)")
    func signedCallsSucceed() async throws {
        try await MotoServer.with { moto in
            let name = MotoServer.unique("signed")
            let url = try await moto.createQueue(name)
            let sqs = try SQSClient(client: moto.client(), queueURL: url)
            let attributes = try await sqs.getQueueAttributes(["QueueArn"])
            #expect(attributes["QueueArn"]?.hasSuffix(":" + name) == true)
            let identity = try await STSClient(client: moto.client()).getCallerIdentity()
            #expect(identity.account == MotoServer.account)
            #expect(identity.arn == "arn:aws:iam::\(MotoServer.account):user/nth-tests")
            let ec2 = try await moto.client().query(.ec2, action: "DescribeInstances")
            #expect(ec2.name == "DescribeInstancesResponse")
        }
    }

    @Test("a wrong secret key is rejected: SignatureDoesNotMatch on SQS, AuthFailure on EC2")
    func wrongSecret() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("wrong-secret"))
            let wrong = Credentials(accessKeyID: moto.credentials.accessKeyID, secretAccessKey: "not-the-secret")
            let sqs = try SQSClient(client: moto.client(credentials: wrong), queueURL: url)
            let error = try await #require(throws: AWSError.self) { try await sqs.getQueueAttributes() }
            #expect(error.kind == .service)
            #expect(error.status == 403)
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.service == "SQS")
            #expect(error.operation == "GetQueueAttributes")
            #expect(error.description.contains("AWS rejected the credentials"))
            #expect(!error.description.contains("not-the-secret"))

            let ec2 = try await #require(throws: AWSError.self) {
                try await moto.client(credentials: wrong).query(.ec2, action: "DescribeInstances")
            }
            #expect(ec2.status == 401)
            #expect(ec2.code == "AuthFailure")
        }
    }

    @Test("an unknown access key is rejected with InvalidClientTokenId")
    func unknownKey() async throws {
        try await MotoServer.with { moto in
            let client = moto.client(credentials: Credentials(accessKeyID: "AKIAUNKNOWN00000000", secretAccessKey: "x"))
            let error = try await #require(throws: AWSError.self) {
                try await STSClient(client: client).getCallerIdentity()
            }
            #expect(error.code == "InvalidClientTokenId")
            #expect(error.status == 403)
        }
    }

    @Test("a body changed after signing is rejected with SignatureDoesNotMatch")
    func tamperedBody() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("tampered"))
            let untouched = try SQSClient(client: moto.client(interceptor: { _ in }), queueURL: url)
            #expect(try await untouched.getQueueAttributes(["QueueArn"])["QueueArn"] != nil)

            let tampering = moto.client { request in
                let body = String(decoding: request.body ?? Data(), as: UTF8.self)
                request.body = Data(body.replacingOccurrences(of: "QueueArn", with: "DelaySeconds").utf8)
            }
            let sqs = try SQSClient(client: tampering, queueURL: url)
            let error = try await #require(throws: AWSError.self) { try await sqs.getQueueAttributes(["QueueArn"]) }
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.status == 403)
        }
    }

    @Test("STS credentials work with their session token and are rejected with a wrong one")
    func sessionToken() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("session"))
            let roleName = MotoServer.unique("nth-irsa")
            let roleARN = try await moto.createRole(roleName)
            let unsigned = AWSClient(
                configuration: AWSConfiguration(
                    region: "us-east-1", endpoints: EndpointResolver(override: moto.endpoint)),
                credentialsProvider: nil, httpClient: moto.httpClient)
            let role = try await STSClient(client: unsigned).assumeRoleWithWebIdentity(
                roleARN: roleARN, sessionName: "tests", webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
            let temporary = role.credentials.credentials
            #expect(temporary.accessKeyID.hasPrefix("ASIA"))
            #expect(temporary.sessionToken != nil)
            #expect(role.assumedRoleARN?.contains("assumed-role/\(roleName)/tests") == true)

            let good = try SQSClient(client: moto.client(credentials: temporary), queueURL: url)
            #expect(try await good.getQueueAttributes(["QueueArn"])["QueueArn"] != nil)

            let forged = Credentials(
                accessKeyID: temporary.accessKeyID, secretAccessKey: temporary.secretAccessKey,
                sessionToken: "FQoGZXIvYXdzEForgedToken")
            let bad = try SQSClient(client: moto.client(credentials: forged), queueURL: url)
            let error = try await #require(throws: AWSError.self) { try await bad.getQueueAttributes(["QueueArn"]) }
            #expect(error.code == "InvalidClientTokenId")
            #expect(error.status == 403)

            let missing = Credentials(accessKeyID: temporary.accessKeyID, secretAccessKey: temporary.secretAccessKey)
            let noToken = try SQSClient(client: moto.client(credentials: missing), queueURL: url)
            await #expect(throws: AWSError.self) { try await noToken.getQueueAttributes(["QueueArn"]) }
        }
    }

    @Test("a client built from IRSA environment variables assumes the role through moto and signs with its token")
    func irsaEndToEnd() async throws {
        try await MotoServer.with { moto in
            let url = try await moto.createQueue(MotoServer.unique("irsa"))
            let roleName = MotoServer.unique("irsa-role")
            let roleARN = try await moto.createRole(roleName)
            let directory = try TemporaryDirectory()
            let tokenFile = try directory.write("token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2ln")
            let client = AWSClient(
                environment: [
                    "AWS_ROLE_ARN": roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_SESSION_NAME": "nth",
                    "AWS_ENDPOINT": moto.endpoint, "AWS_REGION": "us-east-1", "HOME": directory.path,
                    "AWS_EC2_METADATA_DISABLED": "true",
                ],
                httpClient: moto.httpClient)
            let identity = try await STSClient(client: client).getCallerIdentity()
            #expect(identity.arn.contains("assumed-role/\(roleName)/nth"))
            let sqs = try SQSClient(client: client, queueURL: url)
            _ = try await sqs.sendMessage(body: "via IRSA")
            let messages = try await sqs.receiveMessages(.init(waitTimeSeconds: 2))
            #expect(messages.map(\.body) == ["via IRSA"])
            let provider = try #require(client.credentialsProvider as? RefreshingCredentials)
            #expect(await provider.fetchCount == 1)
            #expect(try await provider.credentials().source == "web-identity")
        }
    }

    @Test("unsigned calls other than web identity are refused once auth is on")
    func unsignedRefused() async throws {
        try await MotoServer.with { moto in
            let response = try await moto.httpClient.execute(
                HTTPRequest(
                    method: .post, url: moto.endpoint + "/",
                    headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
                    body: Data("Action=GetCallerIdentity&Version=2011-06-15".utf8), timeout: .seconds(10)))
            let error = AWSError.decode(response: response, service: "STS", operation: "GetCallerIdentity")
            #expect(error.status == 403)
            #expect(error.code == "MissingAuthenticationToken")
        }
    }
}

extension MotoServer {
    /// Creates an IAM role that any web identity may assume, with an allow-all inline policy; returns its ARN.
    func createRole(_ name: String) async throws -> String {
        let trust =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"oidc"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#
        let created = try await client().query(
            .iam, action: "CreateRole", parameters: [("RoleName", name), ("AssumeRolePolicyDocument", trust)])
        _ = try await client().query(
            .iam, action: "PutRolePolicy",
            parameters: [("RoleName", name), ("PolicyName", "allow-all"), ("PolicyDocument", Self.allowAll)])
        return try #require(created.value(at: "CreateRoleResult", "Role", "Arn"))
    }
}
