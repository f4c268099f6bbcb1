public import CorrelateModel

/// An ``EventStore`` held in memory, in plain dictionaries and arrays: gone with the object.
///
/// For tests, and for short-lived use where nothing needs keeping. It follows the semantics of
/// ``SQLiteEventStore``, so that what holds for one holds for the other:
/// - the same idempotent keys: spans by (trace id, span id), log records and raw alerts by
///   (source file, low 32 bits of the line), alerts by (fingerprint, startsAt) with the same
///   merge of firing and resolved notifications (``insert(alerts:)``);
/// - values given back as SQLite gives them back: a span's attributes, resource, events and
///   links pass through the JSON that SQLite stores them as (bytes come back as a hex string, a
///   non-finite double as text), a log record's location without its column;
/// - the same order of results: SQLite's `ORDER BY`, and where that leaves ties, the order
///   SQLite's indexes give them (spans in the order they were first written, alerts by
///   fingerprint), and the same limits (a negative limit is no limit, except in
///   ``unlinkedLogs(between:and:services:limit:)``, where it returns nothing);
/// - the same 64-bit matching of trace ids logged by Datadog or B3.
///
/// Where SQLite's store departs from the protocol, this one keeps to the protocol:
/// ``latestSpanStart()`` of an empty store is nil (SQLite's answers the epoch), and the
/// two-minute margin of ``traceIDs(withLow64:limit:)`` stops at the ends of time (SQLite's
/// traps there).
///
/// Costs: a write is O(1) per row (and encodes a span's JSON once); lookups by trace id,
/// message id, job id, fingerprint, alert name, linked trace and the low half of a trace id go
/// through dictionaries; lookups by time and by trace id prefix binary-search sorted arrays
/// that are rebuilt, O(n log n), by the first lookup after a write;
/// ``alerts(overlapping:_:)`` scans every alert, O(n), as do the listings of alerts and of log
/// sources (every record); the listing of traces reads the spans that started in its range.
/// Everything stays in memory for the life of the store.
///
/// Like every ``EventStore``, a store is used from one thread at a time (reads included: they
/// rebuild the sorted arrays); ``spanPreparation`` may be called from any thread. Nothing is
/// thrown. The bulk-load and long-running-writes hints do nothing: there is no index upkeep
/// to defer.
public final class MemoryEventStore: EventStore {
    public init() {}

    /// What the bulk writers give one insert call; settable, so that a test can see them
    /// batch (SQLite's, ``BulkBatch/standard``, unless set).
    public var bulkBatch: BulkBatch = .standard

    // MARK: - Spans

    /// A span as this store keeps it: read back through SQLite's JSON form, with what SQLite
    /// indexes it by.
    struct Row: Sendable {
        var span: Span
        var messageID: String?
        /// The other traces its links point at, each once.
        var linkedTraces: [TraceID]

        init(_ span: Span) {
            let batch = StoredSpans([span])
            let stored = batch.rows[0]
            self.span = Span(
                traceID: stored.traceID, spanID: stored.spanID, parentSpanID: stored.parentSpanID, name: batch.string(stored.name),
                kind: stored.kind, start: stored.start, end: stored.end, status: stored.status,
                statusMessage: stored.statusMessage.map(batch.string), service: stored.service.map(batch.string),
                attributes: batch.withText(stored.attributes, SpanJSON.attributes),
                resource: batch.withText(stored.resource, SpanJSON.attributes),
                events: batch.withText(stored.events, SpanJSON.events), links: batch.withText(stored.links, SpanJSON.links))
            messageID = stored.messageID.map(batch.string)
            linkedTraces = Array(batch.linked[stored.linkedTraces])
        }
    }

    private struct SpanKey: Hashable {
        var trace: TraceID
        var span: SpanID
    }

