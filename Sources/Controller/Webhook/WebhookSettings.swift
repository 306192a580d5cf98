internal import Foundation
public import Interruption

/// NTH's webhook variables: where to post a notification per interrupted instance, with which headers and body.
public struct WebhookSettings: Sendable, Hashable {
    /// `WEBHOOK_URL`: `nil` when unset (no webhook). Never logged: it often carries a secret (Slack, Teams).
    public var url: String?
    /// `WEBHOOK_HEADERS`: a JSON object of string values (default `{"Content-type":"application/json"}`).
    public var headers: [String: String] = ["Content-type": "application/json"]
    /// `WEBHOOK_TEMPLATE`, or the file `WEBHOOK_TEMPLATE_FILE` names (NTH's default otherwise).
    public var template: WebhookTemplate
    /// `WEBHOOK_PROXY`: a proxy for the webhook only.
    public var proxy: String?

    /// No webhook.
    public init() {
        // The default template parses; a failure here would be a bug in the constant.
        template = (try? WebhookTemplate(WebhookTemplate.nthDefault)) ?? WebhookTemplate.empty
    }

    /// Reads the settings; problems go to `reader`.
    /// - Parameter reader: The environment, collecting problems.
    public init(reading reader: inout EnvironmentReader) {
        self.init()
        if let url = reader.value("WEBHOOK_URL") {
            if let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                parsed.host != nil
            {
                self.url = url
            } else {
                reader.fail("WEBHOOK_URL", "(hidden)", "an http or https URL")
            }
        }
        if let text = reader.value("WEBHOOK_HEADERS") {
            if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let strings = object as? [String: String]
            {
                headers = strings
            } else {
                reader.fail("WEBHOOK_HEADERS", "(hidden)", "a JSON object whose values are strings")
            }
        }
        // WEBHOOK_TEMPLATE wins over WEBHOOK_TEMPLATE_FILE; the file is checked whenever it is set.
        var templateText = reader.value("WEBHOOK_TEMPLATE")
        if let path = reader.value("WEBHOOK_TEMPLATE_FILE") {
            if let data = FileManager.default.contents(atPath: path) {
                templateText = templateText ?? String(decoding: data, as: UTF8.self)
            } else {
                reader.fail("WEBHOOK_TEMPLATE_FILE", path, "a readable file")
            }
        }
        if let templateText {
            do {
                template = try WebhookTemplate(templateText)
            } catch {
                reader.fail("WEBHOOK_TEMPLATE", "(hidden)", error.problem)
            }
        }
        // A proxy URL may carry a password: shown as (hidden) when wrong.
        proxy = reader.url(
            "WEBHOOK_PROXY", schemes: ["http", "https", "socks4", "socks4a", "socks5", "socks5h"], hidden: true)
    }

    /// Whether the body is JSON (by `Content-Type`), so that substituted values are escaped for it.
    var isJSON: Bool {
        headers.contains { $0.key.lowercased() == "content-type" && $0.value.lowercased().contains("json") }
    }
}

extension WebhookTemplate {
    /// A template with no content.
    static let empty = WebhookTemplate(parts: [])

    init(parts: [Part]) { self.parts = parts }
}
