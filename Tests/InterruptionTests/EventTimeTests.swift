import Foundation
import Testing

@testable import Interruption

@Suite("Event times")
struct EventTimeTests {
    @Test(
        "RFC 3339 times agree with Foundation's parser",
        arguments: [
            "2026-11-29T10:00:00Z", "2026-11-29T10:00:00.872Z", "2022-01-31T23:07:47.872Z", "2024-02-29T23:59:59Z",
            "1970-01-01T00:00:00Z", "2026-11-29T12:00:00+02:00", "2026-11-29T05:30:00-04:30", "2000-03-01T00:00:00Z",
            "2100-02-28T00:00:00Z", "2026-11-29T10:00:00.5Z",
        ])
    func rfc3339(_ text: String) throws {
        let parsed = try #require(EventTime.rfc3339(text))
        #expect(abs(parsed.timeIntervalSince(try date(text))) < 0.000_5)
    }

    @Test("RFC 3339 keeps fractional seconds and accepts lower-case separators")
    func fractions() throws {
        let base = try #require(EventTime.rfc3339("2026-11-29T10:00:00Z"))
        #expect(EventTime.rfc3339("2026-11-29t10:00:00.25z") == base.addingTimeInterval(0.25))
        #expect(EventTime.rfc3339("2026-11-29 10:00:00.123456789Z").map { $0.timeIntervalSince(base) } ?? 0 > 0.1234)
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
        #expect(EventTime.rfc3339(text) == nil)
    }

    @Test("RFC 1123 dates, with or without the weekday, in GMT or with an offset")
    func rfc1123() throws {
        let expected = try date("2026-12-02T10:00:00Z")
        #expect(EventTime.rfc1123("Wed, 02 Dec 2026 10:00:00 GMT") == expected)
        #expect(EventTime.rfc1123("02 Dec 2026 10:00:00 GMT") == expected)
        #expect(EventTime.rfc1123("Wed, 2 Dec 2026 10:00:00 UTC") == expected)
        #expect(EventTime.rfc1123("Wed, 02 Dec 2026 12:00:00 +0200") == expected)
        #expect(EventTime.rfc1123("Sat, 05 Jun 2016 15:10:09 GMT") == (try date("2016-06-05T15:10:09Z")))
    }

    @Test(
        "invalid RFC 1123 dates are refused",
        arguments: [
            "", "Wed 02 Dec 2026 10:00:00 GMT", "Wed, 02 Foo 2026 10:00:00 GMT", "Wed, 31 Nov 2026 10:00:00 GMT",
            "Wed, 02 Dec 2026 10:00:00", "Wed, 02 Dec 2026 10:00:00 PST", "Wed, 02 Dec 2026 10:00 GMT",
            "Wed, 02 Dec 26 10:00:00 GMT", "2026-12-02T10:00:00Z", "Wed, 02 Dec 2026 10:00:00 GMT extra",
        ])
    func invalidRFC1123(_ text: String) {
        #expect(EventTime.rfc1123(text) == nil)
    }
}
