/// The shape of a log line. `auto` detects it per line.
public enum LogFormat: String, Sendable, CaseIterable {
    case auto
    /// `journalctl -o json` export entries.
    case journald
    /// One JSON object per line, with common timestamp, level, service and message keys.
    case json
    /// `key=value` pairs, values optionally double-quoted.
    case logfmt
    /// Free text, optionally starting with a timestamp and a level.
    case plain
}

/// A piece of text of a decoded line: a range of the line itself (still JSON- or logfmt-escaped
/// when `escaped`), a range of the decoder's scratch buffer (already decoded), or nothing.
public enum TextRef: Equatable, Sendable {
    case none
    case line(Range<Int>, escaped: Bool)
    case scratch(Range<Int>)

    public var isNone: Bool { self == .none }
}

/// How a line's text begins, as far as joining continuation lines to a record is concerned.
public enum LineShape: Sendable, Equatable {
    /// Nothing special.
    case ordinary
    /// Starts with a space or tab: an indented continuation (traceback frames).
    case indented
    /// Empty or only blanks: a continuation only inside a traceback (between chained ones).
    case blank
    /// `Traceback (most recent call last):` and the chained-exception headers (Python's, and
    /// Java's `Caused by:`).
    case tracebackHeader
    /// The start of a runtime's crash dump, which goes on through blank lines: Go's `panic:`,
    /// `fatal error:` and `goroutine N [state]:`.
    case dumpHeader
    /// A line of such a dump: a frame (`main.process(0x0)`), `created by …`, `[signal …]`,
    /// `exit status N`.
    case dumpLine
    /// `module.ExceptionName: message` — the last line of a Python traceback.
    case exceptionLine
}

/// What the decoder learned from one line.
public struct DecodedLine: Sendable {
    public var format: LogFormat = .plain
    public var timestamp: Timestamp?
    public var severity: Severity?
    public var service: TextRef = .none
    public var host: TextRef = .none
    public var message: TextRef = .none
    /// The text the extraction rules see: the line as the application wrote it (for journald,
    /// the decoded `MESSAGE`).
    public var matchText: TextRef = .none
    /// The log text (plain line or journald `MESSAGE`) began with a timestamp or a time of day.
    public var leadingTimestamp = false
    public var shape: LineShape = .ordinary
    /// Lines from the same writer share a key (journald: unit, identifier and pid); 0 otherwise.
    public var streamKey: UInt64 = 0
    /// Why the line is malformed in its detected format, if it is. A malformed line is still
    /// decoded as plain text so that its ids are not lost.
    public var problem: String?

    public init() {}
}

public import CorrelateModel
