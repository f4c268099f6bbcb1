/// A message for the user about their input or configuration, as a value.
///
/// Diagnostics are produced by every stage and rendered in one place (the CLI's
/// `DiagnosticPrinter`), always in the same shape:
///
/// ```
/// error: rule 'traceparent-bare' does not compile: missing closing parenthesis
///   --> rules/w3c_traceparent.yaml:7:39
///    |     pattern: '(?<trace_id>[0-9a-f]{32}'
///    |                                       ^ PCRE2 error 114 at offset 24
///    = help: run `correlate rules test rules/` after fixing the pattern
/// ```
public struct Diagnostic: Sendable, Equatable, Error, CustomStringConvertible {
    public enum Level: String, Sendable {
        case error, warning, note
    }

    public var level: Level
    /// A stable short code, e.g. `rule-does-not-compile`.
    public var code: String
    /// The headline, one sentence without a trailing period.
    public var message: String
    public var location: SourceLocation?
    /// The source line the location points into, shown under the headline.
    public var snippet: String?
    /// A note printed after the caret under `location.column`.
    public var caretLabel: String?
    public var help: String?

    public init(
        _ level: Level, code: String, _ message: String, location: SourceLocation? = nil,
        snippet: String? = nil, caretLabel: String? = nil, help: String? = nil
    ) {
        self.level = level
        self.code = code
        self.message = message
        self.location = location
        self.snippet = snippet
        self.caretLabel = caretLabel
        self.help = help
    }

    /// The fixed multi-line rendering, without colour.
    public var description: String {
        var lines = ["\(level.rawValue): \(message)"]
        if let location { lines.append("  --> \(location)") }
        if let snippet {
            lines.append("   | \(snippet)")
            if let column = location?.column, column >= 1 {
                let pad = String(repeating: " ", count: column - 1)
                lines.append("   | \(pad)^" + (caretLabel.map { " \($0)" } ?? ""))
            }
        }
        if let help { lines.append("   = help: \(help)") }
        return lines.joined(separator: "\n")
    }
}
