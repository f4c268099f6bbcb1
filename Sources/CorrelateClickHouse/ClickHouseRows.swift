import CorrelateJSON
import CorrelateModel
import Foundation

/// Spans and log records as the Collector's `clickhouseexporter` writes them (JSONEachRow rows
/// of `otel_traces` and `otel_logs`), and back.
///
/// Writing: `Timestamp` as the number `seconds.nanoseconds`; ids as lowercase hex (`TraceId` 32 digits,
/// `SpanId` 16, an absent parent as ""); `SpanKind` and `StatusCode` spelled as the exporter
/// spells them today (`Consumer`, `Error`); attribute values as text (`AsString`: numbers and
/// booleans as written, arrays and maps as JSON); `Events`/`Links` as the Nested columns'
/// arrays. A log record keeps correlate's own facts in `LogAttributes` under the keys of
/// ``LogKeys``.
///
/// Reading takes both spellings of kinds and statuses (`Consumer`, `SPAN_KIND_CONSUMER`).
enum ClickHouseRows {
    /// A `DateTime64(9)` value as a JSON number of seconds with nine decimals, which ClickHouse
    /// reads exactly and without a time zone (a quoted one of fewer than ten integer digits is
    /// read as a date).
    static func time(_ out: JSONWriter, _ time: Timestamp) {
        let nanoseconds = max(0, time.nanoseconds)
        out.int(Int(nanoseconds / 1_000_000_000))
        out.byte(UInt8(ascii: "."))
        let fraction = String(nanoseconds % 1_000_000_000)
        for _ in fraction.utf8.count..<9 { out.byte(UInt8(ascii: "0")) }
        for digit in fraction.utf8 { out.byte(digit) }
    }

    static func map(_ out: JSONWriter, _ attributes: [Attribute]) {
        out.byte(UInt8(ascii: "{"))
        var first = true
        forEachEntry(attributes) { key, value in
            if !first { out.byte(UInt8(ascii: ",")) }
            first = false
            out.string(key)
            out.byte(UInt8(ascii: ":"))
            out.string(value)
        }
        out.byte(UInt8(ascii: "}"))
    }

    /// The entries of a `Map(…, String)` column: `attributes` with their values as
    /// ``text(_:)``; a key already written is left out (the first one wins).
    static func forEachEntry(_ attributes: [Attribute], _ body: (String, String) -> Void) {
        // Maps are small: a key is looked for among the first 32 written (a set costs more
        // below that), and in a set beyond.
        var written: [String] = []
        var more = Set<String>()
        func first(_ key: String) -> Bool {
            guard written.count == 32 else {
                let length = key.utf8.count
                if written.contains(where: { $0.utf8.count == length && $0 == key }) { return false }
                written.append(key)
                if written.count == 32 { more = Set(written) }
                return true
            }
            return more.insert(key).inserted
        }
        for attribute in attributes where first(attribute.key) { body(attribute.key, text(attribute.value)) }
    }

    /// A log record's `ResourceAttributes`: its service and host (distinct keys).
    static func forEachResourceEntry(_ record: LogRecord, _ body: (String, String) -> Void) {
        if let service = record.service { body("service.name", service) }
        if let host = record.host { body(LogKeys.host, host) }
    }

    /// A log record's `LogAttributes`: correlate's own facts under the keys of ``LogKeys``
    /// (distinct keys).
    static func forEachAttributeEntry(_ record: LogRecord, _ body: (String, String) -> Void) {
        body(LogKeys.file, record.source.file)
        body(LogKeys.line, String(record.source.line))
        if record.lines != 1 { body(LogKeys.lines, String(record.lines)) }
        if let rule = record.rule { body(LogKeys.rule, rule) }
        if let job = record.jobID { body(LogKeys.job, job) }
        if record.timestamp == nil { body(LogKeys.untimed, "1") }
    }

    /// A map of distinct keys, as `entries` gives them.
    static func map(_ out: JSONWriter, entries: ((String, String) -> Void) -> Void) {
        out.byte(UInt8(ascii: "{"))
        var first = true
        entries { key, value in
            if !first { out.byte(UInt8(ascii: ",")) }
            first = false
            out.string(key)
            out.byte(UInt8(ascii: ":"))
            out.string(value)
        }
        out.byte(UInt8(ascii: "}"))
    }

