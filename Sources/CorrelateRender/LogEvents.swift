public import CorrelateModel

/// A log event as people read it: one record, or the same event written by several sources
/// (the worker's text log, its JSON log and the journal) folded into one, with every source
/// kept.
public struct LogEvent: Sendable {
    /// The record shown: of the identical ones, the one with the most lines (a traceback kept
    /// whole), else the first.
    public var record: LogRecord
    public var spanID: SpanID?
    public var via: PlacedLog.Via
    /// Where each folded record was read, the shown record's first.
    public var sources: [SourceLocation]
    /// The message without the prefixes a logging setup adds to repeat what the record already
    /// carries (``LogMessage/stripped(_:)``).
    public var message: String

    /// The first line of ``message``.
    public var firstLine: Substring { message.prefix { !$0.isNewline } }  // CR LF is one Character, not "\n"
}

/// The log events of a trace as a rendering shows them: records chosen by ``RenderOptions``
/// (services, severity), identical records folded (``LogEvent``), grouped by span, and capped
/// per span with the errors and warnings kept first.
public struct TraceLogView: Sendable {
    /// What one span (or the records under no span) shows.
    public struct Group: Sendable {
        /// In time order.
        public var shown: [LogEvent]
        /// Events left out by the cap (``RenderOptions/logsPerSpan``).
        public var hidden: Int
        public var isEmpty: Bool { shown.isEmpty && hidden == 0 }
    }

    private var groups: [SpanID: Group] = [:]
    /// Events placed under no span of the trace.
    public private(set) var loose = Group(shown: [], hidden: 0)
    /// Records of the trace before filtering and folding.
    public let records: Int
    /// Events after filtering and folding (shown and hidden).
    public private(set) var events = 0

    public init(_ analysis: TraceAnalysis, options: RenderOptions) {
        self.init(logs: analysis.logs, spans: analysis.spanIndex, options: options)
    }

    /// The log records of an alert's window that carry no trace id: all of them under no span
    /// (``loose``).
    public init(windowRecords: [LogRecord], options: RenderOptions) {
        self.init(logs: windowRecords.map { PlacedLog(record: $0, spanID: nil, via: .traceID) }, spans: [:], options: options)
    }

    private init(logs: [PlacedLog], spans: [SpanID: Span], options: RenderOptions) {
        records = logs.count
        guard options.logs != .none else { return }
        let services = Set(options.services.map { $0.lowercased() })
        let chosen = logs.filter { placed in
            if let minimum = options.minimumSeverity, let severity = placed.record.severity, severity < minimum { return false }
            if !services.isEmpty {
                let service = placed.record.service ?? placed.spanID.flatMap { spans[$0]?.service }
                guard let service, services.contains(service.lowercased()) else { return false }
            }
            return true
        }
        let folded = LogEvent.fold(chosen)
        events = folded.count
        var bySpan: [SpanID: [LogEvent]] = [:]
        var loose: [LogEvent] = []
        for event in folded {
            if let span = event.spanID, spans[span] != nil {
                bySpan[span, default: []].append(event)
            } else {
                loose.append(event)
            }
        }
        groups = bySpan.mapValues { TraceLogView.capped($0, options.logsPerSpan) }
        self.loose = TraceLogView.capped(loose, options.logsPerSpan)
    }

    /// The events under a span.
    public func group(_ span: SpanID) -> Group { groups[span] ?? Group(shown: [], hidden: 0) }

    /// At most `limit` events, in time order: errors (and worse) first, then warnings, then the
    /// earliest of the rest.
    static func capped(_ events: [LogEvent], _ limit: Int?) -> Group {
        guard let limit, events.count > limit else { return Group(shown: events, hidden: 0) }
        let ranked = events.indices.sorted { a, b in
            let ra = rank(events[a].record.severity), rb = rank(events[b].record.severity)
            return ra != rb ? ra > rb : a < b
        }
        let kept = Set(ranked.prefix(max(0, limit)))
        return Group(shown: events.indices.filter(kept.contains).map { events[$0] }, hidden: events.count - kept.count)
    }

