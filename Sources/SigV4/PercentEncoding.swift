/// The URI encoding SigV4 prescribes: every byte of the UTF-8 form is percent-encoded with upper-case hex, except
/// the unreserved characters `A-Z a-z 0-9 - . _ ~`.
///
/// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request>.
enum PercentEncoding {
    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Whether `byte` is an RFC 3986 unreserved character.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// The value of a hex digit, or `nil`.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Appends `%XX` for `byte` to `output`.
    @inline(__always)
    static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "%"))
        output.append(upperHex[Int(byte >> 4)])
        output.append(upperHex[Int(byte & 0x0F)])
    }

    /// Encodes `bytes`, keeping unreserved characters and, when `keepSlash`, `/`.
    ///
    /// A `%` is itself encoded (`%25`): this is the "double encoding" every service except S3 expects of paths,
    /// and the only correct treatment of already-decoded query keys and values.
    static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes, keepSlash: Bool, into output: inout [UInt8]) {
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                appendEscaped(byte, to: &output)
            }
        }
    }

    /// Encodes `bytes` once: an existing `%XX` escape is kept (with its hex made upper-case), any other byte that
    /// is neither unreserved nor `/` is encoded. This is the S3 rule, where the path is encoded exactly once.
    static func encodeOnce(_ bytes: [UInt8], into output: inout [UInt8]) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            {
                appendEscaped(high << 4 | low, to: &output)
                index += 3
                continue
            }
            if isUnreserved(byte) || byte == UInt8(ascii: "/") {
                output.append(byte)
            } else {
                appendEscaped(byte, to: &output)
            }
            index += 1
        }
    }

    /// Decodes `%XX` escapes in `bytes`. A `%` not followed by two hex digits stays a literal `%`, and `+` stays a
    /// plus sign (SigV4 query strings are not HTML form encoding).
    static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] where Bytes.Index == Int {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }
}
