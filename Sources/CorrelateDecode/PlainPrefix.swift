import CorrelateModel
import CorrelateJSON

/// The conventional head of a plain-text log line: an optional timestamp (possibly in
/// brackets), an optional level word, and where the message begins.
///
/// Recognises, among others:
/// - `2026-11-25 08:32:26,740 INFO [export_api] …` (Python logging's default),
/// - `[2026-11-25 08:32:27,335: INFO/MainProcess] Task … received` (Celery),
/// - `2026-11-25T08:32:26Z ERROR …`, `Nov 25 08:32:26 host app[12]: …` (syslog),
/// - `I, [2026-01-14T10:00:00.010311 #5921]  INFO -- : …` (Ruby's Logger, Rails),
/// - `10:00:00.123 [main] INFO …`, `[10:00:00 INF] …` (a time of day alone: log4j2, Serilog,
///   Elixir, pino-pretty; it starts a record, but gives no date, so no timestamp),
/// - `2026-01-14 10:00:01 [info     ] …` (structlog), `… info: Category[0]` (.NET),
/// - `ERROR: …` (a level word alone, upper case),
/// - `I0114 10:00:00.000000    7 controller.go:42] …` (klog: Kubernetes components),
/// - `ERROR:payments:charge failed` (Python logging's `basicConfig` format, `LEVEL:logger:`),
///   which starts a record though it has no time,
/// - `203.0.113.9 - - [14/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 …` (an access log in
///   the common or combined log format: the time in brackets after host, ident and user).
///
/// When the head has no level, the first 160 bytes are searched for one written as a level:
/// an upper-case level word standing alone (`… trace_flags=01  INFO 1 --- …`, `app.INFO:`), a
/// level word in brackets (`[INFO]`, `[warning]`), after `level=`/`lvl=`/`at=`, or a lower-case
/// one followed by `: ` (`file.erl:42 info: …`).
struct PlainPrefix {
    var timestamp: Timestamp?
    /// The text starts with a time (with or without a date): a record starts here.
    var leadingTime = false
    var severity: Severity?
    var messageStart = 0

    init(_ text: UnsafeBufferPointer<UInt8>) {
        var i = 0
        if text.count > 4, text[1] == UInt8(ascii: ","), text[2] == UInt8(ascii: " "), text[3] == UInt8(ascii: "["),
           let ruby = PlainPrefix.rubyLogger(text) {
            self = ruby
            return
        }
        if text.count > 14, let klog = PlainPrefix.klog(text) {
            self = klog
            return
        }
        if i < text.count, text[i] == UInt8(ascii: "[") { i += 1 }
        if let (timestamp, used) = Timestamp.parsePrefix(UnsafeBufferPointer(rebasing: text[i...])) {
            self.timestamp = timestamp
            leadingTime = true
            i += used
        } else if let used = PlainPrefix.timeOfDay(UnsafeBufferPointer(rebasing: text[i...])) {
            leadingTime = true
            i += used
        } else if i == 0, let timestamp = PlainPrefix.accessLogTime(text) {
            // The whole line is the message (host, request and status are what one reads).
            self.timestamp = timestamp
            leadingTime = true
            return
        } else {
            i = 0
        }
        i = PlainPrefix.skipSeparators(text, i)
        // A level in brackets, padded: "[info     ]" (structlog's console renderer).
        if leadingTime, i < text.count, text[i] == UInt8(ascii: "[") {
            var end = i + 1
            while end < text.count, PlainPrefix.isLetter(text[end]) { end += 1 }
            var close = end
            while close < text.count, text[close] == UInt8(ascii: " ") { close += 1 }
            if end > i + 1, close < text.count, text[close] == UInt8(ascii: "]"),
               let severity = Severity(text: UnsafeBufferPointer(rebasing: text[(i + 1)..<end])) {
                self.severity = severity
                i = PlainPrefix.skipSeparators(text, close + 1)
                messageStart = i
                return
            }
        }
        // A level word: letters, then a separator (Celery writes "INFO/MainProcess]").
        var end = i
        while end < text.count, PlainPrefix.isLetter(text[end]) { end += 1 }
        if end > i, end - i <= 8, end == text.count || PlainPrefix.isLevelTerminator(text[end]) {
            let word = UnsafeBufferPointer(rebasing: text[i..<end])
            // Without a timestamp: an upper-case word, or the four-letter levels of .NET's
            // console logger ("info: Category[0]").
            let acceptable = leadingTime || word.allSatisfy { $0 >= 65 && $0 <= 90 }
                || (end - i == 4 && end < text.count && text[end] == UInt8(ascii: ":") && PlainPrefix.isDotNetLevel(word))
            if acceptable, end - i >= (leadingTime ? 1 : 4), let severity = Severity(text: word) {
                self.severity = severity
                if !leadingTime, i == 0, PlainPrefix.isPythonHead(text, levelEnd: end) { leadingTime = true }
                i = end
                if i < text.count, text[i] == UInt8(ascii: "/") {
                    // Celery: "INFO/ForkPoolWorker-2]" — skip the process name.
                    while i < text.count, text[i] != UInt8(ascii: "]"), text[i] != UInt8(ascii: " ") { i += 1 }
                }
                i = PlainPrefix.skipSeparators(text, i)
            }
        }
        messageStart = (leadingTime || severity != nil) ? i : 0
        if severity == nil { severity = PlainPrefix.levelWithin(text) }
    }

