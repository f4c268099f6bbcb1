public import Foundation

/// A point in time as a person writes it on a command line (`--since`, `--until`): what
/// `journalctl --since` takes (systemd.time(7)), and RFC 3339.
///
/// - `now`, `today`, `yesterday`, `tomorrow` (midnight), optionally with a time:
///   `yesterday 08:00`;
/// - a date and time: `2026-11-25` (midnight), `2026-11-25 08:00`, `2026-11-25 08:00:00`,
///   `2026-11-25 08:00:00.250`, optionally after a weekday (`Wed 2026-11-25 08:00`) and
///   before a zone (`UTC`, `Z`, `+01:00`, or a name such as `Europe/Berlin`);
/// - a time of today: `08:00`, `08:00:30`;
/// - RFC 3339: `2026-11-25T08:00:00Z`, `2026-11-25T09:00:00.5+01:00`;
/// - a time span before or after now: `-1h`, `+30min`, `1 hour ago`, `2 days ago`, and a
///   span alone, which counts back from now: `1w`, `30min`, `1h30m`, `90s`, `1h 30min`. Units:
///   `us`, `ms`, `s`/`sec`/`second(s)`, `m`/`min`/`minute(s)`, `h`/`hr`/`hour(s)`, `d`/`day(s)`,
///   `w`/`week(s)`, `M`/`month(s)` (30.44 days), `y`/`year(s)` (365.25 days);
/// - `@` and seconds since the epoch: `@1764059546`.
///
/// A date or time without a zone is local time (`timeZone`).
public enum TimeExpression {
    /// The forms in one line, for help and error messages.
    public static let examples = "2026-11-25, '2026-11-25 08:00', 08:00, yesterday, today, now, -1h, '2 days ago', 30min, 1h30m, 2026-11-25T08:00:00Z"

    /// The time `text` names, `now` being now; nil when it names none.
    public static func parse(_ text: String, now: Timestamp, timeZone: TimeZone = .current) -> Timestamp? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if trimmed.hasPrefix("@") { return epoch(trimmed.dropFirst()) }
        if let offset = relative(trimmed) {
            let (sum, overflow) = now.nanoseconds.addingReportingOverflow(offset)
            return overflow ? nil : Timestamp(nanoseconds: sum)
        }
        var words = trimmed.split(separator: " ").map(String.init)
        var zone = timeZone
        if words.count > 1, let last = words.last {
            if last == "UTC" || last == "Z" || last == "GMT" {
                zone = TimeZone(identifier: "UTC")!
                words.removeLast()
            } else if last.contains("/"), let named = TimeZone(identifier: last) {
                zone = named
                words.removeLast()
            } else if let offset = offsetSeconds(Substring(last)) {
                zone = TimeZone(secondsFromGMT: offset)!
                words.removeLast()
            }
        }
        if words.count > 1, weekdays.contains(words[0].lowercased()) { words.removeFirst() }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let nowDate = Date(timeIntervalSince1970: Double(now.nanoseconds / 1_000_000_000))
        let today = calendar.dateComponents([.year, .month, .day], from: nowDate)

