public import CorrelateModel
import CorrelateJSON
import Foundation
internal import CSQLite

/// The embedded store: a catalog file (`--db PATH`: sources, alerts, the list of segments)
/// and the log records and spans in time-ordered segment files beside it
/// (`PATH-segments/00000001.db`, …), each an SQLite file in WAL mode written in batched
/// transactions through prepared statements.
///
/// Why segments: the indexes readers need (trace id, job id) take keys in random order, so in
/// one growing file each batch rewrites index pages all over a B-tree that no longer fits in
/// cache, and the cost of a write grows with the store. Only the newest segment (the head) is
/// written; it is sealed at ``StoreLimits/segmentRows`` rows, so its indexes stay small and
/// cached however large the store grows. Queries fan out over the segments (time-bounded ones
/// only over those whose time bounds overlap); retention drops whole segments
/// (``StoreLimits/retain``, ``StoreLimits/maxBytes``).
///
/// Keys stay unique across segments: a log record is stored again only where its source's
/// line range says it may already be, and a span only where its start falls in a sealed
/// segment's span range; both are looked up there first.
///
/// Opening runs the catalog migrations the file has not had yet (``Schema``): a store of
/// schema 5 or older keeps what it held as segment 0. A store is used from one thread at a
/// time; readers in other processes see every committed batch. Several writers (processes)
/// take turns through the catalog's write lock.
public final class SQLiteEventStore: EventStore {
    public let path: String
    let catalog: Database
    let access: Access
    public let limits: StoreLimits
    private var sourceIDs: [String: Int64] = [:]
    private var sourcePaths: [Int64: String] = [:]
    /// Every segment by id; for a writer, the last one is the head once one exists.
    private var segments: [Segment] = []
    /// `PRAGMA data_version` of the catalog when `segments` was read.
    private var catalogVersion: Int64 = -1
    private var longRunning = false
    private var bulkLoading = false
    private var lastRetentionCheck: UInt64 = 0
    /// What retention dropped since the store was opened.
    public private(set) var retention = RetentionReport()
    /// What the last ``prefetch(traces:)`` and ``prefetchLogs(traces:)`` read.
    var prefetched = SQLitePrefetch()
    /// Keys bound to one statement of a prefetch (the list is padded with NULL, which matches
    /// no row, so that every batch of a kind is one prepared statement, kept by the segment).
    var prefetchBatch = 256

    /// How a store is opened.
    public enum Access: Sendable {
        /// Create the file when needed, run the migrations it has not had, write.
        case readWrite
        /// Read only (the reader beside a writer in `run` and `serve`): nothing in the file or
        /// beside it is created or changed, so a store the user cannot write (another user's, a
        /// read-only mount) works.
        case readOnly
        /// Read only, for a command that reads and exits (`trace`, `lookup`, `report`): the
        /// read transaction of the catalog and of each sealed segment is held from the file's
        /// first read until the store is closed, so a statement there takes no locks of its own
        /// (a lookup that asks twenty segments a hundred questions made ~6,000 `fcntl` and
        /// ~3,000 `stat` calls before). The list of segments is the one read at open. The head
        /// is read statement by statement, as with `readOnly`: a writer sealing it waits for
        /// the readers of its WAL. Not for a reader that lives on: it would not see segments
        /// sealed after it began, and its transactions would keep checkpoints from passing it.
        case snapshot
    }

    /// `PRAGMA application_id` of a correlate store ("corr"), written in the file's header.
    static let applicationID: Int64 = 0x636F_7272

    /// The folder of the segment files of the store at `path`.
    public static func segmentFolder(_ path: String) -> String { path + "-segments" }

    var folder: String { Self.segmentFolder(path) }

    /// Cache of the head a writer appends to, and of every other segment (KiB).
    static let headCacheKiB = 131_072
    static let segmentCacheKiB = 2_048