    /// `I, [2026-01-14T10:00:00.010311 #5921]  INFO -- progname: message` (Ruby's Logger).
    private static func rubyLogger(_ text: UnsafeBufferPointer<UInt8>) -> PlainPrefix? {
        guard let (timestamp, used) = Timestamp.parsePrefix(UnsafeBufferPointer(rebasing: text[4...])) else { return nil }
        var i = 4 + used
        while i < text.count, text[i] != UInt8(ascii: "]") { i += 1 }
        guard i < text.count else { return nil }
        i += 1
        while i < text.count, text[i] == UInt8(ascii: " ") { i += 1 }
        var end = i
        while end < text.count, PlainPrefix.isLetter(text[end]) { end += 1 }
        var prefix = PlainPrefix()
        prefix.timestamp = timestamp
        prefix.leadingTime = true
        prefix.severity = Severity(text: UnsafeBufferPointer(rebasing: text[i..<end]))
        // " -- progname: "
        var j = end
        if j + 4 <= text.count, text[j] == UInt8(ascii: " "), text[j + 1] == UInt8(ascii: "-"), text[j + 2] == UInt8(ascii: "-") {
            j += 3
            while j < text.count, text[j] != UInt8(ascii: ":") { j += 1 }
            if j < text.count { j += 1 }
            if j < text.count, text[j] == UInt8(ascii: " ") { j += 1 }
        }
        prefix.messageStart = min(j, text.count)
        return prefix
    }

    private init() {}

    /// `I0114 10:00:00.000000    7 controller.go:42] message`: klog's header (Kubernetes
    /// components, ingress-nginx, glog), its level letter I, W, E or F.
    private static func klog(_ text: UnsafeBufferPointer<UInt8>) -> PlainPrefix? {
        let severity: Severity
        switch text[0] {
        case UInt8(ascii: "I"): severity = .info
        case UInt8(ascii: "W"): severity = .warn
        case UInt8(ascii: "E"): severity = .error
        case UInt8(ascii: "F"): severity = .fatal
        default: return nil
        }
        guard text[1] >= UInt8(ascii: "0"), text[1] <= UInt8(ascii: "1"),
              let (timestamp, used) = Timestamp.parseKlog(UnsafeBufferPointer(rebasing: text[1...]))
        else { return nil }
        var prefix = PlainPrefix()
        prefix.timestamp = timestamp
        prefix.leadingTime = true
        prefix.severity = severity
        // "    7 file.go:42] ": the thread id and source position end with "] ".
        var i = 1 + used
        let limit = min(text.count, i + 128)
        while i < limit, text[i] != UInt8(ascii: "]") { i += 1 }
        prefix.messageStart = i + 1 < text.count && i < limit ? skipSeparators(text, i + 1) : 1 + used
        return prefix
    }

    /// After an upper-case level word at the start: `:logger.name:` (no spaces), as Python's
    /// logging writes `%(levelname)s:%(name)s:%(message)s`.
    private static func isPythonHead(_ text: UnsafeBufferPointer<UInt8>, levelEnd: Int) -> Bool {
        guard levelEnd < text.count, text[levelEnd] == UInt8(ascii: ":") else { return false }
        var i = levelEnd + 1
        while i < text.count, i - levelEnd <= 128 {
            let byte = text[i]
            if byte == UInt8(ascii: ":") { return true }
            guard isWordByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") else { return false }
            i += 1
        }
        return false
    }

