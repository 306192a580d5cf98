public import Foundation

/// [RFC 1123](https://www.rfc-editor.org/rfc/rfc1123#page-55) dates (HTTP's `Date`, AWS Health's times), parsed by
/// hand like ``RFC3339``.
public enum RFC1123 {
    /// Parses an [RFC 1123](https://www.rfc-editor.org/rfc/rfc1123#page-55) date:
    /// `Wed, 02 Dec 2026 10:00:00 GMT` (the weekday is optional; `GMT`, `UT`, `UTC`, `Z` or `±hhmm`).
    ///
    /// AWS Health `startTime` and `endTime` use this format.
    /// - Parameter text: The date.
    /// - Returns: The instant, or `nil` when `text` is not a valid RFC 1123 date.
    public static func parse(_ text: some StringProtocol) -> Date? {
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
            let seconds = CivilTime.secondsSinceEpoch(
                year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: Double(seconds - offset))
    }

    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
}
