public import CorrelateModel
internal import CSQLite

/// What `correlate traces`, `alerts` and `sources` list, each query bounded by its time range
/// or key range and answered from an index.
extension SQLiteEventStore {
    /// The traces with a span that started in the range (the start index), each aggregated
    /// over all its spans (the (trace id, span id) index); then, for the few listed, the root
    /// span and the log records (the trace id and job id indexes of logs).
    public func traces(_ query: TraceListQuery) throws -> [TraceListing] {
        let since = query.since.nanoseconds, until = query.until.nanoseconds
        guard since <= until, query.limit > 0 else { return [] }
        // Newest first, so the range is read backwards in growing windows [low, until]: once
        // a window is read, every trace whose first span started in it is known (that span is
        // in the window), so when `limit` of them pass the filters the listing is complete —
        // a busy hour is not aggregated whole to list its newest twenty traces. Each window
        // reaches back to the `want`-th newest span start before it (the start index).
        var seen = Set<TraceID>()
        var aggregates: [TraceID: Aggregate] = [:]
        var want = max(64, query.limit.saturatingMultiplied(by: 10))
        var high = until
        while true {
            let starts = try fanOut("SELECT start FROM spans WHERE start BETWEEN ?1 AND ?2 ORDER BY start DESC LIMIT ?3", since, high, bind: {
                $0.bind(1, since)
                $0.bind(2, high)
                $0.bind(3, want)
            }) { statement -> [Int64] in
                defer { statement.reset() }
                var starts: [Int64] = []
                while try statement.step() { starts.append(statement.int64(0)) }
                return starts
            }.sorted(by: >)
            let low = starts.count >= want ? starts[want - 1] : since
            let fresh = Set(try fanOut("SELECT DISTINCT trace_id FROM spans WHERE start BETWEEN ?1 AND ?2", low, high, bind: {
                $0.bind(1, low)
                $0.bind(2, high)
            }, read: readTraceIDs)).subtracting(seen)
            seen.formUnion(fresh)
            if !fresh.isEmpty { try aggregate(fresh, service: query.service, into: &aggregates) }
            let complete = aggregates.values.filter { $0.first >= low && $0.first <= until && Self.passes($0, query) }.count
            if low <= since || complete >= query.limit { break }
            high = low &- 1
            want = want > Int.max / 8 ? Int.max / 2 : want * 4
        }
        return try listed(aggregates, query)
    }

    struct Aggregate { var first = Int64.max, last = Int64.min, spans = 0, errors = 0, service = 0 }

    static func passes(_ total: Aggregate, _ query: TraceListQuery) -> Bool {
        total.last &- total.first >= (query.minimumDurationNanoseconds ?? Int64.min)
            && (!query.errorsOnly || total.errors > 0) && (query.service == nil || total.service > 0)
    }

    /// Each trace aggregated over all its spans, in whichever segment they are: the ids go to
    /// each segment as one blob of 16-byte ids, split by a recursive query.
    private func aggregate(_ candidates: Set<TraceID>, service: String?, into aggregates: inout [TraceID: Aggregate]) throws {
        var packed: [UInt8] = []
        packed.reserveCapacity(candidates.count * 16)
        for id in candidates { packed += Blob.bytes(id) }
        let rows = try fanOut("""
            WITH RECURSIVE wanted (i, id) AS (
                SELECT 0, substr(?1, 1, 16)
                UNION ALL SELECT i + 1, substr(?1, (i + 1) * 16 + 1, 16) FROM wanted WHERE (i + 1) * 16 < length(?1)
            )
            SELECT trace_id, min(start), max(end), count(*), sum(status = 2), sum(service = ?2 COLLATE NOCASE)
            FROM spans WHERE trace_id IN (SELECT id FROM wanted) GROUP BY trace_id
            """, bind: {
            $0.bind(1, blob: packed)
            $0.bind(2, service)
        }) { statement -> [(TraceID, Aggregate)] in
            defer { statement.reset() }
            var rows: [(TraceID, Aggregate)] = []
            while try statement.step() {
                guard let trace = statement.withBlob(0, Blob.traceID) else { continue }
                rows.append((trace, Aggregate(first: statement.int64(1), last: statement.int64(2), spans: Int(statement.int64(3)),
                                              errors: Int(statement.int64(4)), service: Int(statement.int64(5)))))
            }
            return rows
        }
        for (trace, part) in rows {
            var total = aggregates[trace] ?? Aggregate()
            total.first = min(total.first, part.first)
            total.last = max(total.last, part.last)
            total.spans += part.spans
            total.errors += part.errors
            total.service += part.service
            aggregates[trace] = total
        }
    }

