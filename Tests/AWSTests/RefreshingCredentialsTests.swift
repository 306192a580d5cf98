import Foundation
import HTTPClient
import Locking
import SigV4
import TestSupport
import Testing

@testable import AWS

/// A source whose answers the test scripts, counting calls; optionally held until the test opens a gate.
final class ScriptedSource: CredentialsSource {
    let name: String
    private let state = Lock<(calls: Int, outcomes: [Result<AWSCredentials?, AWSError>])>((0, []))
    private let gate: Gate?

    init(name: String = "scripted", gate: Gate? = nil, _ outcomes: [Result<AWSCredentials?, AWSError>]) {
        self.name = name
        self.gate = gate
        state.withLock { $0.outcomes = outcomes }
    }

    var calls: Int { state.withLock { $0.calls } }

    func resolve() async throws(AWSError) -> AWSCredentials? {
        let outcome = state.withLock { state -> Result<AWSCredentials?, AWSError> in
            state.calls += 1
            return state.outcomes.isEmpty ? .success(nil) : state.outcomes.removeFirst()
        }
        if let gate { await gate.wait() }
        return try outcome.get()
    }

    static func credentials(_ key: String, expiring: Date?) -> AWSCredentials {
        AWSCredentials(
            credentials: Credentials(accessKeyID: key, secretAccessKey: "s", sessionToken: "t"), expiration: expiring,
            source: "scripted")
    }

    static let failure = AWSError(kind: .credentials, service: "credentials", operation: "scripted", message: "down")
}

/// A one-shot latch: waiters suspend until `open()`.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters.removeAll()
    }
}

@Suite("Refreshing credentials and the chain")
struct RefreshingCredentialsTests {
    @Test("temporary credentials are cached, then renewed 5 minutes before they expire")
    func refreshWindow() async throws {
        let clock = InstantClock()
        let expiry = clock.now.addingTimeInterval(3600)
        let source = ScriptedSource([
            .success(ScriptedSource.credentials("first", expiring: expiry)),
            .success(ScriptedSource.credentials("second", expiring: expiry.addingTimeInterval(3600))),
        ])
        let provider = RefreshingCredentials(source: source, clock: clock)
        #expect(try await provider.credentials().credentials.accessKeyID == "first")
        clock.advance(by: 3600 - 301)
        #expect(try await provider.credentials().credentials.accessKeyID == "first")
        #expect(source.calls == 1)
        clock.advance(by: 2)
        #expect(try await provider.credentials().credentials.accessKeyID == "second")
        #expect(source.calls == 2)
        #expect(await provider.fetchCount == 2)
    }

