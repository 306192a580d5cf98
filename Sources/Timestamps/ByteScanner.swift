/// A cursor over the UTF-8 bytes of a short string.
struct ByteScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: some StringProtocol) { bytes = Array(text.utf8.prefix(64)) + (text.utf8.count > 64 ? [0] : []) }

    var isAtEnd: Bool { index == bytes.count }

    mutating func consume(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func consume(anyOf characters: String) -> Bool {
        guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int? {
        guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9")
        else { return nil }
        defer { index += 1 }
        return Int(bytes[index] - UInt8(ascii: "0"))
    }

    /// Exactly `count` digits, not followed by another digit.
    mutating func digits(_ count: Int) -> Int? {
        let start = index
        var value = 0
        for _ in 0..<count {
            guard let digit = digit() else {
                index = start
                return nil
            }
            value = value * 10 + digit
        }
        if index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            index = start
            return nil
        }
        return value
    }

    /// Exactly `count` ASCII letters.
    mutating func letters(_ count: Int) -> String? {
        guard index + count <= bytes.count else { return nil }
        let slice = bytes[index..<(index + count)]
        guard slice.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") })
        else { return nil }
        if index + count < bytes.count, (bytes[index + count] | 0x20) >= UInt8(ascii: "a"),
            (bytes[index + count] | 0x20) <= UInt8(ascii: "z")
        {
            return nil
        }
        index += count
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func sign() -> Int? {
        if consume("+") { return 1 }
        if consume("-") { return -1 }
        return nil
    }

    mutating func remainder() -> String? {
        defer { index = bytes.count }
        return String(validating: bytes[index...], as: UTF8.self)
    }
}