    private func listed(_ aggregates: [TraceID: Aggregate], _ query: TraceListQuery) throws -> [TraceListing] {
        let since = query.since.nanoseconds, until = query.until.nanoseconds
        var listed = aggregates.compactMap { trace, total -> TraceListing? in
            guard total.first >= since, total.first <= until, Self.passes(total, query) else { return nil }
            return TraceListing(traceID: trace, start: Timestamp(nanoseconds: total.first), end: Timestamp(nanoseconds: total.last),
                                rootName: "", rootService: nil, spans: total.spans, errors: total.errors, logs: 0)
        }
        listed.sort { ($0.start, $1.traceID) > ($1.start, $0.traceID) }
        listed = Array(listed.prefix(max(0, query.limit)))
        for index in listed.indices {
            let trace = listed[index].traceID
            // The root: a span without parent first, then the earliest.
            let roots = try fanOut("""
                SELECT name, service, parent_span_id IS NOT NULL, start, span_id FROM spans WHERE trace_id = ?1
                ORDER BY parent_span_id IS NOT NULL, start, span_id LIMIT 1
                """, bind: { $0.bind(1, trace) }) { statement -> [(String, String?, Int64, Int64, [UInt8])] in
                defer { statement.reset() }
                guard try statement.step() else { return [] }
                return [(statement.string(0) ?? "", statement.string(1), statement.int64(2), statement.int64(3), statement.blob(4) ?? [])]
            }
            if let root = roots.min(by: { ($0.2, $0.3) < ($1.2, $1.3) || (($0.2, $0.3) == ($1.2, $1.3) && $0.4.lexicographicallyPrecedes($1.4)) }) {
                listed[index].rootName = root.0
                listed[index].rootService = root.1
            }
            // Its records, as `correlate trace` shows them: by trace id, and by the job id of one
            // of its spans (Celery's lines that carry only the task id).
            let jobs = Array(Set(try fanOut("SELECT message_id FROM spans WHERE trace_id = ?1 AND message_id IS NOT NULL",
                                            bind: { $0.bind(1, trace) }) { statement -> [String] in
                defer { statement.reset() }
                var ids: [String] = []
                while try statement.step() { if let id = statement.string(0) { ids.append(id) } }
                return ids
            })).sorted().prefix(500)
            let jobFilter = jobs.isEmpty ? "" : " OR job_id IN (" + jobs.indices.map { "?\($0 + 3)" }.joined(separator: ", ") + ")"
            let counts = try fanOut("SELECT count(*) FROM logs WHERE trace_id = ?1 OR trace_id = ?2\(jobFilter)", bind: {
                $0.bind(1, trace)
                // A 64-bit id logged by Datadog or B3 is kept with a zero high half.
                $0.bind(2, TraceID(high: 0, low: trace.low))
                for (offset, job) in jobs.enumerated() { $0.bind(Int32(offset + 3), job) }
            }) { statement -> [Int] in
                defer { statement.reset() }
                return try statement.step() ? [Int(statement.int64(0))] : []
            }
            listed[index].logs = counts.reduce(0, +)
        }
        return listed
    }

    /// Alerts by the start index (the window's bounds), newest first.
    public func alerts(_ query: AlertListQuery) throws -> [Alert] {
        let statement = try catalog.prepare("""
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
        let all = try allSources().sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }  // as SQLite orders text
        let open = try readable(.logs)
        var listed: [LogSourceListing] = []
        for (id, path) in all {
            var listing = LogSourceListing(path: path, records: 0, first: nil, last: nil, withTraceID: 0)
            for (_, db) in open {
                let counts = try db.prepare("SELECT count(*), min(ts), max(ts), count(trace_id) FROM logs WHERE id BETWEEN ?1 AND ?2")
                counts.bind(1, StoreKeys.row(source: id, line: 0))
                counts.bind(2, StoreKeys.row(source: id, line: 0xFFFF_FFFF))
                defer { counts.reset() }
                guard try counts.step(), counts.int64(0) > 0 else { continue }
                listing.records += Int(counts.int64(0))
                listing.withTraceID += Int(counts.int64(3))
                if let first = counts.int64OrNil(1).map(Timestamp.init(nanoseconds:)) { listing.first = min(listing.first ?? first, first) }
                if let last = counts.int64OrNil(2).map(Timestamp.init(nanoseconds:)) { listing.last = max(listing.last ?? last, last) }
            }
            if listing.records > 0 { listed.append(listing) }
        }
        return listed
    }
}
