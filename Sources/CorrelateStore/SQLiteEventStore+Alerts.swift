public import CorrelateModel
internal import CSQLite
import CorrelateJSON

/// Alerts, windows and the unlinked lines of a window.
extension SQLiteEventStore {
    /// Stores alerts by (fingerprint, startsAt). A resolved notification closes the window of
    /// the firing one (its `endsAt`, status and annotations); a late firing notification changes
    /// nothing of a resolved alert and counts as a duplicate, so ingesting the same
    /// notifications again stores nothing.
    public func insert(alerts: [Alert]) throws -> InsertResult {
        let insert = try catalog.prepare("""
            INSERT INTO alerts (fingerprint, starts_at, ends_at, status, name, labels, annotations, source, generator_url)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
                ends_at = excluded.ends_at, status = excluded.status, annotations = excluded.annotations
            WHERE NOT (alerts.status = 'resolved' AND excluded.status != 'resolved')
              AND (excluded.status != alerts.status OR excluded.ends_at IS NOT alerts.ends_at OR excluded.annotations != alerts.annotations)
            """)
        return try catalog.transaction {
            var result = InsertResult()
            for alert in alerts {
                insert.bind(1, alert.fingerprint)
                insert.bind(2, alert.startsAt.nanoseconds)
                insert.bind(3, alert.endsAt?.nanoseconds)
                insert.bind(4, alert.status.rawValue)
                insert.bind(5, alert.name)
                insert.bind(6, Self.pairsJSON(alert.labels))
                insert.bind(7, Self.pairsJSON(alert.annotations))
                insert.bind(8, alert.source)
                insert.bind(9, alert.generatorURL)
                try insert.run()
                if catalog.changes > 0 { result.stored += 1 } else { result.duplicates += 1 }
            }
            return result
        }
    }

    static let alertColumns = "fingerprint, starts_at, ends_at, status, name, labels, annotations, source, generator_url"

    public func alerts(named name: String) throws -> [Alert] {
        let statement = try catalog.prepare("SELECT \(Self.alertColumns) FROM alerts WHERE name = ?1 ORDER BY starts_at")
        statement.bind(1, name)
        return try readAlerts(statement)
    }

    public func alerts(withFingerprint fingerprint: String) throws -> [Alert] {
        let statement = try catalog.prepare("SELECT \(Self.alertColumns) FROM alerts WHERE fingerprint = ?1 ORDER BY starts_at")
        statement.bind(1, fingerprint)
        return try readAlerts(statement)
    }

    /// Alerts whose window [startsAt, endsAt or open] overlaps [since, until].
    public func alerts(overlapping since: Timestamp, _ until: Timestamp) throws -> [Alert] {
        let statement = try catalog.prepare("""
            SELECT \(Self.alertColumns) FROM alerts
            WHERE starts_at <= ?2 AND (ends_at IS NULL OR ends_at >= ?1) ORDER BY starts_at, name
            """)
        statement.bind(1, since.nanoseconds)
        statement.bind(2, until.nanoseconds)
        return try readAlerts(statement)
    }

    func readAlerts(_ statement: Statement) throws -> [Alert] {
        defer { statement.reset() }
        var alerts: [Alert] = []
        while try statement.step() {
            alerts.append(Alert(
                name: statement.string(4) ?? "", fingerprint: statement.string(0) ?? "",
                status: Alert.Status(rawValue: statement.string(3) ?? "") ?? .firing,
                labels: Self.pairs(statement.string(5)), annotations: Self.pairs(statement.string(6)),
                startsAt: Timestamp(nanoseconds: statement.int64(1)),
                endsAt: statement.int64OrNil(2).map(Timestamp.init(nanoseconds:)),
                source: statement.string(7) ?? "", generatorURL: statement.string(8)))
        }
        return alerts
    }

    public func spans(startingBetween start: Timestamp, and end: Timestamp) throws -> [Span] {
        let spans = try fanOut("SELECT \(Self.spanColumns) FROM spans WHERE start BETWEEN ?1 AND ?2 ORDER BY start LIMIT 500000",
                               start.nanoseconds, end.nanoseconds, bind: {
            $0.bind(1, start.nanoseconds)
            $0.bind(2, end.nanoseconds)
        }, read: readSpans)
        return Array(spans.sorted { $0.start < $1.start }.prefix(500_000))
    }

    public func traceIDs(linkingTo trace: TraceID, limit: Int) throws -> [TraceID] {
        let prefetched = limit == Self.prefetchedLinks ? prefetched.linking[trace] : nil
        let ids = try prefetched ?? fanOut("SELECT trace_id FROM span_links WHERE linked_trace = ?1 ORDER BY trace_id LIMIT ?2", bind: {
            $0.bind(1, trace.description)
            $0.bind(2, limit)
        }, read: readTraceIDs)
        // Each segment's first ids, merged: each once, ascending, as one store would answer.
        return Array(Set(ids).sorted().prefix(limit: limit))
    }

