public import Foundation
import Timestamps

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
        let time = CivilTime.components(secondsSinceEpoch: Int64(interval))
        let stamp = CivilTime.padded(time.year, 4) + CivilTime.padded(time.month, 2) + CivilTime.padded(time.day, 2)
        let clock = CivilTime.padded(time.hour, 2) + CivilTime.padded(time.minute, 2) + CivilTime.padded(time.second, 2)
        self.dateStamp = stamp
        self.amzDate = stamp + "T" + clock + "Z"
    }
}
