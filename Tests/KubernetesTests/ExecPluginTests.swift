import Foundation
import Kubernetes
import TestSupport
import Testing

@Suite("Exec credential plugins", .timeLimit(.minutes(1)))
struct ExecPluginTests {
    static let script = """
        #!/bin/sh
        count=$(cat "$COUNTER" 2>/dev/null || echo 0)
        count=$((count + 1))
        echo "$count" > "$COUNTER"
        printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO"
        if [ -n "$FAIL" ]; then echo "no credentials for you" >&2; exit 3; fi
        printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-%s","expirationTimestamp":"%s"}}' "$count" "$EXPIRY"
        """

    func plugin(in folder: TemporaryFolder, expiry: String = "2027-01-15T20:00:00Z", fail: Bool = false) throws
        -> ExecPlugin
    {
        try folder.write("plugin.sh", Self.script, executable: true)
        var environment = [("COUNTER", folder.path("count")), ("INFO", folder.path("info")), ("EXPIRY", expiry)]
        if fail { environment.append(("FAIL", "1")) }
        return ExecPlugin(command: "./plugin.sh", environment: environment, workingDirectory: folder.url.path)
    }

    @Test("the plugin's token is used and cached until its expiry, then the plugin runs again")
    func cachedUntilExpiry() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugin = try plugin(in: folder)
        try await withScriptedServer { server in
            var ok = ScriptedServer.Response.json(200, nodeJSON("n1", resourceVersion: "5"))
            ok.repeat = true
            try await server.script("GET", "/api/v1/nodes/n1", [ok])
            let clock = InstantClock(now: Date(timeIntervalSince1970: 1_800_000_000))  // 2027-01-15T08:00:00Z
            var configuration = server.configuration(authentication: .exec(plugin))
            configuration.clock = clock
            let client = try KubernetesClient(configuration: configuration)
            _ = try await client.get(Node.self, name: "n1")
            _ = try await client.get(Node.self, name: "n1")
            clock.advance(by: 13 * 3600)
            _ = try await client.get(Node.self, name: "n1")
            let tokens = try await server.requests().map { $0.headers["authorization"] ?? "" }
            #expect(tokens == ["Bearer exec-1", "Bearer exec-1", "Bearer exec-2"])
            let info = try String(contentsOfFile: folder.path("info"), encoding: .utf8)
            #expect(info.contains(#""kind":"ExecCredential""#))
            #expect(info.contains(#""interactive":false"#))
        }
    }

    @Test("a 401 makes the client run the plugin again and retry")
    func rerunAfterUnauthorized() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugin = try plugin(in: folder)
        try await withScriptedServer { server in
            var ok = ScriptedServer.Response.json(200, nodeJSON("n1", resourceVersion: "5"))
            ok.requireAuthorization = "Bearer exec-2"
            try await server.script("GET", "/api/v1/nodes/n1", [ok])
            var configuration = server.configuration(authentication: .exec(plugin))
            configuration.clock = InstantClock(now: Date(timeIntervalSince1970: 1_800_000_000))
            let client = try KubernetesClient(configuration: configuration)
            _ = try await client.get(Node.self, name: "n1")
            let tokens = try await server.requests().map { $0.headers["authorization"] ?? "" }
            #expect(tokens == ["Bearer exec-1", "Bearer exec-2"])
        }
    }

    @Test("a plugin that hangs is stopped at the exec timeout and the request fails, naming the plugin")
    func hangingPluginTimesOut() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("hang.sh", "#!/bin/sh\nexec sleep 600\n", executable: true)
        let plugin = ExecPlugin(command: "./hang.sh", workingDirectory: folder.url.path)
        var configuration = KubernetesConfiguration(server: "http://127.0.0.1:1")
        configuration.authentication = .exec(plugin)
        configuration.execPluginTimeout = .milliseconds(300)
        let client = try KubernetesClient(configuration: configuration)
        let error = try await #require(throws: KubernetesError.self) { _ = try await client.get(Node.self, name: "n1") }
        #expect(error.code == .configuration)
        #expect(error.message.contains("./hang.sh did not finish within"))
    }

    @Test("a failing plugin is a configuration error carrying its stderr")
    func failingPlugin() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugin = try plugin(in: folder, fail: true)
        let error = try await #require(throws: KubernetesError.self) { _ = try await plugin.run() }
        #expect(error.code == .configuration)
        #expect(error.message.contains("status 3"))
        #expect(error.message.contains("no credentials for you"))
    }

    @Test("a missing plugin command says so, with the install hint")
    func missingCommand() async throws {
        var plugin = ExecPlugin(command: "nth-no-such-plugin-\(UUID().uuidString)")
        plugin.installHint = "install it with apt"
        let error = try await #require(throws: KubernetesError.self) { _ = try await plugin.run() }
        #expect(error.message.contains("install it with apt"))
    }
}
