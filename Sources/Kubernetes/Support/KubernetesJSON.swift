public import Foundation
import Timestamps

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
            guard let date = RFC3339.parse(text) else {
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
            try container.encode(RFC3339.format(date, fractionDigits: 6))
        }
        return encoder
    }
}
