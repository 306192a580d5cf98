internal import Foundation

/// NTH's `WEBHOOK_TEMPLATE`, for the part of Go's `text/template` webhook templates use: `{{ .Field }}`
/// substitutions of an interruption's fields. Anything else (`if`, `range`, pipes, sprig functions) is refused when
/// the configuration is read, with the construct named, rather than at the first interruption.
public struct WebhookTemplate: Sendable, Hashable {
    /// The fields a template may use, as NTH's `InterruptionEvent` names them.
    public static let fields: Set<String> = [
        "EventID", "Kind", "Monitor", "Description", "State", "AutoScalingGroupName", "NodeName", "InstanceID",
        "ProviderID", "InstanceType", "AvailabilityZone", "IsManaged", "StartTime", "EndTime",
    ]

    /// NTH's default template.
    public static let nthDefault =
        #"{"text":"[NTH][Instance Interruption] EventID: {{ .EventID }} - Kind: {{ .Kind }} - Instance: {{ .InstanceID }} - Node: {{ .NodeName }} - Description: {{ .Description }} - Start Time: {{ .StartTime }}"}"#

    enum Part: Sendable, Hashable {
        case text(String)
        case field(String)
    }

    let parts: [Part]

    /// Parses a template.
    /// - Throws: ``WebhookTemplateError`` naming the first unsupported action or unknown field.
    public init(_ text: String) throws(WebhookTemplateError) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw WebhookTemplateError(problem: "an action opened with {{ is never closed")
            }
            var action = rest[open.upperBound..<close.lowerBound]
            // Go's trim markers: "{{- " and " -}}".
            if action.hasPrefix("-") { action = action.dropFirst() }
            if action.hasSuffix("-") { action = action.dropLast() }
            let trimmed = action.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("."), trimmed.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber }) else {
                throw WebhookTemplateError(
                    problem: "{{ \(trimmed) }} is not supported; only {{ .Field }} substitutions are")
            }
            let name = String(trimmed.dropFirst())
            guard Self.fields.contains(name) else {
                throw WebhookTemplateError(
                    problem:
                        "{{ .\(name) }} names no field; the fields are \(Self.fields.sorted().joined(separator: ", "))")
            }
            parts.append(.field(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// The template with `values` substituted (a missing field renders empty, as Go's zero value would); each value
    /// JSON-escaped when `escapeForJSON`, so that a description with quotes keeps a JSON body valid.
    public func render(_ values: [String: String], escapeForJSON: Bool) -> String {
        parts.map { part in
            switch part {
            case .text(let text): return text
            case .field(let name):
                let value = values[name] ?? ""
                return escapeForJSON ? Self.jsonEscaped(value) : value
            }
        }.joined()
    }

    static func jsonEscaped(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20: result += String(format: "\\u%04x", control.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// A `WEBHOOK_TEMPLATE` this controller cannot render.
public struct WebhookTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var problem: String

    /// `WEBHOOK_TEMPLATE: …`.
    public var description: String { "WEBHOOK_TEMPLATE: \(problem)" }
}