    /// Every span, in the order first written (SQLite's rowid order).
    private var storedSpans: [Span] = []
    private var spanKeys: Set<SpanKey> = []
    private var spansByTrace: [TraceID: [Int]] = [:]
    private var spansByMessageID: [String: [Int]] = [:]
    /// Trace ids by their low 64 bits.
    private var tracesByLow64: [UInt64: Set<TraceID>] = [:]
    /// Linked trace → the traces with a span that links to it.
    private var linkingTraces: [TraceID: Set<TraceID>] = [:]
    private var latestStart: Timestamp?
    /// Span positions by (start, position); nil until a lookup needs it after a write.
    private var spansByStart: [Int]?
    /// Distinct trace ids, ascending; nil until a lookup needs it after a write.
    private var sortedTraceIDs: [TraceID]?

    /// Turns spans into this store's form (their JSON round trip), on any thread.
    public static func prepare(_ spans: [Span]) -> PreparedSpans {
        PreparedSpans(form: spans.map(Row.init), count: spans.count)
    }

    public var spanPreparation: @Sendable ([Span]) -> PreparedSpans { Self.prepare }

    public func insert(spans: [Span]) throws -> InsertResult {
        insert(rows: spans.map(Row.init))
    }

    public func insert(prepared: [PreparedSpans]) throws -> InsertResult {
        var rows: [Row] = []
        for batch in prepared {
            if let form = batch.form as? [Row] { rows += form } else { rows += batch.unprepared.map(Row.init) }
        }
        return insert(rows: rows)
    }

    private func insert(rows: [Row]) -> InsertResult {
        var result = InsertResult()
        for row in rows {
            let span = row.span
            // A span already stored keeps its row, and so its links.
            guard spanKeys.insert(SpanKey(trace: span.traceID, span: span.spanID)).inserted else {
                result.duplicates += 1
                continue
            }
            for linked in row.linkedTraces { linkingTraces[linked, default: []].insert(span.traceID) }
            let position = storedSpans.count
            storedSpans.append(span)
            if spansByTrace[span.traceID] == nil {
                tracesByLow64[span.traceID.low, default: []].insert(span.traceID)
                sortedTraceIDs = nil
            }
            spansByTrace[span.traceID, default: []].append(position)
            if let id = row.messageID { spansByMessageID[id, default: []].append(position) }
            if latestStart.map({ span.start > $0 }) ?? true { latestStart = span.start }
            spansByStart = nil
            result.stored += 1
        }
        return result
    }

    /// Positions of spans by (start, position), as SQLite's start index holds them.
    private var startOrder: [Int] {
        if let spansByStart { return spansByStart }
        let order = storedSpans.indices.sorted { (storedSpans[$0].start, $0) < (storedSpans[$1].start, $1) }
        spansByStart = order
        return order
    }

    /// Positions of the spans that started in [start, end], by (start, position).
    private func spanPositions(startingBetween start: Timestamp, and end: Timestamp) -> ArraySlice<Int> {
        let order = startOrder
        guard start <= end else { return [] }
        let first = lowerBound(order.count) { storedSpans[order[$0]].start >= start }
        let past = lowerBound(order.count) { storedSpans[order[$0]].start > end }
        return order[first..<max(first, past)]
    }

    public func spans(inTrace trace: TraceID) throws -> [Span] {
        (spansByTrace[trace] ?? []).map { storedSpans[$0] }.sorted { ($0.start, $0.spanID) < ($1.start, $1.spanID) }
    }

    public func spans(withMessageIDs messageIDs: Set<String>) throws -> [Span] {
        // At most 64 spans per id, as SQLite's query bounds them; by start, then trace and span
        // id, as SQLite and ClickHouse order them.
        messageIDs.sorted().flatMap { id in
            (spansByMessageID[id] ?? []).map { storedSpans[$0] }
                .sorted { ($0.start, $0.traceID, $0.spanID) < ($1.start, $1.traceID, $1.spanID) }.prefix(64)
        }
    }

    public func spans(startingBetween start: Timestamp, and end: Timestamp) throws -> [Span] {
        spanPositions(startingBetween: start, and: end).prefix(500_000).map { storedSpans[$0] }
    }