        var day: DateComponents?
        var time: ClockTime?
        switch words.count {
        case 1:
            let word = words[0]
            if word == "now" { return now }
            if let named = namedDay(word, today: today, calendar: calendar) {
                day = named
            } else if let (date, rest) = date(Substring(word)) {
                day = date
                if !rest.isEmpty {
                    // RFC 3339: 2026-11-25T08:00:00Z.
                    guard rest.first == "T" || rest.first == "t", let parsed = clock(rest.dropFirst()) else { return nil }
                    time = parsed
                }
            } else if let parsed = clock(Substring(word)) {
                day = today
                time = parsed
            } else {
                return nil
            }
        case 2:
            if let named = namedDay(words[0], today: today, calendar: calendar) {
                day = named
            } else if let (date, rest) = date(Substring(words[0])), rest.isEmpty {
                day = date
            } else {
                return nil
            }
            guard let parsed = clock(Substring(words[1])) else { return nil }
            time = parsed
        default:
            return nil
        }
        guard var components = day else { return nil }
        components.hour = time?.hour ?? 0
        components.minute = time?.minute ?? 0
        components.second = time?.second ?? 0
        if let offset = time?.offset { calendar.timeZone = TimeZone(secondsFromGMT: offset)! }
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == components.day else { return nil }  // 2026-02-30
        // Outside Int64's nanoseconds (1677-09-21 to 2262-04-11) no time can be held.
        let seconds = date.timeIntervalSince1970.rounded()
        guard abs(seconds) < 9.3e9 else { return nil }
        let (whole, overflow) = Int64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (nanoseconds, past) = whole.addingReportingOverflow(Int64(time?.nanoseconds ?? 0))
        return overflow || past ? nil : Timestamp(nanoseconds: nanoseconds)
    }

    // MARK: Spans

    /// The signed nanoseconds of a span form (`-1h`, `+1h`, `1h ago`, `1h`: back from now),
    /// nil when `text` is not one.
    static func relative(_ text: String) -> Int64? {
        var body = Substring(text)
        var sign: Int64 = -1
        if body.hasPrefix("-") {
            body = body.dropFirst()
        } else if body.hasPrefix("+") {
            sign = 1
            body = body.dropFirst()
        } else if body.hasSuffix(" ago") {
            body = body.dropLast(4)
        }
        return span(body).map { sign * $0 }
    }

    /// `1h30m`, `1h 30min`, `2 days`, `1.5h`: nanoseconds; nil when not a span.
    static func span(_ text: Substring) -> Int64? {
        let characters = Array(text)
        var index = 0
        var total: Double = 0
        var parts = 0
        func skipSpaces() { while index < characters.count, characters[index] == " " { index += 1 } }
        skipSpaces()
        while index < characters.count {
            let numberStart = index
            while index < characters.count, characters[index].isASCII, characters[index].isNumber || characters[index] == "." { index += 1 }
            guard index > numberStart, let number = Double(String(characters[numberStart..<index])) else { return nil }
            skipSpaces()
            let unitStart = index
            while index < characters.count, characters[index].isLetter { index += 1 }
            guard index > unitStart, let unit = unitNanoseconds[String(characters[unitStart..<index])] else { return nil }
            total += number * unit
            parts += 1
            skipSpaces()
        }
        guard parts > 0, total < Double(Int64.max / 2) else { return nil }
        return Int64(total.rounded())
    }

    private static let unitNanoseconds: [String: Double] = {
        let second = 1e9, minute = 60 * second, hour = 60 * minute, day = 24 * hour
        var table: [String: Double] = [:]
        for (names, value) in [
            (["us", "usec", "µs"], 1e3), (["ms", "msec"], 1e6),
            (["s", "sec", "secs", "second", "seconds"], second), (["m", "min", "mins", "minute", "minutes"], minute),
            (["h", "hr", "hrs", "hour", "hours"], hour), (["d", "day", "days"], day),
            (["w", "week", "weeks"], 7 * day), (["M", "month", "months"], 30.44 * day),
            (["y", "year", "years"], 365.25 * day),
        ] as [([String], Double)] {
            for name in names { table[name] = value }
        }
        return table
    }()

    // MARK: Dates and times

    private static let weekdays: Set<String> = [
        "mon", "tue", "wed", "thu", "fri", "sat", "sun",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ]

    private static func namedDay(_ word: String, today: DateComponents, calendar: Calendar) -> DateComponents? {
        let shift: Int
        switch word {
        case "today": shift = 0
        case "yesterday": shift = -1
        case "tomorrow": shift = 1
        default: return nil
        }
        guard let midnight = calendar.date(from: today),
              let shifted = calendar.date(byAdding: .day, value: shift, to: midnight) else { return nil }
        return calendar.dateComponents([.year, .month, .day], from: shifted)
    }

    /// `YYYY-MM-DD` at the start of `text`, and what follows it.
    private static func date(_ text: Substring) -> (DateComponents, Substring)? {
        let parts = text.prefix(10)
        guard parts.count == 10 else { return nil }
        let fields = parts.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
              let year = digits(fields[0]), let month = digits(fields[1]), let day = digits(fields[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        return (DateComponents(year: year, month: month, day: day), text.dropFirst(10))
    }

    private struct ClockTime {
        var hour: Int, minute: Int, second: Int
        var nanoseconds: Int64
        /// Seconds east of UTC, when the time carries its zone (`Z`, `+01:00`).
        var offset: Int?
    }

    /// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, each optionally followed by `Z` or `±HH:MM`.
    private static func clock(_ text: Substring) -> ClockTime? {
        var body = text
        var offset: Int?
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            offset = 0
            body = body.dropLast()
        } else if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            guard let seconds = offsetSeconds(body[sign...]) else { return nil }
            offset = seconds
            body = body[..<sign]
        }
        var fraction: Int64 = 0
        if let dot = body.firstIndex(of: ".") {
            let digitsText = body[body.index(after: dot)...]
            guard !digitsText.isEmpty, digitsText.count <= 9, let value = digits(digitsText) else { return nil }
            fraction = Int64(value) * Int64(pow(10, Double(9 - digitsText.count)))
            body = body[..<dot]
        }
        let fields = body.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count), fields.allSatisfy({ $0.count == 2 }),
              let hour = digits(fields[0]), let minute = digits(fields[1]),
              hour < 24, minute < 60 else { return nil }
        let second = fields.count == 3 ? digits(fields[2]) : 0
        guard let second, second < 61, fields.count == 3 || fraction == 0 else { return nil }
        return ClockTime(hour: hour, minute: minute, second: min(second, 59), nanoseconds: fraction, offset: offset)
    }

    /// `+01:00`, `-0500`, `+01`: seconds east of UTC.
    private static func offsetSeconds(_ text: Substring) -> Int? {
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let rest = text.dropFirst().filter { $0 != ":" }
        guard rest.count == 2 || rest.count == 4, let hours = digits(rest.prefix(2)), hours <= 14 else { return nil }
        let minutes = rest.count == 4 ? digits(rest.suffix(2)) : 0
        guard let minutes, minutes < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    private static func epoch(_ text: Substring) -> Timestamp? {
        guard let seconds = Double(text), seconds.isFinite, abs(seconds) < 9e9 else { return nil }
        return Timestamp(nanoseconds: Int64((seconds * 1e9).rounded()))
    }

    private static func digits(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
