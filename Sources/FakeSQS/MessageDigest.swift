import COpenSSL
import Foundation

/// The MD5 digests SQS returns with every message: of the body (`MD5OfBody`, `MD5OfMessageBody`) and of the message
/// attributes (`MD5OfMessageAttributes`). botocore recomputes both and rejects a response whose digest differs.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html>
/// ("Calculating the MD5 message digest for message attributes").
enum MessageDigest {
    /// Lower-case hex MD5 of `bytes`, through libcrypto's one-shot `EVP_Digest`.
    static func md5(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 16)
        var written: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBytes { output in
                EVP_Digest(
                    input.baseAddress, input.count, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written,
                    EVP_md5(), nil)
            }
        }
        // libcrypto cannot fail on MD5 of memory it was given; an empty digest would fail the client's check loudly.
        guard ok == 1, written == 16 else { return "" }
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Lower-case hex MD5 of the UTF-8 body.
    static func md5(body: String) -> String {
        md5(Array(body.utf8))
    }

    /// The MD5 of message attributes as SQS computes it: for each attribute in name order, the 4-byte big-endian
    /// length and bytes of the name, of the data type, then a transport byte (1 for a string value, 2 for a binary
    /// one) and the length and bytes of the value. `nil` when there are no attributes.
    static func md5(attributes: [String: MessageAttributeValue]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var bytes: [UInt8] = []
        func appendLengthPrefixed(_ value: [UInt8]) {
            let length = UInt32(truncatingIfNeeded: value.count)
            bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            bytes += value
        }
        for name in attributes.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let value = attributes[name] else { continue }
            appendLengthPrefixed(Array(name.utf8))
            appendLengthPrefixed(Array(value.dataType.utf8))
            if let string = value.stringValue {
                bytes.append(1)
                appendLengthPrefixed(Array(string.utf8))
            } else if let binary = value.binaryValue {
                bytes.append(2)
                appendLengthPrefixed(Array(binary))
            }
        }
        return md5(bytes)
    }
}
