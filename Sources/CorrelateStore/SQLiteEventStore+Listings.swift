public import CorrelateModel
internal import CSQLite

/// What `correlate traces`, `alerts` and `sources` list, each query bounded by its time range
/// or key range and answered from an index.
extension SQLiteEventStore {
    /// The traces with a span that started in the range (the start index), each aggregated
    /// over all its spans (the (trace id, span id) index); then, for the few listed, the root
    /// span and the log records (the trace id and job id indexes of logs).
    public func traces(_ query: TraceListQuery) throws -> [TraceListing] {
        let statement = try db.prepare("""
            SELECT trace_id, min(start) AS first, max(end) AS last, count(*), sum(status = 2) AS errors
            FROM spans
            WHERE trace_id IN (SELECT trace_id FROM spans WHERE start BETWEEN ?1 AND ?2)
            GROUP BY trace_id
            HAVING first BETWEEN ?1 AND ?2
               AND last - first >= ?3
               AND (?4 = 0 OR errors > 0)
               AND (?5 IS NULL OR sum(service = ?5 COLLATE NOCASE) > 0)
            ORDER BY first DESC, trace_id
            LIMIT ?6
            """)
        statement.bind(1, query.since.nanoseconds)
        statement.bind(2, query.until.nanoseconds)
        statement.bind(3, query.minimumDurationNanoseconds ?? Int64.min)
        statement.bind(4, query.errorsOnly ? 1 : 0)
        statement.bind(5, query.service)
        statement.bind(6, query.limit)
        var listed: [TraceListing] = []
        do {
            defer { statement.reset() }
            while try statement.step() {
                guard let trace = statement.blob(0).flatMap(Blob.traceID) else { continue }
                listed.append(TraceListing(
                    traceID: trace, start: Timestamp(nanoseconds: statement.int64(1)), end: Timestamp(nanoseconds: statement.int64(2)),
                    rootName: "", rootService: nil, spans: Int(statement.int64(3)), errors: Int(statement.int64(4)), logs: 0))
            }
        }
        let root = try db.prepare("""
            SELECT name, service FROM spans WHERE trace_id = ?1
            ORDER BY parent_span_id IS NOT NULL, start, span_id LIMIT 1
            """)
        // Its records, as `correlate trace` shows them: by trace id, and by the job id of one of
        // its spans (Celery's lines that carry only the task id).
        let logs = try db.prepare("""
            SELECT count(*) FROM logs WHERE trace_id = ?1 OR trace_id = ?2
                OR job_id IN (SELECT message_id FROM spans WHERE trace_id = ?1 AND message_id IS NOT NULL)
            """)
        for index in listed.indices {
            let trace = listed[index].traceID
            root.bind(1, blob: Blob.bytes(trace))
            if try root.step() {
                listed[index].rootName = root.string(0) ?? ""
                listed[index].rootService = root.string(1)
            }
            root.reset()
            logs.bind(1, blob: Blob.bytes(trace))
            // A 64-bit id logged by Datadog or B3 is kept with a zero high half.
            logs.bind(2, blob: Blob.bytes(TraceID(high: 0, low: trace.low)))
            if try logs.step() { listed[index].logs = Int(logs.int64(0)) }
            logs.reset()
        }
        return listed
    }

    /// Alerts by the start index (the window's bounds), newest first.
    public func alerts(_ query: AlertListQuery) throws -> [Alert] {
        let statement = try db.prepare("""
            SELECT \(Self.alertColumns) FROM alerts
            WHERE starts_at <= ?2 AND (ends_at IS NULL OR ends_at >= ?1)
              AND (?3 IS NULL OR name = ?3 COLLATE NOCASE)
              AND (?4 IS NULL OR status = ?4)
            ORDER BY starts_at DESC, fingerprint
            LIMIT ?5
            """)
        statement.bind(1, (query.since ?? Timestamp(nanoseconds: .min)).nanoseconds)
        statement.bind(2, (query.until ?? Timestamp(nanoseconds: .max)).nanoseconds)
        statement.bind(3, query.name)
        statement.bind(4, query.status?.rawValue)
        statement.bind(5, query.limit)
        return try readAlerts(statement)
    }

    /// Each source's records through the primary key's range of that source (its id in the
    /// key's high bits).
    public func logSources() throws -> [LogSourceListing] {
        let sources = try db.prepare("SELECT id, path FROM sources ORDER BY path")
        var all: [(Int64, String)] = []
        do {
            defer { sources.reset() }
            while try sources.step() { all.append((sources.int64(0), sources.string(1) ?? "?")) }
        }
        let counts = try db.prepare("SELECT count(*), min(ts), max(ts), count(trace_id) FROM logs WHERE id BETWEEN ?1 AND ?2")
        var listed: [LogSourceListing] = []
        for (id, path) in all {
            counts.bind(1, StoreKeys.row(source: id, line: 0))
            counts.bind(2, StoreKeys.row(source: id, line: 0xFFFF_FFFF))
            defer { counts.reset() }
            guard try counts.step(), counts.int64(0) > 0 else { continue }
            listed.append(LogSourceListing(
                path: path, records: Int(counts.int64(0)),
                first: counts.int64OrNil(1).map(Timestamp.init(nanoseconds:)), last: counts.int64OrNil(2).map(Timestamp.init(nanoseconds:)),
                withTraceID: Int(counts.int64(3))))
        }
        return listed
    }
}
