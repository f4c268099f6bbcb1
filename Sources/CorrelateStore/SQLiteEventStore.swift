public import CorrelateModel
import Foundation
internal import CSQLite

/// The embedded store: one SQLite file in WAL mode, written in batched transactions through
/// prepared statements.
///
/// Opening runs the schema migrations the file has not had yet (``Schema``). A store is used
/// from one thread at a time; readers in other processes see every committed batch.
public final class SQLiteEventStore: EventStore {
    public let path: String
    let db: Database
    private var sourceIDs: [String: Int64] = [:]
    private var sourcePaths: [Int64: String] = [:]

    private lazy var insertLog = try? db.prepare("""
        INSERT OR IGNORE INTO logs (id, ts, trace_id, span_id, job_id, severity, service, host, rule, message, lines)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
        """)
    private lazy var insertSpan = try? db.prepare("""
        INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, name, kind, start, end, status,
            status_message, service, message_id, attributes, resource_id, events, links)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
        """)

    private lazy var insertLink = try? db.prepare("INSERT OR IGNORE INTO span_links (linked_trace, trace_id) VALUES (?1, ?2)")

    /// How a store is opened.
    public enum Access: Sendable {
        /// Create the file when needed, run the migrations it has not had, write.
        case readWrite
        /// Read only (`trace`, `lookup`, `report`): nothing in the file or beside it is created or
        /// changed, so a store the user cannot write (another user's, a read-only mount) works.
        case readOnly
    }

    /// `PRAGMA application_id` of a correlate store ("corr"), written in the file's header.
    static let applicationID: Int64 = 0x636F_7272

