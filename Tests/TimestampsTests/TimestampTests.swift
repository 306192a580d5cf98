import Foundation
import Testing
import Timestamps

@Suite("RFC 3339 and RFC 1123 times, by hand")
struct TimestampTests {
    @Test(
        "RFC 3339 times agree with Foundation's parser",
        arguments: [
            "2026-11-29T10:00:00Z", "2026-11-29T10:00:00.872Z", "2022-01-31T23:07:47.872Z", "2024-02-29T23:59:59Z",
            "1970-01-01T00:00:00Z", "2026-11-29T12:00:00+02:00", "2026-11-29T05:30:00-04:30", "2000-03-01T00:00:00Z",
            "2100-02-28T00:00:00Z", "2026-11-29T10:00:00.5Z",
        ])
    func rfc3339(_ text: String) throws {
        let parsed = try #require(RFC3339.parse(text))
        #expect(abs(parsed.timeIntervalSince(try date(text))) < 0.000_5)
    }

    @Test("RFC 3339 keeps fractional seconds and accepts lower-case separators")
    func fractions() throws {
        let base = try #require(RFC3339.parse("2026-11-29T10:00:00Z"))
        #expect(RFC3339.parse("2026-11-29t10:00:00.25z") == base.addingTimeInterval(0.25))
        #expect(RFC3339.parse("2026-11-29 10:00:00.123456789Z").map { $0.timeIntervalSince(base) } ?? 0 > 0.1234)
    }

    @Test(
        "invalid RFC 3339 times are refused",
        arguments: [
            "", "2026-11-29", "2026-11-29T10:00:00", "2026-11-29T10:00Z", "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T10:60:00Z",
            "2026-11-29T10:00:61Z", "2026-11-29T10:00:00.Z", "2026-11-29T10:00:00+0200", "2026-11-29T10:00:00+24:00",
            "26-11-29T10:00:00Z", "2026-11-29T10:00:00Zjunk", "20261-11-29T10:00:00Z",
            "2026-11-29T10:00:00.1" + String(repeating: "9", count: 100) + "Z",
            "Sat, 05 Jun 2016 15:10:09 GMT",
        ])
    func invalidRFC3339(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("RFC 1123 dates, with or without the weekday, in GMT or with an offset")
    func rfc1123() throws {
        let expected = try date("2026-12-02T10:00:00Z")
        #expect(RFC1123.parse("Wed, 02 Dec 2026 10:00:00 GMT") == expected)
        #expect(RFC1123.parse("02 Dec 2026 10:00:00 GMT") == expected)
        #expect(RFC1123.parse("Wed, 2 Dec 2026 10:00:00 UTC") == expected)
        #expect(RFC1123.parse("Wed, 02 Dec 2026 12:00:00 +0200") == expected)
        #expect(RFC1123.parse("Sat, 05 Jun 2016 15:10:09 GMT") == (try date("2016-06-05T15:10:09Z")))
    }

    @Test(
        "invalid RFC 1123 dates are refused",
        arguments: [
            "", "Wed 02 Dec 2026 10:00:00 GMT", "Wed, 02 Foo 2026 10:00:00 GMT", "Wed, 31 Nov 2026 10:00:00 GMT",
            "Wed, 02 Dec 2026 10:00:00", "Wed, 02 Dec 2026 10:00:00 PST", "Wed, 02 Dec 2026 10:00 GMT",
            "Wed, 02 Dec 26 10:00:00 GMT", "2026-12-02T10:00:00Z", "Wed, 02 Dec 2026 10:00:00 GMT extra",
            "Sunday, 06-Nov-94 08:49:37 GMT",
        ])
    func invalidRFC1123(_ text: String) {
        #expect(RFC1123.parse(text) == nil)
    }

    @Test("formatting agrees with Foundation's ISO 8601 style over four centuries, and parses back")
    func formatAgreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        // 1900-01-01 to 2300-01-01, leap days and year ends included.
        var instants: [Double] = [-2_208_988_800, 951_782_400, 951_868_799, 1_767_225_599, 4_102_444_800, 0]
        for _ in 0..<2000 {
            instants.append(Double(Int64.random(in: -2_208_988_800...10_413_792_000, using: &generator)))
        }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            let text = RFC3339.format(date)
            #expect(text == Date.ISO8601FormatStyle().format(date), "\(seconds)")
            #expect(RFC3339.parse(text) == date, "\(text)")
        }
    }

    @Test("fractions are rounded to the digits asked for, carrying into the seconds")
    func formatFractions() {
        let base = 1_795_987_770.0  // 2026-11-29T21:29:30Z
        #expect(
            RFC3339.format(Date(timeIntervalSince1970: base + 0.291_310), fractionDigits: 6)
                == "2026-11-29T21:29:30.291310Z")
        #expect(
            RFC3339.format(Date(timeIntervalSince1970: base + 0.5), fractionDigits: 3) == "2026-11-29T21:29:30.500Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: base), fractionDigits: 6) == "2026-11-29T21:29:30.000000Z")
        #expect(
            RFC3339.format(Date(timeIntervalSince1970: base + 29.999_999_7), fractionDigits: 6)
                == "2026-11-29T21:30:00.000000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.25), fractionDigits: 2) == "1969-12-31T23:59:59.75Z")
        let micro = Date(timeIntervalSince1970: base + 0.123_456)
        #expect(
            abs((RFC3339.parse(RFC3339.format(micro, fractionDigits: 6)) ?? .distantPast).timeIntervalSince(micro))
                < 1e-6)
    }

    @Test("any Date formats: far instants and NaN are clamped to the years 0000 to 9999, never a trap")
    func formatExtremes() {
        #expect(RFC3339.format(.distantFuture, fractionDigits: 9) == "4001-01-01T00:00:00.000000000Z")
        #expect(RFC3339.format(.distantPast, fractionDigits: 6) == "0000-12-30T00:00:00.000000Z")  // proleptic
        #expect(
            RFC3339.format(Date(timeIntervalSince1970: 1e300), fractionDigits: 9) == "9999-12-31T23:59:59.000000000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1e300)) == "0000-01-01T00:00:00Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: .infinity)) == "9999-12-31T23:59:59Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00Z")
    }

    @Test("AWS's forms: offsets, fractions, leap days")
    func awsForms() {
        let base = Date(timeIntervalSince1970: 1_795_987_770)
        #expect(RFC3339.parse("2026-11-29T21:29:30Z") == base)
        #expect(RFC3339.parse("2026-11-29T22:29:30+01:00") == base)
        #expect(RFC3339.parse("2000-02-29T00:00:00Z") == Date(timeIntervalSince1970: 951_782_400))
        #expect(RFC3339.parse("garbage-in-the-field") == nil)
        #expect(RFC1123.parse("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
    }
}

/// An RFC 3339 time computed by Foundation, as an oracle independent of ``RFC3339``.
func date(_ text: String) throws -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return try #require(formatter.date(from: text), "bad test date \(text)")
}
