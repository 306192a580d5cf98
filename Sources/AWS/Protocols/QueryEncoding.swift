/// The body of a query-protocol request: `Action=…&Version=…&Name=Value…`, form-encoded with RFC 3986 percent
/// encoding (only `A-Z a-z 0-9 - . _ ~` stay as they are; a space is `%20`, a `+` in a receipt handle `%2B`).
///
/// See <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#request-serialization>.
enum QueryEncoding {
    /// The form body for `action` with `parameters` in the given order.
    static func body(action: String, version: String, parameters: [(String, String)]) -> String {
        var pairs = [("Action", action), ("Version", version)]
        pairs.append(contentsOf: parameters)
        return pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Percent-encodes every byte of the UTF-8 form except the unreserved characters.
    static func encode(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Flattens a list as the query protocol does: `prefix.1=a&prefix.2=b` (EC2 style, `InstanceId.1`) or, with a
    /// member name, `prefix.member.1=a` (Auto Scaling style, `LifecycleHookNames.member.1`).
    static func list(_ prefix: String, _ values: [String], member: Bool = false) -> [(String, String)] {
        values.enumerated().map { index, value in
            (prefix + (member ? ".member." : ".") + String(index + 1), value)
        }
    }
}
