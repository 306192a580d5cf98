import Foundation

/// A flat JSON object of strings with sorted keys, as log lines and probe bodies are written.
///
/// `JSONEncoder`, not `JSONSerialization`: the latter sorts keys with a locale-aware comparison that loads ICU's
/// collation data on first use (+2.7 MiB RSS for the process's lifetime).
enum FlatJSON {
    static func encode(_ fields: [String: String]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(fields)) ?? Data("{}".utf8)
    }
}