    public func latestSpanStart() throws -> Timestamp? {
        // The newest row of each start index; no row (not a NULL read as 0) when there are no spans.
        try fanOut("SELECT start FROM spans ORDER BY start DESC LIMIT 1") { statement -> [Int64] in
            defer { statement.reset() }
            return try statement.step() ? [statement.int64(0)] : []
        }.max().map(Timestamp.init(nanoseconds:))
    }

    public func traceIDsOfLogsWithoutSpans(between start: Timestamp, and end: Timestamp, limit: Int) throws -> [TraceID] {
        guard start <= end, limit != 0 else { return [] }
        // Each segment's window ids without spans in that segment, by their first line's time
        // then id, a page at a time; then those that have spans in no other segment either,
        // in that order over all segments. A page of one segment may hold only ids whose
        // spans are elsewhere: the ids after the earliest last id of a full page are not taken
        // before the next, larger pages show what came before them.
        let open = try readable(.spans)
        var page = limit < 0 ? -1 : max(64, limit.saturatingMultiplied(by: 4))
        while true {
            var firstLine: [TraceID: Int64] = [:]
            var cutoff: (Int64, TraceID)?
            _ = try fanOut("""
                SELECT logs.trace_id, min(logs.ts) AS first FROM logs
                WHERE logs.ts BETWEEN ?1 AND ?2 AND logs.trace_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM spans WHERE spans.trace_id = logs.trace_id)
                GROUP BY logs.trace_id ORDER BY first, logs.trace_id LIMIT ?3
                """, start.nanoseconds, end.nanoseconds, bind: {
                $0.bind(1, start.nanoseconds)
                $0.bind(2, end.nanoseconds)
                $0.bind(3, page)
            }, read: { statement -> [Never] in
                defer { statement.reset() }
                var rows = 0
                var last: (Int64, TraceID)?
                while try statement.step() {
                    rows += 1
                    guard let id = statement.withBlob(0, Blob.traceID) else { continue }
                    let time = statement.int64(1)
                    last = (time, id)
                    firstLine[id] = min(firstLine[id] ?? time, time)
                }
                if rows == page, let last, cutoff.map({ last < $0 }) ?? true { cutoff = last }
                return []
            })
            var ids: [TraceID] = []
            // A 64-bit id (high half zero) may belong to a trace stored with its full id.
            for (id, time) in firstLine.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) })
            where id.high != 0 && (limit < 0 || ids.count < limit) && cutoff.map({ (time, id) <= $0 }) ?? true {
                var hasSpans = false
                // Its spans may be in any segment but the log record's own.
                for (segment, _) in open where !hasSpans {
                    guard let probe = try segment.statement("SELECT 1 FROM spans WHERE trace_id = ?1 LIMIT 1") else { continue }
                    probe.bind(1, id)
                    hasSpans = try probe.step()
                    probe.reset()
                }
                if !hasSpans { ids.append(id) }
            }
            if cutoff == nil || ids.count >= limit { return ids }
            page = page.saturatingMultiplied(by: 2)
        }
    }

    public func unlinkedLogs(between start: Timestamp, and end: Timestamp, services: Set<String>, limit: Int) throws -> [LogRecord] {
        let filter = services.isEmpty ? "" : " AND (service IN (\(services.map { _ in "?" }.joined(separator: ", "))) OR service IS NULL)"
        let rows = try fanOut("""
            SELECT \(Self.logColumns) FROM logs
            WHERE ts BETWEEN ?1 AND ?2 AND trace_id IS NULL AND job_id IS NULL\(filter)
            ORDER BY ts, id LIMIT \(max(0, limit))
            """, start.nanoseconds, end.nanoseconds, bind: {
            $0.bind(1, start.nanoseconds)
            $0.bind(2, end.nanoseconds)
            for (index, service) in services.sorted().enumerated() { $0.bind(Int32(3 + index), service) }
        }, read: readLogRows)
        return try records(Array(Self.logOrder(rows).prefix(max(0, limit))))
    }

    static func pairsJSON(_ pairs: [(String, String)]) -> String {
        let out = JSONWriter(capacity: 256)
        out.object(pairs)
        return out.text
    }

    static func pairs(_ text: String?) -> [(String, String)] {
        guard let text, let document = try? JSONDocument.parse(text) else { return [] }
        return (document.members ?? []).compactMap { key, value in value.string.map { (key, $0) } }
    }
}