    public func traceIDs(withPrefix hex: String, limit: Int) throws -> [TraceID] {
        guard let range = StoreKeys.traceIDs(withPrefix: hex) else { return [] }
        let ids = traceIDsAscending
        let first = lowerBound(ids.count) { ids[$0] >= range.lowerBound }
        let matching = ids[first...].prefix { $0 <= range.upperBound }
        return Array(matching.prefix(limit: limit))
    }

    /// Distinct trace ids, ascending (as SQLite's (trace id, span id) index holds them).
    private var traceIDsAscending: [TraceID] {
        if let sortedTraceIDs { return sortedTraceIDs }
        let ids = spansByTrace.keys.sorted()
        sortedTraceIDs = ids
        return ids
    }

    public func traceIDs(withLow64 low: UInt64, limit: Int) throws -> [TraceID] {
        let candidates = tracesByLow64[low] ?? []
        // Where log lines carry the 64-bit id, the spans near them in time (two minutes either
        // side of the lines, held at the ends of time), in the order their first span in that
        // time started.
        let times = (logsByTrace[TraceID(high: 0, low: low)] ?? []).compactMap { storedLogs[$0]?.timestamp }
        if let first = times.min(), let last = times.max(), !candidates.isEmpty {
            let margin: Int64 = 120_000_000_000
            var seen: Set<TraceID> = []
            var near: [TraceID] = []
            for position in spanPositions(startingBetween: first.advanced(by: -margin), and: last.advanced(by: margin)) {
                let trace = storedSpans[position].traceID
                if candidates.contains(trace), seen.insert(trace).inserted { near.append(trace) }
            }
            // Never an id with a zero high half (it may be the 64-bit id itself).
            let found = Array(near.filter { $0.high != 0 }.prefix(limit: limit))
            if !found.isEmpty { return found }
        }
        return Array(candidates.sorted().filter { $0.high != 0 }.prefix(limit: limit))
    }

    public func traceIDs(linkingTo trace: TraceID, limit: Int) throws -> [TraceID] {
        Array((linkingTraces[trace] ?? []).sorted().prefix(limit: limit))
    }

    public func latestSpanStart() throws -> Timestamp? { latestStart }

    // MARK: - Log records and raw alerts

    /// Log records by row key (``StoreKeys/row(source:line:)``).
    private var storedLogs: [Int64: LogRecord] = [:]
    private var logsByTrace: [TraceID: [Int64]] = [:]
    private var logsByJob: [String: [Int64]] = [:]
    /// Row keys of the records with a time, by (time, key); nil until a lookup needs it after
    /// a write.
    private var logsByTime: [Int64]?
    private var rawAlerts: [Int64: String] = [:]
    /// Source file → id, numbered from 1 in the order first seen (by log records and raw alerts
    /// alike, as SQLite's `sources` table numbers them).
    private var sourceIDs: [String: Int64] = [:]

    private func sourceID(_ path: String) -> Int64 {
        if let id = sourceIDs[path] { return id }
        let id = Int64(sourceIDs.count + 1)
        sourceIDs[path] = id
        return id
    }

    public func insert(logs records: [LogRecord]) throws -> InsertResult {
        var result = InsertResult()
        for record in records {
            let key = StoreKeys.row(source: sourceID(record.source.file), line: record.source.line)
            guard storedLogs[key] == nil else {
                result.duplicates += 1
                continue
            }
            var kept = record
            kept.source = SourceLocation(file: record.source.file, line: StoreKeys.line(ofRow: key))
            storedLogs[key] = kept
            if let trace = record.traceID { logsByTrace[trace, default: []].append(key) }
            if let job = record.jobID { logsByJob[job, default: []].append(key) }
            if record.timestamp != nil { logsByTime = nil }
            result.stored += 1
        }
        return result
    }