    private static func rank(_ severity: Severity?) -> Int {
        switch severity {
        case .fatal?, .error?: 2
        case .warn?: 1
        default: 0
        }
    }
}

extension LogEvent {
    /// Folds records that are the same event: same time (to the millisecond: some shapes keep
    /// no more), same severity, same first line of their stripped message. The events keep the
    /// records' order (time order in an analysis).
    public static func fold(_ logs: [PlacedLog]) -> [LogEvent] {
        struct Key: Hashable {
            var millisecond: Int64?
            var severity: Severity?
            var firstLine: Substring
        }
        var events: [LogEvent] = []
        var index: [Key: Int] = [:]
        for placed in logs {
            let message = LogMessage.stripped(placed.record.message)
            let key = Key(
                millisecond: placed.record.timestamp.map { $0.nanoseconds / 1_000_000 },
                severity: placed.record.severity, firstLine: message.prefix { !$0.isNewline })
            if let at = index[key] {
                var event = events[at]
                if placed.record.lines > event.record.lines {
                    event.sources.insert(placed.record.source, at: 0)
                    event.record = placed.record
                    event.message = message
                } else {
                    event.sources.append(placed.record.source)
                }
                if event.spanID == nil { event.spanID = placed.spanID }
                events[at] = event
            } else {
                index[key] = events.count
                events.append(LogEvent(record: placed.record, spanID: placed.spanID, via: placed.via, sources: [placed.record.source], message: message))
            }
        }
        return events
    }
}

/// Log message text for people: the parts logging setups add to repeat what a record already
/// carries (its trace context, its level, the header of the line) taken off, long ids
/// shortened where room is short.
public enum LogMessage {
    /// Keys of trace-context fields that logging integrations write into the message
    /// (OpenTelemetry's logging instrumentations for Python, Java, .NET, Erlang/Elixir;
    /// Datadog's and Dynatrace's log injection; Elastic ECS; Micrometer Tracing and Sleuth MDC;
    /// NLog and Serilog enrichers).
    static let contextKeys: Set<String> = [
        "trace_id", "span_id", "trace_flags", "trace_sampled", "traceid", "spanid", "traceflags",
        "otelTraceID", "otelSpanID", "otelTraceSampled", "otelServiceName",
        "otel_trace_id", "otel_span_id", "otel_trace_flags",
        "resource.service.name", "service.name",
        "dd.trace_id", "dd.span_id", "dd.service", "dd.env", "dd.version",
        "dt.trace_id", "dt.span_id", "dt.trace_sampled", "dt.entity.host", "dt.entity.process_group_instance",
        "trace.id", "span.id", "transaction.id", "traceId", "spanId", "parentId",
        "TraceId", "SpanId", "ParentId", "TraceFlags", "traceparent", "tracestate",
    ]

    /// The message without what repeats the record's own fields:
    /// - leading bracket groups up to one of trace-context fields
    ///   (`[jobs.worker] [tasks.py:61] [trace_id=… span_id=… …] - `, `[dd.service=… dd.trace_id=…] `);
    /// - a leading run of such fields (`trace_id=0 span_id=0 …`), and a header that ends in
    ///   such fields and ` - ` (Log4j2's `[thread] LEVEL logger trace_id=… span_id=… - `);
    /// - a trailing run of such fields (`… span_id=… trace_id=…`, NLog's and Serilog's
    ///   `|TraceId=…|SpanId=…`, syslog structured data `[otel trace_id="…"]`);
    /// - Spring Boot's line header (`PID --- [app] [thread] [trace-span] logger : `);
    /// - .NET's console logger category line and `=> SpanId:…, TraceId:…` scope lines;
    /// - Celery's task-logger prefix `task.name[job-id]: `.
    /// A message that would be left empty is kept whole.
    public static func stripped(_ message: String) -> String {
        var rest = Substring(message)
        rest = dotNetConsole(rest) ?? rest
        var changed = true
        var rounds = 0
        while changed, rounds < 8 {
            changed = false
            rounds += 1
            let trimmed = rest.drop { $0 == " " }
            if let after = bracketsThroughContext(trimmed) ?? leadingFields(trimmed) ?? springBootHeader(trimmed)
                ?? headerThroughContext(trimmed) ?? celeryTaskPrefix(trimmed) {
                rest = after
                changed = true
            }
        }
        rest = trailingContext(rest)
        let result = rest.trimmingSpaces
        if result.isEmpty { return message }
        return result.count == message.count ? message : String(result)
    }

