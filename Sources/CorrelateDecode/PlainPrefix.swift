import CorrelateModel

/// The conventional head of a plain-text log line: an optional timestamp (possibly in
/// brackets), an optional level word, and where the message begins.
///
/// Recognises, among others:
/// - `2026-11-25 08:32:26,740 INFO [export_api] …` (Python logging's default),
/// - `[2026-11-25 08:32:27,335: INFO/MainProcess] Task … received` (Celery),
/// - `2026-11-25T08:32:26Z ERROR …`, `Nov 25 08:32:26 host app[12]: …` (syslog),
/// - `ERROR: …` (a level word alone, upper case).
struct PlainPrefix {
    var timestamp: Timestamp?
    var severity: Severity?
    var messageStart = 0

    init(_ text: UnsafeBufferPointer<UInt8>) {
        var i = 0
        if i < text.count, text[i] == UInt8(ascii: "[") { i += 1 }
        if let (timestamp, used) = Timestamp.parsePrefix(UnsafeBufferPointer(rebasing: text[i...])) {
            self.timestamp = timestamp
            i += used
        } else {
            i = 0
        }
        i = PlainPrefix.skipSeparators(text, i)
        // A level in brackets, padded: "[info     ]" (structlog's console renderer).
        if timestamp != nil, i < text.count, text[i] == UInt8(ascii: "[") {
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
            let acceptable = timestamp != nil || word.allSatisfy { $0 >= 65 && $0 <= 90 }
                || (end - i == 4 && end < text.count && text[end] == UInt8(ascii: ":") && PlainPrefix.isDotNetLevel(word))
            if acceptable, end - i >= (timestamp != nil ? 1 : 4), let severity = Severity(text: word) {
                self.severity = severity
                i = end
                if i < text.count, text[i] == UInt8(ascii: "/") {
                    // Celery: "INFO/ForkPoolWorker-2]" — skip the process name.
                    while i < text.count, text[i] != UInt8(ascii: "]"), text[i] != UInt8(ascii: " ") { i += 1 }
                }
                i = PlainPrefix.skipSeparators(text, i)
            }
        }
        messageStart = (timestamp != nil || severity != nil) ? i : 0
    }

    static func isDotNetLevel(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        for level in ["trce", "dbug", "info", "warn", "fail", "crit"] where word.elementsEqual(level.utf8) { return true }
        return false
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
    private static let tracebackHeaders: [[UInt8]] = [
        Array("Traceback (most recent call last):".utf8),
        Array("During handling of the above exception".utf8),
        Array("The above exception was the direct cause".utf8),
        Array("Caused by: ".utf8),
    ]

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
        if text[i] == UInt8(ascii: ":"), i + 1 == text.count || text[i + 1] == UInt8(ascii: " ") {
            return .exceptionLine
        }
        return .ordinary
    }
}