    public func logClockGaps(sources: Set<String>?, limit: Int) throws -> [String: [ClockGap]] {
        var gaps: [String: [ClockGap]] = [:]
        for key in storedLogs.keys.sorted() {
            guard let record = storedLogs[key], let time = record.timestamp,
                  sources?.contains(record.source.file) ?? true, gaps[record.source.file, default: []].count < limit else { continue }
            let span: Span?
            if let spanID = record.spanID, let trace = record.traceID {
                span = spansByTrace[trace]?.lazy.map { self.storedSpans[$0] }.first { $0.spanID == spanID }
            } else if record.spanID == nil, let job = record.jobID {
                span = spansByMessageID[job]?.lazy.map { self.storedSpans[$0] }.first { $0.kind == .consumer }
            } else {
                span = nil
            }
            guard let span else { continue }
            gaps[record.source.file, default: []].append(ClockGap(time: time, spanStart: span.start, spanEnd: span.end))
        }
        return gaps
    }

    public func shiftLogTimes(source: String, by nanoseconds: Int64) throws -> Int {
        guard let id = sourceIDs[source] else { return 0 }
        var moved = 0
        for key in storedLogs.keys where StoreKeys.source(ofRow: key) == id {
            guard let time = storedLogs[key]?.timestamp else { continue }
            storedLogs[key]?.timestamp = time.advanced(by: nanoseconds)
            moved += 1
        }
        if moved > 0 { logsByTime = nil }
        return moved
    }

    public func insert(rawAlert body: String, source: SourceLocation) throws -> InsertResult {
        let key = StoreKeys.row(source: sourceID(source.file), line: source.line)
        guard rawAlerts[key] == nil else { return InsertResult(duplicates: 1) }
        rawAlerts[key] = body
        return InsertResult(stored: 1)
    }

    /// SQLite's `ORDER BY ts, id`: records without a time first, then by time, then by key.
    private func sortedByTime(_ keys: [Int64]) -> [Int64] {
        keys.sorted { lhs, rhs in
            let (a, b) = (storedLogs[lhs]?.timestamp, storedLogs[rhs]?.timestamp)
            if a != b { return a.map { time in b.map { time < $0 } ?? false } ?? true }
            return lhs < rhs
        }
    }

    public func logs(inTrace trace: TraceID) throws -> [LogRecord] {
        // A 64-bit id logged by Datadog or B3 is kept with a zero high half.
        var keys = logsByTrace[trace] ?? []
        let narrow = TraceID(high: 0, low: trace.low)
        if narrow != trace { keys += logsByTrace[narrow] ?? [] }
        return sortedByTime(keys).compactMap { storedLogs[$0] }
    }

    public func logs(withJobIDs jobIDs: Set<String>) throws -> [LogRecord] {
        // At most 5,000 records per id, as SQLite's query bounds them.
        jobIDs.sorted().flatMap { id in sortedByTime(logsByJob[id] ?? []).prefix(5_000).compactMap { storedLogs[$0] } }
    }

    /// Row keys of the records whose time is in [start, end], by (time, key).
    private func logKeys(between start: Timestamp, and end: Timestamp) -> ArraySlice<Int64> {
        let order: [Int64]
        if let logsByTime {
            order = logsByTime
        } else {
            order = sortedByTime(storedLogs.compactMap { $0.value.timestamp == nil ? nil : $0.key })
            logsByTime = order
        }
        guard start <= end else { return [] }
        func time(_ index: Int) -> Timestamp { storedLogs[order[index]]?.timestamp ?? start }
        let first = lowerBound(order.count) { time($0) >= start }
        let past = lowerBound(order.count) { time($0) > end }
        return order[first..<max(first, past)]
    }

    public func traceIDsOfLogsWithoutSpans(between start: Timestamp, and end: Timestamp, limit: Int) throws -> [TraceID] {
        // In the order of SQLite's (ts, trace_id) index: by time, then trace id, then key.
        let window = logKeys(between: start, and: end).compactMap { key in
            storedLogs[key].flatMap { record in record.traceID.map { (time: record.timestamp, trace: $0, key: key) } }
        }.sorted { ($0.time ?? start, $0.trace, $0.key) < ($1.time ?? start, $1.trace, $1.key) }
        var seen: Set<TraceID> = []
        var orphans: [TraceID] = []
        for entry in window where spansByTrace[entry.trace] == nil && seen.insert(entry.trace).inserted {
            orphans.append(entry.trace)
        }
        // Never a 64-bit id (it may belong to a trace stored with its full id), left out before
        // the limit as the other stores do.
        return Array(orphans.filter { $0.high != 0 }.prefix(limit: limit))
    }