    /// The time of an access log line: `host ident user [dd/Mon/yyyy:HH:MM:SS ±zzzz]` — three
    /// words without spaces, then the time in brackets (NCSA common and combined formats,
    /// nginx's and Apache's defaults).
    static func accessLogTime(_ text: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard text.count > 30, let first = text.first,
              (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || isLetter(first) || first == UInt8(ascii: ":")
        else { return nil }
        var i = 0
        for _ in 0..<3 {
            let start = i
            while i < text.count, i < 256, text[i] != UInt8(ascii: " ") { i += 1 }
            guard i > start, i < text.count, text[i] == UInt8(ascii: " ") else { return nil }
            i += 1
        }
        guard i < text.count, text[i] == UInt8(ascii: "[") else { return nil }
        guard let (timestamp, used) = Timestamp.parsePrefix(UnsafeBufferPointer(rebasing: text[(i + 1)...])),
              i + 1 + used < text.count, text[i + 1 + used] == UInt8(ascii: "]") else { return nil }
        return timestamp
    }

    /// The length of `HH:MM:SS` (with a `.fraction` or `,fraction`) and a closing `]` when in
    /// brackets; nil when the text does not start so.
    static func timeOfDay(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard text.count >= 8 else { return nil }
        func digit(_ index: Int) -> Bool { text[index] >= UInt8(ascii: "0") && text[index] <= UInt8(ascii: "9") }
        guard digit(0), digit(1), text[2] == UInt8(ascii: ":"), digit(3), digit(4), text[5] == UInt8(ascii: ":"),
              digit(6), digit(7) else { return nil }
        var i = 8
        if i + 1 < text.count, text[i] == UInt8(ascii: ".") || text[i] == UInt8(ascii: ","), digit(i + 1) {
            i += 1
            while i < text.count, digit(i) { i += 1 }
        }
        guard i == text.count || !PlainPrefix.isLetter(text[i]) || text[i] == UInt8(ascii: "Z") else { return nil }
        return i
    }

    /// A level written somewhere in the head of the line (see the type's discussion).
    static func levelWithin(_ text: UnsafeBufferPointer<UInt8>) -> Severity? {
        let limit = min(text.count, 160)
        var i = 0
        while i < limit {
            guard PlainPrefix.isLetter(text[i]), i == 0 || !PlainPrefix.isWordByte(text[i - 1]) else {
                i += 1
                continue
            }
            var end = i
            while end < text.count, PlainPrefix.isLetter(text[end]) { end += 1 }
            defer { i = end }
            let length = end - i
            guard length >= 3, length <= 9, end == text.count || !PlainPrefix.isWordByte(text[end]) else { continue }
            let word = UnsafeBufferPointer(rebasing: text[i..<end])
            let before = i > 0 ? text[i - 1] : 0
            let after = end < text.count ? text[end] : 0
            let upper = word.allSatisfy { $0 >= 65 && $0 <= 90 }
            let bracketed = before == UInt8(ascii: "[") && after == UInt8(ascii: "]")
            let keyed = before == UInt8(ascii: "=") && i >= 3 && PlainPrefix.isLevelKey(UnsafeBufferPointer(rebasing: text[..<(i - 1)]))
            let colon = after == UInt8(ascii: ":") && end + 1 < text.count && text[end + 1] == UInt8(ascii: " ")
                && (before == UInt8(ascii: " ") || before == 0)
            guard upper || bracketed || keyed || colon, let severity = Severity(text: word), length > 1 else { continue }
            // A lower-case word before ": " only when it is a full level name.
            if colon, !upper, !bracketed, !keyed, !PlainPrefix.isFullLevelName(word) { continue }
            return severity
        }
        return nil
    }

    /// Whether `text` ends with a key that holds a level: `level`, `lvl`, `at`, `severity`.
    private static func isLevelKey(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        for key in levelKeys where text.count >= key.utf8CodeUnitCount {
            let length = key.utf8CodeUnitCount
            let tail = UnsafeBufferPointer(rebasing: text[(text.count - length)...])
            if tail.hasBytes(of: key), tail.count == text.count || !PlainPrefix.isWordByte(text[text.count - length - 1]) {
                return true
            }
        }
        return false
    }

    private static func isFullLevelName(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        fullLevelNames.contains { word.hasBytes(of: $0) }
    }

    private static let levelKeys: [StaticString] = ["level", "lvl", "at", "severity", "loglevel"]
    private static let fullLevelNames: [StaticString] = ["debug", "info", "notice", "warn", "warning", "error", "critical", "fatal"]
    private static let dotNetLevels: [StaticString] = ["trce", "dbug", "info", "warn", "fail", "crit"]

    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    static func isDotNetLevel(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        dotNetLevels.contains { word.hasBytes(of: $0) }
    }

    @inline(__always)
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    @inline(__always)
    static func isLevelTerminator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "|") || byte == UInt8(ascii: "\t")
    }

    static func skipSeparators(_ text: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        var i = from
        while i < text.count {
            switch text[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: ":"), UInt8(ascii: "]"),
                UInt8(ascii: "|"), UInt8(ascii: ","), UInt8(ascii: "-"):
                i += 1
            default:
                return i
            }
        }
        return i
    }
}