    /// Opens the store at `path`, creating it (and its schema) when needed with `.readWrite`.
    /// - Throws: ``SQLiteError`` when the file cannot be opened, is not an SQLite database, is an
    ///   SQLite database of another application (refused before anything in it is changed),
    ///   was written by a newer correlate, or (read only) by an older one.
    public init(path: String, access: Access = .readWrite) throws {
        self.path = path
        var db = try Database(path: path, readOnly: access == .readOnly)
        if access == .readOnly, !Self.canRead(db), !FileManager.default.fileExists(atPath: path + "-wal"),
           !FileManager.default.fileExists(atPath: path + "-shm") {
            // A WAL store whose folder this user cannot write, and no -wal or -shm beside it: no
            // writer is running (it would have made them), so read the file as it is.
            db = try Database(path: path, immutable: true)
        }
        self.db = db
        do {
            try Self.checkIsCorrelateStore(db, path: path)
            if access == .readOnly {
                let version = try Int(db.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'") ?? 0)
                guard version == Schema.version else {
                    throw SQLiteError(code: SQLITE_ERROR,
                                      message: "the store has schema version \(version) and this correlate reads \(Schema.version); "
                                        + (version < Schema.version ? "run a command that writes it (correlate ingest) once to upgrade it"
                                                                    : "use a newer correlate"),
                                      context: "cannot read '\(path)'")
                }
                try db.execute("PRAGMA query_only = 1; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144;")
                return
            }
            // A new file gets 16 KiB pages (fewer, larger writes); WAL with NORMAL sync keeps every
            // committed transaction across a crash of the process.
            if (try db.integer("PRAGMA page_count")) == 0 { try db.execute("PRAGMA page_size = 16384") }
            try db.execute("""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                PRAGMA temp_store = MEMORY;
                PRAGMA cache_size = -262144;
                PRAGMA wal_autocheckpoint = 4096;
                PRAGMA application_id = \(Self.applicationID);
                """)
            try migrate()
            try ensureIndexes()
        } catch let error as SQLiteError where error.isNotADatabase {
            throw SQLiteError(code: error.code, message: "the file is not a correlate store (not an SQLite database)",
                              context: "cannot open '\(path)'")
        }
    }

    /// False when reading fails because SQLite cannot make the files a WAL reader shares.
    private static func canRead(_ db: Database) -> Bool {
        do {
            _ = try db.integer("SELECT count(*) FROM sqlite_master")
            return true
        } catch {
            return error.code & 0xFF != SQLITE_READONLY && error.code & 0xFF != SQLITE_CANTOPEN
        }
    }

    /// Refuses a database that holds something other than a correlate store, before anything
    /// is written to it: an empty database (or a new file) becomes a store; one stamped with
    /// correlate's application id is one; so is a store of a correlate from before the stamp
    /// (a `meta` table with a schema version, and `logs`). Anything else is another
    /// application's data.
    static func checkIsCorrelateStore(_ db: Database, path: String) throws {
        let objects = try db.integer("SELECT count(*) FROM sqlite_master") ?? 0
        guard objects > 0 else { return }
        let stamp = try db.integer("PRAGMA application_id") ?? 0
        if stamp == applicationID { return }
        if stamp == 0,
           try db.integer("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'logs')") == 2,
           try db.integer("SELECT count(*) FROM pragma_table_info('meta') WHERE name IN ('key', 'value')") == 2,
           try db.integer("SELECT count(*) FROM meta WHERE key = 'schema_version'") == 1 {
            return
        }
        let statement = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 4")
        var tables: [String] = []
        while try statement.step() { tables.append(statement.string(0) ?? "?") }
        let holding = tables.isEmpty ? "" : " (it holds the tables " + tables.prefix(3).joined(separator: ", ") + (tables.count > 3 ? "…" : "") + ")"
        throw SQLiteError(code: SQLITE_ERROR,
                          message: "this SQLite database belongs to another application\(holding), it is not a correlate store; nothing in it was changed — give --db a new file",
                          context: "cannot use '\(path)'")
    }

    private func migrate() throws {
        try db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        let version = try Int(db.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'") ?? 0)
        guard version <= Schema.version else {
            throw SQLiteError(code: SQLITE_ERROR, message: "schema version \(version) is newer than this correlate knows (\(Schema.version))",
                              context: "cannot use '\(path)'")
        }
        for next in version..<Schema.version {
            try db.transaction {
                try db.execute(Schema.migrations[next])
                try db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '\(next + 1)')")
            }
        }
    }

    /// Creates the secondary indexes that are missing (a bulk load that was interrupted leaves
    /// them dropped; see ``beginBulkLoad()``).
    private func ensureIndexes() throws {
        try db.execute(Schema.indexes.map { "CREATE INDEX IF NOT EXISTS \($0.name) ON \($0.definition);" }.joined(separator: "\n"))
    }

    /// Prepares for loading many rows: when the tables are small next to what is coming, drops
    /// the secondary indexes, which are then rebuilt once, sorted, by ``endBulkLoad()`` — much
    /// faster than updating them row by row. Queries still work in between (slower), and a
    /// store opened after an interrupted load gets its indexes back.
    /// - Parameter expectedRows: about how many rows the load will add.
    public func beginBulkLoad(expectedRows: Int) throws {
        let existing = try Int(db.integer("SELECT (SELECT count(*) FROM logs) + (SELECT count(*) FROM spans)") ?? 0)
        guard expectedRows >= 200_000, expectedRows >= existing / 2 else { return }
        try db.execute(Schema.indexes.map { "DROP INDEX IF EXISTS \($0.name);" }.joined(separator: "\n"))
        bulkLoading = true
    }

    public func endBulkLoad() throws {
        guard bulkLoading else { return }
        bulkLoading = false
        try ensureIndexes()
    }

    private var bulkLoading = false

    private var checkpointer: Checkpointer?

    /// Moves WAL checkpoints to a thread and connection of their own (see ``Checkpointer``):
    /// for a long-running writer such as `correlate serve`, whose commits then never wait for a
    /// checkpoint's writes and `fsync`.
    public func beginLongRunningWrites() throws {
        guard checkpointer == nil else { return }
        checkpointer = try Checkpointer(writer: db)
    }

    deinit {
        if let checkpointer {
            sqlite3_wal_hook(db.handle, nil, nil)
            checkpointer.stop()
        }
    }

    /// The schema version of the open store.
    public func schemaVersion() throws -> Int {
        try Int(db.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'") ?? 0)
    }

    /// Whether SQLite finds the file sound (`PRAGMA integrity_check`).
    public func integrityCheck() throws -> Bool {
        let statement = try db.prepare("PRAGMA integrity_check")
        guard try statement.step() else { return false }
        return statement.string(0) == "ok"
    }

    // MARK: - Writing

    /// Runs `body` in one write transaction. When it rolls back, the ids interned in it
    /// (sources, resources) are rolled back too, so the caches forget every id they learnt:
    /// a later write must not reuse an id the file no longer holds.
    private func writing<R>(_ body: () throws -> R) throws -> R {
        do {
            return try db.transaction(body)
        } catch {
            resourceIDs.removeAll()
            sourceIDs.removeAll()
            sourcePaths.removeAll()
            throw error
        }
    }

    public func insert(logs: [LogRecord]) throws -> InsertResult {
        guard let statement = insertLog else { throw SQLiteError(code: SQLITE_ERROR, message: "cannot prepare", context: "insert logs") }
        return try writing {
            var result = InsertResult()
            for record in logs {
                statement.bind(1, StoreKeys.row(source: try sourceID(record.source.file), line: record.source.line))
                statement.bind(2, record.timestamp?.nanoseconds)
                statement.bind(3, blob: record.traceID.map(Blob.bytes))
                statement.bind(4, blob: record.spanID.map(Blob.bytes))
                statement.bind(5, record.jobID)
                statement.bind(6, record.severity?.rawValue)
                statement.bind(7, record.service)
                statement.bind(8, record.host)
                statement.bind(9, record.rule)
                statement.bind(10, record.message)
                statement.bind(11, record.lines)
                try statement.run()
                if db.changes > 0 { result.stored += 1 } else { result.duplicates += 1 }
            }
            return result
        }
    }

    public func insert(spans: [Span]) throws -> InsertResult {
        try insert(rows: StoredSpan.rows(spans))
    }

    /// The spans as SQLite rows (``StoredSpan``): attributes, resource, events and links
    /// encoded as JSON text, a resource shared by consecutive spans encoded once. Any thread.
    public static func prepare(_ spans: [Span]) -> PreparedSpans {
        PreparedSpans(spans: spans, form: StoredSpan.rows(spans))
    }

    public var spanPreparation: @Sendable ([Span]) -> PreparedSpans { Self.prepare }

    public func insert(prepared: [PreparedSpans]) throws -> InsertResult {
        var rows: [StoredSpan] = []
        rows.reserveCapacity(prepared.reduce(0) { $0 + $1.count })
        for batch in prepared {
            if let form = batch.form as? [StoredSpan] { rows += form } else { rows += StoredSpan.rows(batch.spans) }
        }
        return try insert(rows: rows)
    }

    private func insert(rows spans: [StoredSpan]) throws -> InsertResult {
        guard let statement = insertSpan else { throw SQLiteError(code: SQLITE_ERROR, message: "cannot prepare", context: "insert spans") }
        return try writing {
                var result = InsertResult()
                var last: (json: String, id: Int64)?
                for span in spans {
                    let resource: Int64
                    if let last, last.json == span.resource {
                        resource = last.id
                    } else {
                        resource = try resourceID(json: span.resource)
                        last = (span.resource, resource)
                    }
                    statement.bind(1, blob: Blob.bytes(span.traceID))
                    statement.bind(2, blob: Blob.bytes(span.spanID))
                    statement.bind(3, blob: span.parentSpanID.map(Blob.bytes))
                    statement.bind(4, span.name)
                    statement.bind(5, span.kind.rawValue)
                    statement.bind(6, span.start.nanoseconds)
                    statement.bind(7, span.end.nanoseconds)
                    statement.bind(8, span.status.rawValue)
                    statement.bind(9, span.statusMessage)
                    statement.bind(10, span.service)
                    statement.bind(11, span.messageID)
                    statement.bind(12, span.attributes)
                    statement.bind(13, resource)
                    statement.bind(14, span.events)
                    statement.bind(15, span.links)
                    try statement.run()
                    // A span already stored keeps its row, so its links stay as they were too.
                    guard db.changes > 0 else {
                        result.duplicates += 1
                        continue
                    }
                    result.stored += 1
                    for linked in span.linkedTraces {
                        guard let insertLink else { throw SQLiteError(code: SQLITE_ERROR, message: "cannot prepare", context: "insert span links") }
                        insertLink.bind(1, linked.description)
                        insertLink.bind(2, blob: Blob.bytes(span.traceID))
                        try insertLink.run()
                    }
                }
                return result
        }
    }

    /// Resource JSON → id, for the resources this store has written or read.
    private var resourceIDs: [String: Int64] = [:]

    private func resourceID(json: String) throws -> Int64 {
        if let id = resourceIDs[json] { return id }
        let id = try internedID(json, table: "resources", column: "json")
        if resourceIDs.count > 10_000 { resourceIDs.removeAll() }
        resourceIDs[json] = id
        return id
    }

    public func insert(rawAlert body: String, source: SourceLocation) throws -> InsertResult {
        let statement = try db.prepare("INSERT OR IGNORE INTO raw_alerts (id, body) VALUES (?1, ?2)")
        return try writing {
            statement.bind(1, StoreKeys.row(source: try sourceID(source.file), line: source.line))
            statement.bind(2, body)
            try statement.run()
            return db.changes > 0 ? InsertResult(stored: 1) : InsertResult(duplicates: 1)
        }
    }

    private func sourceID(_ path: String) throws -> Int64 {
        if let id = sourceIDs[path] { return id }
        let id = try internedID(path, table: "sources", column: "path")
        sourceIDs[path] = id
        sourcePaths[id] = path
        return id
    }

    /// The id of `value` in `table` (an `id INTEGER PRIMARY KEY` and a unique text `column`),
    /// stored first when new.
    private func internedID(_ value: String, table: String, column: String) throws -> Int64 {
        let insert = try db.prepare("INSERT OR IGNORE INTO \(table) (\(column)) VALUES (?1)")
        insert.bind(1, value)
        try insert.run()
        let select = try db.prepare("SELECT id FROM \(table) WHERE \(column) = ?1")
        select.bind(1, value)
        guard try select.step() else {
            throw SQLiteError(code: SQLITE_ERROR, message: "\(table) row not stored", context: String(value.prefix(80)))
        }
        return select.int64(0)
    }

    private func sourcePath(_ id: Int64) throws -> String {
        if let path = sourcePaths[id] { return path }
        let select = try db.prepare("SELECT path FROM sources WHERE id = ?1")
        select.bind(1, id)
        let path = try select.step() ? (select.string(0) ?? "?") : "?"
        sourcePaths[id] = path
        sourceIDs[path] = id
        return path
    }

    // MARK: - Reading

    static let spanColumns = """
        trace_id, span_id, parent_span_id, name, kind, start, end, status, status_message, service,
        attributes, (SELECT json FROM resources WHERE id = spans.resource_id), events, links
        """

    public func spans(inTrace trace: TraceID) throws -> [Span] {
        let statement = try db.prepare("SELECT \(Self.spanColumns) FROM spans WHERE trace_id = ?1 ORDER BY start, span_id")
        statement.bind(1, blob: Blob.bytes(trace))
        return try readSpans(statement)
    }

    public func spans(withMessageIDs messageIDs: Set<String>) throws -> [Span] {
        guard !messageIDs.isEmpty else { return [] }
        // A job id names a producer and a consumer span, maybe a few retries: a bound keeps a
        // misconfigured id (the same one on every job) from pulling in the whole store.
        let statement = try db.prepare("SELECT \(Self.spanColumns) FROM spans WHERE message_id = ?1 ORDER BY start LIMIT 64")
        var spans: [Span] = []
        for id in messageIDs.sorted() {
            statement.bind(1, id)
            spans += try readSpans(statement)
        }
        return spans
    }

    func readSpans(_ statement: Statement) throws -> [Span] {
        defer { statement.reset() }
        var spans: [Span] = []
        while try statement.step() {
            guard let trace = statement.blob(0).flatMap(Blob.traceID), let span = statement.blob(1).flatMap(Blob.spanID) else {
                continue
            }
            spans.append(Span(
                traceID: trace, spanID: span, parentSpanID: statement.blob(2).flatMap(Blob.spanID),
                name: statement.string(3) ?? "", kind: Span.Kind(rawValue: Int(statement.int64(4))) ?? .unspecified,
                start: Timestamp(nanoseconds: statement.int64(5)), end: Timestamp(nanoseconds: statement.int64(6)),
                status: Span.Status(rawValue: Int(statement.int64(7))) ?? .unset,
                statusMessage: statement.string(8), service: statement.string(9),
                attributes: SpanJSON.attributes(statement.string(10)),
                resource: SpanJSON.attributes(statement.string(11)),
                events: SpanJSON.events(statement.string(12)),
                links: SpanJSON.links(statement.string(13))))
        }
        return spans
    }

    static let logColumns = "id, ts, trace_id, span_id, job_id, severity, service, host, rule, message, lines"

    public func logs(inTrace trace: TraceID) throws -> [LogRecord] {
        let statement = try db.prepare("SELECT \(Self.logColumns) FROM logs WHERE trace_id = ?1 OR trace_id = ?2 ORDER BY ts, id")
        statement.bind(1, blob: Blob.bytes(trace))
        // A 64-bit id logged by Datadog or B3 is kept with a zero high half.
        statement.bind(2, blob: Blob.bytes(TraceID(high: 0, low: trace.low)))
        return try readLogs(statement)
    }

    public func logClockGaps(sources wanted: Set<String>?, limit: Int) throws -> [String: [ClockGap]] {
        // Each source's rows are a range of keys (its id in the high 32 bits): the records with
        // a span id joined on the spans' key, those with only a job id on the consumer spans'
        // message id (an index each).
        let sourceRows = try db.prepare("SELECT id, path FROM sources ORDER BY id")
        var sources: [(id: Int64, path: String)] = []
        defer { sourceRows.reset() }
        while try sourceRows.step() {
            let path = sourceRows.string(1) ?? ""
            if wanted?.contains(path) ?? true { sources.append((sourceRows.int64(0), path)) }
        }
        let bySpan = try db.prepare("""
            SELECT l.ts, s.start, s.end FROM logs l JOIN spans s ON s.trace_id = l.trace_id AND s.span_id = l.span_id
            WHERE l.id BETWEEN ?1 AND ?2 AND l.span_id IS NOT NULL AND l.ts IS NOT NULL LIMIT ?3
            """)
        let byJob = try db.prepare("""
            SELECT l.ts, s.start, s.end FROM logs l JOIN spans s ON s.message_id = l.job_id AND s.kind = \(Span.Kind.consumer.rawValue)
            WHERE l.id BETWEEN ?1 AND ?2 AND l.span_id IS NULL AND l.job_id IS NOT NULL AND l.ts IS NOT NULL LIMIT ?3
            """)
        var gaps: [String: [ClockGap]] = [:]
        for source in sources {
            var found: [ClockGap] = []
            for statement in [bySpan, byJob] where found.count < limit {
                statement.bind(1, StoreKeys.row(source: source.id, line: 0))
                statement.bind(2, StoreKeys.row(source: source.id, line: 0xFFFF_FFFF))
                statement.bind(3, Int64(limit - found.count))
                defer { statement.reset() }
                while try statement.step() {
                    found.append(ClockGap(time: Timestamp(nanoseconds: statement.int64(0)),
                                          spanStart: Timestamp(nanoseconds: statement.int64(1)), spanEnd: Timestamp(nanoseconds: statement.int64(2))))
                }
            }
            if !found.isEmpty { gaps[source.path] = found }
        }
        return gaps
    }

    public func shiftLogTimes(source: String, by nanoseconds: Int64) throws -> Int {
        let find = try db.prepare("SELECT id FROM sources WHERE path = ?1")
        find.bind(1, source)
        defer { find.reset() }
        guard try find.step() else { return 0 }
        let id = find.int64(0)
        return try writing {
            let update = try db.prepare("UPDATE logs SET ts = ts + ?3 WHERE id BETWEEN ?1 AND ?2 AND ts IS NOT NULL")
            update.bind(1, StoreKeys.row(source: id, line: 0))
            update.bind(2, StoreKeys.row(source: id, line: 0xFFFF_FFFF))
            update.bind(3, nanoseconds)
            defer { update.reset() }
            _ = try update.step()
            return db.changes
        }
    }

    public func logs(withJobIDs jobIDs: Set<String>) throws -> [LogRecord] {
        guard !jobIDs.isEmpty else { return [] }
        let statement = try db.prepare("SELECT \(Self.logColumns) FROM logs WHERE job_id = ?1 ORDER BY ts, id LIMIT 5000")
        var records: [LogRecord] = []
        for id in jobIDs.sorted() {
            statement.bind(1, id)
            records += try readLogs(statement)
        }
        return records
    }

    func readLogs(_ statement: Statement) throws -> [LogRecord] {
        defer { statement.reset() }
        var records: [LogRecord] = []
        while try statement.step() {
            let id = statement.int64(0)
            records.append(LogRecord(
                source: SourceLocation(file: try sourcePath(StoreKeys.source(ofRow: id)), line: StoreKeys.line(ofRow: id)),
                lines: Int(statement.int64(10)),
                timestamp: statement.int64OrNil(1).map(Timestamp.init(nanoseconds:)),
                traceID: statement.blob(2).flatMap(Blob.traceID), spanID: statement.blob(3).flatMap(Blob.spanID),
                jobID: statement.string(4), severity: statement.string(5).flatMap(Severity.init(rawValue:)),
                service: statement.string(6), host: statement.string(7), rule: statement.string(8),
                message: statement.string(9) ?? ""))
        }
        return records
    }

    public func traceIDs(withPrefix hex: String, limit: Int) throws -> [TraceID] {
        // The blob range [prefix 000…, prefix fff…] holds every id with these leading digits.
        guard let range = StoreKeys.traceIDs(withPrefix: hex) else { return [] }
        let statement = try db.prepare("SELECT DISTINCT trace_id FROM spans WHERE trace_id BETWEEN ?1 AND ?2 LIMIT ?3")
        statement.bind(1, blob: Blob.bytes(range.lowerBound))
        statement.bind(2, blob: Blob.bytes(range.upperBound))
        statement.bind(3, limit)
        defer { statement.reset() }
        var ids: [TraceID] = []
        while try statement.step() {
            if let id = statement.blob(0).flatMap(Blob.traceID) { ids.append(id) }
        }
        return ids
    }

    public func traceIDs(withLow64 low: UInt64, limit: Int) throws -> [TraceID] {
        // Where log lines carry the 64-bit id, the spans are near them in time: read the spans
        // that started then (the start index) rather than the whole table.
        let around = try db.prepare("SELECT min(ts), max(ts) FROM logs WHERE trace_id = ?1 AND ts IS NOT NULL")
        around.bind(1, blob: Blob.bytes(TraceID(high: 0, low: low)))
        var range: (Int64, Int64)?
        if try around.step(), let first = around.int64OrNil(0), let last = around.int64OrNil(1) { range = (first, last) }
        around.reset()
        let margin: Int64 = 120_000_000_000
        if let (first, last) = range {
            let near = try traceIDs(low: low, limit: limit, sql: """
                SELECT DISTINCT trace_id FROM spans WHERE start BETWEEN ?2 AND ?3 AND substr(trace_id, 9, 8) = ?1 LIMIT ?4
                """) {
                    // Saturating: lines dated at the ends of time must not overflow.
                    $0.bind(2, Timestamp(nanoseconds: first).advanced(by: -margin).nanoseconds)
                    $0.bind(3, Timestamp(nanoseconds: last).advanced(by: margin).nanoseconds)
                }
            if !near.isEmpty { return near }
        }
        // No log line near it, or its spans are further away (a long job, local times read as
        // UTC): the whole table.
        return try traceIDs(low: low, limit: limit, sql: "SELECT DISTINCT trace_id FROM spans WHERE substr(trace_id, 9, 8) = ?1 LIMIT ?4") { _ in }
    }

    private func traceIDs(low: UInt64, limit: Int, sql: String, bind: (Statement) -> Void) throws -> [TraceID] {
        let statement = try db.prepare(sql)
        statement.bind(1, blob: Blob.bytes(SpanID(low)))
        statement.bind(4, limit)
        bind(statement)
        defer { statement.reset() }
        var ids: [TraceID] = []
        while try statement.step() {
            if let id = statement.blob(0).flatMap(Blob.traceID), id.high != 0 { ids.append(id) }
        }
        return ids
    }

    public func statistics() throws -> StoreStatistics {
        StoreStatistics(
            spans: Int(try db.integer("SELECT count(*) FROM spans") ?? 0),
            traces: Int(try db.integer("SELECT count(DISTINCT trace_id) FROM spans") ?? 0),
            logs: Int(try db.integer("SELECT count(*) FROM logs") ?? 0),
            rawAlerts: Int(try db.integer("SELECT count(*) FROM raw_alerts") ?? 0))
    }
}

/// Ids as big-endian blobs.
enum Blob {
    static func bytes(_ id: TraceID) -> [UInt8] { bigEndian(id.high) + bigEndian(id.low) }
    static func bytes(_ id: SpanID) -> [UInt8] { bigEndian(id.value) }

    static func traceID(_ bytes: [UInt8]) -> TraceID? {
        guard bytes.count == 16 else { return nil }
        return TraceID(high: value(bytes[0..<8]), low: value(bytes[8..<16]))
    }

    static func spanID(_ bytes: [UInt8]) -> SpanID? {
        guard bytes.count == 8 else { return nil }
        return SpanID(value(bytes[0..<8]))
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
    }

    private static func value(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