    public func unlinkedLogs(between start: Timestamp, and end: Timestamp, services: Set<String>, limit: Int) throws -> [LogRecord] {
        let unlinked = logKeys(between: start, and: end).lazy.compactMap { self.storedLogs[$0] }.filter { record in
            record.traceID == nil && record.jobID == nil
                && (services.isEmpty || record.service.map(services.contains) ?? true)
        }
        return Array(unlinked.prefix(max(0, limit)))
    }

    public func statistics() throws -> StoreStatistics {
        StoreStatistics(spans: storedSpans.count, traces: spansByTrace.count, logs: storedLogs.count, rawAlerts: rawAlerts.count)
    }

    // MARK: - Alerts

    private struct AlertKey: Hashable {
        var fingerprint: String
        var startsAt: Timestamp
    }

    private var storedAlerts: [AlertKey: Alert] = [:]
    private var alertsByName: [String: [AlertKey]] = [:]
    private var alertsByFingerprint: [String: [AlertKey]] = [:]

    /// Stores alerts by (fingerprint, startsAt), as SQLite's upsert does: a notification for a
    /// stored alert that differs from it in status, `endsAt` or annotations updates them — a
    /// resolved one closes the window —, except that a firing one after a resolved one changes
    /// nothing and is a duplicate; the name, labels, source and generator URL stay those first
    /// stored.
    public func insert(alerts incoming: [Alert]) throws -> InsertResult {
        var result = InsertResult()
        for alert in incoming {
            let key = AlertKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)
            guard var stored = storedAlerts[key] else {
                storedAlerts[key] = alert
                alertsByName[alert.name, default: []].append(key)
                alertsByFingerprint[alert.fingerprint, default: []].append(key)
                result.stored += 1
                continue
            }
            guard !(stored.status == .resolved && alert.status != .resolved),
                  alert.status != stored.status || alert.endsAt != stored.endsAt
                    || !alert.annotations.elementsEqual(stored.annotations, by: ==) else {
                result.duplicates += 1
                continue
            }
            stored.endsAt = alert.endsAt
            stored.status = alert.status
            stored.annotations = alert.annotations
            storedAlerts[key] = stored
            result.stored += 1
        }
        return result
    }

    /// Alerts by start; alerts that start together by fingerprint (SQLite's index order).
    private func sortedAlerts(_ keys: [AlertKey]) -> [Alert] {
        keys.sorted { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }.compactMap { storedAlerts[$0] }
    }

    public func alerts(named name: String) throws -> [Alert] {
        sortedAlerts(alertsByName[name] ?? [])
    }

    public func alerts(withFingerprint fingerprint: String) throws -> [Alert] {
        sortedAlerts(alertsByFingerprint[fingerprint] ?? [])
    }

    /// Alerts whose window [startsAt, endsAt or open] overlaps [since, until], by start, then
    /// name (then fingerprint).
    public func alerts(overlapping since: Timestamp, _ until: Timestamp) throws -> [Alert] {
        storedAlerts.values.filter { $0.startsAt <= until && ($0.endsAt.map { $0 >= since } ?? true) }
            .sorted { ($0.startsAt, $0.name, $0.fingerprint) < ($1.startsAt, $1.name, $1.fingerprint) }
    }

    // MARK: - Listings

    public func traces(_ query: TraceListQuery) throws -> [TraceListing] {
        var seen: Set<TraceID> = []
        var listed: [TraceListing] = []
        for position in spanPositions(startingBetween: query.since, and: query.until) {
            let trace = storedSpans[position].traceID
            guard seen.insert(trace).inserted else { continue }
            let spans = (spansByTrace[trace] ?? []).map { storedSpans[$0] }
            guard let first = spans.map(\.start).min(), let last = spans.map(\.end).max(),
                  first >= query.since, first <= query.until else { continue }
            let errors = spans.filter { $0.status == .error }.count
            if let minimum = query.minimumDurationNanoseconds, last.nanoseconds &- first.nanoseconds < minimum { continue }
            if query.errorsOnly, errors == 0 { continue }
            if let service = query.service, !spans.contains(where: { $0.service.map { $0.caseInsensitiveEquals(service) } ?? false }) { continue }
            // SQLite's ORDER BY parent_span_id IS NOT NULL, start, span_id.
            let root = spans.min { ($0.parentSpanID == nil ? 0 : 1, $0.start, $0.spanID) < ($1.parentSpanID == nil ? 0 : 1, $1.start, $1.spanID) }
            listed.append(TraceListing(traceID: trace, start: first, end: last, rootName: root?.name ?? "", rootService: root?.service,
                                       spans: spans.count, errors: errors, logs: 0))
        }
        listed.sort { ($1.start, $0.traceID) < ($0.start, $1.traceID) }
        var limited = Array(listed.prefix(limit: query.limit))
        for index in limited.indices {
            // By trace id (its 64-bit form too, as logs(inTrace:) finds them), and by the job id
            // of one of its spans; each record once.
            let trace = limited[index].traceID
            var keys = Set(logsByTrace[trace] ?? [])
            keys.formUnion(logsByTrace[TraceID(high: 0, low: trace.low)] ?? [])
            for position in spansByTrace[trace] ?? [] {
                if let job = storedSpans[position].messageID { keys.formUnion(logsByJob[job] ?? []) }
            }
            limited[index].logs = keys.count
        }
        return limited
    }

    public func alerts(_ query: AlertListQuery) throws -> [Alert] {
        let since = query.since ?? Timestamp(nanoseconds: .min)
        let until = query.until ?? Timestamp(nanoseconds: .max)
        let name = query.name.map(Self.asciiLowercased)
        let matching = storedAlerts.values.filter { alert in
            alert.startsAt <= until && (alert.endsAt.map { $0 >= since } ?? true)
                && (name.map { Self.asciiLowercased(alert.name) == $0 } ?? true)
                && (query.status.map { alert.status == $0 } ?? true)
        }.sorted { ($1.startsAt, $0.fingerprint) < ($0.startsAt, $1.fingerprint) }
        return Array(matching.prefix(limit: query.limit))
    }

    public func logSources() throws -> [LogSourceListing] {
        var bySource: [Int64: LogSourceListing] = [:]
        let paths = Dictionary(uniqueKeysWithValues: sourceIDs.map { ($0.value, $0.key) })
        for (key, record) in storedLogs {
            let source = StoreKeys.source(ofRow: key)
            var listing = bySource[source] ?? LogSourceListing(path: paths[source] ?? "?", records: 0, first: nil, last: nil, withTraceID: 0)
            listing.records += 1
            if record.traceID != nil { listing.withTraceID += 1 }
            if let time = record.timestamp {
                listing.first = listing.first.map { min($0, time) } ?? time
                listing.last = listing.last.map { max($0, time) } ?? time
            }
            bySource[source] = listing
        }
        // SQLite's ORDER BY path: by the bytes of the UTF-8.
        return bySource.values.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    /// SQLite's NOCASE: ASCII letters folded, nothing else.
    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    // MARK: - Hints

    public func beginBulkLoad(expectedRows: Int) throws {}

    public func endBulkLoad() throws {}

    // MARK: - Helpers

    /// The first index in 0..<count for which `isPast` holds (it must hold for every index
    /// after one where it does).
    private func lowerBound(_ count: Int, _ isPast: (Int) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if isPast(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension String {
    /// Equal but for the case of ASCII letters (SQLite's `COLLATE NOCASE`).
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && zip(utf8, other.utf8).allSatisfy { a, b in
            (a >= 65 && a <= 90 ? a + 32 : a) == (b >= 65 && b <= 90 ? b + 32 : b)
        }
    }
}
