import Yams

extension Kubeconfig {
    /// What is wrong with a kubeconfig's YAML, without any of its text: Yams' own descriptions quote the offending
    /// line (`token: …`, `client-key-data: …`) and the scalar found, and start-up prints this message. Names the
    /// position (line and column, or the field path) and libyaml's problem, which are fixed phrases.
    static func redactedProblem(_ error: any Error) -> String {
        switch error {
        case let error as YamlError:
            return yamlProblem(error)
        case DecodingError.dataCorrupted(let context):
            if let underlying = context.underlyingError as? YamlError { return yamlProblem(underlying) }
            return "not valid YAML" + at(context)
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            return "expected \(type)" + at(context)
        case DecodingError.keyNotFound(let key, let context):
            return "\(key.stringValue) is missing" + at(context)
        default:
            return "not valid YAML"
        }
    }

    /// ` at clusters[0].cluster.server`, or nothing at the top level.
    private static func at(_ context: DecodingError.Context) -> String {
        guard !context.codingPath.isEmpty else { return "" }
        let path = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? "." + key.stringValue }
            .joined()
        return " at " + (path.hasPrefix(".") ? String(path.dropFirst()) : path)
    }

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text) from line \($0.mark.line))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(during)"
        case .reader(let problem, let offset, _, _):
            return problem + (offset.map { " at byte \($0)" } ?? "")
        case .dataCouldNotBeDecoded:
            return "the file is not UTF-8"
        default:
            return "not valid YAML"
        }
    }
}
