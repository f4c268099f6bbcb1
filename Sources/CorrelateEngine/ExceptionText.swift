import CorrelateModel

/// Reads the exception out of a log record's text: a Python traceback (its last line is
/// `module.Type: message`), a Java or .NET stack (`java.lang.IllegalStateException: message`
/// followed by `\tat …` frames, the last `Caused by:` added to the message as the root cause;
/// `System.InvalidOperationException: message` followed by `   at …`), Go panics (`panic:
/// message` then `goroutine N [running]:`), or Celery's one-line `Task t[id] raised
/// unexpected: Type('message')`.
enum ExceptionText {
    /// (type, message, stack) or nil when the text names no exception.
    static func parse(_ text: String) -> (type: String?, message: String?, stack: String?)? {
        let lines = text.splitLines().map { $0.trimmingTrailingWhitespace() }
        let stack = lines.count > 1 ? lines.dropFirst().joined(separator: "\n") : nil
        // Python: the last line that reads `Type: message` after `Traceback (most recent call last):`.
        if let start = lines.firstIndex(where: { $0.contains("Traceback (most recent call last):") }) {
            for line in lines[start...].reversed() {
                if let (type, message) = typeAndMessage(line, strict: false) { return (type, message, lines[start...].joined(separator: "\n")) }
            }
        }
        // Go.
        if let line = lines.first(where: { $0.hasPrefix("panic: ") }) {
            return ("panic", String(line.dropFirst("panic: ".count)), stack)
        }
        // Java, .NET, and others: the first `Type: message` line, or a bare type before frames.
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            let body = trimmed.hasPrefix("Caused by: ") ? trimmed.dropFirst("Caused by: ".count) : trimmed
            if let (type, message) = typeAndMessage(String(body), strict: true) {
                // Java's root cause: the last `Caused by:` of the stack, said after the message.
                var said = message
                if let cause = lines[(index + 1)...].last(where: { $0.drop { $0 == " " || $0 == "\t" }.hasPrefix("Caused by: ") }) {
                    let text = cause.drop { $0 == " " || $0 == "\t" }.dropFirst("Caused by: ".count)
                    said = (message.map { $0 + " " } ?? "") + "(caused by " + text + ")"
                }
                return (type, said, index + 1 < lines.count ? lines[(index + 1)...].joined(separator: "\n") : nil)
            }
        }
        // Celery: `raised unexpected: Type('message')`.
        if let range = text.range(of: "raised unexpected: ") {
            let rest = text[range.upperBound...].prefix { !$0.isNewline }
            if let open = rest.firstIndex(of: "("), isTypeName(rest[..<open], strict: false) {
                var message = rest[rest.index(after: open)...]
                if message.hasSuffix(")") { message = message.dropLast() }
                if let first = message.first, first == "'" || first == "\"", message.last == first, message.count >= 2 {
                    message = message.dropFirst().dropLast()
                }
                return (String(rest[..<open]), String(message), stack)
            }
        }
        return nil
    }

    /// `pkg.Type: message` or `pkg.Type` (see ``isTypeName(_:strict:)``).
    static func typeAndMessage(_ line: String, strict: Bool) -> (String, String?)? {
        let head = line.prefix { $0 != ":" && $0 != " " }
        guard isTypeName(head, strict: strict) else { return nil }
        let rest = line.dropFirst(head.count)
        if rest.isEmpty { return (String(head), nil) }
        guard rest.hasPrefix(": ") || rest == ":" else { return nil }
        let message = rest.dropFirst(1).drop { $0 == " " }
        return (String(head), message.isEmpty ? nil : String(message))
    }

    /// A dotted name whose last part is capitalised; `strict` (where nothing else says an
    /// exception follows): and ends in Error, Exception, Exit, Interrupt, Fault, Failure or
    /// Timeout.
    static func isTypeName(_ text: Substring, strict: Bool) -> Bool {
        guard let last = text.split(separator: ".").last, let first = last.first, first.isUppercase,
            text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "$" })
        else { return false }
        return !strict || ["Error", "Exception", "Exit", "Interrupt", "Fault", "Failure", "Timeout"].contains { last.hasSuffix($0) }
    }
}

extension Substring {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var slice = self
        while let last = slice.last, last == " " || last == "\r" || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