    /// An attribute value as the exporter's `AsString` writes it into a `Map(…, String)`
    /// (pdata `Value.AsString`): bytes as standard base64.
    static func text(_ value: AttributeValue) -> String {
        switch value {
        case .string(let text): return text
        case .bytes(let bytes): return Data(bytes).base64EncodedString()
        case .array, .keyValues:
            let out = JSONWriter(capacity: 64)
            out.value(value)
            return out.text
        default: return value.text
        }
    }

    static func kindName(_ kind: Span.Kind) -> String {
        switch kind {
        case .unspecified: "Unspecified"
        case .internal: "Internal"
        case .server: "Server"
        case .client: "Client"
        case .producer: "Producer"
        case .consumer: "Consumer"
        }
    }

    static func kind(_ text: String) -> Span.Kind {
        let upper = text.uppercased()
        return Span.Kind(name: upper)
    }

    static func statusName(_ status: Span.Status) -> String {
        switch status {
        case .unset: "Unset"
        case .ok: "Ok"
        case .error: "Error"
        }
    }

    static func status(_ text: String) -> Span.Status {
        switch text.uppercased() {
        case "OK", "STATUS_CODE_OK", "1": .ok
        case "ERROR", "STATUS_CODE_ERROR", "2": .error
        default: .unset
        }
    }