    @Test("concurrent callers share one refresh")
    func singleFlight() async throws {
        let clock = InstantClock()
        let gate = Gate()
        let source = ScriptedSource(
            gate: gate, [.success(ScriptedSource.credentials("shared", expiring: clock.now.addingTimeInterval(3600)))])
        let provider = RefreshingCredentials(source: source, clock: clock)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask { try await provider.credentials().credentials.accessKeyID }
            }
            // Let every caller reach the refresh, then release it.
            for _ in 0..<200 where source.calls == 0 { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(50))
            await gate.open()
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(keys.count == 50)
        #expect(Set(keys) == ["shared"])
        #expect(source.calls == 1)
    }

    @Test("a failed refresh keeps the old credentials until they really expire, retrying at most every 10 s")
    func failureKeepsOldCredentials() async throws {
        let clock = InstantClock()
        let expiry = clock.now.addingTimeInterval(600)
        let source = ScriptedSource([
            .success(ScriptedSource.credentials("old", expiring: expiry)),
            .failure(ScriptedSource.failure), .failure(ScriptedSource.failure), .failure(ScriptedSource.failure),
            .success(ScriptedSource.credentials("new", expiring: expiry.addingTimeInterval(3600))),
        ])
        let provider = RefreshingCredentials(source: source, clock: clock, retryInterval: 10)
        #expect(try await provider.credentials().credentials.accessKeyID == "old")
        clock.advance(by: 400)  // inside the refresh window: refresh fails, old ones still good
        #expect(try await provider.credentials().credentials.accessKeyID == "old")
        #expect(source.calls == 2)
        clock.advance(by: 5)  // within the retry interval: no new attempt
        #expect(try await provider.credentials().credentials.accessKeyID == "old")
        #expect(source.calls == 2)
        clock.advance(by: 10)  // retry: fails again, old ones still good
        #expect(try await provider.credentials().credentials.accessKeyID == "old")
        #expect(source.calls == 3)
        clock.advance(by: 200)  // past the expiry: the failure reaches the caller
        let error = await #expect(throws: AWSError.self) { try await provider.credentials() }
        #expect(error?.message == "down")
        #expect(source.calls == 4)
        #expect(try await provider.credentials().credentials.accessKeyID == "new")
    }

    @Test("credentials without expiry are fetched once; invalidate forces a new fetch")
    func staticAndInvalidate() async throws {
        let clock = InstantClock()
        let source = ScriptedSource([
            .success(ScriptedSource.credentials("a", expiring: nil)),
            .success(ScriptedSource.credentials("b", expiring: nil)),
        ])
        let provider = RefreshingCredentials(source: source, clock: clock)
        for _ in 0..<3 {
            #expect(try await provider.credentials().credentials.accessKeyID == "a")
            clock.advance(by: 86_400)
        }
        #expect(source.calls == 1)
        await provider.invalidate()
        #expect(try await provider.credentials().credentials.accessKeyID == "b")
    }

    @Test("a source with nothing to offer is a credentials error")
    func nothing() async throws {
        let provider = RefreshingCredentials(source: ScriptedSource([.success(nil)]), clock: InstantClock())
        let error = await #expect(throws: AWSError.self) { try await provider.credentials() }
        #expect(error?.kind == .credentials)
    }

    @Test("the chain takes the first source that has credentials and sticks to it")
    func chainOrder() async throws {
        let skipped = ScriptedSource(name: "first", [.success(nil)])
        let chosen = ScriptedSource(
            name: "second",
            [
                .success(ScriptedSource.credentials("from-second", expiring: nil)),
                .success(ScriptedSource.credentials("again", expiring: nil)),
            ])
        let later = ScriptedSource(name: "third", [.success(ScriptedSource.credentials("never", expiring: nil))])
        let chain = CredentialsChain([skipped, chosen, later])
        #expect(chain.name == "chain")
        #expect(try await chain.resolve()?.credentials.accessKeyID == "from-second")
        #expect(chain.chosenSource == "second")
        #expect(try await chain.resolve()?.credentials.accessKeyID == "again")
        #expect(skipped.calls == 1)
        #expect(later.calls == 0)
    }

    @Test("a configured source that fails stops the chain; an empty chain names what it tried")
    func chainFailures() async throws {
        let failing = ScriptedSource(name: "broken", [.failure(ScriptedSource.failure)])
        let fallback = ScriptedSource(name: "fallback", [.success(ScriptedSource.credentials("x", expiring: nil))])
        await #expect(throws: AWSError.self) { try await CredentialsChain([failing, fallback]).resolve() }
        #expect(fallback.calls == 0)
        let empty = CredentialsChain([ScriptedSource(name: "a", []), ScriptedSource(name: "b", [])])
        let error = await #expect(throws: AWSError.self) { try await empty.resolve() }
        #expect(error?.message.contains("tried a, b") == true)
    }

    @Test("the standard chain: environment first, then web identity, container, files, IMDS")
    func standardChain() async throws {
        try await FakeAWS.with { fake in
            let directory = try TemporaryDirectory()
            let tokenFile = try directory.write("token", "jwt")
            let credentialsFile = try directory.write(
                "credentials", "[default]\naws_access_key_id=AKIAFILE\naws_secret_access_key=s\n")
            let everything = [
                "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
                "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/nth", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.endpoint + "/v1/credentials",
                "AWS_SHARED_CREDENTIALS_FILE": credentialsFile, "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.endpoint,
                "AWS_ENDPOINT_URL_STS": fake.endpoint, "AWS_REGION": "us-east-1", "HOME": directory.path,
            ]
            let expectations: [(remove: [String], source: String, prefix: String)] = [
                ([], "environment", "AKIAENV"),
                (["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"], "web-identity", "ASIAWEB"),
                (["AWS_ROLE_ARN"], "container", "ASIAPOD"),
                (["AWS_CONTAINER_CREDENTIALS_FULL_URI"], "profile", "AKIAFILE"),
                (["AWS_SHARED_CREDENTIALS_FILE"], "imds", "ASIAIMDS"),
            ]
            var environment = everything
            for expectation in expectations {
                for name in expectation.remove { environment[name] = nil }
                let chain = CredentialsChain.standard(
                    environment: environment, configuration: AWSConfiguration(environment: environment),
                    httpClient: fake.httpClient)
                let credentials = try #require(try await chain.resolve())
                #expect(chain.chosenSource == expectation.source)
                #expect(credentials.credentials.accessKeyID.hasPrefix(expectation.prefix))
            }
        }
    }
}
