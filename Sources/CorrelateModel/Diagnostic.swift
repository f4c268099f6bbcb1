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

    /// The fixed multi-line rendering, without colour. Control characters from input are shown
    /// escaped (``Swift/String/escapingControlCharacters``), and a long source line is shown
    /// as the part around the caret.
    public var description: String {
        var lines = ["\(level.rawValue): \(message.escapingControlCharacters)"]
        if let location { lines.append("  --> \(location.description.escapingControlCharacters)") }
        if let snippet {
            let (shown, caret) = Self.window(snippet, column: location?.column)
            lines.append("   | \(shown)")
            if let caret {
                lines.append("   | " + String(repeating: " ", count: caret) + "^" + (caretLabel.map { " \($0)" } ?? ""))
            }
        }
        if let help { lines.append("   = help: \(help)") }
        return lines.joined(separator: "\n")
    }

    /// A source line longer than this is shown as the part around the caret, this many
    /// characters on each side.
    static let snippetRadius = 80

    /// The part of `line` around 1-based `column` as shown (escaped, cut with "…"), and where
    /// the caret goes in it.
    static func window(_ line: String, column: Int?) -> (String, Int?) {
        let characters = Array(line)
        let index = column.map { min(max($0 - 1, 0), characters.count) }
        let center = index ?? 0
        let whole = characters.count <= 2 * snippetRadius
        let start = whole || center <= snippetRadius ? 0 : center - snippetRadius
        let end = whole ? characters.count : min(characters.count, max(center, snippetRadius) + snippetRadius)
        var shown = start > 0 ? "…" : ""
        var caret: Int?
        for position in start..<end {
            if position == index { caret = shown.count }
            shown += String(characters[position]).escapingControlCharacters
        }
        if index == end { caret = shown.count }
        if end < characters.count { shown += "…" }
        return (shown, caret)
    }
}