    /// Leading `[…]` groups (at most four) of which the last is trace context: what follows.
    private static func bracketsThroughContext(_ text: Substring) -> Substring? {
        var cursor = text
        for _ in 0..<4 {
            guard cursor.first == "[", let close = cursor.firstIndex(of: "]") else { return nil }
            let inside = cursor[cursor.index(after: cursor.startIndex)..<close]
            cursor = cursor[cursor.index(after: close)...]
            if isContext(inside) { return dropSeparator(cursor) }
            cursor = cursor.drop { $0 == " " }
        }
        return nil
    }

    /// A leading run of context fields (then a `[level]` as Elixir writes it): what follows.
    private static func leadingFields(_ text: Substring) -> Substring? {
        var cursor = text
        var fields: [Substring] = []
        while true {
            let end = cursor.firstIndex(of: " ") ?? cursor.endIndex
            let field = cursor[..<end]
            guard !field.isEmpty, isContextField(field) else { break }
            fields.append(field)
            cursor = cursor[end...].drop { $0 == " " }
        }
        guard !fields.isEmpty, namesTraceOrSpan(fields), !cursor.isEmpty else { return nil }
        if cursor.first == "[", let close = cursor.firstIndex(of: "]"), cursor.distance(from: cursor.startIndex, to: close) <= 10,
           Severity(text: String(cursor[cursor.index(after: cursor.startIndex)..<close])) != nil {
            cursor = cursor[cursor.index(after: close)...]
        }
        return dropSeparator(cursor)
    }

    /// A header of at most 200 characters ending in context fields and ` - `: what follows.
    private static func headerThroughContext(_ text: Substring) -> Substring? {
        guard let dash = text.prefix(240).range(of: " - ") else { return nil }
        let head = text[..<dash.lowerBound]
        let words = head.split(separator: " ")
        var fields: [Substring] = []
        for word in words.reversed() {
            guard isContextField(word) else { break }
            fields.append(word)
        }
        guard !fields.isEmpty, namesTraceOrSpan(fields) else { return nil }
        return text[dash.upperBound...]
    }

    /// Spring Boot's `LEVEL PID --- [app] [thread] [trace-span] logger : ` (with or without
    /// the level, the application and the correlation id): what follows.
    private static func springBootHeader(_ text: Substring) -> Substring? {
        guard let dashes = text.prefix(120).range(of: " --- ["),
              text[..<dashes.lowerBound].split(separator: " ").allSatisfy({ $0.allSatisfy(\.isNumber) || Severity(text: String($0)) != nil || $0.hasPrefix("[") }),
              let colon = text[dashes.upperBound...].prefix(300).range(of: " : ") else { return nil }
        return text[colon.upperBound...]
    }

    /// .NET's simple console logger: `Category[EventId]` on the first line, scope lines
    /// `=> SpanId:…, TraceId:…`, the message indented: the message lines.
    private static func dotNetConsole(_ text: Substring) -> Substring? {
        let lines = text.splitLines()
        guard lines.count >= 2, let first = lines.first, first.hasSuffix("]"), let open = first.lastIndex(of: "["),
              first[first.index(after: open)..<first.index(before: first.endIndex)].allSatisfy(\.isNumber),
              !first[..<open].contains(" ") else { return nil }
        let body = lines.dropFirst().filter { !$0.drop { $0 == " " }.hasPrefix("=> ") }
        guard !body.isEmpty else { return nil }
        return Substring(body.map { $0.hasPrefix("      ") ? $0.dropFirst(6) : $0 }.joined(separator: "\n"))
    }

