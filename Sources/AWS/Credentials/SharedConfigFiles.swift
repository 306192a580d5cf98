import Foundation

/// The shared `credentials` and `config` files of the AWS CLI and SDKs, and the profile selected.
///
/// Paths: `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`) and `AWS_CONFIG_FILE` (default
/// `~/.aws/config`); profile `AWS_PROFILE` (default `default`). Credentials-file sections are `[name]`; config-file
/// sections are `[profile name]`, except `[default]`.
///
/// See <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>.
struct SharedConfigFiles: Sendable {
    /// The credentials file's path.
    let credentialsPath: String
    /// The config file's path.
    let configPath: String
    /// The selected profile.
    let profile: String

    /// Reads the paths and the profile from `environment` (with `HOME` for `~`).
    init(environment: [String: String]) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        func expand(_ path: String) -> String {
            guard path.hasPrefix("~/"), let home else { return path }
            return home + path.dropFirst()
        }
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        credentialsPath = expand(value("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials")
        configPath = expand(value("AWS_CONFIG_FILE") ?? "~/.aws/config")
        profile = value("AWS_PROFILE") ?? value("AWS_DEFAULT_PROFILE") ?? "default"
    }

    /// The selected profile's section of the credentials file, or `nil` when the file or section is missing.
    func credentialsSection() -> [String: String]? {
        Self.read(credentialsPath).flatMap { $0[profile] }
    }

    /// The selected profile's section of the config file, or `nil` when the file or section is missing.
    func configSection() -> [String: String]? {
        let name = profile == "default" ? "default" : "profile " + profile
        return Self.read(configPath).flatMap { sections in sections[name] ?? sections[profile] }
    }

    /// The selected profile's `region` in the config file.
    func region() -> String? {
        configSection()?["region"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The file's sections, or `nil` when it cannot be read (it is small: at most 1 MiB is read).
    private static func read(_ path: String) -> [String: [String: String]]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 1 << 20) else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses INI text into sections of lower-case keys. Full-line comments (`#`, `;`) and indented
    /// sub-properties are skipped; the section name is trimmed and inner whitespace collapsed.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            let line = String(rawLine).trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                let name = line[line.index(after: line.startIndex)..<close]
                    .split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingASCIIWhitespace().lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingASCIIWhitespace()
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
