public import Foundation

/// The JSON coders the client uses: Kubernetes timestamps (`metav1.Time`, RFC 3339 in seconds, and
/// `metav1.MicroTime`, RFC 3339 with microseconds) decode from either form and encode with microseconds, which both
/// accept.
public enum KubernetesJSON {
    /// A decoder that reads Kubernetes timestamps and ignores unknown fields.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "not an RFC 3339 timestamp: \(text)")
            }
            return date
        }
        return decoder
    }

    /// An encoder that writes timestamps as `2006-01-02T15:04:05.000000Z`, with sorted keys.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        return encoder
    }

    /// Parses an RFC 3339 timestamp with or without a fraction of a second (`Z` or a numeric offset).
    public static func parseTimestamp(_ text: String) -> Date? {
        var whole = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let digitsEnd = text[text.index(after: dot)...].firstIndex { !$0.isNumber } ?? text.endIndex
            let digits = text[text.index(after: dot)..<digitsEnd]
            guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
            fraction = value
            whole = String(text[..<dot]) + String(text[digitsEnd...])
        }
        guard let date = try? Date.ISO8601FormatStyle().parse(whole) else { return nil }
        return date.addingTimeInterval(fraction)
    }

    /// Formats a date as UTC RFC 3339 with six fractional digits, Kubernetes' `MicroTime` layout.
    public static func formatTimestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        let base = Date(timeIntervalSince1970: seconds + (micros >= 1_000_000 ? 1 : 0))
        let text = Date.ISO8601FormatStyle().format(base)
        let fraction = micros % 1_000_000
        let digits = String(fraction)
        let padded = String(repeating: "0", count: 6 - digits.count) + digits
        return String(text.dropLast()) + "." + padded + "Z"
    }
}
