/// What is known about the last record of one stream (one file, or one journald writer), for
/// deciding whether the next line continues it.
public struct StreamContext: Sendable {
    /// A record has been started in this stream.
    public var hasRecord = false
    /// The record's first line began with a timestamp: then lines that do not are its
    /// continuation.
    public var recordHadTimestamp = false
    /// A `Traceback …` header was seen in the current record and no ordinary line since.
    public var inTraceback = false
    /// A crash dump began in the current record (Go's `panic:`): every untimed line, blank
    /// ones too, belongs to it.
    public var inDump = false

    public init() {}
}

/// Decides whether a line continues the record before it (a Python traceback, an indented
/// continuation, a message split over several lines) instead of starting one.
///
/// Only plain text and journald messages continue records; a JSON or logfmt line, a line that
/// begins with a timestamp, and a line malformed in its apparent format always start one.
public enum ContinuationRule {
    public static func continues(_ line: DecodedLine, after context: StreamContext) -> Bool {
        guard context.hasRecord, line.problem == nil, !line.leadingTimestamp else { return false }
        guard line.format == .plain || line.format == .journald else { return false }
        switch line.shape {
        case .indented, .tracebackHeader:
            return true
        case .dumpHeader, .dumpLine:
            // A dump goes on its record when that record is timed (the log line before the
            // crash) or is the dump; after an untimed line it starts a record of its own.
            return context.inDump || context.recordHadTimestamp
        case .blank:
            // After a timed record a blank line waits for the line after it (see
            // ``blankLineWaits(after:)``).
            return context.inTraceback || context.inDump
        case .exceptionLine:
            return context.inTraceback || context.inDump || context.recordHadTimestamp
        case .ordinary:
            return context.recordHadTimestamp
        }
    }

    /// Whether a blank line after this record waits for the next line to decide: Spring and
    /// Logback write a stack trace between blank lines under its timed line, where a blank line
    /// before an ordinary line ends the record.
    public static func blankLineWaits(after context: StreamContext) -> Bool {
        context.hasRecord && context.recordHadTimestamp && !context.inTraceback && !context.inDump
    }

    /// Whether `line`, continuing a record, takes the blank lines before it into the record too:
    /// an exception line, a frame, a traceback or dump header.
    public static func bridgesBlankLines(_ line: DecodedLine) -> Bool {
        switch line.shape {
        case .exceptionLine, .indented, .tracebackHeader, .dumpHeader, .dumpLine: true
        case .ordinary, .blank: false
        }
    }

    /// Whether `line` starts a record whatever came before it: a cut between two chunks of a
    /// file can be made before such a line.
    public static func startsRecord(_ line: DecodedLine) -> Bool {
        line.problem != nil || line.leadingTimestamp || (line.format != .plain && line.format != .journald)
    }

    /// The context after `line`, which started a record (`continued == false`) or continued one.
    public static func update(_ context: inout StreamContext, with line: DecodedLine, continued: Bool) {
        if !continued {
            context.hasRecord = true
            context.recordHadTimestamp = line.leadingTimestamp
            context.inTraceback = false
            context.inDump = false
        }
        // A traceback goes on through its exception line, and through blank lines to a chained
        // traceback ("During handling of the above exception…"); anything else ends it.
        switch line.shape {
        case .tracebackHeader: context.inTraceback = true
        case .dumpHeader: context.inDump = true
        case .indented, .blank, .exceptionLine, .dumpLine: break
        case .ordinary: context.inTraceback = false
        }
    }
}
