import CorrelateModel
import Foundation
internal import CSQLite

/// What a query reads: log records, spans (and what goes with them: resources, links), or
/// anything.
enum RecordTable {
    case logs
    case spans
    case any
}

/// One segment of the store: the log records and spans written during one stretch of time,
/// in an SQLite file of their own (`STORE-segments/00000042.db`), or, for segment 0, in the
/// catalog file itself (what a store of schema 5 or older held before it had segments).
///
/// The newest segment is the *head*: the one the writer appends to. Once it holds
/// ``StoreLimits/segmentRows`` rows it is *sealed* — its bounds (first and last time, the line
/// range of each source file, the span start range) go to the catalog — and never written
/// again except by a log clock shift. Readers open segments lazily; a segment whose file is
/// gone (dropped by retention after the reader listed it) reads as empty.
final class Segment {
    let id: Int64
    /// The file, nil for segment 0 (the catalog's own tables).
    let file: String?
    var sealed: Bool
    /// Rows (log records + spans): exact for a sealed segment, counted by this process for
    /// the head.
    var rows: Int
    /// Bounds of the times in it (log record times and span starts), nanoseconds; nil when it
    /// holds none.
    var firstTime: Int64?
    var lastTime: Int64?
    /// Span start bounds: a span (same key, same start) can only be stored again in a segment
    /// whose range holds its start.
    var spanFirst: Int64?
    var spanLast: Int64?
    /// Log records in it (-1: not known, a store read as it was before segments), and the
    /// bounds of their times.
    var logRows = 0
    var logFirst: Int64?
    var logLast: Int64?
    /// For each source id, the lines of it this segment holds (first...last).
    var sourceLines: [Int64: ClosedRange<Int>] = [:]
    /// Sealed: the spans this process asked it about one by one, and the filter of its span
    /// keys made once they were many (see ``SealedProbes``).
    var spanProbes = 0
    var spanKeys: SpanKeyFilter?

    /// The writer has counted this head's rows (it made it, or measured it on first write).
    var measuredByWriter = false
    private var connection: Database?
    private let openConnection: () throws -> Database?
    private var checkpointer: Checkpointer?

    init(id: Int64, file: String?, sealed: Bool, rows: Int, open: @escaping () throws -> Database?) {
        self.id = id
        self.file = file
        self.sealed = sealed
        self.rows = rows
        self.openConnection = open
    }

    deinit { stopCheckpointer() }

    /// The connection, opened on first use; nil when the file no longer exists.
    func database() throws -> Database? {
        if let connection { return connection }
        connection = try openConnection()
        return connection
    }

    /// Closes the connection (before the file is removed).
    func close() {
        stopCheckpointer()
        statements.removeAll()
        connection = nil
    }

    /// Statements prepared on this segment's connection, by their SQL: a trace lookup asks
    /// every segment the same few questions, and preparing them anew each time was most of
    /// what a lookup over twenty segments cost.
    private var statements: [String: Statement] = [:]

    /// The statement for `sql` on this segment's connection (reset, no bindings), prepared
    /// once; nil when the file no longer exists.
    func statement(_ sql: String) throws -> Statement? {
        if let statement = statements[sql] { return statement }
        guard let db = try database() else { return nil }
        let statement = try db.prepare(sql)
        if statements.count >= 64 { statements.removeAll() }
        statements[sql] = statement
        return statement
    }

    var isEmpty: Bool { sealed && rows == 0 }

    /// Whether the connection is open (it counts against the store's bound on open files).
    var isOpen: Bool { connection != nil }

    /// Whether a record or span time in [low, high] may be in this segment (a query without
    /// a window reads every segment, also one whose records have no time).
    func overlaps(_ low: Int64, _ high: Int64) -> Bool {
        guard sealed, low != .min || high != .max else { return true }
        guard let firstTime, let lastTime else { return false }
        return firstTime <= high && lastTime >= low
    }

    /// Whether a query of `table` with the window [low, high] (the whole of time: no window)
    /// may find rows here: a sealed segment without log records is not read for log records,
    /// one without spans not for spans.
    func holds(_ table: RecordTable, _ low: Int64, _ high: Int64) -> Bool {
        guard sealed else { return true }
        let windowless = low == .min && high == .max
        switch table {
        case .any:
            return overlaps(low, high)
        case .logs:
            guard logRows != 0 else { return false }
            if windowless || logRows < 0 { return true }
            guard let logFirst, let logLast else { return false }
            return logFirst <= high && logLast >= low
        case .spans:
            guard let spanFirst, let spanLast else { return false }
            return windowless || (spanFirst <= high && spanLast >= low)
        }
    }

    /// Bounds not known (a store read as it was before segments, a segment not measured yet):
    /// every query may find rows here.
    func assumeUnknownBounds() {
        (firstTime, lastTime, spanFirst, spanLast, logFirst, logLast) = (.min, .max, .min, .max, .min, .max)
        logRows = -1
    }

    /// Widens the bounds with a time (the head, as it is written).
    func include(time: Int64) {
        firstTime = min(firstTime ?? time, time)
        lastTime = max(lastTime ?? time, time)
    }

    func include(logTime time: Int64) {
        include(time: time)
        logFirst = min(logFirst ?? time, time)
        logLast = max(logLast ?? time, time)
    }

    func include(spanStart start: Int64) {
        include(time: start)
        spanFirst = min(spanFirst ?? start, start)
        spanLast = max(spanLast ?? start, start)
    }

