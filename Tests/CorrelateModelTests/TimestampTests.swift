import Testing
import CorrelateModel

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-25T08:32:26.740416+00:00", "2026-11-25T08:32:26.740416Z"),
        ("2026-11-25T08:32:26Z", "2026-11-25T08:32:26.000000Z"),
        ("2026-11-25 08:32:26,478", "2026-11-25T08:32:26.478000Z"),
        ("2026-11-25T10:32:26.5+02:00", "2026-11-25T08:32:26.500000Z"),
        ("2026-11-25T03:32:26-0500", "2026-11-25T08:32:26.000000Z"),
        ("2026/11/25 08:32:26", "2026-11-25T08:32:26.000000Z"),
        ("2026-11-25T08:32:26.123456789Z", "2026-11-25T08:32:26.123456Z"),
        ("25/Nov/2026:08:32:26 +0000", "2026-11-25T08:32:26.000000Z"),
        ("1795595546", "2026-11-25T08:32:26.000000Z"),
        ("1795595546.478776", "2026-11-25T08:32:26.478776Z"),
        ("1795595546478", "2026-11-25T08:32:26.478000Z"),
        ("1795595546478776", "2026-11-25T08:32:26.478776Z"),
        ("1795595546478776000", "2026-11-25T08:32:26.478776Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000000Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z"),
    ])
    func parsesAndWritesRFC3339(text: String, expected: String) throws {
        #expect(try #require(Timestamp.parse(text)).description == expected)
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
        "2026-11-25T24:00:00Z", "not a time", "2026-11-25", "12345", "2026-11-25T08:32",
    ])
    func rejectsWhatIsNotATime(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func prefixReportsWhatItUsed() throws {
        var line = "2026-11-25 08:32:26,478 INFO [x] message"
        let result = line.withUTF8 { Timestamp.parsePrefix($0) }
        let (timestamp, used) = try #require(result)
        #expect(used == 23)
        #expect(timestamp.description == "2026-11-25T08:32:26.478000Z")
    }

    @Test func syslogTimestampsUseTheCurrentYear() throws {
        var line = "Nov  5 08:32:26 host app[1]: hi"
        let result = line.withUTF8 { Timestamp.parsePrefix($0) }
        let (timestamp, used) = try #require(result)
        #expect(used == 15)
        #expect(timestamp.description.hasSuffix("-11-05T08:32:26.000000Z"))
    }

    /// The ends of the range (where `advanced(by:)` holds a time) are written, not trapped on.
    @Test func theEndsOfTheRangeAreWritten() {
        #expect(Timestamp(nanoseconds: .min).description == "1677-09-21T00:12:43.145224Z")
        #expect(Timestamp(nanoseconds: .max).description == "2262-04-11T23:47:16.854775Z")
        #expect(Timestamp(nanoseconds: -1).description == "1969-12-31T23:59:59.999999Z")
    }

    @Test func calendarRoundTripsOverFourCenturies() {
        var days: Int64 = -200_000
        while days < 200_000 {
            let (y, m, d) = CivilCalendar.civil(fromDays: days)
            #expect(CivilCalendar.days(year: y, month: m, day: d) == days)
            days += 97
        }
    }
}
