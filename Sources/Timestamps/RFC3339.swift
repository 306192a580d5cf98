public import Foundation

/// [RFC 3339](https://www.rfc-editor.org/rfc/rfc3339#section-5.6) date-times, parsed and formatted by hand: pure,
/// locale-free, cheap on hostile input, and without Foundation's date styles, whose first use maps several MiB of
/// ICU time-zone data into the process (measured: +4.5 MiB RSS).
///
/// Kubernetes (`metav1.Time`, `metav1.MicroTime`), EventBridge `time`, Auto Scaling `Time`, EC2 and STS all use it.
public enum RFC3339 {
    /// Parses an [RFC 3339](https://www.rfc-editor.org/rfc/rfc3339#section-5.6) date-time, with or without
    /// fractional seconds: `2026-11-29T10:00:00Z`, `2026-11-29T10:00:00.872Z`, `2026-11-29T12:00:00+02:00`.
    ///
    /// EventBridge `time` and Auto Scaling `Time` use this format.
    /// - Parameter text: The date-time.
    /// - Returns: The instant, or `nil` when `text` is not a valid RFC 3339 date-time.
    public static func parse(_ text: some StringProtocol) -> Date? {
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
            let seconds = CivilTime.secondsSinceEpoch(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }

    /// Formats an instant as UTC: `2026-11-29T10:00:00Z`, or with `fractionDigits` (up to 9) digits of a second,
    /// rounded to the nearest: `2026-11-29T10:00:00.872Z`. Instants outside the years 0000 to 9999 (and NaN) are
    /// clamped to them, so that any `Date` formats, `distantFuture` included.
    public static func format(_ date: Date, fractionDigits: Int = 0) -> String {
        let digits = min(max(fractionDigits, 0), 9)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let interval = date.timeIntervalSince1970
        // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
        let clamped = interval.isNaN ? 0 : min(max(interval, -62_167_219_200), 253_402_300_799)
        let whole = clamped.rounded(.down)
        var seconds = Int64(whole)
        var fraction = Int64(((clamped - whole) * Double(scale)).rounded())
        if fraction == scale {  // rounded up into the next second
            seconds += 1
            fraction = 0
        }
        let time = CivilTime.components(secondsSinceEpoch: seconds)
        var text = CivilTime.padded(time.year, 4) + "-" + CivilTime.padded(time.month, 2) + "-"
        text += CivilTime.padded(time.day, 2) + "T" + CivilTime.padded(time.hour, 2) + ":"
        text += CivilTime.padded(time.minute, 2) + ":" + CivilTime.padded(time.second, 2)
        if digits > 0 { text += "." + CivilTime.padded(fraction, digits) }
        return text + "Z"
    }
}