    /// Trailing context: fields (` span_id=… trace_id=…`), pipes (`|TraceId=…|SpanId=…`), a
    /// syslog structured-data element of them (`[otel trace_id="…" span_id="…"]`).
    private static func trailingContext(_ text: Substring) -> Substring {
        var rest = text
        var trimmed = true
        while trimmed {
            trimmed = false
            let end = rest.trimmingSpaces
            // |Key=value
            if let bar = end.lastIndex(where: { $0 == "|" }), isContextField(end[end.index(after: bar)...]) {
                rest = end[..<bar]
                trimmed = true
                continue
            }
            if end.last == "]", let open = end.lastIndex(of: "[") {
                let inside = end[end.index(after: open)..<end.index(before: end.endIndex)]
                let fields = inside.split(separator: " ").dropFirst()
                if !fields.isEmpty, fields.allSatisfy(isContextField), namesTraceOrSpan(Array(fields)), open > end.startIndex {
                    rest = end[..<open]
                    trimmed = true
                    continue
                }
            }
            if let space = end.lastIndex(where: { $0 == " " || $0.isNewline }), isContextField(end[end.index(after: space)...]),
               namesTraceOrSpan([end[end.index(after: space)...]]) || rest.split(separator: " ").suffix(2).allSatisfy(isContextField) {
                rest = end[..<space]
                trimmed = true
            }
        }
        return rest
    }

    /// Canonical UUIDs (`c4f43205-10bc-4621-92d1-00ea826c6f80`) cut to their first 8 digits
    /// and `…`: for one line of a waterfall, where the job id is the span's anyway.
    public static func shorteningUUIDs(_ text: Substring) -> String {
        var out = ""
        var index = text.startIndex
        let utf8 = Array(text.utf8)
        var byte = 0
        var copiedFrom = text.startIndex
        while byte + 36 <= utf8.count {
            if isUUID(utf8, at: byte), byte == 0 || !isHex(utf8[byte - 1]), byte + 36 == utf8.count || !isHex(utf8[byte + 36]) {
                index = text.utf8.index(text.utf8.startIndex, offsetBy: byte)
                out += text[copiedFrom..<index]
                out += String(decoding: utf8[byte..<byte + 8], as: UTF8.self) + "…"
                byte += 36
                copiedFrom = text.utf8.index(text.utf8.startIndex, offsetBy: byte)
            } else {
                byte += 1
            }
        }
        if copiedFrom == text.startIndex { return String(text) }
        out += text[copiedFrom...]
        return out
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)
    }

    private static func isUUID(_ bytes: [UInt8], at start: Int) -> Bool {
        for offset in 0..<36 {
            let byte = bytes[start + offset]
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !isHex(byte) {
                return false
            }
        }
        return true
    }

    private static func isContextField(_ field: Substring) -> Bool {
        guard let equals = field.firstIndex(of: "=") ?? field.firstIndex(of: ":") else { return false }
        var key = field[..<equals]
        if key.first == "!" { key = key.dropFirst() }
        return contextKeys.contains(String(key))
    }

    /// `trace_id=… span_id=…` (space or comma separated) with at least one trace or span id key.
    private static func isContext(_ inside: Substring) -> Bool {
        let fields = inside.split { $0 == " " || $0 == "," }.filter { $0 != "!dt" }
        guard !fields.isEmpty, fields.allSatisfy(isContextField) else { return false }
        return namesTraceOrSpan(fields)
    }

    private static func namesTraceOrSpan(_ fields: [Substring]) -> Bool {
        fields.contains { field in
            let key = field.prefix { $0 != "=" }.lowercased()
            return key.contains("trace") || key.contains("span")
        }
    }

    private static func dropSeparator(_ text: Substring) -> Substring {
        var rest = text.drop { $0 == " " }
        for separator in ["- ", ": ", "| "] where rest.hasPrefix(separator) {
            rest = rest.dropFirst(separator.count)
            break
        }
        return rest
    }

    /// `jobs.tasks.export_report[c4f43205-…]: ` (Celery's task logger) → what follows.
    private static func celeryTaskPrefix(_ text: Substring) -> Substring? {
        guard let open = text.firstIndex(of: "["), open > text.startIndex,
              text[..<open].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }),
              let close = text[open...].firstIndex(of: "]") else { return nil }
        let id = text[text.index(after: open)..<close]
        guard id.count >= 16, id.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
        let after = text[text.index(after: close)...]
        guard after.hasPrefix(": ") else { return nil }
        return after.dropFirst(2)
    }
}

