public import Foundation

/// A signing time in the two forms SigV4 uses: `X-Amz-Date` (`20150830T123600Z`) and the credential scope's date
/// stamp (`20150830`), both in UTC.
///
/// Computed with integer arithmetic from the Unix time (no `DateFormatter`, no calendar, no locale), with
/// fractional seconds truncated.
public struct SigningDate: Sendable, Hashable {
    /// The ISO 8601 basic form used by `X-Amz-Date`, e.g. `20150830T123600Z`.
    public let amzDate: String
    /// The `YYYYMMDD` form used by the credential scope, e.g. `20150830`.
    public let dateStamp: String

    /// Formats `date` in UTC.
    ///
    /// - Parameter date: the signing time.
    /// - Throws: ``SigV4Error/Code/invalidDate`` for dates outside the years 0...9999.
    public init(_ date: Date) throws(SigV4Error) {
        let interval = date.timeIntervalSince1970.rounded(.down)
        // 253402300800 is 10000-01-01T00:00:00Z; -62167219200 is 0000-01-01T00:00:00Z.
        guard interval.isFinite, interval >= -62_167_219_200, interval < 253_402_300_800 else {
            throw SigV4Error(.invalidDate, "\(date.timeIntervalSince1970)")
        }
        let seconds = Int64(interval)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        let stamp = Self.digits(year, 4) + Self.digits(month, 2) + Self.digits(day, 2)
        let time =
            Self.digits(secondOfDay / 3600, 2) + Self.digits(secondOfDay % 3600 / 60, 2)
            + Self.digits(secondOfDay % 60, 2)
        self.dateStamp = stamp
        self.amzDate = stamp + "T" + time + "Z"
    }

    /// Year, month and day of the proleptic Gregorian calendar for a count of days since 1970-01-01
    /// (Howard Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    private static func digits(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
