public import CorrelateModel
import CorrelateJSON
import Foundation

/// An ``EventStore`` on ClickHouse: the OpenTelemetry Collector's `otel_traces`,
/// `otel_traces_trace_id_ts` and `otel_logs` as its `clickhouseexporter` creates and writes
/// them, and correlate's `correlate_alerts` and `correlate_raw_alerts`.
///
/// The columns are read from `system.columns` when the store opens: the current and the
/// older layouts of `otel_logs` (with `TimestampTime`), `Duration` as `UInt64` or `Int64`, span
/// kinds and statuses in either spelling, tables without `Events`/`Links`, extra columns. A
/// table without a column correlate needs is a ``ClickHouseError`` naming the table and the column.
///
/// Every read is bounded by time where the protocol gives a time, and otherwise goes through an
/// index: a trace's spans through `otel_traces_trace_id_ts` (its first and last start, several
/// rows per trace) then the time-partitioned `otel_traces`; a trace's log records within its
/// window (widened by five minutes, the bucket of the logs' sort key, and by an hour of span
/// duration), by `TraceId` and — for lines the Collector's filelog receiver shipped without
/// parsing — by the id as a token of `Body` (`hasToken`, which the exporter's `tokenbf_v1` and
/// text indexes on `Body` serve).
///
/// Writes are idempotent by checking first: a batch of spans asks which of its (TraceId,
/// SpanId) the table holds within the batch's time range, a batch of log records which of its
/// (file, line) at or below the highest line of the file the table held when this store first
/// wrote it (asked once per file) — then inserts the rest as one `INSERT … FORMAT Native`
/// (``NativeBlockWriter``; JSONEachRow on a server before 23.3). (The exporter's
/// tables are plain MergeTree without `non_replicated_deduplication_window`, where
/// `insert_deduplication_token` does nothing, and correlate never alters them.) Two writers
/// inserting the same rows at the same moment can both insert them; `correlate serve`
/// instances behind one address receive each export once.
///
/// Used from one thread at a time; every call waits for ClickHouse's answer.
public final class ClickHouseEventStore: EventStore {
    public let endpoint: ClickHouseEndpoint
    let http: ClickHouseHTTP
    let traces: String
    let traceTimes: String?
    let logs: String
    let alertsTable: String
    let rawAlertsTable: String
    let bundlesTable: String
    /// Whether `correlate_alerts` and `correlate_raw_alerts` exist (a reader on a database only
    /// the Collector writes has none: no alerts).
    private var hasAlertTables: Bool
    /// Who this store is among the servers sharing the database (``claimBundle``).
    let instance = UUID().uuidString.lowercased()
    var traceColumns: TableColumns
    var logColumns: TableColumns
    /// The time range of the traces read last (their spans' starts and ends), which bounds the
    /// search of `Body` for job ids.
    private var recentWindow: (Int64, Int64)?
    /// The trace ``spans(inTrace:)`` read last, its start range and its window: what
    /// ``logs(inTrace:)`` and ``traceIDs(linkingTo:limit:)`` of the same trace, which the engine
    /// asks next, use rather than asking again.
    private var lastTrace: (id: TraceID, starts: (Int64, Int64)?, window: (Int64, Int64)?)?
    /// Whether the server runs recursive CTEs (``queueStatistics``).
    var recursiveCTEs: Bool { release >= Self.recursiveCTERelease }
    /// The server's release as (major, minor), from `version()`; (0, 0) when it does not parse.
    /// Which statements and settings the server is sent depends on it.
    var release: (Int, Int)

    public enum Access: Sendable { case read, write }

    /// Opens the store: reads the tables' columns and checks them. A writer creates correlate's
    /// own tables when they are missing; the exporter's must exist (`correlate store init`).
    public convenience init(endpoint: ClickHouseEndpoint, access: Access) throws {
        try self.init(endpoint: endpoint, access: access, schema: nil)
    }

    /// Another handle on the same database, to read on another thread (``AlertLookup``'s
    /// second handle): made from the schema this one read, without asking for it again.
    public func anotherHandle() throws -> EventStore? {
        try ClickHouseEventStore(endpoint: endpoint, access: .read, schema: schema)
    }

    /// The tables' columns, their indexes and the server's version, as read when the store opened.
    private let schema: Schema

    private init(endpoint: ClickHouseEndpoint, access: Access, schema known: Schema?) throws {
        self.endpoint = endpoint
        http = ClickHouseHTTP(endpoint: endpoint)
        traces = http.quoted(endpoint.tracesTable)
        logs = http.quoted(endpoint.logsTable)
        alertsTable = http.quoted("correlate_alerts")
        rawAlertsTable = http.quoted("correlate_raw_alerts")
        bundlesTable = http.quoted("correlate_bundles")
        let schema = try known ?? Self.schema(http)
        self.schema = schema
        let columns = schema.tables
        let hint = "run correlate store init --store … to create the exporter's tables, or name yours with traces_table=/logs_table= in the address"
        guard let traceColumns = columns[endpoint.tracesTable] else {
            throw ClickHouseError(.notAStore, "ClickHouse database '\(endpoint.database)' at \(endpoint.base) has no table \(endpoint.tracesTable): \(hint)")
        }
        guard let logColumns = columns[endpoint.logsTable] else {
            throw ClickHouseError(.notAStore, "ClickHouse database '\(endpoint.database)' at \(endpoint.base) has no table \(endpoint.logsTable): \(hint)")
        }
        try Self.require(["Timestamp", "TraceId", "SpanId", "ParentSpanId", "SpanName", "SpanKind", "ServiceName", "ResourceAttributes",
                          "SpanAttributes", "Duration", "StatusCode", "StatusMessage"], in: traceColumns, table: endpoint.tracesTable, endpoint)
        try Self.require(["Timestamp", "TraceId", "SpanId", "SeverityText", "SeverityNumber", "ServiceName", "Body", "ResourceAttributes",
                          "LogAttributes"], in: logColumns, table: endpoint.logsTable, endpoint)
        self.traceColumns = traceColumns
        self.logColumns = logColumns
        let indexed = schema.indexes[endpoint.logsTable] ?? []
        bodyExpression = indexed.contains { $0.replacingOccurrences(of: " ", with: "") == "lower(Body)" } ? "lower(Body)" : "Body"
        release = Self.release(version: schema.version)
        spanLayout = NativeLayout.spans(traceColumns)
        logLayout = NativeLayout.logs(logColumns)
        let times = endpoint.tracesTable + "_trace_id_ts"
        traceTimes = columns[times].map { table in table.has("TraceId") && table.has("Start") && table.has("End") } == true ? http.quoted(times) : nil
        hasAlertTables = columns["correlate_alerts"] != nil && columns["correlate_raw_alerts"] != nil
        if access == .write {
            hasAlertTables = true
            try http.execute(ClickHouseSchema.alerts(alertsTable))
            try http.execute(ClickHouseSchema.rawAlerts(rawAlertsTable))
            try http.execute(ClickHouseSchema.bundles(bundlesTable, ttl: ""))
        }
    }

    /// Creates the tables that are missing (never altering one that exists): the exporter's
    /// `otel_traces`, `otel_traces_trace_id_ts` with its materialized view, `otel_logs` in its
    /// current layout, and correlate's; with a TTL of `retain` when given. Returns the tables
    /// it created.
    public static func initialize(endpoint: ClickHouseEndpoint, retain: Int64?) throws -> [String] {
        let http = ClickHouseHTTP(endpoint: endpoint)
        try http.execute("CREATE DATABASE IF NOT EXISTS `\(endpoint.database)`")
        let existing = Set(try schema(http).tables.keys)
        let ttl = ClickHouseSchema.ttl(retain: retain)
        let times = endpoint.tracesTable + "_trace_id_ts"
        let statements: [(String, String)] = [
            (endpoint.tracesTable, ClickHouseSchema.traces(http.quoted(endpoint.tracesTable), ttl: ttl)),
            (times, ClickHouseSchema.traceIDTimes(http.quoted(times), ttl: ttl)),
            (endpoint.tracesTable + "_trace_id_ts_mv", ClickHouseSchema.traceIDTimesView(
                http.quoted(endpoint.tracesTable + "_trace_id_ts_mv"), into: http.quoted(times), from: http.quoted(endpoint.tracesTable))),
            (endpoint.logsTable, ClickHouseSchema.logs(http.quoted(endpoint.logsTable), ttl: ttl)),
            ("correlate_alerts", ClickHouseSchema.alerts(http.quoted("correlate_alerts"))),
            ("correlate_raw_alerts", ClickHouseSchema.rawAlerts(http.quoted("correlate_raw_alerts"))),
            ("correlate_bundles", ClickHouseSchema.bundles(http.quoted("correlate_bundles"), ttl: ttl)),
        ]
        var created: [String] = []
        for (name, sql) in statements where !existing.contains(name) {
            try http.execute(sql)
            created.append(name)
        }
        return created
    }

    /// What a store reads of the database when it opens: the tables with their columns (views,
    /// which have none of their own in `system.columns`, with none), each table's skip indexes'
    /// expressions, and the server's version.
    struct Schema {
        var tables: [String: TableColumns] = [:]
        var indexes: [String: [String]] = [:]
        var version = ""
    }

    /// Reads the ``Schema`` in one statement (one round trip: a store is opened by every command,
    /// and `lookup` opens two).
    static func schema(_ http: ClickHouseHTTP) throws(ClickHouseError) -> Schema {
        let statement = """
            SELECT 'column' AS Kind, table AS Name, name AS Detail, type AS Type, default_kind AS Computed FROM system.columns WHERE database = {database:String}
            UNION ALL SELECT 'table', name, '', '', '' FROM system.tables WHERE database = {database:String}
            UNION ALL SELECT 'index', table, expr, '', '' FROM system.data_skipping_indices WHERE database = {database:String}
            UNION ALL SELECT 'version', '', version(), '', ''
            """
        var schema = Schema()
        for row in try http.rows(statement, ["database": http.endpoint.database]) {
            guard let kind = row["Kind"]?.string, let name = row["Name"]?.string, let detail = row["Detail"]?.string else { continue }
            switch kind {
            case "column":
                schema.tables[name, default: TableColumns()].types[detail] = row["Type"]?.string ?? ""
                if ["MATERIALIZED", "ALIAS", "EPHEMERAL"].contains(row["Computed"]?.string ?? "") {
                    schema.tables[name, default: TableColumns()].computed.insert(detail)
                }
            case "table": if schema.tables[name] == nil { schema.tables[name] = TableColumns() }
            case "index": schema.indexes[name, default: []].append(detail)
            case "version": schema.version = detail
            default: break
            }
        }
        return schema
    }

