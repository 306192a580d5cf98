import Foundation
import JSONValues

/// A label selector as the apiserver parses it from `labelSelector=` (`k8s.io/apimachinery` `pkg/labels/selector.go`):
/// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by commas (AND).
struct LabelSelector: Sendable, Equatable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)

        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let key, let value): return labels[key] == value
            case .notEquals(let key, let value): return labels[key] != value
            case .isIn(let key, let values): return labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): return !(labels[key].map(values.contains) ?? false)
            case .exists(let key): return labels[key] != nil
            case .doesNotExist(let key): return labels[key] == nil
            }
        }
    }

    var requirements: [Requirement]

    /// A selector that matches everything.
    static let everything = LabelSelector(requirements: [])

    init(requirements: [Requirement]) { self.requirements = requirements }

    /// Parses the query form. - Throws: ``APIError`` 400 on a syntax error.
    init(parsing text: String) throws {
        var requirements: [Requirement] = []
        for term in Self.splitTerms(text) {
            let trimmed = term.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            requirements.append(try Self.parseTerm(trimmed))
        }
        self.requirements = requirements
    }

    /// A `metav1.LabelSelector` object (`matchLabels`, `matchExpressions`). `nil` when the selector is absent.
    init?(object: JSONValue) {
        guard case .object = object else { return nil }
        var requirements: [Requirement] = object["matchLabels"].stringMap.sorted { $0.key < $1.key }.map {
            .equals($0.key, $0.value)
        }
        for expression in object["matchExpressions"].arrayValue ?? [] {
            let key = expression["key"].stringValue ?? ""
            let values = Set((expression["values"].arrayValue ?? []).compactMap(\.stringValue))
            switch expression["operator"].stringValue ?? "" {
            case "In": requirements.append(.isIn(key, values))
            case "NotIn": requirements.append(.notIn(key, values))
            case "Exists": requirements.append(.exists(key))
            case "DoesNotExist": requirements.append(.doesNotExist(key))
            default: continue
            }
        }
        self.requirements = requirements
    }

    func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    /// Splits on commas outside parentheses.
    private static func splitTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                terms.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        terms.append(current)
        return terms
    }

    private static func parseTerm(_ term: String) throws -> Requirement {
        for (op, make) in [("!=", Requirement.notEquals), ("==", Requirement.equals), ("=", Requirement.equals)] {
            if let range = term.range(of: op) {
                let key = term[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let value = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty else { throw APIError.badRequest("unable to parse requirement: \(term)") }
                return make(key, value)
            }
        }
        for (word, isIn) in [(" notin ", false), (" in ", true)] {
            if let range = term.range(of: word) {
                let key = term[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                var list = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard list.hasPrefix("("), list.hasSuffix(")") else {
                    throw APIError.badRequest("unable to parse requirement: found '\(list)', expected: '('")
                }
                list = String(list.dropFirst().dropLast())
                let values = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                return isIn ? .isIn(key, values) : .notIn(key, values)
            }
        }
        if term.hasPrefix("!") { return .doesNotExist(String(term.dropFirst()).trimmingCharacters(in: .whitespaces)) }
        return .exists(term)
    }
}

/// A field selector (`fieldSelector=`): `a=b`, `a==b`, `a!=b` joined by commas, over the fields a resource allows.
struct FieldSelector: Sendable, Equatable {
    struct Requirement: Sendable, Equatable {
        var field: String
        var value: String
        var negated: Bool
    }

    var requirements: [Requirement]

    static let everything = FieldSelector(requirements: [])

    init(requirements: [Requirement]) { self.requirements = requirements }

    /// Parses and checks the fields against the resource's selectable fields.
    /// - Throws: ``APIError`` 400 `field label not supported: …` as the apiserver does.
    init(parsing text: String, allowed: Set<String>) throws {
        var requirements: [Requirement] = []
        for term in text.split(separator: ",") {
            let term = String(term)
            var parsed: Requirement?
            for (op, negated) in [("!=", true), ("==", false), ("=", false)] {
                if let range = term.range(of: op) {
                    parsed = Requirement(
                        field: term[..<range.lowerBound].trimmingCharacters(in: .whitespaces),
                        value: term[range.upperBound...].trimmingCharacters(in: .whitespaces), negated: negated)
                    break
                }
            }
            guard let requirement = parsed else {
                throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            guard allowed.contains(requirement.field) else {
                throw APIError.badRequest("field label not supported: \(requirement.field)")
            }
            requirements.append(requirement)
        }
        self.requirements = requirements
    }

    /// The value a required `spec.nodeName=` asks for, which the pod cache answers from its index.
    var nodeName: String? {
        requirements.first { $0.field == "spec.nodeName" && !$0.negated }?.value
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            let actual = Self.value(of: requirement.field, in: object)
            return (actual == requirement.value) != requirement.negated
        }
    }

    /// The field's value as a selector string: missing strings are "", Booleans "true"/"false".
    static func value(of field: String, in object: JSONValue) -> String {
        let value = object[path: field.split(separator: ".").map(String.init)]
        switch value {
        case .string(let string): return string
        case .bool(let bool): return bool ? "true" : "false"
        case .int(let int): return String(int)
        case .null: return field == "spec.unschedulable" || field == "spec.hostNetwork" ? "false" : ""
        default: return value.text
        }
    }
}