extension LineShape {
    /// A line of a Go crash dump: `created by …`, `exit status N`, `[signal …]`, or a frame —
    /// a function name (package path, receiver and dots allowed) and its arguments in
    /// parentheses, nothing after them.
    static func isDumpLine(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        for head in ["created by ", "exit status ", "[signal "] where text.count >= head.utf8.count {
            if UnsafeBufferPointer(rebasing: text[0..<head.utf8.count]).elementsEqual(head.utf8) { return true }
        }
        guard text.last == UInt8(ascii: ")"), let open = text.firstIndex(of: UInt8(ascii: "(")), open > 0 else { return false }
        var hasDot = false
        for byte in text[..<open] {
            if byte == UInt8(ascii: ".") { hasDot = true }
            guard PlainPrefix.isWordByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "*")
                || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "-") else { return false }
        }
        return hasDot
    }

    /// `ValueError`, `java.lang.IllegalStateException`, `requests.exceptions.HTTPError`: a
    /// qualified name, or one ending as exception types do — not any `word:` (`worker: Warm
    /// shutdown`).
    static func namesAnException(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        if name.contains(UInt8(ascii: ".")) { return true }
        for suffix in ["Error", "Exception", "Warning", "Exit", "Interrupt", "Fault", "Failure", "Throwable"]
        where name.count >= suffix.utf8.count {
            if UnsafeBufferPointer(rebasing: name[(name.count - suffix.utf8.count)...]).elementsEqual(suffix.utf8) { return true }
        }
        return false
    }

    private static let tracebackHeaders: [[UInt8]] = [
        Array("Traceback (most recent call last):".utf8),
        Array("During handling of the above exception".utf8),
        Array("The above exception was the direct cause".utf8),
        Array("Caused by: ".utf8),
    ]

    /// Lines that go on the record before them whatever they hold: the X-Ray line AWS Lambda
    /// writes under its `REPORT` line.
    private static let continuationHeads: [[UInt8]] = [Array("XRAY TraceId: ".utf8)]

    /// Go's crash output: `panic: …`, `fatal error: …`, `goroutine 7 [running]:`.
    private static let dumpHeaders: [[UInt8]] = [
        Array("panic: ".utf8), Array("fatal error: ".utf8), Array("goroutine ".utf8),
    ]

    /// The shape of a text that does not start with a timestamp.
    static func of(_ text: UnsafeBufferPointer<UInt8>) -> LineShape {
        guard let first = text.first else { return .blank }
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            return text.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } ? .blank : .indented
        }
        if first == UInt8(ascii: "T") || first == UInt8(ascii: "D") || first == UInt8(ascii: "C") {
            for header in tracebackHeaders where text.count >= header.count {
                if UnsafeBufferPointer(rebasing: text[0..<header.count]).elementsEqual(header) {
                    return .tracebackHeader
                }
            }
        }
        if first == UInt8(ascii: "X") {
            for head in continuationHeads where text.count >= head.count
                && UnsafeBufferPointer(rebasing: text[0..<head.count]).elementsEqual(head) {
                return .indented
            }
        }
        if first == UInt8(ascii: "p") || first == UInt8(ascii: "f") || first == UInt8(ascii: "g") {
            for header in dumpHeaders where text.count >= header.count {
                guard UnsafeBufferPointer(rebasing: text[0..<header.count]).elementsEqual(header) else { continue }
                // "goroutine 7 [running]:" — not any sentence that starts with the word.
                if header.first == UInt8(ascii: "g") {
                    guard text.last == UInt8(ascii: ":"), text.contains(UInt8(ascii: "[")) else { continue }
                }
                return .dumpHeader
            }
        }
        if isDumpLine(text) { return .dumpLine }
        // module.ExceptionName: message   |   ExceptionName
        guard PlainPrefix.isLetter(first) || first == UInt8(ascii: "_") else { return .ordinary }
        var i = 1
        while i < text.count {
            let byte = text[i]
            if PlainPrefix.isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            {
                i += 1
                continue
            }
            break
        }
        if i == text.count { return .exceptionLine }
        if text[i] == UInt8(ascii: ":"), i + 1 == text.count || text[i + 1] == UInt8(ascii: " "),
           LineShape.namesAnException(UnsafeBufferPointer(rebasing: text[0..<i])) {
            return .exceptionLine
        }
        return .ordinary
    }
}