    /// A server's release as (major, minor) from its `version()` ("26.9.1.1" → (26, 9));
    /// (0, 0) when the text does not start so.
    static func release(version: String) -> (Int, Int) {
        let parts = version.split(separator: ".").prefix(2).map { Int($0) }
        guard parts.count == 2, let major = parts[0], let minor = parts[1] else { return (0, 0) }
        return (major, minor)
    }

    /// Whether a server of `version` ("26.9.1.1") runs recursive CTEs (24.4 and later).
    static func runsRecursiveQueries(version: String) -> Bool {
        release(version: version) >= recursiveCTERelease
    }

    /// The first release that runs recursive CTEs.
    static let recursiveCTERelease = (24, 4)

    /// How spans and log records are written in Native blocks (nil: as JSONEachRow, for a
    /// server before 23.3 or a table whose integer columns are not integers).
    var nativeSpans: NativeLayout? { release >= Self.nativeRelease ? spanLayout : nil }
    var nativeLogs: NativeLayout? { release >= Self.nativeRelease ? logLayout : nil }
    private let spanLayout: NativeLayout?
    private let logLayout: NativeLayout?

    static func require(_ names: [String], in columns: TableColumns, table: String, _ endpoint: ClickHouseEndpoint) throws(ClickHouseError) {
        for name in names where !columns.has(name) {
            throw ClickHouseError(.notAStore, "ClickHouse table \(endpoint.database).\(table) at \(endpoint.base) has no column \(name), which correlate reads")
        }
    }

    // MARK: - Writing

    /// 50,000 spans and 100,000 log records an insert for the bulk writers (SQLite's are
    /// 10,000 and 20,000). ClickHouse writes a part per insert and partition, and what a part
    /// costs beside its rows (its files, the materialized view's insert, the merge it adds) is
    /// most of an insert of 10,000 spans: chDB took half the CPU for 100,000 spans in inserts of
    /// 50,000 that it took in inserts of 10,000. ClickHouse's own advice is 10,000 to 100,000
    /// rows an insert.
    public var bulkBatch: BulkBatch { BulkBatch(spans: 50_000, logRecords: 100_000) }

    public func insert(spans: [Span]) throws -> InsertResult {
        try insert(prepared: [PreparedSpans(spans: spans)])
    }

    /// Spans with their Native block, made by ``spanPreparation`` on the thread that decoded them
    /// in `layout`'s columns. The spans are kept beside the block: the duplicate check needs
    /// their keys, and a batch that holds stored spans is encoded again without them.
    struct NativeSpans: Sendable {
        let spans: [Span]
        let block: [UInt8]
        let layout: NativeLayout
    }

    /// Encodes each batch as a Native block (``NativeBlockWriter``) on the caller's thread, so
    /// that ``insert(prepared:)`` only sends it; a server before 23.3 takes JSONEachRow, made at
    /// the insert.
    public var spanPreparation: @Sendable ([Span]) -> PreparedSpans {
        guard let layout = nativeSpans else { return { PreparedSpans(spans: $0) } }
        return { spans in
            PreparedSpans(form: NativeSpans(spans: spans, block: Self.nativeBlock(layout, spans), layout: layout), count: spans.count)
        }
    }

    static func nativeBlock(_ layout: NativeLayout, _ spans: [Span]) -> [UInt8] {
        var writer = NativeBlockWriter(layout, rows: spans.count)
        writer.spans(spans)
        return writer.block
    }

    /// What this handle wrote, as (first, last) nanoseconds: its spans' starts and ends, and
    /// each log file's timed records. ``logClockGaps(sources:limit:)`` looks for the records
    /// near them: `otel_logs` has no index by file, and the time in its sort key bounds the read.
    private var writtenSpans: (Int64, Int64)?
    private var writtenLogs: [String: (Int64, Int64)] = [:]

    private static func widened(_ range: (Int64, Int64)?, _ low: Int64, _ high: Int64) -> (Int64, Int64) {
        range.map { (min($0.0, low), max($0.1, high)) } ?? (low, high)
    }

    /// A span's key in the table: (TraceId, SpanId).
    private struct SpanKey: Hashable {
        let trace: TraceID
        let span: SpanID
    }

    public func insert(prepared batches: [PreparedSpans]) throws -> InsertResult {
        let parts: [(spans: [Span], block: [UInt8]?)] = batches.map { batch in
            // A block in another layout (another handle's table) is made again in this one's.
            if let native = batch.form as? NativeSpans { return (native.spans, native.layout == nativeSpans ? native.block : nil) }
            return (batch.unprepared, nil)
        }
        guard parts.contains(where: { !$0.spans.isEmpty }) else { return InsertResult() }
        lastTrace = nil
        prefetched = Prefetched()
        jobSpansAhead = nil
        prefetchedLogs = PrefetchedLogs()
        return try http.retrying { () throws(ClickHouseError) -> InsertResult in
            var (present, written) = try storedKeys(of: parts.map(\.spans))
            // Every span's key goes in (growing the set as it fills rehashed it over and over).
            present.reserveCapacity(present.count + parts.reduce(0) { $0 + $1.spans.count })
            var result = InsertResult()
            var blocks: [[UInt8]] = []
            let out = JSONWriter(capacity: 1 << 16)
            let events = traceColumns.has("Events.Timestamp"), links = traceColumns.has("Links.TraceId")
            for (spans, block) in parts {
                // The spans not stored yet (nor earlier in this call): nearly always all of them,
                // and then the batch's block is sent as it was made.
                var stored: [Bool]?
                for index in spans.indices where !present.insert(SpanKey(trace: spans[index].traceID, span: spans[index].spanID)).inserted {
                    if stored == nil { stored = Array(repeating: false, count: spans.count) }
                    stored![index] = true
                }
                let fresh = stored.map { stored in spans.indices.compactMap { stored[$0] ? nil : spans[$0] } }
                let count = fresh?.count ?? spans.count
                result.duplicates += spans.count - count
                result.stored += count
                guard count > 0 else { continue }
                if let layout = nativeSpans {
                    blocks.append(fresh.map { Self.nativeBlock(layout, $0) } ?? block ?? Self.nativeBlock(layout, spans))
                } else {
                    for span in fresh ?? spans { ClickHouseRows.span(out, span, events: events, links: links) }
                }
            }
            if let layout = nativeSpans {
                var body = blocks.count == 1 ? blocks[0] : []
                if blocks.count > 1 {
                    // Appended whole (`joined()` would copy byte by byte).
                    body.reserveCapacity(blocks.reduce(0) { $0 + $1.count })
                    for block in blocks { body.append(contentsOf: block) }
                }
                try http.insert(into: traces, columns: layout.columnList, format: "Native", rows: body, settings: Self.nativeSettings)
            } else {
                try http.insert(into: traces, rows: out.bytes)
            }
            if let (low, high) = written { writtenSpans = Self.widened(writtenSpans, low, high) }
            return result
        }
    }

    /// Which of the spans the table holds — the traces it knows at all, then their spans within
    /// the spans' range of starts — and the spans' time range (first start, last end).
    private func storedKeys(of batches: [[Span]]) throws(ClickHouseError) -> (Set<SpanKey>, (Int64, Int64)?) {
        var present = Set<SpanKey>()
        var low = Int64.max, high = Int64.min, last = Int64.min
        var ids = Set<TraceID>(minimumCapacity: batches.reduce(0) { $0 + $1.count })
        for spans in batches {
            for index in spans.indices {
                let start = spans[index].start.nanoseconds
                low = min(low, start)
                high = max(high, start)
                last = max(last, spans[index].end.nanoseconds)
                ids.insert(spans[index].traceID)
            }
        }
        guard low <= high else { return (present, nil) }
        // The ids go in the statement's text as one string literal, up to 7,000 a statement
        // (~231 KB, within the server's default `max_query_size` of 256 KiB; a URL parameter
        // of 2,000 would pass the 64 KiB some proxies take), split into a set by the server.
        // ClickHouse parses a list of 5,000 literals into as many nodes of the statement's
        // tree, and that alone took 60–75 ms a statement (``idSet(_:)``).
        func list(_ ids: ArraySlice<TraceID>) -> String { Self.idSet(ids) }
        var traceIDs = Array(ids)
        if let traceTimes {
            // Which of the traces the table knows at all: the lookup table's primary key
            // answers that without reading the spans (a bloom filter of many ids passes
            // nearly every granule); only their spans are looked for — none, for new traces.
            var known: [TraceID] = []
            for chunk in Self.chunks(traceIDs, Self.idsInline) {
                known += try http.rows("SELECT DISTINCT TraceId FROM \(traceTimes) WHERE TraceId IN \(list(chunk))")
                    .compactMap { $0["TraceId"]?.string.flatMap(TraceID.init(hex:)) }
            }
            traceIDs = known
        }
        for chunk in Self.chunks(traceIDs, Self.idsInline) {
            for row in try http.rows("""
                SELECT TraceId, SpanId FROM \(traces)
                WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
                AND TraceId IN \(list(chunk))
                """, ["low": Self.nanos(low), "high": Self.nanos(high)]) {
                if let trace = row["TraceId"]?.string.flatMap(TraceID.init(hex:)), let span = row["SpanId"]?.string.flatMap(SpanID.init(hex:)) {
                    present.insert(SpanKey(trace: trace, span: span))
                }
            }
        }
        return (present, (low, max(high, last)))
    }

    /// What a Native insert asks of the server: the block's plain types converted to the
    /// table's (on by default since 23.3; said in case a profile turned it off).
    static let nativeSettings = ["input_format_native_allow_types_conversion": "1"]

    /// The first release that converts a Native block's types to the table's.
    static let nativeRelease = (23, 3)

    /// A log record's key in the table: its file and first line.
    private struct LineKey: Hashable {
        let file: String
        let line: Int
    }

    /// Per source file, the highest line the table holds: asked once per file, then kept as
    /// this store writes. Lines above it need no check (a file is read from its start, and one
    /// writer stores it); lines at or below it — a file read again — are checked.
    private var storedThrough: [String: Int] = [:]

