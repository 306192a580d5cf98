import Controller
import ControllerFakes
import Foundation
import HTTPClient
import Interruption
import Logging
import TestSupport
import Testing

@Suite("Webhook: NTH's variables, one notification per interrupted instance", .serialized)
struct WebhookTests {
    /// The recording webhook server (`Fixtures/webhook_server.py`), failing its first `failFirst` posts.
    struct Receiver {
        let child: ChildProcess
        let port: Int
        let client: HTTPClient

        static func start(failFirst: Int = 1) async throws -> Receiver {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/webhook_server.py")
            let child = try ChildProcess(python: script, environment: ["FAIL_FIRST": String(failFirst)])
            let ready = try await child.readyLine()
            let port = try #require(
                (try JSONSerialization.jsonObject(with: ready) as? [String: Any])?["port"] as? Int)
            return Receiver(child: child, port: port, client: try HTTPClient())
        }

        func requests() async throws -> [[String: Any]] {
            let response = try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/requests"))
            return try #require(try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]])
        }

        func stop() {
            client.shutdown()
            child.stop()
        }
    }

    static func settings(_ environment: [String: String]) throws -> WebhookSettings {
        try ControllerConfiguration(environment: environment).webhook
    }

    @Test("the default template renders NTH's text; values are JSON-escaped for a JSON body")
    func defaultTemplate() throws {
        let template = try WebhookTemplate(WebhookTemplate.nthDefault)
        let body = template.render(
            [
                "EventID": "e-1", "Kind": "SPOT_ITN", "InstanceID": "i-1", "NodeName": "node-1",
                "Description": #"Spot "ITN" received"#, "StartTime": "2026-11-29T10:00:00Z",
            ], escapeForJSON: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
        #expect(
            object["text"]
                == #"[NTH][Instance Interruption] EventID: e-1 - Kind: SPOT_ITN - Instance: i-1 - Node: node-1 - Description: Spot "ITN" received - Start Time: 2026-11-29T10:00:00Z"#
        )
        #expect(
            try WebhookTemplate("{{.Kind}}/{{- .NodeName -}}").render(
                ["Kind": "K", "NodeName": "N"], escapeForJSON: false) == "K/N")
    }

    @Test("templates beyond {{ .Field }} are refused at start-up, naming the construct")
    func unsupportedTemplates() {
        #expect(throws: WebhookTemplateError.self) { try WebhookTemplate("{{ if .Kind }}x{{ end }}") }
        #expect(throws: WebhookTemplateError.self) { try WebhookTemplate("{{ .Kind | upper }}") }
        #expect(throws: WebhookTemplateError.self) { try WebhookTemplate("{{ .Nope }}") }
        #expect(throws: WebhookTemplateError.self) { try WebhookTemplate("{{ .Kind ") }
        let error = #expect(throws: ControllerConfigurationError.self) {
            try ControllerConfiguration(environment: [
                "WEBHOOK_URL": "https://hooks.slack.com/services/T000/B000/secret", "WEBHOOK_HEADERS": #"{"X": 1}"#,
                "WEBHOOK_TEMPLATE": "{{ .Kind | upper }}",
            ])
        }
        #expect(Set(error?.problems.map(\.variable) ?? []) == ["WEBHOOK_HEADERS", "WEBHOOK_TEMPLATE"])
        #expect(error?.description.contains("secret") == false, "the webhook URL and headers are never echoed")
        #expect(error?.description.contains("upper") == true)
    }

    @Test("a finished job posts once (its most urgent event), retried after a 500, with the configured headers")
    func postsOnce() async throws {
        let receiver = try await Receiver.start(failFirst: 1)
        defer { receiver.stop() }
        let settings = try Self.settings([
            "WEBHOOK_URL": "http://127.0.0.1:\(receiver.port)/services/T000/B000/secret-token",
            "WEBHOOK_HEADERS": #"{"Content-Type":"application/json","X-Team":"platform"}"#,
        ])
        let http = try HTTPClient()
        defer { http.shutdown() }
        let logs = LogLines()
        let made = WebhookNotifier(
            settings: settings, client: http, logger: logs.logger, clock: InstantClock(now: Date()))
        let notifier = try #require(made)
        // Both messages are queued before the coordinator starts, so one receive hands over both: the same
        // instance, one job, one post. (Sent after the start, the first job could end before the second message
        // arrives, and a second job would rightly post again.)
        let seed: (Harness) -> Void = { harness in
            harness.addNode(1)
            harness.queue.send(Fixtures.spot(instance(1)))
            harness.queue.send(Fixtures.stateChange(instance(1)))
        }
        try await Harness.run(setUp: seed, webhook: notifier) { harness in
            try await harness.waitUntilQueueEmpty()
            try await eventually("the post to succeed", timeout: .seconds(20)) { await notifier.sent >= 1 }
        }
        #expect(await notifier.sent == 1, "one post for one instance")
        #expect(await notifier.failed == 0)
        let requests = try await receiver.requests()
        #expect(requests.count == 2, "one failure, one retry")
        let last = try #require(requests.last)
        #expect((last["target"] as? String) == "/services/T000/B000/secret-token")
        let headers = last["headers"] as? [String: String] ?? [:]
        #expect(headers["X-Team"] == "platform")
        let body = try #require(
            try JSONSerialization.jsonObject(with: Data((last["body"] as? String ?? "").utf8)) as? [String: String])
        let text = body["text"] ?? ""
        #expect(text.contains("Kind: SPOT_ITN"), "\(text)")
        #expect(text.contains("Instance: \(instance(1))"))
        #expect(text.contains("Node: ip-10-0-0-1.ec2.internal"))
        #expect(!logs.all.contains { "\($0.metadata)".contains("secret-token") }, "the URL is never logged")
        #expect(logs.all.contains { $0.message == "webhook refused" && $0.metadata["webhook.host"] == "127.0.0.1" })
    }

    @Test("dry run posts nothing")
    func dryRun() async throws {
        let receiver = try await Receiver.start(failFirst: 0)
        defer { receiver.stop() }
        let settings = try Self.settings(["WEBHOOK_URL": "http://127.0.0.1:\(receiver.port)/hook"])
        let http = try HTTPClient()
        defer { http.shutdown() }
        let made = WebhookNotifier(settings: settings, client: http, clock: InstantClock(now: Date()))
        let notifier = try #require(made)
        try await Harness.run({ $0.dryRun = true }, setUp: { $0.addNode(1) }, webhook: notifier) { harness in
            harness.queue.send(Fixtures.spot(instance(1)))
            try await eventually("the plan") { harness.coordinator.statistics.dryRunPlans >= 1 }
        }
        #expect(try await receiver.requests().isEmpty)
    }

    @Test("WEBHOOK_PROXY sends the post through the proxy")
    func proxy() async throws {
        let proxy = try await Receiver.start(failFirst: 0)
        defer { proxy.stop() }
        let settings = try Self.settings([
            "WEBHOOK_URL": "http://hooks.example.invalid/notify", "WEBHOOK_PROXY": "http://127.0.0.1:\(proxy.port)",
        ])
        let http = try HTTPClient()
        defer { http.shutdown() }
        let made = WebhookNotifier(settings: settings, client: http, clock: InstantClock(now: Date()))
        let notifier = try #require(made)
        let run = Task { await notifier.run() }
        await notifier.notify(["Kind": "SPOT_ITN"])
        try await eventually("the post", timeout: .seconds(20)) { await notifier.sent == 1 }
        run.cancel()
        await run.value
        let requests = try await proxy.requests()
        #expect((requests.first?["target"] as? String) == "http://hooks.example.invalid/notify")
    }
}
