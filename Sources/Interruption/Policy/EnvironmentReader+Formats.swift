internal import Foundation

extension EnvironmentReader {
    /// The variable as a URL with one of `schemes` and a host; a problem when it is not. With `hidden`, the problem
    /// shows `(hidden)` instead of the value (webhook and proxy URLs often carry a token or a password).
    public mutating func url(_ name: String, schemes: Set<String>, hidden: Bool = false) -> String? {
        guard let text = value(name) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            let expected = "a URL with a host and the scheme " + schemes.sorted().joined(separator: ", ")
            fail(name, hidden ? "(hidden)" : String(text.prefix(200)), expected)
            return nil
        }
        return text
    }

    /// The variable as one of `choices` (compared without case when `ignoringCase`); a problem when it is none.
    public mutating func choice(_ name: String, _ choices: [String], ignoringCase: Bool = false) -> String? {
        guard let text = value(name) else { return nil }
        let match = choices.first { ignoringCase ? $0.lowercased() == text.lowercased() : $0 == text }
        guard let match else {
            fail(name, String(text.prefix(200)), "one of " + choices.joined(separator: ", "))
            return nil
        }
        return match
    }

    /// The variable as a Kubernetes object name: a DNS label (namespaces: at most 63 lower-case letters, digits and
    /// `-`, starting and ending alphanumeric) or, with `subdomain`, a DNS subdomain (at most 253 characters of such
    /// labels joined by `.`); a problem when it is not.
    public mutating func kubernetesName(_ name: String, subdomain: Bool) -> String? {
        guard let text = value(name) else { return nil }
        guard Self.isKubernetesName(text, subdomain: subdomain) else {
            let expected =
                subdomain
                ? "a Kubernetes object name: at most 253 lower-case letters, digits, '-' and '.', starting and "
                    + "ending with a letter or digit"
                : "a Kubernetes namespace name: at most 63 lower-case letters, digits and '-', starting and ending "
                    + "with a letter or digit"
            fail(name, String(text.prefix(200)), expected)
            return nil
        }
        return text
    }

    /// Whether `text` is a DNS label (RFC 1123) or, with `subdomain`, a DNS subdomain.
    public static func isKubernetesName(_ text: String, subdomain: Bool) -> Bool {
        let labels = subdomain ? text.split(separator: ".", omittingEmptySubsequences: false) : [Substring(text)]
        guard text.utf8.count <= (subdomain ? 253 : 63) else { return false }
        return labels.allSatisfy { label in
            guard let first = label.utf8.first, let last = label.utf8.last, label.utf8.count <= 63 else {
                return false
            }
            let alphanumeric: (UInt8) -> Bool = { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
            return alphanumeric(first) && alphanumeric(last) && label.utf8.allSatisfy { alphanumeric($0) || $0 == 0x2D }
        }
    }
}
