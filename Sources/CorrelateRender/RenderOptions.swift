public import CorrelateModel

/// Which log records a rendering shows with a trace.
public enum LogSelection: String, Sendable, CaseIterable {
    /// None: spans only.
    case none
    /// The trace's own records: those that carry its trace id, or the job id of one of its
    /// spans (the default).
    case linked
    /// Those, and for a bundle the records of the alert's window that carry no trace id.
    case all
}

/// How the people-facing renderings (text waterfall, Markdown, HTML) present a trace: its log
/// records (which, how many, how long), and the links out to other tools. The JSON renderings
/// take none of this: they keep every record.
public struct RenderOptions: Sendable {
    /// Terminal columns the text waterfall fits in (``minimumWidth`` to ``maximumWidth``).
    public var width: Int
    /// ANSI colour in the text waterfall.
    public var colour: Bool
    /// Whole messages, wrapped, and tracebacks opened, instead of one line per record.
    public var full: Bool
    public var logs: LogSelection
    /// Only records of these services (case-insensitive; empty: every service). A record
    /// without a service of its own takes its span's.
    public var services: [String]
    /// Only records at or above this severity (records without one are kept).
    public var minimumSeverity: Severity?
    /// At most this many records under one span (and among the records under no span), the
    /// errors and warnings first; nil: all of them.
    public var logsPerSpan: Int?
    /// Links out for each trace (Jaeger, Tempo, Grafana…).
    public var traceLinks: [TraceLinkTemplate]

    /// The narrowest waterfall drawn: a name, a bar of 10 cells and a duration.
    public static let minimumWidth = 40
    /// The widest: lines are built whole in memory, so a width from a mistyped `--width` or
    /// `$COLUMNS` (a billion columns) is held here.
    public static let maximumWidth = 1000
    /// The default of ``logsPerSpan``.
    public static let defaultLogsPerSpan = 10

    public init(
        width: Int = 120, colour: Bool = false, full: Bool = false, logs: LogSelection = .linked,
        services: [String] = [], minimumSeverity: Severity? = nil,
        logsPerSpan: Int? = RenderOptions.defaultLogsPerSpan, traceLinks: [TraceLinkTemplate] = []
    ) {
        self.width = min(RenderOptions.maximumWidth, max(RenderOptions.minimumWidth, width))
        self.colour = colour
        self.full = full
        self.logs = logs
        self.services = services
        self.minimumSeverity = minimumSeverity
        self.logsPerSpan = logsPerSpan
        self.traceLinks = traceLinks
    }
}

/// A link out to another tool for a trace: a URL template with placeholders, and a label.
///
/// Placeholders (each written `{name}`):
/// - `{trace_id}` — the 32 lowercase hex digits (W3C Trace Context `trace-id`);
/// - `{start_ms}`, `{end_ms}` — the trace's start and end, Unix milliseconds (Grafana's
///   `from`/`to`), widened by a minute each side;
/// - `{start_us}`, `{end_us}` — the same in microseconds (Jaeger's `start`/`end`);
/// - `{start}`, `{end}` — the same as RFC 3339 (`2026-11-25T08:31:26Z`).
///
/// `https://jaeger.example/trace/{trace_id}` and
/// `Tempo=https://grafana.example/explore?left={"queries":[{"query":"{trace_id}"}]}` are
/// templates; the label is the part before the first `=` when that part is a bare word, else
/// the URL's host.
public struct TraceLinkTemplate: Sendable, Equatable {
    public var label: String
    public var template: String

    public static let placeholders = ["trace_id", "start_ms", "end_ms", "start_us", "end_us", "start", "end"]

    /// A template that cannot be used: `position` is the 1-based character of `text` where the
    /// fault is.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var text: String
        public var position: Int
        public var reason: String
        public var description: String { "trace link '\(text)', character \(position): \(reason)" }

        public init(text: String, position: Int, reason: String) {
            self.text = text
            self.position = position
            self.reason = reason
        }
    }

    /// Reads `[LABEL=]URL`. The URL must be http(s) and use only the placeholders above,
    /// `{trace_id}` among them.
    public init(parsing text: String) throws {
        var label: String?
        var url = Substring(text)
        var offset = 0
        if let equals = text.firstIndex(of: "="), !text[..<equals].isEmpty,
           text[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == " " }) {
            label = String(text[..<equals])
            url = text[text.index(after: equals)...]
            offset = text.distance(from: text.startIndex, to: equals) + 1
        }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw Invalid(text: text, position: offset + 1, reason: "a link must start with http:// or https://")
        }
        var sawTraceID = false
        var index = url.startIndex
        while let open = url[index...].firstIndex(of: "{") {
            // JSON in a Grafana URL has its own braces: only `{word}` with a known word is a
            // placeholder, and an unknown `{word}` (letters and underscores only) is a typo.
            guard let close = url[open...].firstIndex(of: "}") else { break }
            let name = url[url.index(after: open)..<close]
            if TraceLinkTemplate.placeholders.contains(String(name)) {
                if name == "trace_id" { sawTraceID = true }
            } else if !name.isEmpty, name.allSatisfy({ $0.isLowercase || $0 == "_" }) {
                let position = offset + url.distance(from: url.startIndex, to: open) + 1
                throw Invalid(text: text, position: position, reason: "unknown placeholder {\(name)}; known: "
                    + TraceLinkTemplate.placeholders.map { "{\($0)}" }.joined(separator: ", "))
            }
            index = url.index(after: open)
        }
        guard sawTraceID else {
            throw Invalid(text: text, position: offset + 1, reason: "the link has no {trace_id}")
        }
        self.template = String(url)
        self.label = label ?? TraceLinkTemplate.host(of: String(url))
    }

    public init(label: String, template: String) {
        self.label = label
        self.template = template
    }

    /// The link for a trace that ran from `start` to `end`.
    public func url(traceID: TraceID, start: Timestamp, end: Timestamp) -> String {
        let minute: Int64 = 60_000_000_000
        let from = start.advanced(by: -minute), to = end.advanced(by: minute)
        func seconds(_ time: Timestamp) -> String { String(time.description.prefix(19)) + "Z" }
        var out = template
        for (name, value) in [
            ("trace_id", traceID.description),
            ("start_ms", String(from.nanoseconds / 1_000_000)), ("end_ms", String(to.nanoseconds / 1_000_000)),
            ("start_us", String(from.nanoseconds / 1_000)), ("end_us", String(to.nanoseconds / 1_000)),
            ("start", seconds(from)), ("end", seconds(to)),
        ] {
            out = out.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return out
    }

    static func host(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        return String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != ":" })
    }
}