    public func insert(logs records: [LogRecord]) throws -> InsertResult {
        guard !records.isEmpty else { return InsertResult() }
        let key = ClickHouseRows.LogKeys.self
        let now = Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1_000_000_000))
        return try http.retrying { () throws(ClickHouseError) -> InsertResult in
            let unknown = Array(Set(records.map(\.source.file)).filter { storedThrough[$0] == nil })
            for chunk in Self.chunks(unknown, Self.idsPerQuery) {
                for file in chunk { storedThrough[file] = 0 }
                for row in try http.rows("""
                    SELECT LogAttributes[{fileKey:String}] AS File, max(toInt64OrZero(LogAttributes[{lineKey:String}])) AS Last FROM \(logs)
                    WHERE LogAttributes[{fileKey:String}] IN {files:Array(String)} GROUP BY File
                    """, ["files": Self.array(Array(chunk)), "fileKey": key.file, "lineKey": key.line]) {
                    if let file = row["File"]?.string { storedThrough[file] = Int(row["Last"]?.int64 ?? 0) }
                }
            }
            // Records that may be stored already: looked for where each is (or was put, for
            // those without a time), a day either side — a source whose clock was moved
            // (``shiftLogTimes``) keeps its lines where they were moved to, at most 14 hours
            // (the widest zone offset) from where a re-read puts them.
            let again = records.filter { $0.source.line <= storedThrough[$0.source.file] ?? 0 }
            var present = Set<LineKey>()
            if !again.isEmpty {
                let times = again.map { $0.timestamp?.nanoseconds ?? now.nanoseconds }
                for chunk in Self.chunks(Array(Set(again.map(\.source.file))), Self.idsPerQuery) {
                    for row in try http.rows("""
                        SELECT LogAttributes[{fileKey:String}] AS File, LogAttributes[{lineKey:String}] AS Line FROM \(logs)
                        WHERE \(logTimeCondition(low: "low", high: "high", untimed: true)) AND LogAttributes[{fileKey:String}] IN {files:Array(String)}
                        """, ["low": Self.nanos(times.min()!, -Self.day), "high": Self.nanos(times.max()!, Self.day), "files": Self.array(Array(chunk)),
                              "fileKey": key.file, "lineKey": key.line]) {
                        if let file = row["File"]?.string, let line = row["Line"]?.string.flatMap({ Int($0) }) {
                            present.insert(LineKey(file: file, line: line))
                        }
                    }
                }
            }
            var result = InsertResult()
            var written: [String: Int] = [:]
            var times: [String: (Int64, Int64)] = [:]
            let out = JSONWriter(capacity: 1 << 16)
            var native = nativeLogs.map { NativeBlockWriter($0, rows: records.count) }
            for record in records {
                guard present.insert(LineKey(file: record.source.file, line: record.source.line)).inserted else {
                    result.duplicates += 1
                    continue
                }
                if native != nil { native!.log(record, now: now) } else { ClickHouseRows.log(out, record, now: now) }
                written[record.source.file] = max(written[record.source.file] ?? 0, record.source.line)
                if let time = record.timestamp?.nanoseconds { times[record.source.file] = Self.widened(times[record.source.file], time, time) }
                result.stored += 1
            }
            if let native {
                if native.rows > 0 {
                    try http.insert(into: logs, columns: native.layout.columnList, format: "Native", rows: native.block, settings: Self.nativeSettings)
                }
            } else {
                try http.insert(into: logs, rows: out.bytes)
            }
            prefetchedLogs = PrefetchedLogs()
            if records.contains(where: { $0.timestamp == nil }) { noteUntimedRecords(true) }
            for (file, line) in written { storedThrough[file] = max(storedThrough[file] ?? 0, line) }
            for (file, (low, high)) in times { writtenLogs[file] = Self.widened(writtenLogs[file], low, high) }
            return result
        }
    }

    public func insert(rawAlert body: String, source: SourceLocation) throws -> InsertResult {
        try http.retrying { () throws(ClickHouseError) -> InsertResult in try insertRawAlert(body, source) }
    }

    private func insertRawAlert(_ body: String, _ source: SourceLocation) throws(ClickHouseError) -> InsertResult {
        let present = try http.rows("SELECT 1 FROM \(rawAlertsTable) WHERE Source = {source:String} AND Line = {line:UInt64} LIMIT 1",
                                    ["source": source.file, "line": String(max(0, source.line))])
        guard present.isEmpty else { return InsertResult(duplicates: 1) }
        let out = JSONWriter(capacity: body.utf8.count + 64)
        out.raw(#"{"Source":"#)
        out.string(source.file)
        out.raw(#","Line":"#)
        out.int(max(0, source.line))
        out.raw(#","Body":"#)
        out.string(body)
        out.raw("}\n")
        try http.insert(into: rawAlertsTable, rows: out.bytes)
        return InsertResult(stored: 1)
    }

    /// Stores alerts by (fingerprint, startsAt), merged with what is stored as the SQLite store
    /// merges them (a resolved notification closes the firing one's window; a late firing one
    /// does not reopen it): a changed alert is a new row with a higher `Revision`.
    public func insert(alerts: [Alert]) throws -> InsertResult {
        guard !alerts.isEmpty else { return InsertResult() }
        return try http.retrying { () throws(ClickHouseError) -> InsertResult in try insertAlerts(alerts) }
    }

    private func insertAlerts(_ alerts: [Alert]) throws(ClickHouseError) -> InsertResult {
        var stored: [String: Alert] = [:]
        for chunk in Self.chunks(Array(Set(alerts.map(\.fingerprint))), Self.idsPerQuery) {
            for alert in try readAlerts("WHERE Fingerprint IN {fingerprints:Array(String)}", ["fingerprints": Self.array(Array(chunk))]) {
                stored[alert.fingerprint + "\n" + String(alert.startsAt.nanoseconds)] = alert
            }
        }
        var result = InsertResult()
        let out = JSONWriter(capacity: 4096)
        let revision = UInt64(max(0, Int64(Date().timeIntervalSince1970 * 1_000_000_000)))
        for alert in alerts {
            let key = alert.fingerprint + "\n" + String(alert.startsAt.nanoseconds)
            var merged = alert
            if let old = stored[key] {
                // A resolved alert is final: a firing notification that comes late changes
                // nothing (so ingesting the same notifications again stores nothing); another
                // takes its status, window and annotations, the rest stays the first's. Stored
                // only when that changes the row (as SQLite's upsert counts it).
                guard !(old.status == .resolved && alert.status != .resolved),
                      alert.status != old.status || alert.endsAt != old.endsAt || !Self.samePairs(alert.annotations, old.annotations) else {
                    result.duplicates += 1
                    continue
                }
                merged.labels = old.labels
                merged.source = old.source
                merged.generatorURL = old.generatorURL
                merged.name = old.name
            }
            stored[key] = merged
            Self.alertRow(out, merged, revision: revision)
            result.stored += 1
        }
        try http.insert(into: alertsTable, rows: out.bytes)
        return result
    }

    static func samePairs(_ a: [(String, String)], _ b: [(String, String)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    static func alertRow(_ out: JSONWriter, _ alert: Alert, revision: UInt64) {
        out.raw(#"{"Fingerprint":"#)
        out.string(alert.fingerprint)
        out.raw(#","StartsAt":"#)
        ClickHouseRows.time(out, alert.startsAt)
        out.raw(#","EndsAt":"#)
        if let end = alert.endsAt { ClickHouseRows.time(out, end) } else { out.null() }
        out.raw(#","Status":"#)
        out.string(alert.status.rawValue)
        out.raw(#","AlertName":"#)
        out.string(alert.name)
        // Array(Tuple(String, String)): each pair a two-element array.
        func pairs(_ pairs: [(String, String)]) {
            out.array(pairs) { pair in
                out.byte(UInt8(ascii: "["))
                out.string(pair.0)
                out.byte(UInt8(ascii: ","))
                out.string(pair.1)
                out.byte(UInt8(ascii: "]"))
            }
        }
        out.raw(#","Labels":"#)
        pairs(alert.labels)
        out.raw(#","Annotations":"#)
        pairs(alert.annotations)
        out.raw(#","Source":"#)
        out.string(alert.source)
        out.raw(#","GeneratorURL":"#)
        out.string(alert.generatorURL ?? "")
        out.raw(#","Revision":"#)
        out.uint(revision)
        out.raw("}\n")
    }

    /// Records the revision with this store's instance id and the server's time, then reads
    /// which instance recorded it first: this one emits only when that is itself. Servers that
    /// record the same revision within one insert's time of each other may both see themselves
    /// first only if the later insert becomes visible after the earlier one's read — a window
    /// of milliseconds, against an Alertmanager that delivers a notification to one of them.
    public func claimBundle(fingerprint: String, startsAt: Timestamp, revision: Int, json: @autoclosure () -> String) throws -> Bool {
        let out = JSONWriter(capacity: 4096)
        out.raw(#"{"Fingerprint":"#)
        out.string(fingerprint)
        out.raw(#","StartsAt":"#)
        ClickHouseRows.time(out, startsAt)
        out.raw(#","Revision":"#)
        out.int(max(0, revision))
        out.raw(#","Instance":"#)
        out.string(instance)
        out.raw(#","Bundle":"#)
        out.string(json())
        out.raw("}\n")
        try http.insert(into: "\(bundlesTable) (Fingerprint, StartsAt, Revision, Instance, Bundle)", rows: out.bytes)
        let winner = try http.rows("""
            SELECT argMin(Instance, (ClaimedAt, Instance)) AS Winner FROM \(bundlesTable)
            WHERE Fingerprint = {fingerprint:String} AND StartsAt = fromUnixTimestamp64Nano({startsAt:Int64}) AND Revision = {revision:UInt32}
            """, ["fingerprint": fingerprint, "startsAt": Self.nanos(startsAt.nanoseconds), "revision": String(max(0, revision))])
        return winner.first?["Winner"]?.string == instance
    }

    // MARK: - Reading spans

    private var spanColumns: String { ClickHouseRows.spanColumns(traceColumns) }

    /// The first and last span start of a trace (from `otel_traces_trace_id_ts`, whose start and
    /// end are whole seconds), nil when the lookup table does not know it.
    private func startRange(_ trace: TraceID) throws -> (Int64, Int64)? {
        if let lastTrace, lastTrace.id == trace { return lastTrace.starts }
        guard let traceTimes else { return nil }
        let rows = try http.rows("""
            SELECT toInt64(toUnixTimestamp(min(Start))) AS First, toInt64(toUnixTimestamp(max(End))) AS Last, count() AS Rows
            FROM \(traceTimes) WHERE TraceId = {trace:String}
            """, ["trace": trace.description])
        guard let row = rows.first, (row["Rows"]?.int64 ?? 0) > 0, let first = row["First"]?.int64, let last = row["Last"]?.int64 else { return nil }
        return (first.multipliedReportingOverflow(by: 1_000_000_000).overflow ? 0 : first * 1_000_000_000,
                Self.add(last.multipliedReportingOverflow(by: 1_000_000_000).overflow ? .max : last * 1_000_000_000, 1_000_000_000))
    }

    /// What ``prefetch(traces:)`` read, answered from until the next prefetch or span insert.
    struct Prefetched {
        var starts: [TraceID: (Int64, Int64)] = [:]
        var spans: [TraceID: [Span]] = [:]
        var linking: [TraceID: Set<TraceID>] = [:]
        var byMessage: [String: [Span]] = [:]
    }

    private var prefetched = Prefetched()

    /// Four statements per 500 traces instead of four per trace: their start ranges (the lookup
    /// table), their spans, the traces linking to them, and the spans of their spans' message
    /// ids, each within the traces' time (a day after for links, a day either side for jobs).
    public func prefetch(traces ids: Set<TraceID>) throws {
        prefetched = Prefetched()
        prefetchedLogs = PrefetchedLogs()
        jobSpansAhead = nil
        guard ids.count >= 4, let traceTimes else { return }
        var next = Prefetched()
        for chunk in Self.chunks(ids.map(\.description).sorted(), Self.idsPerQuery) {
            let list = Self.array(Array(chunk))
            var starts: [TraceID: (Int64, Int64)] = [:]
            for row in try http.rows("""
                SELECT TraceId, toInt64(toUnixTimestamp(min(Start))) AS First, toInt64(toUnixTimestamp(max(End))) AS Last
                FROM \(traceTimes) WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId
                """, ["ids": list]) {
                guard let id = row["TraceId"]?.string.flatMap(TraceID.init(hex:)), let first = row["First"]?.int64, let last = row["Last"]?.int64,
                      !first.multipliedReportingOverflow(by: 1_000_000_000).overflow, !last.multipliedReportingOverflow(by: 1_000_000_000).overflow
                else { continue }
                starts[id] = (first * 1_000_000_000, Self.add(last * 1_000_000_000, 1_000_000_000))
            }
            guard let low = starts.values.map(\.0).min(), let high = starts.values.map(\.1).max() else { continue }
            next.starts.merge(starts) { $1 }
            var spans: [TraceID: [Span]] = [:]
            for row in try http.rows("""
                SELECT \(spanColumns) FROM \(traces) WHERE TraceId IN {ids:Array(String)}
                AND Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
                """, ["ids": list, "low": Self.nanos(low), "high": Self.nanos(high)]) {
                if let span = ClickHouseRows.span(row), starts[span.traceID] != nil { spans[span.traceID, default: []].append(span) }
            }
            for id in starts.keys {
                next.spans[id] = Self.unique((spans[id] ?? []).sorted { ($0.start, $0.spanID) < ($1.start, $1.spanID) })
                next.linking[id] = []
            }
            if traceColumns.has("Links.TraceId") {
                for row in try http.rows("""
                    SELECT DISTINCT TraceId, arrayJoin(`Links.TraceId`) AS Linked FROM \(traces) WHERE hasAny(`Links.TraceId`, {ids:Array(String)})
                    AND Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
                    """, ["ids": list, "low": Self.nanos(low, -3_600_000_000_000), "high": Self.nanos(high, Self.day)]) {
                    guard let linked = row["Linked"]?.string.flatMap(TraceID.init(hex:)), next.linking[linked] != nil,
                          let id = row["TraceId"]?.string.flatMap(TraceID.init(hex:)), id != linked else { continue }
                    next.linking[linked, default: []].insert(id)
                }
            }
            let messageIDs = Set(starts.keys.flatMap { (next.spans[$0] ?? []).compactMap(\.messageID) })
            for messages in Self.chunks(messageIDs.sorted(), Self.idsPerQuery) {
                for id in messages { next.byMessage[id] = [] }
                let rows = try http.rows("""
                    SELECT \(spanColumns) FROM \(traces) WHERE \(ClickHouseRows.jobID) IN {ids:Array(String)}
                    AND Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
                    ORDER BY Timestamp, TraceId, SpanId LIMIT 64 BY \(ClickHouseRows.jobID)
                    """, ["ids": Self.array(Array(messages)), "low": Self.nanos(low, -Self.day), "high": Self.nanos(high, Self.day),
                          "jobKeys": ClickHouseRows.jobKeys])
                for span in Self.unique(rows.compactMap(ClickHouseRows.span)) {
                    if let id = span.messageID { next.byMessage[id, default: []].append(span) }
                }
            }
        }
        prefetched = next
    }

    public func spans(inTrace trace: TraceID) throws -> [Span] {
        if let spans = prefetched.spans[trace] {
            recentWindow = spans.first.map { first in (first.start.nanoseconds, spans.map(\.end.nanoseconds).max() ?? first.start.nanoseconds) }
            lastTrace = (trace, prefetched.starts[trace], recentWindow)
            analysing = nil
            return spans
        }
        var condition = "TraceId = {trace:String}"
        var parameters = ["trace": trace.description]
        lastTrace = nil
        let starts = try startRange(trace)
        if let (first, last) = starts {
            condition += " AND Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})"
            parameters["low"] = String(first)
            parameters["high"] = String(last)
        }
        let spans = try http.rows("SELECT \(spanColumns) FROM \(traces) WHERE \(condition)", parameters)
            .compactMap(ClickHouseRows.span).sorted { ($0.start, $0.spanID) < ($1.start, $1.spanID) }
        recentWindow = spans.first.map { first in (first.start.nanoseconds, spans.map(\.end.nanoseconds).max() ?? first.start.nanoseconds) }
        lastTrace = (trace, starts, recentWindow)
        let unique = Self.unique(spans)
        if analysing == trace { readJobSpansAhead(unique.jobIDs) }
        analysing = nil
        return unique
    }

    /// The trace ``willAnalyse(trace:)`` named: its spans, read next, start the read-ahead of
    /// its jobs' spans (a trace read for its spans alone — one a link points at — does not).
    private var analysing: TraceID?

    public func willAnalyse(trace: TraceID) {
        analysing = trace
    }

    /// The spans of a trace's jobs, asked on a connection of their own as soon as the spans of
    /// a trace being analysed are read — what the analysis asks next (``spans(withMessageIDs:)``
    /// with the trace's job ids, within a day of its time), while it reads the trace's log
    /// lines: the ids and window asked with, and the answer coming.
    private var jobSpansAhead: (ids: Set<String>, window: (Int64, Int64)?, answer: Background<[Span], any Error>)?
    private lazy var aheadHTTP = ClickHouseHTTP(endpoint: endpoint)

    private func readJobSpansAhead(_ ids: Set<String>) {
        jobSpansAhead = nil
        guard !ids.isEmpty, ids.count <= Self.idsPerQuery, !ids.allSatisfy({ prefetched.byMessage[$0] != nil }) else { return }
        let window = recentWindow, connection = aheadHTTP
        jobSpansAhead = (ids, window, Background { [self] in try spansByMessageID(ids, window: window, on: connection) })
    }

    /// The first of each (trace id, span id): a span inserted twice by two writers is one span.
    static func unique(_ spans: [Span]) -> [Span] {
        var seen = Set<String>()
        return spans.filter { seen.insert($0.traceID.description + $0.spanID.description).inserted }
    }

    /// Within a day of the trace read last, when there is one (the spans of one job — enqueue,
    /// runs, retries — are that close; there is no other bound on a message id), else anywhere.
    public func spans(withMessageIDs messageIDs: Set<String>) throws -> [Span] {
        guard !messageIDs.isEmpty else { return [] }
        if messageIDs.allSatisfy({ prefetched.byMessage[$0] != nil }) {
            return messageIDs.sorted().flatMap { prefetched.byMessage[$0] ?? [] }
        }
        // Read ahead with the same ids and window: that answer (a failed one is asked again).
        if let ahead = jobSpansAhead {
            jobSpansAhead = nil
            let sameWindow = ahead.window?.0 == recentWindow?.0 && ahead.window?.1 == recentWindow?.1
            if ahead.ids == messageIDs, sameWindow, let spans = try? ahead.answer.value() { return spans }
        }
        return try spansByMessageID(messageIDs, window: recentWindow, on: http)
    }

    /// ``spans(withMessageIDs:)`` asked of the server on `connection`, within a day of `window`.
    private func spansByMessageID(_ messageIDs: Set<String>, window range: (Int64, Int64)?, on connection: ClickHouseHTTP) throws -> [Span] {
        var rows: [JSONDocument] = []
        var parameters = ["jobKeys": ClickHouseRows.jobKeys]
        var window = ""
        if let (first, last) = range {
            window = "AND Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})"
            parameters["low"] = Self.nanos(first, -Self.day)
            parameters["high"] = Self.nanos(last, Self.day)
        }
        for chunk in Self.chunks(messageIDs.sorted(), Self.idsPerQuery) {
            parameters["ids"] = Self.array(Array(chunk))
            rows += try connection.rows("""
                SELECT \(spanColumns) FROM \(traces) WHERE \(ClickHouseRows.jobID) IN {ids:Array(String)} \(window)
                ORDER BY Timestamp, TraceId, SpanId LIMIT 64 BY \(ClickHouseRows.jobID)
                """, parameters)
        }
        let spans = Self.unique(rows.compactMap(ClickHouseRows.span))
        return messageIDs.sorted().flatMap { id in spans.filter { $0.messageID == id } }
    }

    public func spans(startingBetween start: Timestamp, and end: Timestamp) throws -> [Span] {
        guard start <= end else { return [] }
        return Self.unique(try http.rows("""
            SELECT \(spanColumns) FROM \(traces)
            WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
            ORDER BY Timestamp, TraceId, SpanId LIMIT 500000
            """, ["low": String(max(0, start.nanoseconds)), "high": String(max(0, end.nanoseconds))]).compactMap(ClickHouseRows.span))
    }

    public func traceIDs(withPrefix hex: String, limit: Int) throws -> [TraceID] {
        let prefix = hex.lowercased()
        guard !prefix.isEmpty, prefix.utf8.count <= 32, prefix.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return [] }
        let table = traceTimes ?? traces
        return try http.rows("""
            SELECT DISTINCT TraceId FROM \(table) WHERE startsWith(TraceId, {prefix:String}) ORDER BY TraceId LIMIT {limit:UInt64}
            """, ["prefix": prefix, "limit": String(Self.limit(limit))]).compactMap { $0["TraceId"]?.string.flatMap(TraceID.init(hex:)) }
    }

    /// Near the log lines that carry the 64-bit id (two minutes either side, in the order their
    /// first span there started), else any (ascending), as the SQLite store answers.
    public func traceIDs(withLow64 low: UInt64, limit: Int) throws -> [TraceID] {
        let short = TraceID(high: 0, low: low).description
        let suffix = String(short.suffix(16))
        let lines = try http.rows("""
            SELECT toInt64(min(toUnixTimestamp64Nano(Timestamp))) AS First, toInt64(max(toUnixTimestamp64Nano(Timestamp))) AS Last, count() AS Rows
            FROM \(logs) WHERE TraceId = {short:String} AND LogAttributes[{untimedKey:String}] = ''
            """, ["short": short, "untimedKey": ClickHouseRows.LogKeys.untimed]).first
        if let lines, (lines["Rows"]?.int64 ?? 0) > 0, let first = lines["First"]?.int64, let last = lines["Last"]?.int64 {
            let margin: Int64 = 120_000_000_000
            let near = try http.rows("""
                SELECT TraceId, min(Timestamp) AS First FROM \(traces)
                WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
                AND endsWith(TraceId, {suffix:String}) AND NOT startsWith(TraceId, '0000000000000000')
                GROUP BY TraceId ORDER BY First, TraceId LIMIT {limit:UInt64}
                """, ["low": Self.nanos(first, -margin), "high": Self.nanos(last, margin), "suffix": suffix, "limit": String(Self.limit(limit))])
                .compactMap { $0["TraceId"]?.string.flatMap(TraceID.init(hex:)) }
            if !near.isEmpty { return near }
        }
        let table = traceTimes ?? traces
        return try http.rows("""
            SELECT DISTINCT TraceId FROM \(table) WHERE endsWith(TraceId, {suffix:String}) AND NOT startsWith(TraceId, '0000000000000000')
            ORDER BY TraceId LIMIT {limit:UInt64}
            """, ["suffix": suffix, "limit": String(Self.limit(limit))]).compactMap { $0["TraceId"]?.string.flatMap(TraceID.init(hex:)) }
    }

    public func traceIDs(linkingTo trace: TraceID, limit: Int) throws -> [TraceID] {
        guard traceColumns.has("Links.TraceId") else { return [] }
        if let linking = prefetched.linking[trace] { return Array(linking.sorted().prefix(Self.limit(limit))) }
        // Jobs run after they are enqueued: the linking spans start from the linked trace's
        // first span to a day after its last.
        var condition = ""
        var parameters = ["trace": trace.description, "limit": String(Self.limit(limit))]
        if let (first, last) = try startRange(trace) {
            condition = "AND Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})"
            parameters["low"] = Self.nanos(first, -3_600_000_000_000)
            parameters["high"] = Self.nanos(last, 86_400_000_000_000)
        }
        return try http.rows("""
            SELECT DISTINCT TraceId FROM \(traces) WHERE has(`Links.TraceId`, {trace:String}) AND TraceId != {trace:String} \(condition)
            ORDER BY TraceId LIMIT {limit:UInt64}
            """, parameters).compactMap { $0["TraceId"]?.string.flatMap(TraceID.init(hex:)) }
    }

    public func latestSpanStart() throws -> Timestamp? {
        let rows = try http.rows("SELECT toInt64(max(toUnixTimestamp64Nano(Timestamp))) AS Latest, count() AS Rows FROM \(traces)")
        guard let row = rows.first, (row["Rows"]?.int64 ?? 0) > 0, let latest = row["Latest"]?.int64 else { return nil }
        return Timestamp(nanoseconds: latest)
    }

    // MARK: - Reading log records

    /// `Timestamp` in [low, high] (parameters of those names, nanoseconds), with the older
    /// layout's `TimestampTime` too, which its sort key is made of; records without a time of
    /// their own (stamped when written) only when `untimed`.
    private func logTimeCondition(low: String, high: String, untimed: Bool = false) -> String {
        var condition = "Timestamp BETWEEN fromUnixTimestamp64Nano({\(low):Int64}) AND fromUnixTimestamp64Nano({\(high):Int64})"
        if logColumns.has("TimestampTime") {
            condition += " AND TimestampTime BETWEEN toDateTime(intDiv({\(low):Int64}, 1000000000)) AND toDateTime(intDiv({\(high):Int64}, 1000000000) + 1)"
        }
        if !untimed { condition += " AND LogAttributes['\(ClickHouseRows.LogKeys.untimed)'] = ''" }
        return condition
    }

    /// What `hasToken` searches: `lower(Body)` when that is what the table's token or text
    /// index is built on (ClickStack's `idx_lower_body`), else `Body` (the exporter's
    /// `idx_body`); the ids searched for are lowercase hex.
    let bodyExpression: String

    public func logs(inTrace trace: TraceID) throws -> [LogRecord] {
        if let records = prefetchedLogs.byTrace[trace] { return records }
        let full = trace.description, short = TraceID(high: 0, low: trace.low).description
        var parameters = ["full": full, "short": short, "untimedKey": ClickHouseRows.LogKeys.untimed]
        let byID = "TraceId IN ({full:String}, {short:String})"
        guard let (first, last) = try traceWindow(trace) else {
            // No span of it: its records wherever they are (the id's index finds them).
            let rows = try http.rows("SELECT \(ClickHouseRows.logColumns) FROM \(logs) WHERE \(byID) LIMIT 100000", parameters)
            return Self.ordered(rows.map { ClickHouseRows.log($0, trace: trace) })
        }
        // The trace's window and five minutes either side (the logs' sort key's bucket): by id,
        // and by the id in the text of lines shipped unparsed; then, anywhere, the records of the
        // trace without a time of their own (stamped when written; the id's index finds them).
        parameters["low"] = Self.nanos(first, -300_000_000_000)
        parameters["high"] = Self.nanos(last, 300_000_000_000)
        let (inWindow, untimed) = try rowsAndUntimed("""
            SELECT \(ClickHouseRows.logColumns) FROM \(logs)
            WHERE \(logTimeCondition(low: "low", high: "high")) AND (\(byID) OR (TraceId = '' AND hasToken(\(bodyExpression), {full:String})))
            LIMIT 100000
            """, parameters)
        var rows = inWindow
        if untimed {
            rows += try http.rows("""
                SELECT \(ClickHouseRows.logColumns) FROM \(logs) WHERE \(byID) AND LogAttributes[{untimedKey:String}] != '' LIMIT 100000
                """, parameters)
        }
        return Self.ordered(rows.map { ClickHouseRows.log($0, trace: trace) })
    }

    /// Per logs table (`base database.table`) of this process: when it was last asked whether
    /// it holds records without a time of their own (``ClickHouseRows/LogKeys/untimed``), and
    /// the answer. Shared by the process's stores, so that a bundle worker's reader knows at
    /// once what the ingest's writer wrote.
    nonisolated(unsafe) private static var untimedRecords: [String: (asked: TimeInterval, any: Bool)] = [:]
    private static let untimedLock = NSLock()

    private var untimedKey: String { endpoint.base + " " + logs }

    /// Whether `otel_logs` holds a record without a time of its own: asked at most once a
    /// minute (through the bloom filter on the map's keys, one index read), and true from when
    /// a store of this process writes one (another process's is seen within the minute). Lines
    /// without a time are rare; when there are none, a trace's logs take one statement, not
    /// two — each of those reads the whole table's id index.
    private func holdsUntimedRecords() throws -> Bool {
        try knownUntimedRecords() ?? askUntimedRecords(on: http)
    }

    /// ``holdsUntimedRecords()`` when known without asking.
    private func knownUntimedRecords() -> Bool? {
        Self.untimedLock.lock()
        let known = Self.untimedRecords[untimedKey]
        Self.untimedLock.unlock()
        if let known, known.any || ProcessInfo.processInfo.systemUptime - known.asked < 60 { return known.any }
        return nil
    }

    /// ``holdsUntimedRecords()`` asked of the server, on `connection`.
    private func askUntimedRecords(on connection: ClickHouseHTTP) throws -> Bool {
        let any = !(try connection.rows("SELECT 1 AS One FROM \(logs) WHERE mapContains(LogAttributes, {untimedKey:String}) LIMIT 1",
                                        ["untimedKey": ClickHouseRows.LogKeys.untimed])).isEmpty
        noteUntimedRecords(any)
        return any
    }

    /// A second connection, for a statement sent while one on ``http`` runs (``atOnce``).
    private lazy var sideHTTP = ClickHouseHTTP(endpoint: endpoint)

    /// `main` here and `side` on the second connection at the same time — two independent
    /// statements of one answer, which the server runs on two cores rather than one after the
    /// other; each gives the rows it would give alone. Returns both answers once both are in.
    private func atOnce<A, B>(_ main: () throws -> A, side: @escaping (ClickHouseHTTP) throws -> B) throws -> (A, B) {
        let connection = sideHTTP
        let other = Background<B, any Error> { try side(connection) }
        let first: A
        do {
            first = try main()
        } catch {
            _ = try? other.value()
            throw error
        }
        return (first, try other.value())
    }

    /// The rows of `sql` and whether the logs table holds untimed records, asked at once when
    /// that is not known yet.
    private func rowsAndUntimed(_ sql: String, _ parameters: [String: String]) throws -> ([JSONDocument], Bool) {
        if let known = knownUntimedRecords() { return (try http.rows(sql, parameters), known) }
        return try atOnce({ try http.rows(sql, parameters) }, side: { [self] connection in try askUntimedRecords(on: connection) })
    }

    private func noteUntimedRecords(_ any: Bool) {
        Self.untimedLock.lock()
        defer { Self.untimedLock.unlock() }
        if Self.untimedRecords[untimedKey]?.any != true || any { Self.untimedRecords[untimedKey] = (ProcessInfo.processInfo.systemUptime, any) }
    }

    /// What ``prefetchLogs(traces:)`` read, answered from until the next prefetch or this store's
    /// next insert or clock shift (what other stores write meanwhile is seen from the next
    /// prefetch on: an alert's bundle is read at one moment).
    private struct PrefetchedLogs {
        /// By trace.
        var byTrace: [TraceID: [LogRecord]] = [:]
        /// The records carrying each job id of the traces' spans.
        var byJob: [String: [LogRecord]] = [:]
        /// The records without a trace id or job id whose `Body` names one of `jobs`, with a
        /// time from `low` to `high` (ns; the traces' windows, 5 minutes wider each side).
        var mentions: (low: Int64, high: Int64, jobs: Set<String>, rows: [Mention])?
    }
    private var prefetchedLogs = PrefetchedLogs()

    /// A record found by the job ids its `Body` holds (`named`, those of the ids asked for).
    private typealias Mention = (time: Int64, named: [String], row: JSONDocument)

    /// The records of `low…high` (ns) without a trace id or job id whose `Body` holds one of
    /// `ids` as a substring (`multiSearchAny`), at most `limit`: lines shipped without parsing.
    private func mentions(of ids: [String], low: Int64, high: Int64, limit: Int, on connection: ClickHouseHTTP? = nil) throws -> [Mention] {
        // `multiSearchAny` takes at most 255 needles on servers before 24.x: groups of 255.
        var parameters = ["ids": Self.array(ids), "jobKey": ClickHouseRows.LogKeys.job, "low": String(max(0, low)), "high": String(max(0, high))]
        var searches: [String] = []
        for (index, group) in Self.chunks(ids, 255).enumerated() {
            parameters["ids\(index)"] = Self.array(Array(group))
            searches.append("multiSearchAny(Body, {ids\(index):Array(String)})")
        }
        return try (connection ?? http).rows("""
            SELECT \(ClickHouseRows.logColumns), arrayFilter(x -> position(Body, x) > 0, {ids:Array(String)}) AS Named
            FROM \(logs) WHERE \(logTimeCondition(low: "low", high: "high"))
            AND TraceId = '' AND LogAttributes[{jobKey:String}] = '' AND (\(searches.joined(separator: " OR "))) LIMIT \(limit)
            """, parameters)
            .map { row in (row["Time"]?.int64 ?? 0, (row["Named"]?.array ?? []).compactMap(\.string), row) }
    }

    /// The log records of these traces (an alert's kept ones) in two statements instead of two
    /// per trace, with the same answers as ``logs(inTrace:)``: by id or by the id as a token of
    /// `Body`, each within its own trace's window (read over all the windows' span, then
    /// sorted out here; which id a `Body` holds as a token ClickHouse says, one column per
    /// trace), and the untimed ones by id. Only traces whose spans ``prefetch(traces:)`` read.
    public func prefetchLogs(traces ids: Set<TraceID>) throws {
        prefetchedLogs = PrefetchedLogs()
        var windows: [TraceID: (Int64, Int64)] = [:]
        for id in ids {
            guard let spans = prefetched.spans[id], let first = spans.first else { continue }
            windows[id] = (Self.add(first.start.nanoseconds, -300_000_000_000), Self.add(spans.map(\.end.nanoseconds).max() ?? first.start.nanoseconds, 300_000_000_000))
        }
        // A few traces per statement (an alert's kept ones): past that, trace by trace; and
        // only when their windows lie close together, for the statements read the whole span
        // from the first window to the last (traces hours apart: each its own window alone).
        guard windows.count >= 2, windows.count <= 100 else { return }
        let low = max(0, windows.values.map(\.0).min()!), high = max(0, windows.values.map(\.1).max()!)
        let covered = windows.values.reduce(Int64(0)) { Self.add($0, max(0, $1.1 - $1.0)) }
        guard high - low <= max(Self.add(covered, covered), 3_600_000_000_000) else { return }
        let order = windows.keys.sorted()
        var parameters = ["untimedKey": ClickHouseRows.LogKeys.untimed, "low": String(low), "high": String(high)]
        // Each trace's two spellings in `TraceId` (full, and the low 64 bits of a 64-bit id).
        let spellings = order.map { [$0.description, TraceID(high: 0, low: $0.low).description] }
        var tokens: [String] = []
        for (index, id) in order.enumerated() {
            parameters["t\(index)"] = id.description
            tokens.append("hasToken(\(bodyExpression), {t\(index):String}) AS m\(index)")
        }
        parameters["ids"] = Self.array(spellings.flatMap { $0 })
        var records: [TraceID: [LogRecord]] = [:]
        // A statement that fills its limit may have left a trace's records out: then nothing is
        // kept, and each trace is read on its own, with its own limit.
        let limit = 100_000 * order.count
        func owners(_ row: JSONDocument) -> [Int] {
            let traceID = row["TraceId"]?.string ?? ""
            return order.indices.filter { spellings[$0].contains(traceID) }
        }
        let (rows, untimed) = try rowsAndUntimed("""
            SELECT \(ClickHouseRows.logColumns), \(tokens.joined(separator: ", ")) FROM \(logs)
            WHERE \(logTimeCondition(low: "low", high: "high")) AND (TraceId IN {ids:Array(String)} OR (TraceId = '' AND (\(order.indices.map { "m\($0)" }.joined(separator: " OR ")))))
            LIMIT \(limit)
            """, parameters)
        guard rows.count < limit else { return }
        for row in rows {
            let time = row["Time"]?.int64 ?? 0
            let byID = owners(row)
            for (index, id) in order.enumerated() {
                guard let (low, high) = windows[id], time >= max(0, low), time <= max(0, high),
                      byID.contains(index) || ((row["TraceId"]?.string ?? "") == "" && row["m\(index)"]?.int64 == 1) else { continue }
                records[id, default: []].append(ClickHouseRows.log(row, trace: id))
            }
        }
        if untimed {
            let untimed = try http.rows("""
                SELECT \(ClickHouseRows.logColumns) FROM \(logs) WHERE TraceId IN {ids:Array(String)} AND LogAttributes[{untimedKey:String}] != ''
                LIMIT \(limit)
                """, parameters)
            guard untimed.count < limit else { return }
            for row in untimed {
                for index in owners(row) { records[order[index], default: []].append(ClickHouseRows.log(row, trace: order[index])) }
            }
        }
        for id in order { prefetchedLogs.byTrace[id] = Self.ordered(records[id] ?? []) }
        // The records that carry the traces' job ids (``logs(withJobIDs:)``'s first statement).
        // (Not an empty id, which the attribute never holds: asked alone, it stands for every
        // record without a job id.) Each id up to the limit a statement of its own has; an id
        // that reaches it is left to be read on its own.
        let jobs = Set(order.flatMap { (prefetched.spans[$0] ?? []).compactMap(\.messageID) }).subtracting([""])
        for chunk in Self.chunks(jobs.sorted(), Self.idsPerQuery) {
            var found: [String: [LogRecord]] = [:]
            for row in try http.rows("""
                SELECT \(ClickHouseRows.logColumns) FROM \(logs) WHERE LogAttributes[{jobKey:String}] IN {ids:Array(String)}
                LIMIT 100000 BY LogAttributes[{jobKey:String}]
                """, ["ids": Self.array(Array(chunk)), "jobKey": ClickHouseRows.LogKeys.job]) {
                let record = ClickHouseRows.log(row)
                if let job = record.jobID { found[job, default: []].append(record) }
            }
            for job in chunk where (found[job]?.count ?? 0) < 100_000 { prefetchedLogs.byJob[job] = found[job] ?? [] }
        }
        // The records naming those job ids only in their text (``logs(withJobIDs:)``'s second
        // statement), over all the windows' span at once, sorted out by window there.
        if !jobs.isEmpty, jobs.count <= Self.idsPerQuery {
            let limit = Self.mentionLimit * order.count
            let rows = try mentions(of: jobs.sorted(), low: low, high: high, limit: limit)
            if rows.count < limit { prefetchedLogs.mentions = (low, high, jobs, rows) }
        }
    }

    /// The time a trace's spans cover, from its first start to its last end: its start range
    /// from `otel_traces_trace_id_ts`, then its spans in that range.
    private func traceWindow(_ trace: TraceID) throws -> (Int64, Int64)? {
        if let lastTrace, lastTrace.id == trace, lastTrace.starts != nil, let window = lastTrace.window { return window }
        guard let (first, last) = try startRange(trace) else { return nil }
        let rows = try http.rows("""
            SELECT toInt64(min(toUnixTimestamp64Nano(Timestamp))) AS First, max(\(ClickHouseRows.end)) AS Last
            FROM \(traces) WHERE TraceId = {trace:String}
            AND Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
            """, ["trace": trace.description, "low": String(first), "high": String(last)])
        guard let row = rows.first, let low = row["First"]?.int64, let high = row["Last"]?.int64, high >= low else { return (first, last) }
        return (low, high)
    }

    /// By time (untimed first), file and line, as the SQLite store gives them — by job id first
    /// when `byJob`; a record read twice (two writers) once.
    static func ordered(_ records: [LogRecord], byJob: Bool = false) -> [LogRecord] {
        var seen = Set<String>()
        func key(_ record: LogRecord) -> (String, Int64, String, Int) {
            (byJob ? record.jobID ?? "" : "", record.timestamp?.nanoseconds ?? .min, record.source.file, record.source.line)
        }
        return records.filter { seen.insert($0.source.file + "\n" + String($0.source.line)).inserted }.sorted { key($0) < key($1) }
    }

    public func logs(withJobIDs jobIDs: Set<String>) throws -> [LogRecord] {
        guard !jobIDs.isEmpty else { return [] }
        var records: [LogRecord] = []
        for chunk in Self.chunks(jobIDs.sorted(), Self.idsPerQuery) {
            let ids = Array(chunk)
            let prefetchedKeyed = ids.allSatisfy { prefetchedLogs.byJob[$0] != nil } ? ids.flatMap { prefetchedLogs.byJob[$0] ?? [] } : nil
            func keyed() throws -> [LogRecord] {
                try http.rows("""
                    SELECT \(ClickHouseRows.logColumns) FROM \(logs) WHERE LogAttributes[{jobKey:String}] IN {ids:Array(String)} LIMIT 100000
                    """, ["ids": Self.array(ids), "jobKey": ClickHouseRows.LogKeys.job]).map { ClickHouseRows.log($0) }
            }
            // Lines shipped without parsing carry the id only in their text: looked for within
            // the time of the trace just read (a job id has no other bound).
            // Answered from the prefetch when it covers the window and the ids.
            guard let (first, last) = recentWindow else {
                records += try prefetchedKeyed ?? keyed()
                continue
            }
            let low = max(0, Self.add(first, -300_000_000_000)), high = max(0, Self.add(last, 300_000_000_000))
            var prefetchedMentions: [Mention]?
            if let prefetched = prefetchedLogs.mentions, prefetched.low <= low, prefetched.high >= high, ids.allSatisfy(prefetched.jobs.contains) {
                let asked = Set(ids)
                let found = prefetched.rows.filter { $0.time >= low && $0.time <= high && $0.named.contains(where: asked.contains) }
                if found.count < Self.mentionLimit { prefetchedMentions = found }
            }
            let byKey: [LogRecord], mentioned: [Mention]
            if prefetchedKeyed == nil, prefetchedMentions == nil {
                // Neither answered from the prefetch: both statements at once.
                (byKey, mentioned) = try atOnce(keyed, side: { [self] connection in
                    try mentions(of: ids, low: low, high: high, limit: Self.mentionLimit, on: connection)
                })
            } else {
                byKey = try prefetchedKeyed ?? keyed()
                mentioned = try prefetchedMentions ?? mentions(of: ids, low: low, high: high, limit: Self.mentionLimit)
            }
            records += byKey
            for (_, named, row) in mentioned {
                // The longest id the text holds (`job-12` over `job-1`).
                records.append(ClickHouseRows.log(row, job: named.filter(ids.contains).max { ($0.count, $1) < ($1.count, $0) }))
            }
        }
        return Self.ordered(records, byJob: true)
    }

    public func traceIDsOfLogsWithoutSpans(between start: Timestamp, and end: Timestamp, limit: Int) throws -> [TraceID] {
        guard start <= end, limit != 0 else { return [] }
        // The window's ids, each once, by its first line's time then id (never a 64-bit id: it
        // may be a stored trace's low half), less those a span has, wherever in time the spans
        // are (the lookup table's key, else the traces' id index): one statement, however many of
        // the window's traces have spans.
        let window = logTimeCondition(low: "low", high: "high")
        let ids = "match(TraceId, '^[0-9a-fA-F]{32}$') AND NOT startsWith(TraceId, '0000000000000000')"
        return try http.rows("""
            SELECT TraceId, min(Timestamp) AS First FROM \(logs) WHERE \(window) AND \(ids)
            AND TraceId NOT IN (SELECT TraceId FROM \(traceTimes ?? traces) WHERE TraceId IN (SELECT TraceId FROM \(logs) WHERE \(window) AND \(ids)))
            GROUP BY TraceId ORDER BY First, TraceId LIMIT {limit:UInt64}
            """, ["low": Self.nanos(start.nanoseconds), "high": Self.nanos(end.nanoseconds), "limit": String(Self.limit(limit))])
            .compactMap { $0["TraceId"]?.string.flatMap(TraceID.init(hex:)) }
    }

    public func unlinkedLogs(between start: Timestamp, and end: Timestamp, services: Set<String>, limit: Int) throws -> [LogRecord] {
        guard start <= end, limit > 0 else { return [] }
        var parameters = ["low": String(max(0, start.nanoseconds)), "high": String(max(0, end.nanoseconds)), "limit": String(limit),
                          "jobKey": ClickHouseRows.LogKeys.job, "fileKey": ClickHouseRows.LogKeys.file, "lineKey": ClickHouseRows.LogKeys.line]
        var serviceCondition = ""
        if !services.isEmpty {
            serviceCondition = "AND (ServiceName = '' OR lower(ServiceName) IN {services:Array(String)})"
            parameters["services"] = Self.array(services.map { $0.lowercased() }.sorted())
        }
        return try http.rows("""
            SELECT \(ClickHouseRows.logColumns) FROM \(logs) WHERE \(logTimeCondition(low: "low", high: "high"))
            AND TraceId = '' AND LogAttributes[{jobKey:String}] = '' \(serviceCondition)
            ORDER BY Timestamp, LogAttributes[{fileKey:String}], toUInt64OrZero(LogAttributes[{lineKey:String}]) LIMIT {limit:UInt64}
            """, parameters).map { ClickHouseRows.log($0) }
    }

    /// For each source, up to `limit` of its newest records with a time and a span id or job id
    /// (4 × `limit` looked at), each with its span: by (trace id, span id), else the consumer span
    /// of its job id, looked for a day either side of the records (a zone is at most 14 h off).
    /// The records are looked for within a day of what this handle wrote, when it wrote
    /// something: of its spans when every source is asked for, else of the newest day of the
    /// sources' records (a source of which it wrote no timed record is left out).
    public func logClockGaps(sources wanted: Set<String>?, limit: Int) throws -> [String: [ClockGap]] {
        guard limit > 0, wanted.map({ !$0.isEmpty }) ?? true else { return [:] }
        let key = ClickHouseRows.LogKeys.self
        var parameters = ["fileKey": key.file, "jobKey": key.job, "untimedKey": key.untimed, "budget": String(limit.saturatingMultiplied(by: 4))]
        var sourceCondition = "LogAttributes[{fileKey:String}] != ''"
        if let wanted {
            sourceCondition = "LogAttributes[{fileKey:String}] IN {sources:Array(String)}"
            parameters["sources"] = Self.array(wanted.sorted())
        }
        // Only records near what this handle wrote are looked at (a day either side, more than
        // any zone is off): near its spans when every source is asked for (what was stored
        // before its spans came), else near the newest day of the sources' records it wrote,
        // where their newest records are. Otherwise the whole table would be read every time a
        // writer asks — every few seconds in `serve`, until a source is measured.
        // A source of which this handle wrote no timed record has nothing new to measure.
        let near: (Int64, Int64)? = if let wanted {
            wanted.reduce(Optional<(Int64, Int64)>.none) { range, file in
                guard let written = writtenLogs[file] else { return range }
                return Self.widened(range, max(written.0, Self.add(written.1, -Self.day)), written.1)
            }
        } else {
            writtenSpans
        }
        if near == nil, wanted != nil, !writtenLogs.isEmpty || writtenSpans != nil { return [:] }
        if let (low, high) = near {
            sourceCondition += " AND " + logTimeCondition(low: "nearLow", high: "nearHigh", untimed: true)
            parameters["nearLow"] = Self.nanos(low, -Self.day)
            parameters["nearHigh"] = Self.nanos(high, Self.day)
        }
        let candidates = try http.rows("""
            SELECT LogAttributes[{fileKey:String}] AS File, toUnixTimestamp64Nano(Timestamp) AS Time, TraceId, SpanId, LogAttributes[{jobKey:String}] AS Job
            FROM \(logs) WHERE \(sourceCondition) AND LogAttributes[{untimedKey:String}] = '' AND (SpanId != '' OR Job != '')
            ORDER BY File, Timestamp DESC LIMIT {budget:UInt64} BY File
            """, parameters)
        guard let low = candidates.compactMap({ $0["Time"]?.int64 }).min(), let high = candidates.compactMap({ $0["Time"]?.int64 }).max() else { return [:] }
        let window = ["low": Self.nanos(low, -Self.day), "high": Self.nanos(high, Self.day)]
        var bySpan: [String: (Int64, Int64)] = [:], byJob: [String: (Int64, Int64)] = [:]
        let traceIDs = Array(Set(candidates.compactMap { row in row["SpanId"]?.string.flatMap { $0.isEmpty ? nil : row["TraceId"]?.string } }))
        for chunk in Self.chunks(traceIDs, Self.idsPerQuery) {
            for row in try http.rows("""
                SELECT TraceId, SpanId, toUnixTimestamp64Nano(Timestamp) AS Start, \(ClickHouseRows.nanos) AS Nanos FROM \(traces)
                WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64}) AND TraceId IN {ids:Array(String)}
                """, window.merging(["ids": Self.array(Array(chunk))]) { $1 }) {
                guard let start = row["Start"]?.int64 else { continue }
                bySpan[(row["TraceId"]?.string ?? "") + (row["SpanId"]?.string ?? "")] = (start, Self.add(start, row["Nanos"]?.int64 ?? 0))
            }
        }
        let jobs = Array(Set(candidates.compactMap { row in row["SpanId"]?.string == "" ? row["Job"]?.string.flatMap { $0.isEmpty ? nil : $0 } : nil }))
        for chunk in Self.chunks(jobs, Self.idsPerQuery) {
            for row in try http.rows("""
                SELECT \(ClickHouseRows.jobID) AS Job, toUnixTimestamp64Nano(Timestamp) AS Start, \(ClickHouseRows.nanos) AS Nanos FROM \(traces)
                WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})
                AND Job IN {jobs:Array(String)} AND upper(SpanKind) IN ('CONSUMER', 'SPAN_KIND_CONSUMER')
                ORDER BY Timestamp LIMIT 1 BY Job
                """, window.merging(["jobs": Self.array(Array(chunk)), "jobKeys": ClickHouseRows.jobKeys]) { $1 }) {
                guard let start = row["Start"]?.int64 else { continue }
                byJob[row["Job"]?.string ?? ""] = (start, Self.add(start, row["Nanos"]?.int64 ?? 0))
            }
        }
        var gaps: [String: [ClockGap]] = [:]
        for row in candidates {
            guard let file = row["File"]?.string, let time = row["Time"]?.int64, gaps[file, default: []].count < limit else { continue }
            let span = row["SpanId"]?.string ?? ""
            guard let (start, end) = span.isEmpty ? byJob[row["Job"]?.string ?? ""] : bySpan[(row["TraceId"]?.string ?? "") + span] else { continue }
            gaps[file, default: []].append(ClockGap(time: Timestamp(nanoseconds: time), spanStart: Timestamp(nanoseconds: start),
                                                    spanEnd: Timestamp(nanoseconds: end)))
        }
        return gaps
    }

    /// Moves a source's timed records by `nanoseconds`: `Timestamp` is in the exporter's sort
    /// key, which ClickHouse does not update in place, so the rows are inserted again moved
    /// (marked with this shift in `LogAttributes`) and the old ones deleted (a lightweight
    /// `DELETE`). Two statements: a crash between them leaves the source twice, once moved,
    /// until the next shift of it.
    public func shiftLogTimes(source: String, by nanoseconds: Int64) throws -> Int {
        guard nanoseconds != 0 else { return 0 }
        prefetchedLogs = PrefetchedLogs()
        let key = ClickHouseRows.LogKeys.self
        let marker = UUID().uuidString.lowercased()
        var parameters = ["fileKey": key.file, "untimedKey": key.untimed, "shiftKey": key.shift, "source": source,
                          "shift": String(nanoseconds), "marker": marker]
        let condition = "LogAttributes[{fileKey:String}] = {source:String} AND LogAttributes[{untimedKey:String}] = ''"
        let count = Int(try http.rows("SELECT count() AS Rows FROM \(logs) WHERE \(condition)", parameters).first?["Rows"]?.int64 ?? 0)
        guard count > 0 else { return 0 }
        var replaced = "Timestamp + toIntervalNanosecond({shift:Int64}) AS Timestamp, mapUpdate(LogAttributes, map({shiftKey:String}, {marker:String})) AS LogAttributes"
        if logColumns.has("TimestampTime") { replaced += ", toDateTime(Timestamp + toIntervalNanosecond({shift:Int64})) AS TimestampTime" }
        try http.execute("INSERT INTO \(logs) SELECT * REPLACE (\(replaced)) FROM \(logs) WHERE \(condition)", parameters)
        parameters["marker"] = marker
        try http.execute("DELETE FROM \(logs) WHERE \(condition) AND LogAttributes[{shiftKey:String}] != {marker:String}", parameters)
        return count
    }

    // MARK: - Alerts

    func readAlerts(_ condition: String, _ parameters: [String: String]) throws(ClickHouseError) -> [Alert] {
        guard hasAlertTables else { return [] }
        return try http.rows("""
            SELECT Fingerprint, toInt64(toUnixTimestamp64Nano(StartsAt)) AS Starts, toInt64(toUnixTimestamp64Nano(EndsAt)) AS Ends, Status,
            AlertName, Labels, Annotations, Source, GeneratorURL
            FROM \(alertsTable) FINAL \(condition) ORDER BY StartsAt, AlertName, Fingerprint
            """, parameters).map { row in
            func pairs(_ document: JSONDocument?) -> [(String, String)] {
                (document?.array ?? []).compactMap { pair in
                    guard let items = pair.array, items.count == 2 else { return nil }
                    return (items[0].string ?? "", items[1].string ?? "")
                }
            }
            let url = row["GeneratorURL"]?.string ?? ""
            return Alert(name: row["AlertName"]?.string ?? "", fingerprint: row["Fingerprint"]?.string ?? "",
                         status: Alert.Status(rawValue: row["Status"]?.string ?? "") ?? .firing,
                         labels: pairs(row["Labels"]), annotations: pairs(row["Annotations"]),
                         startsAt: Timestamp(nanoseconds: row["Starts"]?.int64 ?? 0), endsAt: row["Ends"]?.int64.map(Timestamp.init(nanoseconds:)),
                         source: row["Source"]?.string ?? "", generatorURL: url.isEmpty ? nil : url)
        }
    }

    public func alerts(named name: String) throws -> [Alert] {
        try readAlerts("WHERE AlertName = {name:String}", ["name": name])
    }

    public func alerts(withFingerprint fingerprint: String) throws -> [Alert] {
        try readAlerts("WHERE Fingerprint = {fingerprint:String}", ["fingerprint": fingerprint])
    }

    public func alerts(overlapping since: Timestamp, _ until: Timestamp) throws -> [Alert] {
        try readAlerts("""
            WHERE StartsAt <= fromUnixTimestamp64Nano({until:Int64}) AND (EndsAt IS NULL OR EndsAt >= fromUnixTimestamp64Nano({since:Int64}))
            """, ["since": String(max(0, since.nanoseconds)), "until": String(max(0, until.nanoseconds))])
    }

    public func alerts(_ query: AlertListQuery) throws -> [Alert] {
        var conditions: [String] = []
        var parameters: [String: String] = [:]
        if let since = query.since {
            conditions.append("(EndsAt IS NULL OR EndsAt >= fromUnixTimestamp64Nano({since:Int64}))")
            parameters["since"] = String(max(0, since.nanoseconds))
        }
        if let until = query.until {
            conditions.append("StartsAt <= fromUnixTimestamp64Nano({until:Int64})")
            parameters["until"] = String(max(0, until.nanoseconds))
        }
        if let name = query.name {
            conditions.append("lower(AlertName) = {name:String}")
            parameters["name"] = name.lowercased()
        }
        if let status = query.status {
            conditions.append("Status = {status:String}")
            parameters["status"] = status.rawValue
        }
        var alerts = try readAlerts(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), parameters)
        alerts.sort { ($0.startsAt, $1.fingerprint) > ($1.startsAt, $0.fingerprint) }
        return query.limit < 0 ? alerts : Array(alerts.prefix(query.limit))
    }

    // MARK: - Listings and counts

    public func traces(_ query: TraceListQuery) throws -> [TraceListing] {
        guard query.since <= query.until, query.limit != 0 else { return [] }
        var having = ["First BETWEEN {low:Int64} AND {high:Int64}"]
        var parameters = ["low": String(max(0, query.since.nanoseconds)), "high": String(max(0, query.until.nanoseconds)),
                          "wideLow": Self.nanos(query.since.nanoseconds, -86_400_000_000_000),
                          "wideHigh": Self.nanos(query.until.nanoseconds, 86_400_000_000_000),
                          "limit": String(Self.limit(query.limit))]
        if let minimum = query.minimumDurationNanoseconds {
            having.append("Last - First >= {minimum:Int64}")
            parameters["minimum"] = String(minimum)
        }
        if query.errorsOnly { having.append("Errors > 0") }
        if let service = query.service {
            having.append("countIf(lower(ServiceName) = {service:String}) > 0")
            parameters["service"] = service.lowercased()
        }
        // The traces with a span in the range, each aggregated over its spans from a day before
        // to a day after (a trace that started before the range is not listed).
        let rows = try http.rows("""
            SELECT TraceId, toInt64(min(toUnixTimestamp64Nano(Timestamp))) AS First,
                max(\(ClickHouseRows.end)) AS Last, count() AS Spans,
                countIf(upper(StatusCode) IN ('ERROR', 'STATUS_CODE_ERROR')) AS Errors,
                argMin(SpanName, (ParentSpanId != '', Timestamp, SpanId)) AS Root, argMin(ServiceName, (ParentSpanId != '', Timestamp, SpanId)) AS RootService
            FROM \(traces)
            WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({wideLow:Int64}) AND fromUnixTimestamp64Nano({wideHigh:Int64})
            AND TraceId IN (SELECT TraceId FROM \(traces) WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64}))
            GROUP BY TraceId HAVING \(having.joined(separator: " AND "))
            ORDER BY First DESC, TraceId ASC LIMIT {limit:UInt64}
            """, parameters)
        return try rows.compactMap { row -> TraceListing? in
            guard let trace = row["TraceId"]?.string.flatMap(TraceID.init(hex:)) else { return nil }
            let service = row["RootService"]?.string ?? ""
            var listing = TraceListing(traceID: trace, start: Timestamp(nanoseconds: row["First"]?.int64 ?? 0),
                                       end: Timestamp(nanoseconds: row["Last"]?.int64 ?? 0), rootName: row["Root"]?.string ?? "",
                                       rootService: service.isEmpty ? nil : service, spans: Int(row["Spans"]?.int64 ?? 0),
                                       errors: Int(row["Errors"]?.int64 ?? 0), logs: 0)
            let spans = try self.spans(inTrace: trace)
            let jobs = Set(spans.compactMap(\.messageID))
            var keys = Set(try logs(inTrace: trace).map { $0.source })
            keys.formUnion(try logs(withJobIDs: jobs).map { $0.source })
            listing.logs = keys.count
            return listing
        }
    }

    /// Log sources of the last seven days of records (before the newest record's time; records
    /// without a time of their own by when they were written): a listing of everything would
    /// read the whole table.
    public func logSources() throws -> [LogSourceListing] {
        let key = ClickHouseRows.LogKeys.self
        return try http.rows("""
            SELECT LogAttributes[{fileKey:String}] AS Path, count() AS Records,
                toInt64(minIf(toUnixTimestamp64Nano(Timestamp), LogAttributes[{untimedKey:String}] = '')) AS First,
                toInt64(maxIf(toUnixTimestamp64Nano(Timestamp), LogAttributes[{untimedKey:String}] = '')) AS Last,
                countIf(LogAttributes[{untimedKey:String}] = '') AS Timed, countIf(TraceId != '') AS WithTrace
            FROM \(logs) WHERE LogAttributes[{untimedKey:String}] = ''
                AND Timestamp >= (SELECT max(Timestamp) FROM \(logs) WHERE LogAttributes[{untimedKey:String}] = '') - INTERVAL 7 DAY
                OR LogAttributes[{untimedKey:String}] != '' AND Timestamp >= now64(9) - INTERVAL 7 DAY
            GROUP BY Path HAVING Path != '' ORDER BY Path
            """, ["fileKey": key.file, "untimedKey": key.untimed]).map { row in
            let timed = (row["Timed"]?.int64 ?? 0) > 0
            return LogSourceListing(path: row["Path"]?.string ?? "", records: Int(row["Records"]?.int64 ?? 0),
                                    first: timed ? row["First"]?.int64.map(Timestamp.init(nanoseconds:)) : nil,
                                    last: timed ? row["Last"]?.int64.map(Timestamp.init(nanoseconds:)) : nil,
                                    withTraceID: Int(row["WithTrace"]?.int64 ?? 0))
        }
    }

    public func statistics() throws -> StoreStatistics {
        let spans = try http.rows("SELECT count() AS Spans, uniqExact(TraceId) AS Traces FROM \(traces)").first
        let records = try http.rows("SELECT count() AS Logs FROM \(logs)").first
        let raw = hasAlertTables ? try http.rows("SELECT count() AS Raw FROM \(rawAlertsTable) FINAL").first : nil
        return StoreStatistics(spans: Int(spans?["Spans"]?.int64 ?? 0), traces: Int(spans?["Traces"]?.int64 ?? 0),
                               logs: Int(records?["Logs"]?.int64 ?? 0), rawAlerts: Int(raw?["Raw"]?.int64 ?? 0))
    }

    // MARK: - Hints

    public func beginBulkLoad(expectedRows: Int) throws {}
    public func endBulkLoad() throws {}

    // MARK: - Helpers

    /// A ClickHouse array literal of strings, as a parameter of type `Array(String)`.
    static func array(_ values: [String]) -> String {
        var out = "["
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += "'" + ClickHouseHTTP.escaped(value, quote: true) + "'"
        }
        return out + "]"
    }

    /// `time + delta` nanoseconds as a parameter: saturating at the ends of time, never before
    /// 1970 (where `DateTime64` begins for the exporter's tables).
    static func nanos(_ time: Int64, _ delta: Int64 = 0) -> String {
        String(max(0, add(time, delta)))
    }

    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    static let day: Int64 = 86_400_000_000_000

    /// Ids sent in one query's parameters: ~18 KB of URL for trace ids (ClickHouse takes 1 MiB,
    /// proxies and some fronts 64 KiB).
    static let idsPerQuery = 500

    /// Ids written into one statement's text (hex ids only, which need no escaping): 33 bytes
    /// each, 231 KB, within the default `max_query_size` (256 KiB) with room for the rest.
    static let idsInline = 7000

    /// The right side of an `IN` for trace ids written into a statement: one string literal
    /// split by the server, `(SELECT arrayJoin(splitByChar(',', 'id,id,…')))`. Parsing one
    /// literal costs nothing beside a list of as many literals, each a node of the statement's
    /// tree to analyse: on ClickHouse 26.9 the set of 5,000 new trace ids is checked against
    /// `otel_traces_trace_id_ts` in 12–16 ms so, and in 52–74 ms as a list. The set is built
    /// before the table is read, so the primary key still selects the granules.
    static func idSet(_ ids: some Sequence<TraceID>) -> String {
        // Trace ids are written as 32 lowercase hex digits: nothing to escape, no comma.
        "(SELECT arrayJoin(splitByChar(',', '\(ids.lazy.map(\.description).joined(separator: ","))')))"
    }

    /// At most this many records found by a job id in their `Body`, per window.
    static let mentionLimit = 100_000

    static func limit(_ limit: Int) -> Int { limit < 0 ? Int(Int32.max) : limit }

    static func chunks<T>(_ items: [T], _ size: Int) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }
}