    func include(source: Int64, line: Int) {
        if let range = sourceLines[source] {
            if !range.contains(line) { sourceLines[source] = min(range.lowerBound, line)...max(range.upperBound, line) }
        } else {
            sourceLines[source] = line...line
        }
    }

    /// Reads the bounds from the file (a head opened again, a segment being sealed, one whose
    /// log times moved): indexed minima and maxima, and each known source's line range
    /// through the primary key.
    func measure(sources: [Int64]) throws {
        guard let db = try database() else { return }
        logRows = Int(try db.integer("SELECT count(*) FROM logs") ?? 0)
        rows = logRows + Int(try db.integer("SELECT count(*) FROM spans") ?? 0)
        let logs = try db.prepare("SELECT min(ts), max(ts) FROM logs WHERE ts IS NOT NULL")
        let spans = try db.prepare("SELECT min(start), max(start) FROM spans")
        firstTime = nil
        lastTime = nil
        spanFirst = nil
        spanLast = nil
        logFirst = nil
        logLast = nil
        if try logs.step(), let low = logs.int64OrNil(0), let high = logs.int64OrNil(1) {
            include(logTime: low)
            include(logTime: high)
        }
        logs.reset()
        if try spans.step(), let low = spans.int64OrNil(0), let high = spans.int64OrNil(1) {
            include(spanStart: low)
            include(spanStart: high)
        }
        spans.reset()
        sourceLines = [:]
        let range = try db.prepare("SELECT min(id), max(id) FROM logs WHERE id BETWEEN ?1 AND ?2")
        for source in sources {
            range.bind(1, StoreKeys.row(source: source, line: 0))
            range.bind(2, StoreKeys.row(source: source, line: 0xFFFF_FFFF))
            if try range.step(), let low = range.int64OrNil(0), let high = range.int64OrNil(1) {
                sourceLines[source] = StoreKeys.line(ofRow: low)...StoreKeys.line(ofRow: high)
            }
            range.reset()
        }
    }

    // MARK: - Background checkpoints (the head of a long-running writer)

    func startCheckpointer() throws {
        guard checkpointer == nil, let db = try database() else { return }
        checkpointer = try Checkpointer(writer: db)
    }

    /// Stops the background checkpoints; the connection checkpoints by itself again, as it did
    /// before (a sealed segment is still written by `shiftLogTimes`).
    func stopCheckpointer() {
        guard let checkpointer else { return }
        // Setting SQLite's own automatic checkpoint replaces the checkpointer's WAL hook.
        if let connection { sqlite3_wal_autocheckpoint(connection.handle, Self.autocheckpointPages) }
        checkpointer.stop()
        self.checkpointer = nil
    }

    /// WAL pages after which a writing connection checkpoints by itself (SQLite's automatic
    /// checkpoint), when no ``Checkpointer`` does it.
    static let autocheckpointPages: Int32 = 4096

    // MARK: - Files

    /// How much of a sealed segment file a one-shot reader maps into memory (`PRAGMA
    /// mmap_size`): its pages are then read in place from the page cache, not copied by `pread`
    /// into SQLite's own cache. Only there: a sealed file never changes, and a command that
    /// reads and exits neither grows its resident memory with the mapping for long nor holds it.
    static let readerMapBytes = 1 << 30

    /// Opens a segment file: a new one gets the segment tables and the writer's pragmas; a
    /// read-only open of a file whose folder the reader cannot write falls back to an
    /// immutable read, as the catalog does.
    /// With `snapshot` (a one-shot reader of a sealed segment only), the connection's read
    /// transaction is begun and held from its first read on (``SQLiteEventStore/Access/snapshot``),
    /// and the file is mapped into memory (``readerMapBytes``).
    static func openFile(_ path: String, writable: Bool, cacheKiB: Int, snapshot: Bool = false) throws -> Database? {
        let exists = FileManager.default.fileExists(atPath: path)
        if !writable {
            guard exists else { return nil }
            var db = try Database(path: path, readOnly: true)
            if !SQLiteEventStore.canRead(db), !FileManager.default.fileExists(atPath: path + "-wal"),
               !FileManager.default.fileExists(atPath: path + "-shm") {
                db = try Database(path: path, immutable: true)
            }
            try db.execute("PRAGMA query_only = 1; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -\(cacheKiB);")
            if snapshot { try db.execute("PRAGMA mmap_size = \(Segment.readerMapBytes); BEGIN") }
            return db
        }
        let db = try Database(path: path)
        if (try db.integer("PRAGMA page_count")) == 0 { try db.execute("PRAGMA page_size = 16384") }
        try db.execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -\(cacheKiB);
            PRAGMA wal_autocheckpoint = \(Self.autocheckpointPages);
            PRAGMA journal_size_limit = 67108864;
            """)
        let hasTables = try db.integer("SELECT count(*) FROM sqlite_master WHERE name = 'logs'") ?? 0
        if !exists || hasTables == 0 {
            try db.transaction {
                try db.execute("PRAGMA application_id = \(SQLiteEventStore.applicationID)")
                try db.execute(Schema.segmentTables)
                try db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('segment_format', '\(Schema.segmentFormat)')")
            }
        } else {
            let format = try Int(db.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'segment_format'") ?? 0)
            guard format <= Schema.segmentFormat else {
                throw SQLiteError(code: SQLITE_ERROR, message: "segment format \(format) is newer than this correlate knows (\(Schema.segmentFormat)); use a newer correlate",
                                  context: "cannot use '\(path)'")
            }
        }
        return db
    }
}
