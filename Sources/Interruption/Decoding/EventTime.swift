public import Foundation

/// Parsers for the two time formats interruption events carry, written by hand so that they are pure, locale-free
/// and cheap on hostile input.
public enum EventTime {
    /// Parses an [RFC 3339](https://www.rfc-editor.org/rfc/rfc3339#section-5.6) date-time, with or without
    /// fractional seconds: `2026-11-29T10:00:00Z`, `2026-11-29T10:00:00.872Z`, `2026-11-29T12:00:00+02:00`.
    ///
    /// EventBridge `time` and Auto Scaling `Time` use this format.
    /// - Parameter text: The date-time.
    /// - Returns: The instant, or `nil` when `text` is not a valid RFC 3339 date-time.
    public static func rfc3339(_ text: String) -> Date? {
        var scanner = ByteScanner(text)
        guard let year = scanner.digits(4), scanner.consume("-"),
            let month = scanner.digits(2), scanner.consume("-"),
            let day = scanner.digits(2), scanner.consume(anyOf: "Tt "),
            let hour = scanner.digits(2), scanner.consume(":"),
            let minute = scanner.digits(2), scanner.consume(":"),
            let second = scanner.digits(2)
        else { return nil }
        var fraction = 0.0
        if scanner.consume(".") {
            var scale = 0.1
            var count = 0
            while let digit = scanner.digit() {
                fraction += Double(digit) * scale
                scale /= 10
                count += 1
            }
            guard count > 0 else { return nil }
        }
        var offset = 0
        if scanner.consume(anyOf: "Zz") {
            offset = 0
        } else if let sign = scanner.sign(), let offsetHours = scanner.digits(2), scanner.consume(":"),
            let offsetMinutes = scanner.digits(2), offsetHours < 24, offsetMinutes < 60
        {
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard scanner.isAtEnd,
            let seconds = secondsSinceEpoch(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }

    /// Parses an [RFC 1123](https://www.rfc-editor.org/rfc/rfc1123#page-55) date:
    /// `Wed, 02 Dec 2026 10:00:00 GMT` (the weekday is optional; `GMT`, `UT`, `UTC`, `Z` or `±hhmm`).
    ///
    /// AWS Health `startTime` and `endTime` use this format.
    /// - Parameter text: The date.
    /// - Returns: The instant, or `nil` when `text` is not a valid RFC 1123 date.
    public static func rfc1123(_ text: String) -> Date? {
        var scanner = ByteScanner(text)
        if scanner.letters(3) != nil {
            guard scanner.consume(","), scanner.consume(" ") else { return nil }
        }
        guard let day = scanner.digits(2) ?? scanner.digits(1), scanner.consume(" "),
            let monthName = scanner.letters(3), let month = monthNames.firstIndex(of: monthName),
            scanner.consume(" "),
            let year = scanner.digits(4), scanner.consume(" "),
            let hour = scanner.digits(2), scanner.consume(":"),
            let minute = scanner.digits(2), scanner.consume(":"),
            let second = scanner.digits(2), scanner.consume(" ")
        else { return nil }
        var offset = 0
        if let sign = scanner.sign() {
            guard let hhmm = scanner.digits(4), hhmm / 100 < 24, hhmm % 100 < 60 else { return nil }
            offset = sign * (hhmm / 100 * 3600 + hhmm % 100 * 60)
        } else {
            guard let zone = scanner.remainder(), ["GMT", "UT", "UTC", "Z"].contains(zone) else { return nil }
        }
        guard scanner.isAtEnd,
            let seconds = secondsSinceEpoch(
                year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: Double(seconds - offset))
    }

    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// Validates the fields and counts seconds since 1970-01-01T00:00:00Z (a leap second counts as the next one).
    static func secondsSinceEpoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int? {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        // Days from the civil date (H. Hinnant's algorithm), shifted so March is the first month.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A cursor over the UTF-8 bytes of a short string.
private struct ByteScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8.prefix(64)) + (text.utf8.count > 64 ? [0] : []) }

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
