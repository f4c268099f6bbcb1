#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timestamp recognition on raw bytes, for the shapes logs use.
///
/// Recognised at the start of a text (``Timestamp/parsePrefix(_:)``):
/// - ISO 8601 / RFC 3339: `2026-11-25T08:32:26.740416+00:00`, `2026-11-25 08:32:26,478`,
///   `2026/11/25 08:32:26`, with `Z`, `±HH:MM`, `±HHMM` or no zone; fractions of 1–9 digits,
///   after `.` or `,`;
/// - syslog (RFC 3164): `Nov 25 08:32:26`, in the current year;
/// - common log format: `25/Nov/2026:08:32:26 +0000`.
///
/// A timestamp without a zone (and syslog's and klog's, which have none) is read in the zone of
/// ``ZonelessTime`` — UTC unless `--log-tz` says otherwise.
extension Timestamp {
    /// Parses a timestamp at the start of `text`.
    /// - Returns: the timestamp and how many bytes it took, or `nil`.
    public static func parsePrefix(_ text: UnsafeBufferPointer<UInt8>) -> (Timestamp, Int)? {
        guard text.count >= 14 else { return nil }
        let first = text[0]
        if isDigit(first) {
            if let result = parseISO(text) { return result }
            return parseCommonLog(text)
        }
        if first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") {
            return parseSyslog(text)
        }
        return nil
    }

    /// Parses a whole value: any ``parsePrefix(_:)`` shape that uses all of `text`, or a number
    /// of seconds, milliseconds, microseconds or nanoseconds since the epoch (told apart by
    /// magnitude), as JSON logs write them.
    public static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        if let (timestamp, used) = parsePrefix(text), used == text.count { return timestamp }
        return parseEpoch(text)
    }

    /// The current time.
    public static var now: Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }

    /// Convenience for callers holding a `String`.
    public static func parse(_ text: String) -> Timestamp? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    /// A number since the epoch: `1764059546`, `1764059546.478`, `1764059546478` (ms),
    /// `1764059546478776` (µs), `1764059546478776000` (ns).
    public static func parseEpoch(_ text: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var index = 0
        var integer: Int64 = 0
        var integerDigits = 0
        while index < text.count, isDigit(text[index]) {
            guard integerDigits < 19 else { return nil }
            integer = integer * 10 + Int64(text[index] - UInt8(ascii: "0"))
            integerDigits += 1
            index += 1
        }
        guard integerDigits >= 9 else { return nil }
        var fraction: Int64 = 0
        var fractionScale: Int64 = 1
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            while index < text.count, isDigit(text[index]) {
                if fractionScale < 1_000_000_000 {
                    fraction = fraction * 10 + Int64(text[index] - UInt8(ascii: "0"))
                    fractionScale *= 10
                }
                index += 1
            }
        }
        guard index == text.count else { return nil }
        let unit: Int64
        switch integerDigits {
        case ...10: unit = 1_000_000_000
        case 11...13: unit = 1_000_000
        case 14...16: unit = 1_000
        default: unit = 1
        }
        let (whole, overflow) = integer.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        return Timestamp(nanoseconds: whole + fraction * unit / fractionScale)
    }

    // MARK: - Shapes

    private static func parseISO(_ t: UnsafeBufferPointer<UInt8>) -> (Timestamp, Int)? {
        guard t.count >= 19,
            let year = digits(t, 0, 4),
            t[4] == UInt8(ascii: "-") || t[4] == UInt8(ascii: "/"),
            let month = digits(t, 5, 2), t[7] == t[4],
            let day = digits(t, 8, 2),
            t[10] == UInt8(ascii: "T") || t[10] == UInt8(ascii: " ") || t[10] == UInt8(ascii: "t"),
            let hour = digits(t, 11, 2), t[13] == UInt8(ascii: ":"),
            let minute = digits(t, 14, 2), t[16] == UInt8(ascii: ":"),
            let second = digits(t, 17, 2)
        else { return nil }
        var index = 19
        let nanos = fractionNanos(t, &index)
        let zone = zoneOffsetSeconds(t, &index)
        guard let seconds = epochSeconds(year, month, day, hour, minute, second) else { return nil }
        return nanoseconds(seconds - (zone ?? ZonelessTime.offset(localSeconds: seconds)), nanos).map { ($0, index) }
    }

    /// Seconds and nanoseconds since the epoch, when they fit (years 1678–2261).
    private static func nanoseconds(_ seconds: Int64, _ nanos: Int64) -> Timestamp? {
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, overflow2) = whole.addingReportingOverflow(nanos)
        return overflow2 ? nil : Timestamp(nanoseconds: total)
    }

    /// `25/Nov/2026:08:32:26 +0000`
    private static func parseCommonLog(_ t: UnsafeBufferPointer<UInt8>) -> (Timestamp, Int)? {
        guard t.count >= 20, let day = digits(t, 0, 2), t[2] == UInt8(ascii: "/"),
            let month = monthNumber(t, 3), t[6] == UInt8(ascii: "/"),
            let year = digits(t, 7, 4), t[11] == UInt8(ascii: ":"),
            let hour = digits(t, 12, 2), t[14] == UInt8(ascii: ":"),
            let minute = digits(t, 15, 2), t[17] == UInt8(ascii: ":"),
            let second = digits(t, 18, 2)
        else { return nil }
        var index = 20
        let nanos = fractionNanos(t, &index)
        let zone = zoneOffsetSeconds(t, &index)
        guard let seconds = epochSeconds(year, month, day, hour, minute, second) else { return nil }
        return nanoseconds(seconds - (zone ?? ZonelessTime.offset(localSeconds: seconds)), nanos).map { ($0, index) }
    }

    /// `Nov 25 08:32:26` or `Nov  5 08:32:26`, in the current year.
    private static func parseSyslog(_ t: UnsafeBufferPointer<UInt8>) -> (Timestamp, Int)? {
        guard t.count >= 15, let month = monthNumber(t, 0), t[3] == UInt8(ascii: " ") else {
            return nil
        }
        let day: Int64
        if t[4] == UInt8(ascii: " "), isDigit(t[5]) {
            day = Int64(t[5] - UInt8(ascii: "0"))
        } else if let twoDigits = digits(t, 4, 2) {
            day = twoDigits
        } else {
            return nil
        }
        guard t[6] == UInt8(ascii: " "), let hour = digits(t, 7, 2), t[9] == UInt8(ascii: ":"),
            let minute = digits(t, 10, 2), t[12] == UInt8(ascii: ":"),
            let second = digits(t, 13, 2)
        else { return nil }
        var index = 15
        let nanos = fractionNanos(t, &index)
        guard let seconds = epochSeconds(currentYear, month, day, hour, minute, second) else {
            return nil
        }
        return nanoseconds(seconds - ZonelessTime.offset(localSeconds: seconds), nanos).map { ($0, index) }
    }

    /// klog's (Kubernetes, glog) header time after its level letter: `mmdd hh:mm:ss.uuuuuu`, in
    /// the current year (the header has none).
    /// - Returns: the timestamp and how many bytes it took, or `nil`.
    public static func parseKlog(_ t: UnsafeBufferPointer<UInt8>) -> (Timestamp, Int)? {
        guard t.count >= 13, let month = digits(t, 0, 2), let day = digits(t, 2, 2), t[4] == UInt8(ascii: " "),
              let hour = digits(t, 5, 2), t[7] == UInt8(ascii: ":"), let minute = digits(t, 8, 2),
              t[10] == UInt8(ascii: ":"), let second = digits(t, 11, 2),
              let seconds = epochSeconds(currentYear, month, day, hour, minute, second)
        else { return nil }
        var index = 13
        let nanos = fractionNanos(t, &index)
        return nanoseconds(seconds - ZonelessTime.offset(localSeconds: seconds), nanos).map { ($0, index) }
    }

    // MARK: - Pieces

    private static let currentYear: Int64 = {
        let now = Int64(time(nil))
        let days = now >= 0 ? now / 86_400 : (now - 86_399) / 86_400
        return CivilCalendar.civil(fromDays: days).year
    }()

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    @inline(__always)
    private static func digits(_ t: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int64? {
        guard at + count <= t.count else { return nil }
        var value: Int64 = 0
        for index in at..<at + count {
            let byte = t[index]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func fractionNanos(_ t: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Int64 {
        guard index + 1 < t.count, t[index] == UInt8(ascii: ".") || t[index] == UInt8(ascii: ","),
            isDigit(t[index + 1])
        else { return 0 }
        index += 1
        var nanos: Int64 = 0
        var scale: Int64 = 100_000_000
        while index < t.count, isDigit(t[index]) {
            nanos += Int64(t[index] - UInt8(ascii: "0")) * scale
            scale /= 10
            index += 1
        }
        return nanos
    }

    /// Reads `Z`, `±HH:MM`, `±HHMM` or `±HH` (optionally after one space); returns the offset
    /// east of UTC in seconds, nil when there is none.
    private static func zoneOffsetSeconds(_ t: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Int64? {
        guard index < t.count else { return nil }
        if t[index] == UInt8(ascii: "Z") || t[index] == UInt8(ascii: "z") {
            index += 1
            return 0
        }
        var at = index
        if t[at] == UInt8(ascii: " "), at + 1 < t.count { at += 1 }
        guard t[at] == UInt8(ascii: "+") || t[at] == UInt8(ascii: "-"),
            let hours = digits(t, at + 1, 2), hours <= 23
        else { return nil }
        let sign: Int64 = t[at] == UInt8(ascii: "-") ? -1 : 1
        var end = at + 3
        var minutes: Int64 = 0
        if end < t.count, t[end] == UInt8(ascii: ":"), let m = digits(t, end + 1, 2) {
            minutes = m
            end += 3
        } else if let m = digits(t, end, 2) {
            minutes = m
            end += 2
        }
        // A bare "-12" after a space is more likely text than a zone; require minutes then.
        if at != index, end == at + 3 { return nil }
        guard minutes < 60 else { return nil }
        index = end
        return sign * (hours * 3600 + minutes * 60)
    }

    private static func monthNumber(_ t: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int64? {
        guard at + 3 <= t.count else { return nil }
        let key = UInt32(t[at] | 0x20) << 16 | UInt32(t[at + 1] | 0x20) << 8 | UInt32(t[at + 2] | 0x20)
        switch key {
        case 0x6A616E: return 1  // jan
        case 0x666562: return 2  // feb
        case 0x6D6172: return 3  // mar
        case 0x617072: return 4  // apr
        case 0x6D6179: return 5  // may
        case 0x6A756E: return 6  // jun
        case 0x6A756C: return 7  // jul
        case 0x617567: return 8  // aug
        case 0x736570: return 9  // sep
        case 0x6F6374: return 10  // oct
        case 0x6E6F76: return 11  // nov
        case 0x646563: return 12  // dec
        default: return nil
        }
    }

    private static func epochSeconds(
        _ year: Int64, _ month: Int64, _ day: Int64, _ hour: Int64, _ minute: Int64, _ second: Int64
    ) -> Int64? {
        guard (1...12).contains(month), day >= 1,
            day <= CivilCalendar.daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        return CivilCalendar.days(year: year, month: month, day: day) * 86_400
            + hour * 3600 + minute * 60 + second
    }
}

/// The zone in which timestamps that carry none are read (`--log-tz`): UTC unless set. Set it
/// once, before any input is read (it is read, never written, by the threads that parse).
public enum ZonelessTime {
    /// Given a wall-clock time read as if it were UTC (seconds), the zone's offset east of UTC
    /// at that time, in seconds.
    public typealias Rule = @Sendable (_ localSeconds: Int64) -> Int64

    nonisolated(unsafe) private static var rule: Rule?

    /// Reads zone-less times in the zone `rule` describes; nil: UTC.
    public static func set(_ rule: Rule?) {
        self.rule = rule
    }

    /// A fixed offset east of UTC, in seconds.
    public static func set(fixedOffsetSeconds offset: Int64) {
        if offset == 0 {
            rule = nil
        } else {
            rule = { @Sendable _ in offset }
        }
    }

    @inline(__always)
    static func offset(localSeconds: Int64) -> Int64 {
        guard let rule else { return 0 }
        return rule(localSeconds)
    }

    /// `+01:00`, `-0530`, `+1`, `UTC+2`, `Z`, `UTC`, `GMT`: the offset east of UTC in seconds, or
    /// nil when the text is not a fixed offset.
    public static func fixedOffset(_ text: String) -> Int64? {
        var rest = Substring(text.uppercased())
        if rest == "Z" || rest == "UTC" || rest == "GMT" { return 0 }
        for prefix in ["UTC", "GMT"] where rest.hasPrefix(prefix) { rest = rest.dropFirst(prefix.count) }
        guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
        let digits = rest.dropFirst().filter { $0 != ":" }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.count <= 4 else { return nil }
        let hours: Int64, minutes: Int64
        if digits.count <= 2 {
            hours = Int64(digits)!
            minutes = 0
        } else {
            hours = Int64(digits.dropLast(2))!
            minutes = Int64(digits.suffix(2))!
        }
        guard hours <= 14, minutes < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}
