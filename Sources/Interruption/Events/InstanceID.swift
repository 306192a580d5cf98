/// An EC2 instance id: `i-` followed by 8 (older instances) or 17 lowercase hexadecimal digits.
///
/// Every event is keyed by instance id, so an id that does not have this exact shape is a rejection, never a guess.
/// See [Resource IDs](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html).
public struct InstanceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The id as AWS writes it, for example `i-0b3a1c2d3e4f56789`.
    public let rawValue: String

    /// Validates an instance id.
    ///
    /// - Parameter rawValue: The candidate id.
    /// - Returns: `nil` unless `rawValue` is `i-` followed by exactly 8 or 17 digits in `0-9a-f`.
    public init?(_ rawValue: String) {
        let bytes = Array(rawValue.utf8)
        guard bytes.count == 10 || bytes.count == 19, bytes[0] == UInt8(ascii: "i"), bytes[1] == UInt8(ascii: "-")
        else { return nil }
        for byte in bytes.dropFirst(2) {
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let isHexLetter = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")
            guard isDigit || isHexLetter else { return nil }
        }
        self.rawValue = rawValue
    }

    /// The id itself.
    public var description: String { rawValue }

    /// Orders ids by their text, so that reports and tests are stable.
    public static func < (lhs: InstanceID, rhs: InstanceID) -> Bool { lhs.rawValue < rhs.rawValue }
}