/// Names for where records came from, short enough for a line of a waterfall.
public enum SourceName {
    /// `worker.otel.log:35` for `/var/log/app/worker.otel.log` line 35; `stdin:57` for standard
    /// input (stored as `<stdin …>`).
    public static func short(_ location: SourceLocation) -> String {
        short(file: location.file) + ":\(location.line)"
    }

    /// The file's last component; `stdin` for standard input.
    public static func short(file: String) -> String {
        if file.hasPrefix("<stdin") { return "stdin" }
        return String(file.split(separator: "/").last ?? Substring(file))
    }
}

/// Times for people: the date once in a header, then the time of day; the zone said.
public enum TimeText {
    /// `2026-11-25 08:32:29.409 UTC` (milliseconds left out when zero).
    public static func dateTime(_ time: Timestamp) -> String {
        let text = time.description
        let date = text.prefix(10)
        return date + " " + clock(time, millisecondsWhenZero: false) + " UTC"
    }

    /// `08:32:29.409`; `08:32:29` when the milliseconds are zero and `millisecondsWhenZero` is
    /// false.
    public static func clock(_ time: Timestamp, millisecondsWhenZero: Bool = true) -> String {
        let text = time.description
        let seconds = text.dropFirst(11).prefix(8)
        let milliseconds = text.dropFirst(20).prefix(3)
        if !millisecondsWhenZero, milliseconds == "000", text.dropFirst(23).prefix(3) == "000" { return String(seconds) }
        return seconds + "." + milliseconds
    }
}

/// What a span's attributes say that helps in an incident, for the line under a culprit.
public enum SpanFacts {
    /// Attribute keys worth showing, in order, by OpenTelemetry semantic conventions (the
    /// current name before the older one): the query and its size, the request, the peer, the
    /// queue, the RPC.
    public static let keyAttributes = [
        "db.query.text", "db.statement", "db.system.name", "db.system", "db.operation.name", "db.operation",
        "db.collection.name", "db.sql.table", "db.response.returned_rows", "db.rows_returned", "db.rows_affected",
        "http.request.method", "http.method", "url.full", "http.url", "http.route", "url.path",
        "http.response.status_code", "http.status_code",
        "messaging.system", "messaging.destination.name", "messaging.operation.type", "messaging.message.id",
        "rpc.system", "rpc.service", "rpc.method",
        "server.address", "net.peer.name", "peer.service",
        "error.type", "exception.type",
    ]

    /// The span's key attributes (``keyAttributes``), at most `limit`, the values as text.
    public static func keyAttributes(of span: Span, limit: Int = 6) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        for key in keyAttributes {
            guard out.count < limit, let value = span.attributes[key] else { continue }
            out.append((key, value.text))
        }
        return out
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first.isNewline || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last.isNewline || last == "\t" { text = text.dropLast() }
        return text
    }
}