    /// Opens the store at `path`, creating it (and its schema) when needed with `.readWrite`.
    /// - Throws: ``SQLiteError`` when the file cannot be opened, is not an SQLite database, is an
    ///   SQLite database of another application (refused before anything in it is changed),
    ///   was written by a newer correlate, or (read only) by one older than schema 5.
    public init(path: String, access: Access = .readWrite, limits: StoreLimits = StoreLimits()) throws {
        self.path = path
        self.access = access
        self.limits = limits
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "it is a folder; --db takes the store's file (made when missing)",
                              context: "cannot open '\(path)'")
        }
        var db = try Database(path: path, readOnly: access != .readWrite)
        if access != .readWrite, !Self.canRead(db), !FileManager.default.fileExists(atPath: path + "-wal"),
           !FileManager.default.fileExists(atPath: path + "-shm") {
            // A WAL store whose folder this user cannot write, and no -wal or -shm beside it: no
            // writer is running (it would have made them), so read the file as it is.
            db = try Database(path: path, immutable: true)
        }
        self.catalog = db
        do {
            try Self.checkIsCorrelateStore(db, path: path)
            if access != .readWrite {
                if access == .snapshot { try db.execute("BEGIN") }
                guard try db.integer("SELECT count(*) FROM sqlite_master") ?? 0 > 0 else {
                    throw SQLiteError(code: SQLITE_ERROR, message: "the file holds no store yet (it is empty); correlate ingest or run makes one in it",
                                      context: "cannot read '\(path)'")
                }
                let version = try Int(db.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'") ?? 0)
                guard version >= Schema.oldestReadable, version <= Schema.version else {
                    throw SQLiteError(code: SQLITE_ERROR,
                                      message: "the store has schema version \(version) and this correlate reads \(Schema.oldestReadable)–\(Schema.version); "
                                        + (version < Schema.version ? "run a command that writes it (correlate ingest) once to upgrade it"
                                                                    : "use a newer correlate"),
                                      context: "cannot read '\(path)'")
                }
                try db.execute("PRAGMA query_only = 1; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -\(Self.segmentCacheKiB);")
                try loadSegments()
                return
            }
            // A new file gets 16 KiB pages (fewer, larger writes); WAL with NORMAL sync keeps every
            // committed transaction across a crash of the process.
            if (try db.integer("PRAGMA page_count")) == 0 { try db.execute("PRAGMA page_size = 16384") }
            try db.execute("""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                PRAGMA temp_store = MEMORY;
                PRAGMA cache_size = -\(Self.segmentCacheKiB);
                PRAGMA wal_autocheckpoint = \(Segment.autocheckpointPages);
                PRAGMA application_id = \(Self.applicationID);
                """)
            try migrate()
            try ensureIndexes(catalog)
            try loadSegments()
            try measureLegacySegment()
            try removeOrphanFiles()
            // A head left by a bulk load that was interrupted gets its indexes back.
            if let last = segments.last, !last.sealed, let file = last.file,
               FileManager.default.fileExists(atPath: folder + "/" + file), let db = try last.database() {
                try ensureIndexes(db)
            }
        } catch let error as SQLiteError where error.isNotADatabase {
            throw SQLiteError(code: error.code, message: "the file is not a correlate store (not an SQLite database)",
                              context: "cannot open '\(path)'")
        }
    }

    /// False when reading fails because SQLite cannot make the files a WAL reader shares.
    static func canRead(_ db: Database) -> Bool {
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
        if stamp == applicationID {
            if try db.integer("SELECT count(*) FROM meta WHERE key = 'segment_format'") ?? 0 > 0 {
                throw SQLiteError(code: SQLITE_ERROR, message: "this is a segment of a correlate store, not the store: give --db the store's file (the one beside the folder '…-segments')",
                                  context: "cannot use '\(path)'")
            }
            return
        }
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
        try catalog.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        let version = try Int(catalog.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'") ?? 0)
        guard version <= Schema.version else {
            throw SQLiteError(code: SQLITE_ERROR, message: "schema version \(version) is newer than this correlate knows (\(Schema.version)); use a newer correlate",
                              context: "cannot use '\(path)'")
        }
        for next in version..<Schema.version {
            try catalog.transaction {
                try catalog.execute(Schema.migrations[next])
                try catalog.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '\(next + 1)')")
            }
        }
    }

    /// Creates the secondary indexes that are missing (a bulk load that was interrupted leaves
    /// them dropped; see ``beginBulkLoad(expectedRows:)``).
    private func ensureIndexes(_ db: Database) throws {
        try db.execute(Schema.indexes.map { "CREATE INDEX IF NOT EXISTS \($0.name) ON \($0.definition);" }.joined(separator: "\n"))
    }

    // MARK: - Segments

    /// Reads the list of segments (and, for a writer, each sealed one's source line ranges)
    /// from the catalog; segments already open keep their connection.
    private func loadSegments() throws {
        catalogVersion = try catalog.integer("PRAGMA data_version") ?? 0
        let hasSegments = try catalog.integer("SELECT count(*) FROM sqlite_master WHERE name = 'segments'") ?? 0
        guard hasSegments > 0 else {
            // A schema-5 store read as it is: its tables are the one segment.
            if segments.isEmpty {
                let legacy = Segment(id: 0, file: nil, sealed: true, rows: 1) { [unowned self] in catalog }
                legacy.assumeUnknownBounds()
                segments = [legacy]
            }
            return
        }
        var known: [Int64: Segment] = [:]
        for segment in segments { known[segment.id] = segment }
        var listed: [Segment] = []
        let rows = try catalog.prepare("SELECT id, file, sealed, rows, first_time, last_time, span_first, span_last, log_rows, log_first, log_last FROM segments ORDER BY id")
        defer { rows.reset() }
        while try rows.step() {
            let id = rows.int64(0)
            let file = rows.string(1)
            let segment = known.removeValue(forKey: id) ?? makeSegment(id: id, file: file, sealed: rows.int64(2) != 0)
            if !segment.sealed, rows.int64(2) != 0 {
                // Sealed by another writer: this one's checkpointer and large cache go.
                segment.stopCheckpointer()
                if let db = try? segment.database() { try? db.execute("PRAGMA cache_size = -\(Self.segmentCacheKiB)") }
            }
            segment.sealed = rows.int64(2) != 0
            if segment.sealed || access != .readWrite {
                // The head's counts are this writer's own; a reader takes what the catalog says.
                segment.rows = rows.int64OrNil(3).map(Int.init) ?? (segment.sealed ? -1 : 0)
                segment.firstTime = rows.int64OrNil(4)
                segment.lastTime = rows.int64OrNil(5)
                segment.spanFirst = rows.int64OrNil(6)
                segment.spanLast = rows.int64OrNil(7)
                segment.logRows = rows.int64OrNil(8).map(Int.init) ?? (segment.sealed ? -1 : 0)
                segment.logFirst = rows.int64OrNil(9)
                segment.logLast = rows.int64OrNil(10)
                // Not measured yet: segment 0 between the migration and its measurement.
                if segment.sealed, rows.isNull(3) { segment.assumeUnknownBounds() }
            }
            listed.append(segment)
        }
        for (_, dropped) in known { dropped.close() }
        segments = listed
        guard access == .readWrite else { return }
        let ranges = try catalog.prepare("SELECT segment, source, first_line, last_line FROM segment_sources")
        defer { ranges.reset() }
        var bySegment: [Int64: [Int64: ClosedRange<Int>]] = [:]
        while try ranges.step() {
            let first = Int(ranges.int64(2)), last = Int(ranges.int64(3))
            bySegment[ranges.int64(0), default: [:]][ranges.int64(1)] = first...max(first, last)
        }
        for segment in segments where segment.sealed { segment.sourceLines = bySegment[segment.id] ?? [:] }
    }

    private func makeSegment(id: Int64, file: String?, sealed: Bool) -> Segment {
        guard let file else { return Segment(id: id, file: nil, sealed: sealed, rows: 0) { [unowned self] in catalog } }
        let path = folder + "/" + file
        let writable = access == .readWrite
        return Segment(id: id, file: file, sealed: sealed, rows: 0) { [unowned self] in
            // A writer's head gets the large cache; a reader's segments (and sealed ones) small ones.
            let isHead = writable && self.segments.last?.id == id && !(self.segments.last?.sealed ?? true)
            if writable { try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true) }
            // A sealed segment is opened for writing only by a log clock shift; reading it does
            // not need the file to be writable, and one removed by retention reads as empty.
            if writable && !isHead && !FileManager.default.fileExists(atPath: path) { return nil }
            // Not the head's: a writer sealing it checkpoints it with TRUNCATE, which waits (up
            // to the 5 s busy timeout) for every reader whose transaction reads its WAL.
            let sealed = self.segments.first { $0.id == id }?.sealed ?? false
            return try Segment.openFile(path, writable: writable, cacheKiB: isHead ? Self.headCacheKiB : Self.segmentCacheKiB,
                                        snapshot: self.access == .snapshot && sealed)
        }
    }

    /// Re-reads the list when another connection changed the catalog (a writer sealed a
    /// segment, retention dropped some).
    private func refreshSegments() throws {
        // A snapshot's catalog does not change.
        guard access != .snapshot || segments.isEmpty else { return }
        let version = try catalog.integer("PRAGMA data_version") ?? 0
        if version != catalogVersion { try loadSegments() }
    }

    /// The segments that may hold records: for a time-bounded query, only those whose bounds
    /// overlap [low, high].
    func readable(_ table: RecordTable = .any, _ low: Int64 = .min, _ high: Int64 = .max) throws -> [(Segment, Database)] {
        try refreshSegments()
        var open: [(Segment, Database)] = []
        let wanted = segments.filter { !$0.isEmpty && $0.holds(table, low, high) }
        closeIdleConnections(keeping: Set(wanted.map(\.id)))
        for segment in wanted {
            if let db = try segment.database() { open.append((segment, db)) }
        }
        return open
    }

    /// Connections open to segment files at most (each holds three descriptors: the file,
    /// its WAL and shared memory), beyond those a query needs at once.
    static let openSegmentsLimit = 128

    /// Closes the connections of sealed segments a query does not need when more than
    /// ``openSegmentsLimit`` are open, the oldest segments first; they open again on demand.
    /// (A statement still held keeps its connection alive until it is released.)
    private func closeIdleConnections(keeping wanted: Set<Int64>) {
        guard segments.count > Self.openSegmentsLimit else { return }
        var open = segments.filter { $0.isOpen && $0.file != nil }.count
        guard open > Self.openSegmentsLimit else { return }
        for segment in segments where open > Self.openSegmentsLimit && segment.sealed && segment.file != nil
            && segment.isOpen && !wanted.contains(segment.id) {
            segment.close()
            open -= 1
        }
    }

    /// Segment 0 of a store migrated from schema 5: its bounds, measured once.
    private func measureLegacySegment() throws {
        guard let legacy = segments.first, legacy.id == 0, legacy.rows < 0 else { return }
        try legacy.measure(sources: try allSourceIDs())
        try catalog.transaction { try saveBounds(legacy) }
    }

    private func allSourceIDs() throws -> [Int64] {
        try allSources().map(\.id)
    }

    /// Every source in the catalog, by id.
    func allSources() throws -> [(id: Int64, path: String)] {
        let statement = try catalog.prepare("SELECT id, path FROM sources ORDER BY id")
        defer { statement.reset() }
        var sources: [(id: Int64, path: String)] = []
        while try statement.step() { sources.append((statement.int64(0), statement.string(1) ?? "?")) }
        return sources
    }

    private func saveBounds(_ segment: Segment) throws {
        let update = try catalog.prepare("""
            UPDATE segments SET sealed = ?2, rows = ?3, first_time = ?4, last_time = ?5, span_first = ?6, span_last = ?7,
                log_rows = ?8, log_first = ?9, log_last = ?10 WHERE id = ?1
            """)
        update.bind(1, segment.id)
        update.bind(2, segment.sealed ? 1 : 0)
        update.bind(3, segment.rows)
        update.bind(4, segment.firstTime)
        update.bind(5, segment.lastTime)
        update.bind(6, segment.spanFirst)
        update.bind(7, segment.spanLast)
        update.bind(8, segment.logRows)
        update.bind(9, segment.logFirst)
        update.bind(10, segment.logLast)
        try update.run()
        let clear = try catalog.prepare("DELETE FROM segment_sources WHERE segment = ?1")
        clear.bind(1, segment.id)
        try clear.run()
        let insert = try catalog.prepare("INSERT INTO segment_sources (segment, source, first_line, last_line) VALUES (?1, ?2, ?3, ?4)")
        for (source, lines) in segment.sourceLines {
            insert.bind(1, segment.id)
            insert.bind(2, source)
            insert.bind(3, lines.lowerBound)
            insert.bind(4, lines.upperBound)
            try insert.run()
        }
    }

    /// Segment files in the folder that the catalog does not list: left by a crash between
    /// dropping a segment from the catalog and removing its file.
    /// Under the catalog's write lock: another writer makes its new head's file inside that
    /// lock, before its transaction lists it.
    private func removeOrphanFiles() throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        try catalog.execute("BEGIN IMMEDIATE")
        defer { try? catalog.execute("COMMIT") }
        try loadSegments()
        let listed = Set(segments.compactMap(\.file))
        for name in names {
            let base = name.hasSuffix("-wal") || name.hasSuffix("-shm") ? String(name.dropLast(4)) : name
            guard base.hasSuffix(".db"), !listed.contains(base) else { continue }
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    /// The head, made (listed in the catalog, its file created) when there is none. Called with
    /// the catalog's write lock held.
    private func head() throws -> (Segment, Database) {
        if let last = segments.last, !last.sealed, let db = try last.database() {
            if !last.measuredByWriter {
                // A head written before (by an earlier run or another process): its rows count
                // towards its seal.
                try last.measure(sources: try allSourceIDs())
                last.measuredByWriter = true
            }
            return (last, db)
        }
        // Ids are never given twice (retention may have dropped the newest sealed segment, and
        // another process may still hold its file open): the next one is kept in `meta`.
        let recorded = try catalog.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_segment'") ?? 0
        let id = max(recorded, (segments.last?.id ?? 0) + 1)
        try catalog.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('next_segment', '\(id + 1)')")
        let file = String(format: "%08lld.db", id)
        let insert = try catalog.prepare("INSERT INTO segments (id, file, sealed, rows) VALUES (?1, ?2, 0, 0)")
        insert.bind(1, id)
        insert.bind(2, file)
        try insert.run()
        let segment = makeSegment(id: id, file: file, sealed: false)
        segment.measuredByWriter = true
        segments.append(segment)
        guard let db = try segment.database() else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "the segment file could not be created", context: "cannot write '\(folder)/\(file)'")
        }
        if segment.rows == 0, (try db.integer("SELECT EXISTS (SELECT 1 FROM logs) OR EXISTS (SELECT 1 FROM spans)")) == 1 {
            // A head written before this process opened it.
            try segment.measure(sources: try allSourceIDs())
        }
        if bulkLoading { try dropIndexes(db) } else { try ensureIndexes(db) }
        if longRunning { try segment.startCheckpointer() }
        return (segment, db)
    }

    /// Runs `body` on the head within the catalog's write lock (so writers in several
    /// processes take turns and agree on the head), then seals the head when it is full.
    private func writingHead<R>(_ body: (Segment, Database) throws -> R) throws -> R {
        try catalog.execute("BEGIN IMMEDIATE")
        var result: R
        var sealed = false
        do {
            try refreshSegments()
            let (segment, db) = try head()
            do {
                result = try db.transaction { try body(segment, db) }
            } catch {
                // The head's counts may run ahead of what it holds now: they only time the seal,
                // and the seal measures the file.
                resourceIDs.removeAll()
                throw error
            }
            sealed = try sealIfFull(segment, db)
            try catalog.execute("COMMIT")
        } catch {
            try? catalog.execute("ROLLBACK")
            // A head listed in the rolled-back transaction is not listed: read the list again.
            catalogVersion = -1
            throw error
        }
        catalogVersion = try catalog.integer("PRAGMA data_version") ?? catalogVersion
        if sealed || retentionDue() || DispatchTime.now().uptimeNanoseconds - lastRetentionCheck > 60_000_000_000 {
            // The batch is committed: a retention pass that fails (another writer holds the
            // lock) is tried again at the next write, not reported as a failed write.
            try? enforceRetention()
        }
        return result
    }

    /// Seals the head once it holds ``StoreLimits/segmentRows`` rows (or its file passes the
    /// size share of ``StoreLimits/maxBytes``): indexes complete, bounds measured and written
    /// to the catalog (in the catalog transaction the caller commits), its WAL copied in.
    private func sealIfFull(_ segment: Segment, _ db: Database) throws -> Bool {
        var full = segment.rows >= limits.segmentRows
        if !full, let maxBytes = limits.maxBytes, let file = segment.file {
            full = Self.fileBytes(folder + "/" + file) >= max(1 << 20, maxBytes / 8)
        }
        guard full else { return false }
        // Also when another process's bulk load left them dropped.
        try ensureIndexes(db)
        try segment.measure(sources: try allSourceIDs())
        segment.sealed = true
        try saveBounds(segment)
        segment.stopCheckpointer()
        _ = try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try? db.execute("PRAGMA cache_size = -\(Self.segmentCacheKiB)")
        return true
    }

    /// Bytes of a file and its WAL.
    static func fileBytes(_ path: String) -> Int64 {
        func size(_ file: String) -> Int64 {
            var info = stat()
            return stat(file, &info) == 0 ? Int64(info.st_size) : 0
        }
        return size(path) + size(path + "-wal")
    }

    /// The store's size on disk: the catalog and every segment, with their WALs.
    public func bytesOnDisk() -> Int64 {
        // The catalog by the pages it uses: segment 0 emptied by retention leaves free pages.
        let free = ((try? catalog.integer("PRAGMA freelist_count")) ?? 0) * ((try? catalog.integer("PRAGMA page_size")) ?? 0)
        return segments.reduce(max(0, Self.fileBytes(path) - free)) { total, segment in
            total + (segment.file.map { Self.fileBytes(folder + "/" + $0) } ?? 0)
        }
    }

    // MARK: - Retention

    /// Drops the sealed segments that retention no longer keeps: those whose newest time is
    /// older than ``StoreLimits/retain`` behind the newest time in the store, then, while the
    /// store is larger than ``StoreLimits/maxBytes``, the oldest. The head is never dropped.
    /// Each drop leaves the catalog first (one transaction), then its file is removed: a crash
    /// in between leaves a file the next writer removes.
    public func enforceRetention() throws {
        lastRetentionCheck = DispatchTime.now().uptimeNanoseconds
        guard access == .readWrite, limits.retain != nil || limits.maxBytes != nil else { return }
        try catalog.execute("BEGIN IMMEDIATE")
        var dropped: [Segment] = []
        do {
            try refreshSegments()
            let newest = segments.filter { !$0.isEmpty }.compactMap(\.lastTime).max().map { min($0, Self.latestBelievable()) }
            // Never the head, nor the newest segment while no head follows it (a head sealed by
            // the write that called this): the store keeps its newest data whatever its limits.
            let newestID = segments.filter { !$0.isEmpty }.map(\.id).max()
            var candidates = segments.filter { $0.sealed && !$0.isEmpty && $0.id != newestID }
                .sorted { ($0.lastTime ?? .min, $0.id) < ($1.lastTime ?? .min, $1.id) }
            if let retain = limits.retain, let newest {
                // Segments of records without times have no age: they go by size only.
                // Saturating: a retention of centuries behind times before 1970 must not wrap.
                let cutoff = Timestamp(nanoseconds: newest).advanced(by: -retain).nanoseconds
                let old = candidates.filter { ($0.lastTime ?? .max) < cutoff }
                dropped += old
                let gone = Set(old.map(\.id))
                candidates.removeAll { gone.contains($0.id) }
            }
            if let maxBytes = limits.maxBytes {
                var total = bytesOnDisk() - dropped.reduce(0) { $0 + bytes(of: $1) }
                while total > maxBytes, !candidates.isEmpty {
                    let oldest = candidates.removeFirst()
                    total -= bytes(of: oldest)
                    dropped.append(oldest)
                }
            }
            guard !dropped.isEmpty else {
                try catalog.execute("COMMIT")
                return
            }
            for segment in dropped {
                retention.dropped(rows: segment.rows, bytes: bytes(of: segment), through: segment.lastTime.map(Timestamp.init(nanoseconds:)))
                if segment.file == nil { continue }
                for sql in ["DELETE FROM segments WHERE id = ?1", "DELETE FROM segment_sources WHERE segment = ?1"] {
                    let statement = try catalog.prepare(sql)
                    statement.bind(1, segment.id)
                    try statement.run()
                }
            }
            if let legacy = dropped.first(where: { $0.file == nil }) {
                // Segment 0 is the catalog's own tables: emptied, not removed.
                try catalog.execute("DELETE FROM logs; DELETE FROM spans; DELETE FROM span_links; DELETE FROM resources;")
                legacy.rows = 0
                legacy.logRows = 0
                legacy.logFirst = nil
                legacy.logLast = nil
                legacy.firstTime = nil
                legacy.lastTime = nil
                legacy.spanFirst = nil
                legacy.spanLast = nil
                legacy.sourceLines = [:]
                try saveBounds(legacy)
            }
            try catalog.execute("COMMIT")
        } catch {
            try? catalog.execute("ROLLBACK")
            throw error
        }
        for segment in dropped {
            guard let file = segment.file else { continue }
            segment.close()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: folder + "/" + file + suffix) }
        }
        let gone = Set(dropped.filter { $0.file != nil }.map(\.id))
        segments.removeAll { gone.contains($0.id) }
        catalogVersion = try catalog.integer("PRAGMA data_version") ?? catalogVersion
    }

    /// Whether the newest time has moved past the oldest sealed segment's by more than
    /// ``StoreLimits/retain`` (a check of the bounds in memory, made after every write).
    private func retentionDue() -> Bool {
        guard let retain = limits.retain else { return false }
        var newest = Int64.min
        var oldest = Int64.max
        for segment in segments where !segment.isEmpty {
            guard let last = segment.lastTime else { continue }
            newest = max(newest, last)
            if segment.sealed { oldest = min(oldest, last) }
        }
        return oldest != .max && Timestamp(nanoseconds: min(newest, Self.latestBelievable())).advanced(by: -retain).nanoseconds > oldest
    }

    /// The newest time retention measures from is at most an hour past this machine's clock:
    /// one record dated years ahead (a broken clock, a parsing slip) must not age out the rest.
    static func latestBelievable() -> Int64 {
        Timestamp.now.nanoseconds &+ 3_600_000_000_000
    }

    private func bytes(of segment: Segment) -> Int64 {
        // Segment 0 (the catalog's own rows) frees nothing on disk when emptied.
        segment.file.map { Self.fileBytes(folder + "/" + $0) } ?? 0
    }

    // MARK: - Bulk loads and long-running writers

    /// Prepares for loading many rows: when the head is small next to what is coming, its
    /// secondary indexes are dropped and built once, sorted, when it is sealed or by
    /// ``endBulkLoad()`` — much faster than updating them row by row. Queries still work in
    /// between (slower), and a store opened after an interrupted load gets its indexes back.
    /// - Parameter expectedRows: about how many rows the load will add.
    public func beginBulkLoad(expectedRows: Int) throws {
        guard expectedRows >= 200_000 else { return }
        let head = segments.last.flatMap { $0.sealed ? nil : $0 }
        if let head, let db = try head.database() {
            let existing = try Int(db.integer("SELECT (SELECT count(*) FROM logs) + (SELECT count(*) FROM spans)") ?? 0)
            guard expectedRows >= existing / 2 else { return }
            try dropIndexes(db)
        }
        bulkLoading = true
    }

    private func dropIndexes(_ db: Database) throws {
        try db.execute(Schema.indexes.map { "DROP INDEX IF EXISTS \($0.name);" }.joined(separator: "\n"))
    }

    public func endBulkLoad() throws {
        guard bulkLoading else { return }
        bulkLoading = false
        if let head = segments.last, !head.sealed, let db = try head.database() { try ensureIndexes(db) }
    }

    /// Moves WAL checkpoints of the head to a thread and connection of their own (see
    /// ``Checkpointer``): for a writer that writes long or much (`correlate serve`, the
    /// streaming `correlate`, `ingest`), whose commits then never wait for a checkpoint's writes
    /// and `fsync`.
    public func beginLongRunningWrites() throws {
        guard access == .readWrite else { return }
        longRunning = true
        if let head = segments.last, !head.sealed { try head.startCheckpointer() }
    }

    /// The schema version of the open store's catalog.
    public func schemaVersion() throws -> Int {
        try Int(catalog.integer("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'") ?? 0)
    }

    /// Whether SQLite finds the catalog and every segment sound (`PRAGMA integrity_check`).
    public func integrityCheck() throws -> Bool {
        for db in [catalog] + (try readable().map(\.1)) {
            let statement = try db.prepare("PRAGMA integrity_check")
            guard try statement.step(), statement.string(0) == "ok" else { return false }
        }
        return true
    }

    /// Segment files with an open connection (for tests).
    var openSegmentFiles: Int { segments.filter { $0.isOpen && $0.file != nil }.count }

    /// The segments, oldest first (for tests and `correlate-bench`).
    public func segmentSummary() throws -> [(id: Int64, sealed: Bool, rows: Int, lastTime: Timestamp?)] {
        try refreshSegments()
        return segments.map { ($0.id, $0.sealed, $0.rows, $0.lastTime.map(Timestamp.init(nanoseconds:))) }
    }

    // MARK: - Writing

    public func insert(logs: [LogRecord]) throws -> InsertResult {
        guard !logs.isEmpty else { return InsertResult() }
        // Sources first, committed in the catalog before any record names them.
        var keys: [Int64] = []
        keys.reserveCapacity(logs.count)
        for record in logs { keys.append(StoreKeys.row(source: try sourceID(record.source.file), line: record.source.line)) }
        return try writingHead { head, db in
            let statement = try db.prepare("""
                INSERT OR IGNORE INTO logs (id, ts, trace_id, span_id, job_id, severity, service, host, rule, message, lines)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                """)
            var probes = SealedProbes(segments: segments)
            var result = InsertResult()
            for (record, key) in zip(logs, keys) {
                if try probes.holdsLog(key) {
                    result.duplicates += 1
                    continue
                }
                statement.bind(1, key)
                statement.bind(2, record.timestamp?.nanoseconds)
                statement.bind(3, record.traceID)
                statement.bind(4, record.spanID)
                statement.bind(5, record.jobID)
                statement.bind(6, record.severity?.rawValue)
                statement.bind(7, record.service)
                statement.bind(8, record.host)
                statement.bind(9, record.rule)
                statement.bind(10, record.message)
                statement.bind(11, record.lines)
                guard try Self.stored(statement, in: db, counting: &result) else { continue }
                head.rows += 1
                head.logRows += 1
                if let time = record.timestamp?.nanoseconds { head.include(logTime: time) }
                head.include(source: StoreKeys.source(ofRow: key), line: StoreKeys.line(ofRow: key))
            }
            return result
        }
    }

    /// Runs an `INSERT OR IGNORE` and counts the row as stored or as already there.
    private static func stored(_ statement: Statement, in db: Database, counting result: inout InsertResult) throws -> Bool {
        try statement.run()
        if db.changes > 0 { result.stored += 1 } else { result.duplicates += 1 }
        return db.changes > 0
    }

    public func insert(spans: [Span]) throws -> InsertResult {
        try insert(batches: [StoredSpans(spans)])
    }

    /// The spans as SQLite rows (``StoredSpans``): attributes, resource, events and links
    /// encoded as JSON text, a resource shared by consecutive spans encoded once. Any thread.
    public static func prepare(_ spans: [Span]) -> PreparedSpans {
        PreparedSpans(form: StoredSpans(spans), count: spans.count)
    }

    public var spanPreparation: @Sendable ([Span]) -> PreparedSpans { Self.prepare }

    public func insert(prepared: [PreparedSpans]) throws -> InsertResult {
        try insert(batches: prepared.map { ($0.form as? StoredSpans) ?? StoredSpans($0.unprepared) })
    }

    private func insert(batches: [StoredSpans]) throws -> InsertResult {
        guard batches.contains(where: { !$0.rows.isEmpty }) else { return InsertResult() }
        return try writingHead { head, db in
            let statement = try db.prepare("""
                INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, name, kind, start, end, status,
                    status_message, service, message_id, attributes, resource_id, events, links)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                """)
            let insertLink = try db.prepare("INSERT OR IGNORE INTO span_links (linked_trace, trace_id) VALUES (?1, ?2)")
            var probes = SealedProbes(segments: segments, filterAfterProbes: spanFilterAfterProbes)
            var result = InsertResult()
            var last: (json: [UInt8], id: Int64)?
            for batch in batches {
                // Every value is bound from the batch's buffer without a copy: it outlives each
                // row's run, which clears the bindings.
                try batch.bytes.withUnsafeBufferPointer { bytes in
                    func part(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[range]) }
                    for span in batch.rows {
                        if try probes.holdsSpan(span.traceID, span.spanID, start: span.start.nanoseconds) {
                            result.duplicates += 1
                            continue
                        }
                        let resourceText = part(span.resource)
                        let resource: Int64
                        if let last, resourceText.hasBytes(of: last.json) {
                            resource = last.id
                        } else {
                            resource = try resourceID(json: String(decoding: resourceText, as: UTF8.self), head: head, db: db)
                            last = (Array(resourceText), resource)
                        }
                        statement.bind(1, borrowedBlob: part(span.traceIDBytes))
                        statement.bind(2, borrowedBlob: part(span.spanIDBytes))
                        statement.bind(3, borrowedBlob: span.parentSpanIDBytes.map(part))
                        statement.bind(4, borrowedText: part(span.name))
                        statement.bind(5, span.kind.rawValue)
                        statement.bind(6, span.start.nanoseconds)
                        statement.bind(7, span.end.nanoseconds)
                        statement.bind(8, span.status.rawValue)
                        statement.bind(9, borrowedText: span.statusMessage.map(part))
                        statement.bind(10, borrowedText: span.service.map(part))
                        statement.bind(11, borrowedText: span.messageID.map(part))
                        statement.bind(12, borrowedText: part(span.attributes))
                        statement.bind(13, resource)
                        statement.bind(14, borrowedText: part(span.events))
                        statement.bind(15, borrowedText: part(span.links))
                        // A span already stored keeps its row, so its links stay as they were too.
                        guard try Self.stored(statement, in: db, counting: &result) else { continue }
                        head.rows += 1
                        head.include(spanStart: span.start.nanoseconds)
                        for linked in batch.linked[span.linkedTraces] {
                            insertLink.bind(1, linked.description)
                            insertLink.bind(2, borrowedBlob: part(span.traceIDBytes))
                            try insertLink.run()
                        }
                    }
                }
            }
            return result
        }
    }

    /// Span lookups in one sealed segment after which this writer reads the segment's span
    /// keys into a filter (``SealedProbes``); lowered by tests.
    var spanFilterAfterProbes = SealedProbes.defaultFilterAfterProbes

    /// The sealed segments this writer has made a span key filter of (for tests).
    var filteredSegments: Int { segments.filter { $0.spanKeys != nil }.count }

    /// Resource JSON → id in the head, for the resources this writer has written there.
    private var resourceIDs: [String: Int64] = [:]
    private var resourceSegment: Int64 = -1

    private func resourceID(json: String, head: Segment, db: Database) throws -> Int64 {
        if resourceSegment != head.id {
            resourceIDs.removeAll()
            resourceSegment = head.id
        }
        if let id = resourceIDs[json] { return id }
        let id = try internedID(json, table: "resources", column: "json", in: db)
        if resourceIDs.count > 10_000 { resourceIDs.removeAll() }
        resourceIDs[json] = id
        return id
    }

    public func insert(rawAlert body: String, source: SourceLocation) throws -> InsertResult {
        let key = StoreKeys.row(source: try sourceID(source.file), line: source.line)
        let statement = try catalog.prepare("INSERT OR IGNORE INTO raw_alerts (id, body) VALUES (?1, ?2)")
        return try catalog.transaction {
            statement.bind(1, key)
            statement.bind(2, body)
            try statement.run()
            return catalog.changes > 0 ? InsertResult(stored: 1) : InsertResult(duplicates: 1)
        }
    }

    /// The id of a source file, stored in the catalog (committed) when new.
    private func sourceID(_ path: String) throws -> Int64 {
        if let id = sourceIDs[path] { return id }
        let id = try catalog.transaction { try internedID(path, table: "sources", column: "path", in: catalog) }
        sourceIDs[path] = id
        sourcePaths[id] = path
        return id
    }

    /// The id of `value` in `table` (an `id INTEGER PRIMARY KEY` and a unique text `column`),
    /// stored first when new.
    private func internedID(_ value: String, table: String, column: String, in db: Database) throws -> Int64 {
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

    func sourcePath(_ id: Int64) throws -> String {
        if let path = sourcePaths[id] { return path }
        let select = try catalog.prepare("SELECT path FROM sources WHERE id = ?1")
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

    /// Runs `sql` on each segment (of those overlapping [low, high]), binding with `bind`, and
    /// collects what `read` makes of each statement.
    func fanOut<T>(_ sql: String, _ low: Int64 = .min, _ high: Int64 = .max,
                   bind: (Statement) -> Void = { _ in }, read: (Statement) throws -> [T]) throws -> [T] {
        var all: [T] = []
        // Which records it reads, from its FROM: a query of spans (or span links) skips the
        // segments without spans, one of log records those without log records.
        func reads(_ table: String) -> Bool { sql.containsBytes(table) }
        let table: RecordTable = reads("FROM logs") ? (reads("FROM spans") ? .any : .logs)
            : (reads("FROM spans") || reads("FROM span_links")) ? .spans : .any
        try refreshSegments()
        for segment in segments where !segment.isEmpty && segment.holds(table, low, high) {
            // One segment at a time: a query over more segments than may be open at once
            // closes the ones it has read.
            defer { closeIdleConnections(keeping: []) }
            guard let statement = try segment.statement(sql) else { continue }
            bind(statement)
            all += try read(statement)
        }
        return all
    }

    public func spans(inTrace trace: TraceID) throws -> [Span] {
        if let spans = prefetched.spans[trace] { return spans }
        let spans = try fanOut("SELECT \(Self.spanColumns) FROM spans WHERE trace_id = ?1 ORDER BY start, span_id",
                               bind: { $0.bind(1, trace) }, read: readSpans)
        return Self.spanOrder(spans)
    }

    /// By start, then span id (as each segment orders them).
    static func spanOrder(_ spans: [Span]) -> [Span] {
        spans.sorted { ($0.start, $0.spanID.value) < ($1.start, $1.spanID.value) }
    }

    public func spans(withMessageIDs messageIDs: Set<String>) throws -> [Span] {
        guard !messageIDs.isEmpty else { return [] }
        var spans: [Span] = []
        for id in messageIDs.sorted() {
            if let found = prefetched.byMessage[id] {
                spans += found
                continue
            }
            spans += Self.messageOrder(try fanOut("""
                SELECT \(Self.spanColumns) FROM spans WHERE message_id = ?1 ORDER BY start, trace_id, span_id LIMIT \(Self.spansPerMessageID)
                """, bind: { $0.bind(1, id) }, read: readSpans))
        }
        return spans
    }

    /// Spans of one message id read from each segment at most: a job id names a producer and a
    /// consumer span, maybe a few retries, and the bound keeps a misconfigured id (the same one
    /// on every job) from pulling in the whole store.
    static let spansPerMessageID = 64

    /// The first ``spansPerMessageID`` spans of one message id, by start (then trace and span
    /// id, so that the same spans come first whichever segments they were read from).
    static func messageOrder(_ spans: [Span]) -> [Span] {
        guard spans.count > 1 else { return spans }
        return Array(spans.sorted { ($0.start, $0.traceID, $0.spanID.value) < ($1.start, $1.traceID, $1.spanID.value) }
            .prefix(spansPerMessageID))
    }

    func readSpans(_ statement: Statement) throws -> [Span] {
        var spans: [Span] = []
        try readSpans(statement) { span, _ in spans.append(span) }
        return spans
    }

    /// Reads the statement's rows (``spanColumns`` first) and resets it; `each` gets each
    /// span with the statement on its row (to read the columns after those).
    func readSpans(_ statement: Statement, each: (Span, Statement) throws -> Void) throws {
        defer { statement.reset() }
        // Spans of one resource come together: its JSON is parsed once for them.
        var lastResource: (text: [UInt8], attributes: [Attribute])?
        while try statement.step() {
            guard let trace = statement.withBlob(0, Blob.traceID), let span = statement.withBlob(1, Blob.spanID) else {
                continue
            }
            let resource = statement.withText(11) { text -> [Attribute] in
                guard let text else { return [] }
                if let last = lastResource, text.hasBytes(of: last.text) {
                    return last.attributes
                }
                let attributes = SpanJSON.attributes(text)
                if !text.isEmpty { lastResource = (Array(text), attributes) }
                return attributes
            }
            try each(Span(
                traceID: trace, spanID: span, parentSpanID: statement.withBlob(2, Blob.spanID),
                name: statement.string(3) ?? "", kind: Span.Kind(rawValue: Int(statement.int64(4))) ?? .unspecified,
                start: Timestamp(nanoseconds: statement.int64(5)), end: Timestamp(nanoseconds: statement.int64(6)),
                status: Span.Status(rawValue: Int(statement.int64(7))) ?? .unset,
                statusMessage: statement.string(8), service: statement.string(9),
                attributes: statement.withText(10, SpanJSON.attributes),
                resource: resource,
                events: statement.withText(12, SpanJSON.events),
                links: statement.withText(13, SpanJSON.links)), statement)
        }
    }

    static let logColumns = "id, ts, trace_id, span_id, job_id, severity, service, host, rule, message, lines"

    public func logs(inTrace trace: TraceID) throws -> [LogRecord] {
        if let records = prefetched.logs[trace] { return records }
        let rows = try fanOut("SELECT \(Self.logColumns) FROM logs WHERE trace_id = ?1 OR trace_id = ?2 ORDER BY ts, id", bind: {
            $0.bind(1, trace)
            // A 64-bit id logged by Datadog or B3 is kept with a zero high half.
            $0.bind(2, TraceID(high: 0, low: trace.low))
        }, read: readLogRows)
        return try records(Self.logOrder(rows))
    }

    /// A log row as read, its key not yet turned into a source path.
    struct LogRow {
        var key: Int64
        var record: LogRecord
    }

    /// By time (records without one first, as SQLite orders NULL), then key.
    static func logOrder(_ rows: [LogRow]) -> [LogRow] {
        rows.sorted { ($0.record.timestamp?.nanoseconds ?? .min, $0.key) < ($1.record.timestamp?.nanoseconds ?? .min, $1.key) }
    }

    func records(_ rows: [LogRow]) throws -> [LogRecord] {
        try rows.map { row in
            var record = row.record
            record.source = SourceLocation(file: try sourcePath(StoreKeys.source(ofRow: row.key)), line: StoreKeys.line(ofRow: row.key))
            return record
        }
    }

    func readLogRows(_ statement: Statement) throws -> [LogRow] {
        defer { statement.reset() }
        var rows: [LogRow] = []
        while try statement.step() {
            rows.append(LogRow(key: statement.int64(0), record: LogRecord(
                source: SourceLocation(file: "", line: 0),
                lines: Int(statement.int64(10)),
                timestamp: statement.int64OrNil(1).map(Timestamp.init(nanoseconds:)),
                traceID: statement.withBlob(2, Blob.traceID), spanID: statement.withBlob(3, Blob.spanID),
                jobID: statement.string(4), severity: statement.string(5).flatMap(Severity.init(rawValue:)),
                service: statement.string(6), host: statement.string(7), rule: statement.string(8),
                message: statement.string(9) ?? "")))
        }
        return rows
    }

    public func logClockGaps(sources wanted: Set<String>?, limit: Int) throws -> [String: [ClockGap]] {
        // Each source's rows are a range of keys (its id in the high 32 bits) in each segment;
        // the records with a span id are joined on the spans' key, those with only a job id on
        // the consumer spans' message id, in whichever segment those spans are. The work is
        // bounded: at most 4 × `limit` candidate records a source, the newest segments first
        // (a long-running writer asks every few seconds about what it just wrote).
        let open = try readable(.logs)
        var withSpans: [(bySpan: Statement, byJob: Statement)] = []
        for (_, db) in try readable(.spans) where try db.integer("SELECT EXISTS (SELECT 1 FROM spans)") == 1 {
            withSpans.append((try db.prepare("SELECT start, end FROM spans WHERE trace_id = ?1 AND span_id = ?2"),
                              try db.prepare("SELECT start, end FROM spans WHERE message_id = ?1 AND kind = \(Span.Kind.consumer.rawValue) LIMIT 1")))
        }
        guard !withSpans.isEmpty, limit > 0 else { return [:] }
        let sources = try allSources().filter { wanted?.contains($0.path) ?? true }
        let candidates = try open.map { _, db in
            try db.prepare("""
                SELECT ts, trace_id, span_id, job_id FROM logs
                WHERE id BETWEEN ?1 AND ?2 AND ts IS NOT NULL AND (span_id IS NOT NULL OR job_id IS NOT NULL) LIMIT ?3
                """)
        }
        var gaps: [String: [ClockGap]] = [:]
        for source in sources {
            var found: [ClockGap] = []
            var budget = limit.saturatingMultiplied(by: 4)
            for statement in candidates.reversed() where found.count < limit && budget > 0 {
                statement.bind(1, StoreKeys.row(source: source.id, line: 0))
                statement.bind(2, StoreKeys.row(source: source.id, line: 0xFFFF_FFFF))
                statement.bind(3, Int64(budget))
                var rows: [(ts: Int64, trace: [UInt8]?, span: [UInt8]?, job: String?)] = []
                do {
                    defer { statement.reset() }
                    while try statement.step() {
                        rows.append((statement.int64(0), statement.blob(1), statement.blob(2), statement.string(3)))
                    }
                }
                budget -= rows.count
                for row in rows where found.count < limit {
                    guard let span = try spanTimes(trace: row.trace, span: row.span, job: row.job, in: withSpans) else { continue }
                    found.append(ClockGap(time: Timestamp(nanoseconds: row.ts),
                                          spanStart: Timestamp(nanoseconds: span.start), spanEnd: Timestamp(nanoseconds: span.end)))
                }
            }
            if !found.isEmpty { gaps[source.path] = found }
        }
        return gaps
    }

    /// The start and end of a record's span: by its (trace id, span id), else, for a record
    /// with only a job id, the consumer span of that job.
    private func spanTimes(trace: [UInt8]?, span: [UInt8]?, job: String?,
                           in segments: [(bySpan: Statement, byJob: Statement)]) throws -> (start: Int64, end: Int64)? {
        for (bySpan, byJob) in segments {
            let statement: Statement
            if let trace, let span {
                statement = bySpan
                statement.bind(1, blob: trace)
                statement.bind(2, blob: span)
            } else if span == nil, let job {
                statement = byJob
                statement.bind(1, job)
            } else {
                return nil
            }
            defer { statement.reset() }
            if try statement.step() { return (statement.int64(0), statement.int64(1)) }
        }
        return nil
    }

    public func shiftLogTimes(source: String, by nanoseconds: Int64) throws -> Int {
        let find = try catalog.prepare("SELECT id FROM sources WHERE path = ?1")
        find.bind(1, source)
        let id: Int64
        do {
            defer { find.reset() }
            guard try find.step() else { return 0 }
            id = find.int64(0)
        }
        try catalog.execute("BEGIN IMMEDIATE")
        do {
            try refreshSegments()
            var moved = 0
            let sources = try allSourceIDs()
            for segment in segments where !segment.isEmpty {
                guard segment.sealed ? segment.sourceLines[id] != nil || segment.file == nil : true,
                      let db = try writable(segment) else { continue }
                func update() throws -> Int {
                    let update = try db.prepare("UPDATE logs SET ts = ts + ?3 WHERE id BETWEEN ?1 AND ?2 AND ts IS NOT NULL")
                    update.bind(1, StoreKeys.row(source: id, line: 0))
                    update.bind(2, StoreKeys.row(source: id, line: 0xFFFF_FFFF))
                    update.bind(3, nanoseconds)
                    try update.run()
                    return db.changes
                }
                // Segment 0 is the catalog, whose transaction is open already.
                let changed = segment.file == nil ? try update() : try db.transaction { try update() }
                moved += changed
                if changed > 0 {
                    let rows = segment.rows
                    try segment.measure(sources: segment.sealed ? Array(segment.sourceLines.keys) : sources)
                    if !segment.sealed { segment.rows = rows }
                    if segment.sealed { try saveBounds(segment) }
                }
            }
            try catalog.execute("COMMIT")
            catalogVersion = try catalog.integer("PRAGMA data_version") ?? catalogVersion
            return moved
        } catch {
            try? catalog.execute("ROLLBACK")
            throw error
        }
    }

    /// A segment's connection that may write: the head's, or a sealed segment's opened for
    /// writing (a log clock shift).
    private func writable(_ segment: Segment) throws -> Database? {
        guard access == .readWrite else { return nil }
        if segment.file == nil { return catalog }
        return try segment.database()
    }

    public func logs(withJobIDs jobIDs: Set<String>) throws -> [LogRecord] {
        guard !jobIDs.isEmpty else { return [] }
        var records: [LogRecord] = []
        for id in jobIDs.sorted() {
            if let found = prefetched.jobLogs[id] {
                records += found
                continue
            }
            let rows = try fanOut("SELECT \(Self.logColumns) FROM logs WHERE job_id = ?1 ORDER BY ts, id LIMIT \(Self.logsPerJobID)",
                                  bind: { $0.bind(1, id) }, read: readLogRows)
            records += try self.records(Array(Self.logOrder(rows).prefix(Self.logsPerJobID)))
        }
        return records
    }

    /// Log records of one job id read at most (the first by time).
    static let logsPerJobID = 5000

    public func traceIDs(withPrefix hex: String, limit: Int) throws -> [TraceID] {
        // The blob range [prefix 000…, prefix fff…] holds every id with these leading digits.
        guard let range = StoreKeys.traceIDs(withPrefix: hex) else { return [] }
        let ids = try fanOut("SELECT DISTINCT trace_id FROM spans WHERE trace_id BETWEEN ?1 AND ?2 ORDER BY trace_id LIMIT ?3", bind: {
            $0.bind(1, range.lowerBound)
            $0.bind(2, range.upperBound)
            $0.bind(3, limit)
        }, read: readTraceIDs)
        return Array(Set(ids).sorted().prefix(limit: limit))
    }

    func readTraceIDs(_ statement: Statement) throws -> [TraceID] {
        defer { statement.reset() }
        var ids: [TraceID] = []
        while try statement.step() {
            if let id = statement.withBlob(0, Blob.traceID) { ids.append(id) }
        }
        return ids
    }

    public func traceIDs(withLow64 low: UInt64, limit: Int) throws -> [TraceID] {
        // Where log lines carry the 64-bit id, the spans are near them in time: read the spans
        // that started then (the start index) rather than the whole table.
        let bounds = try fanOut("SELECT min(ts), max(ts) FROM logs WHERE trace_id = ?1 AND ts IS NOT NULL",
                                bind: { $0.bind(1, TraceID(high: 0, low: low)) }) { statement -> [(Int64, Int64)] in
            defer { statement.reset() }
            guard try statement.step(), let first = statement.int64OrNil(0), let last = statement.int64OrNil(1) else { return [] }
            return [(first, last)]
        }
        let margin: Int64 = 120_000_000_000
        if let first = bounds.map(\.0).min(), let last = bounds.map(\.1).max() {
            // Saturating: lines dated at the ends of time must not overflow.
            let from = Timestamp(nanoseconds: first).advanced(by: -margin).nanoseconds
            let to = Timestamp(nanoseconds: last).advanced(by: margin).nanoseconds
            // Each segment's ids by their first span's start, then merged by the earliest: an
            // id a segment did not return has `limit` earlier ones there, so is not needed.
            let near = try fanOut("""
                SELECT trace_id, min(start) AS first FROM spans
                WHERE start BETWEEN ?2 AND ?3 AND substr(trace_id, 9, 8) = ?1 AND substr(trace_id, 1, 8) != zeroblob(8)
                GROUP BY trace_id ORDER BY first, trace_id LIMIT ?4
                """, from, to, bind: {
                $0.bind(1, SpanID(low))
                $0.bind(2, from)
                $0.bind(3, to)
                $0.bind(4, limit)
            }) { statement -> [(TraceID, Int64)] in
                defer { statement.reset() }
                var rows: [(TraceID, Int64)] = []
                while try statement.step() {
                    if let id = statement.withBlob(0, Blob.traceID) { rows.append((id, statement.int64(1))) }
                }
                return rows
            }
            var earliest: [TraceID: Int64] = [:]
            for (id, start) in near { earliest[id] = min(earliest[id] ?? start, start) }
            let ordered = earliest.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
            if !ordered.isEmpty { return Array(ordered.prefix(limit: limit)) }
        }
        // No log line near it, or its spans are further away (a long job, local times read as
        // UTC): the whole table, ascending. (Never a 64-bit id itself, in SQL: a limit taken
        // before leaving it out would give fewer.)
        let ids = try fanOut("""
            SELECT DISTINCT trace_id FROM spans WHERE substr(trace_id, 9, 8) = ?1 AND substr(trace_id, 1, 8) != zeroblob(8)
            ORDER BY trace_id LIMIT ?2
            """, bind: {
            $0.bind(1, SpanID(low))
            $0.bind(2, limit)
        }, read: readTraceIDs)
        return Array(Set(ids).sorted().prefix(limit: limit))
    }

    public func statistics() throws -> StoreStatistics {
        let open = try readable()
        var statistics = StoreStatistics(rawAlerts: Int(try catalog.integer("SELECT count(*) FROM raw_alerts") ?? 0))
        var traces = Set<TraceID>()
        for (_, db) in open {
            statistics.spans += Int(try db.integer("SELECT count(*) FROM spans") ?? 0)
            statistics.logs += Int(try db.integer("SELECT count(*) FROM logs") ?? 0)
            if open.count == 1 {
                statistics.traces = Int(try db.integer("SELECT count(DISTINCT trace_id) FROM spans") ?? 0)
            } else {
                traces.formUnion(try readTraceIDs(try db.prepare("SELECT DISTINCT trace_id FROM spans")))
            }
        }
        if open.count > 1 { statistics.traces = traces.count }
        return statistics
    }
}

/// Looks a key up in the sealed segments that may hold it (by their line ranges and span
/// start ranges), so that a row is never stored twice across segments.
struct SealedProbes {
    private let sealed: [Segment]
    /// Questions to one sealed segment after which its span keys are read into a
    /// ``SpanKeyFilter`` (reading a million keys costs about what this many lookups do).
    private let filterAfterProbes: Int

    init(segments: [Segment], filterAfterProbes: Int = SealedProbes.defaultFilterAfterProbes) {
        sealed = segments.filter { $0.sealed && !$0.isEmpty }
        self.filterAfterProbes = filterAfterProbes
    }

    static let defaultFilterAfterProbes = 20_000
    /// Sealed segments with a span key filter at most (2 MiB each for a million rows).
    static let maximumFilters = 8

    /// For each source seen, the sealed segments whose line range of it is not empty.
    private var bySource: [Int64: [(lines: ClosedRange<Int>, segment: Segment)]] = [:]

    mutating func holdsLog(_ key: Int64) throws -> Bool {
        guard !sealed.isEmpty else { return false }
        let source = StoreKeys.source(ofRow: key), line = StoreKeys.line(ofRow: key)
        let ranges: [(lines: ClosedRange<Int>, segment: Segment)]
        if let known = bySource[source] {
            ranges = known
        } else {
            ranges = sealed.compactMap { segment in segment.sourceLines[source].map { ($0, segment) } }
            bySource[source] = ranges
        }
        for (lines, segment) in ranges where lines.contains(line) {
            guard let statement = try segment.statement("SELECT 1 FROM logs WHERE id = ?1") else { continue }
            statement.bind(1, key)
            defer { statement.reset() }
            if try statement.step() { return true }
        }
        return false
    }

    mutating func holdsSpan(_ trace: TraceID, _ span: SpanID, start: Int64) throws -> Bool {
        guard !sealed.isEmpty else { return false }
        for segment in sealed {
            // The same span sent again has the same start. (Not a window around it: live spans
            // start within seconds of each other, and a window would send every span to every
            // segment sealed within it.)
            guard let first = segment.spanFirst, let last = segment.spanLast, first <= start, start <= last else { continue }
            if let keys = try spanKeys(of: segment), !keys.mayHold(trace, span) { continue }
            guard let statement = try segment.statement("SELECT 1 FROM spans WHERE trace_id = ?1 AND span_id = ?2") else { continue }
            statement.bind(1, trace)
            statement.bind(2, span)
            defer { statement.reset() }
            if try statement.step() { return true }
        }
        return false
    }

    /// The segment's filter of span keys, made once it has been asked `filterAfterProbes`
    /// times; nil before.
    private func spanKeys(of segment: Segment) throws -> SpanKeyFilter? {
        if let keys = segment.spanKeys { return keys }
        segment.spanProbes += 1
        guard segment.spanProbes > filterAfterProbes,
              let statement = try segment.statement("SELECT trace_id, span_id FROM spans") else { return nil }
        defer { statement.reset() }
        // Its spans: its rows less its log records (when those are known).
        let spans = segment.logRows >= 0 ? segment.rows - segment.logRows : segment.rows
        // Memory stays bounded on a store that grows for weeks: the filters of the oldest
        // segments go first (new spans overlap the segments sealed last).
        let filtered = sealed.filter { $0.spanKeys != nil }
        if filtered.count >= Self.maximumFilters, let oldest = filtered.min(by: { $0.id < $1.id }) {
            oldest.spanKeys = nil
            oldest.spanProbes = 0
        }
        let keys = SpanKeyFilter(expected: max(spans, 1))
        do {
            while try statement.step() {
                let trace = statement.withBlob(0, Blob.traceID)
                let span = statement.withBlob(1, Blob.spanID)
                if let trace, let span { keys.insert(trace, span) }
            }
        } catch {
            // Not read whole: the keys are asked one by one, as before the filter (which
            // asks again after as many more questions).
            segment.spanProbes = 0
            return nil
        }
        segment.spanKeys = keys
        return keys
    }
}

extension Statement {
    /// A trace id as its 16 big-endian bytes (NULL for nil), without allocating them.
    func bind(_ index: Int32, _ id: TraceID?) {
        guard let id else { return bind(index, blob: nil as UnsafeRawBufferPointer?) }
        Blob.withBytes(id) { bind(index, blob: $0) }
    }

    /// A span id as its 8 big-endian bytes (NULL for nil), without allocating them.
    func bind(_ index: Int32, _ id: SpanID?) {
        guard let id else { return bind(index, blob: nil as UnsafeRawBufferPointer?) }
        Blob.withBytes(id) { bind(index, blob: $0) }
    }
}

/// Ids as big-endian blobs.
enum Blob {
    static func bytes(_ id: TraceID) -> [UInt8] { bigEndian(id.high) + bigEndian(id.low) }
    static func bytes(_ id: SpanID) -> [UInt8] { bigEndian(id.value) }

    /// The big-endian 64-bit value at `offset` of `bytes` (which holds 8 bytes there).
    @inline(__always)
    static func value(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Calls `body` with the id's 16 bytes (big-endian), without allocating them.
    @inline(__always)
    static func withBytes<R>(_ id: TraceID, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var bytes = (id.high.bigEndian, id.low.bigEndian)
        return try withUnsafeBytes(of: &bytes, body)
    }

    /// Calls `body` with the id's 8 bytes (big-endian), without allocating them.
    @inline(__always)
    static func withBytes<R>(_ id: SpanID, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var bytes = id.value.bigEndian
        return try withUnsafeBytes(of: &bytes, body)
    }

    /// A trace id from its 16 big-endian bytes; nil for any other length.
    static func traceID(_ bytes: UnsafeRawBufferPointer) -> TraceID? {
        bytes.count == 16 ? TraceID(high: value(bytes, at: 0), low: value(bytes, at: 8)) : nil
    }

    /// A span id from its 8 big-endian bytes; nil for any other length (and for NULL).
    static func spanID(_ bytes: UnsafeRawBufferPointer) -> SpanID? {
        bytes.count == 8 ? SpanID(value(bytes, at: 0)) : nil
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
    }
}
