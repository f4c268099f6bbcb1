/// A point in time as nanoseconds since the Unix epoch, UTC.
///
/// Written in output as RFC 3339 with microseconds: `2026-11-25T08:32:26.740416Z`.
public struct Timestamp: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// This time moved by `delta` nanoseconds, held at the ends of the range instead of
    /// overflowing (times come from input: an alert may say it started in 1678).
    public func advanced(by delta: Int64) -> Timestamp {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return Timestamp(nanoseconds: overflow ? (delta > 0 ? .max : .min) : sum)
    }

    /// Nanoseconds from `earlier` to this time, held at the ends of the range instead of
    /// overflowing.
    public func nanoseconds(since earlier: Timestamp) -> Int64 {
        let (difference, overflow) = nanoseconds.subtractingReportingOverflow(earlier.nanoseconds)
        return overflow ? (nanoseconds > earlier.nanoseconds ? .max : .min) : difference
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public var description: String {
        var out: [UInt8] = []
        appendRFC3339(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The length of the RFC 3339 form this type writes.
    public static let rfc3339Length = 27

    /// Appends `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    public func appendRFC3339(to out: inout [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: Timestamp.rfc3339Length)
        buffer.withUnsafeMutableBufferPointer { writeRFC3339(to: $0.baseAddress!) }
        out.append(contentsOf: buffer)
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS.ffffffZ` (``rfc3339Length`` bytes) at `out`.
    public func writeRFC3339(to out: UnsafeMutablePointer<UInt8>) {
        // Floor division without overflow at Int64.min (a time held at the end of the range).
        var seconds = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        if fraction < 0 {
            seconds -= 1
            fraction += 1_000_000_000
        }
        let micros = fraction / 1_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilCalendar.civil(fromDays: days)
        @inline(__always) func digits(_ value: Int64, _ width: Int, _ at: Int) {
            var rest = min(max(value, 0), width == 4 ? 9999 : value)
            var index = at + width - 1
            while index >= at {
                out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
                index -= 1
            }
        }
        digits(year, 4, 0)
        out[4] = UInt8(ascii: "-")
        digits(month, 2, 5)
        out[7] = UInt8(ascii: "-")
        digits(day, 2, 8)
        out[10] = UInt8(ascii: "T")
        digits(secondOfDay / 3600, 2, 11)
        out[13] = UInt8(ascii: ":")
        digits(secondOfDay / 60 % 60, 2, 14)
        out[16] = UInt8(ascii: ":")
        digits(secondOfDay % 60, 2, 17)
        out[19] = UInt8(ascii: ".")
        digits(micros, 6, 20)
        out[26] = UInt8(ascii: "Z")
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), after
/// Howard Hinnant's public-domain `days_from_civil` / `civil_from_days` algorithms.
public enum CivilCalendar {
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Milliseconds as text with up to three decimals (`12`, `0.5`, `355.237`).
public enum Milliseconds {
    public static func text(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let thousandths = Int64((abs(value) * 1000).rounded())
        var text = (value < 0 && thousandths > 0 ? "-" : "") + String(thousandths / 1000)
        var fraction = thousandths % 1000
        if fraction != 0 {
            var digits = 3
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let padded = String(fraction)
            text += "." + String(repeating: "0", count: digits - padded.count) + padded
        }
        return text
    }

    /// A duration as people say it: `450 ms`, `0.25 ms`, `3.6 s`, `6.04 s`, `2.5 min`, `1.2 h`.
    public static func spoken(_ value: Double) -> String {
        guard value.isFinite else { return "\(value) ms" }
        func rounded(_ x: Double, _ places: Double) -> String { text((x * places).rounded() / places) }
        let magnitude = abs(value)
        if magnitude < 10 { return rounded(value, 100) + " ms" }
        if magnitude < 1_000 { return rounded(value, 1) + " ms" }
        if magnitude < 60_000 { return rounded(value / 1_000, 100) + " s" }
        if magnitude < 3_600_000 { return rounded(value / 60_000, 10) + " min" }
        return rounded(value / 3_600_000, 10) + " h"
    }
}