    /// One `otel_traces` row; Nested columns only when the table has them.
    static func span(_ out: JSONWriter, _ span: Span, events: Bool, links: Bool) {
        out.raw(#"{"Timestamp":"#)
        time(out, span.start)
        out.raw(#","TraceId":"#)
        out.quoted(span.traceID)
        out.raw(#","SpanId":"#)
        out.quoted(span.spanID)
        out.raw(#","ParentSpanId":"#)
        if let parent = span.parentSpanID { out.quoted(parent) } else { out.raw("\"\"") }
        out.raw(#","TraceState":"","SpanName":"#)
        out.string(span.name)
        out.raw(#","SpanKind":"#)
        out.string(kindName(span.kind))
        out.raw(#","ServiceName":"#)
        out.string(span.service ?? "")
        out.raw(#","ResourceAttributes":"#)
        map(out, span.resource)
        out.raw(#","ScopeName":"","ScopeVersion":"","SpanAttributes":"#)
        map(out, span.attributes)
        out.raw(#","Duration":"#)
        out.int(Int(max(0, span.end.nanoseconds(since: span.start))))
        out.raw(#","StatusCode":"#)
        out.string(statusName(span.status))
        out.raw(#","StatusMessage":"#)
        out.string(span.statusMessage ?? "")
        if events {
            out.raw(#","Events.Timestamp":"#)
            out.array(span.events) { time(out, $0.time) }
            out.raw(#","Events.Name":"#)
            out.array(span.events) { out.string($0.name) }
            out.raw(#","Events.Attributes":"#)
            out.array(span.events) { map(out, $0.attributes) }
        }
        if links {
            out.raw(#","Links.TraceId":"#)
            out.array(span.links) { out.quoted($0.traceID) }
            out.raw(#","Links.SpanId":"#)
            out.array(span.links) { out.quoted($0.spanID) }
            out.raw(#","Links.TraceState":"#)
            out.array(span.links) { _ in out.raw("\"\"") }
            out.raw(#","Links.Attributes":"#)
            out.array(span.links) { map(out, $0.attributes) }
        }
        out.raw("}\n")
    }

    /// `Duration` as an Int64 number of nanoseconds, held at Int64's end (a `UInt64` column may
    /// hold more; Go's exporters write a saturated duration there).
    static let nanos = "toInt64(least(toUInt64(greatest(Duration, 0)), 9223372036854775807))"

    /// The end of a span in nanoseconds, held at Int64's end.
    static let end = "toInt64(least(toInt128(toUnixTimestamp64Nano(Timestamp)) + toInt128(least(toUInt64(greatest(Duration, 0)), 9223372036854775807)), 9223372036854775807))"

    /// A span's job id in SQL: the value of the first of `Span.jobIDAttributes` it has ("" when
    /// none), as ``Span/messageID`` reads it; the statement takes the keys as `{jobKeys:Array(String)}`
    /// (``jobKeys``).
    static let jobID = "SpanAttributes[arrayFirst(x -> mapContains(SpanAttributes, x), {jobKeys:Array(String)})]"

    /// The `jobKeys` parameter of ``jobID``.
    static var jobKeys: String { ClickHouseEventStore.array(Span.jobIDAttributes) }

    /// What a span query selects, given the table's columns.
    static func spanColumns(_ columns: TableColumns) -> String {
        let events = columns.has("Events.Timestamp")
            ? "arrayMap(t -> toUnixTimestamp64Nano(t), `Events.Timestamp`) AS EventTimes, `Events.Name` AS EventNames, `Events.Attributes` AS EventAttributes"
            : "[] AS EventTimes, [] AS EventNames, [] AS EventAttributes"
        let links = columns.has("Links.TraceId")
            ? "`Links.TraceId` AS LinkTraces, `Links.SpanId` AS LinkSpans, `Links.Attributes` AS LinkAttributes"
            : "[] AS LinkTraces, [] AS LinkSpans, [] AS LinkAttributes"
        return """
            TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, toUnixTimestamp64Nano(Timestamp) AS Start,
            \(nanos) AS Nanos, StatusCode, StatusMessage, SpanAttributes, ResourceAttributes, \(events), \(links)
            """
    }

    /// A `Map(…, String)` read back. The exporter writes every value as text, so a value whose
    /// text is exactly what an integer or a boolean writes (`443`, `true`) is read as that;
    /// everything else stays a string (a double's text, `1.1`, is as often a version).
    static func attributes(_ document: JSONDocument?) -> [Attribute] {
        (document?.members ?? []).map { Attribute($0.0, value($0.1.string ?? "")) }
    }

    static func value(_ text: String) -> AttributeValue {
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "t") || first == UInt8(ascii: "f") else {
            return .string(text)
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let integer = Int64(text), String(integer) == text { return .int(integer) }
        return .string(text)
    }

    static func span(_ row: JSONDocument) -> Span? {
        guard let trace = row["TraceId"]?.string.flatMap(TraceID.init(hex:)), let id = row["SpanId"]?.string.flatMap(SpanID.init(hex:)),
              let start = row["Start"]?.int64 else { return nil }
        let resource = attributes(row["ResourceAttributes"])
        let service = row["ServiceName"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? resource["service.name"]?.text
        let times = row["EventTimes"]?.array ?? [], names = row["EventNames"]?.array ?? [], eventAttributes = row["EventAttributes"]?.array ?? []
        let events = times.indices.map { index in
            Span.Event(name: index < names.count ? names[index].string ?? "" : "", time: Timestamp(nanoseconds: times[index].int64 ?? 0),
                       attributes: index < eventAttributes.count ? attributes(eventAttributes[index]) : [])
        }
        let linkTraces = row["LinkTraces"]?.array ?? [], linkSpans = row["LinkSpans"]?.array ?? [], linkAttributes = row["LinkAttributes"]?.array ?? []
        let links = linkTraces.indices.compactMap { index -> Span.Link? in
            guard let trace = linkTraces[index].string.flatMap(TraceID.init(hex:)), index < linkSpans.count,
                  let span = linkSpans[index].string.flatMap(SpanID.init(hex:)) else { return nil }
            return Span.Link(traceID: trace, spanID: span, attributes: index < linkAttributes.count ? attributes(linkAttributes[index]) : [])
        }
        let startTime = Timestamp(nanoseconds: start)
        let message = row["StatusMessage"]?.string ?? ""
        return Span(traceID: trace, spanID: id, parentSpanID: row["ParentSpanId"]?.string.flatMap(SpanID.init(hex:)),
                    name: row["SpanName"]?.string ?? "", kind: kind(row["SpanKind"]?.string ?? ""), start: startTime,
                    end: startTime.advanced(by: row["Nanos"]?.int64 ?? 0), status: status(row["StatusCode"]?.string ?? ""),
                    statusMessage: message.isEmpty ? nil : message, service: service, attributes: attributes(row["SpanAttributes"]),
                    resource: resource, events: events, links: links)
    }

    /// Keys of `LogAttributes` that carry what correlate knows of a record beyond the exporter's
    /// columns.
    enum LogKeys {
        /// The file the record was read from (OpenTelemetry's `log.file.path`).
        static let file = "log.file.path"
        /// Its first line in that file.
        static let line = "correlate.line"
        /// Physical lines it spans (a traceback is one record).
        static let lines = "correlate.lines"
        /// The rule that decoded it.
        static let rule = "correlate.rule"
        /// The job id (Celery's task id, …): the `messaging.message.id` of the span that ran it.
        static let job = "messaging.message.id"
        /// Present when the line had no time: `Timestamp` is then when it was written (so that a
        /// table's TTL keeps it as long as the rest, where 1970 would drop it at once), and
        /// time-window reads leave it out.
        static let untimed = "correlate.untimed"
        /// The last clock shift of its source that moved it (``ClickHouseEventStore/shiftLogTimes(source:by:)``).
        static let shift = "correlate.clock_shift"
        /// The host (`host.name`, a resource attribute).
        static let host = "host.name"
    }

    static func severityNumber(_ severity: Severity?) -> Int {
        switch severity {
        case .trace: 1
        case .debug: 5
        case .info: 9
        case .warn: 13
        case .error: 17
        case .fatal: 21
        case nil: 0
        }
    }

    static func severityText(_ severity: Severity?) -> String {
        switch severity {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .warn: "WARN"
        case .error: "ERROR"
        case .fatal: "FATAL"
        case nil: ""
        }
    }

    /// One `otel_logs` row; `now` stamps a record without a time (``LogKeys/untimed``).
    static func log(_ out: JSONWriter, _ record: LogRecord, now: Timestamp) {
        out.raw(#"{"Timestamp":"#)
        time(out, record.timestamp ?? now)
        out.raw(#","TraceId":"#)
        if let trace = record.traceID { out.quoted(trace) } else { out.raw("\"\"") }
        out.raw(#","SpanId":"#)
        if let span = record.spanID { out.quoted(span) } else { out.raw("\"\"") }
        out.raw(#","TraceFlags":0,"SeverityText":"#)
        out.string(severityText(record.severity))
        out.raw(#","SeverityNumber":"#)
        out.int(severityNumber(record.severity))
        out.raw(#","ServiceName":"#)
        out.string(record.service ?? "")
        out.raw(#","Body":"#)
        out.string(record.message)
        out.raw(#","ResourceAttributes":"#)
        map(out) { forEachResourceEntry(record, $0) }
        out.raw(#","LogAttributes":"#)
        map(out) { forEachAttributeEntry(record, $0) }
        out.raw("}\n")
    }

    static let logColumns = """
        toUnixTimestamp64Nano(Timestamp) AS Time, TraceId, SpanId, SeverityText, SeverityNumber, ServiceName, Body,
        ResourceAttributes, LogAttributes
        """

    /// A record read back; one the exporter wrote (no file or line of correlate's) is named by its
    /// service and time. `trace` and `job`: the ids the query found in its `Body`.
    static func log(_ row: JSONDocument, trace: TraceID? = nil, job: String? = nil) -> LogRecord {
        let attributes = row["LogAttributes"], resource = row["ResourceAttributes"]
        func attribute(_ key: String) -> String? { attributes?[key]?.string.flatMap { $0.isEmpty ? nil : $0 } }
        let time = row["Time"]?.int64 ?? 0
        let service = row["ServiceName"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? resource?["service.name"]?.string
        let file = attribute(LogKeys.file) ?? "clickhouse:\(service ?? "otel_logs")"
        // A row the exporter wrote has no line: one is made of its time, ids and text, so that
        // rows of one service are told apart (and the same row read twice is one).
        let line = attribute(LogKeys.line).flatMap(Int.init) ?? {
            var hash = FNV1a()
            hash.add("\(time) \(row["TraceId"]?.string ?? "") \(row["SpanId"]?.string ?? "") \(row["Body"]?.string ?? "")".utf8)
            return Int(hash.value & 0x7FFF_FFFF)
        }()
        let number = Int(row["SeverityNumber"]?.int64 ?? 0)
        let severity = Severity(otelSeverityNumber: number) ?? row["SeverityText"]?.string.flatMap { Severity(text: $0) }
        return LogRecord(
            source: SourceLocation(file: file, line: line), lines: attribute(LogKeys.lines).flatMap(Int.init) ?? 1,
            timestamp: attribute(LogKeys.untimed) == nil ? Timestamp(nanoseconds: time) : nil,
            traceID: row["TraceId"]?.string.flatMap(TraceID.init(hex:)) ?? trace, spanID: row["SpanId"]?.string.flatMap(SpanID.init(hex:)),
            jobID: attribute(LogKeys.job) ?? job, severity: severity, service: service,
            host: resource?[LogKeys.host]?.string, rule: attribute(LogKeys.rule), message: row["Body"]?.string ?? "")
    }
}
