import Foundation
/// What a batch insert did.
public struct InsertResult: Sendable, Equatable {
    /// Rows written.
    public var stored = 0
    /// Rows already present (by their key), left as they were.
    public var duplicates = 0

    public init(stored: Int = 0, duplicates: Int = 0) {
        self.stored = stored
        self.duplicates = duplicates
    }

    public static func += (lhs: inout InsertResult, rhs: InsertResult) {
        lhs.stored += rhs.stored
        lhs.duplicates += rhs.duplicates
    }
}

/// Counts of what a store holds.
public struct StoreStatistics: Sendable, Equatable {
    public var spans = 0
    public var traces = 0
    public var logs = 0
    public var rawAlerts = 0

    public init(spans: Int = 0, traces: Int = 0, logs: Int = 0, rawAlerts: Int = 0) {
        self.spans = spans
        self.traces = traces
        self.logs = logs
        self.rawAlerts = rawAlerts
    }
}

/// Spans made ready for ``EventStore/insert(prepared:)``.
///
/// Turning spans into a store's own form (for SQLite, attributes as JSON text) is the costly
/// part of writing them; a store's ``EventStore/spanPreparation`` does it on any thread, so
/// the one thread that writes only binds. `form` is that store's own value, opaque to
/// everyone else, and holds all the store writes. SQLite's form does not keep the spans
/// themselves, so they are released on the thread that prepared them, not on the writer's;
/// ClickHouse's keeps them beside its Native block, for its duplicate check. A store given
/// spans not prepared (`form` nil) writes `spans`.
public struct PreparedSpans: Sendable {
    /// The spans, when they were not prepared; empty when `form` holds them.
    public let spans: [Span]
    /// The store's form of the spans, nil when none was made.
    public let form: (any Sendable)?
    /// How many spans: of `spans`, or of those `form` was made from.
    public let count: Int

    /// Spans not prepared: a store writes them as they are.
    public init(spans: [Span]) {
        self.spans = spans
        form = nil
        count = spans.count
    }

    /// `count` spans in a store's own form, which holds everything that store writes of them.
    public init(form: any Sendable, count: Int) {
        spans = []
        self.form = form
        self.count = count
    }

    /// The spans, for a store that does not find its own form here: a batch prepared in
    /// another store's form (its spans not kept) cannot be written, and stops the program
    /// rather than being lost.
    public var unprepared: [Span] {
        precondition(spans.count == count, "spans prepared in another store's form")
        return spans
    }
}

/// What a store's failure means for the caller, whatever the engine behind it.
public enum StoreCondition: Sendable, Equatable {
    /// Another process or connection holds the store longer than the store waits: retry later.
    case busy
    /// The store cannot be written for a reason of the machine's, not of the data (a full
    /// disk, an I/O error, memory): retry once someone has made room.
    case unavailable
    /// What is there is not a correlate store (another application's file, damaged).
    case notAStore
    /// Anything else: not worth retrying as it is.
    case failed
}

/// An error thrown by an ``EventStore``, classified so callers can act on it (answer 503,
/// retry, refuse) without knowing the engine. `reason` is the engine's own words.
public protocol StoreError: Error, CustomStringConvertible {
    var condition: StoreCondition { get }
    var reason: String { get }
}

extension StoreError {
    /// Busy or unavailable: the same write may succeed later.
    public var isRetryable: Bool { condition == .busy || condition == .unavailable }
}

/// Where correlate keeps spans, log records and alerts, and what the engine asks of it.
///
/// Writes are idempotent: spans are keyed by (trace id, span id), log records by (source file,
/// first line), raw alerts by (source file, line); writing a row again changes nothing. Each
/// insert call is one transaction: after a crash, a store holds every batch whose call
/// returned.
///
/// Implementations: `SQLiteEventStore` (embedded, the default), `ClickHouseEventStore` (the
/// OpenTelemetry Collector's tables on ClickHouse; an insert there is checked against what is
/// stored, and is atomic only within one partition) and `MemoryEventStore` (in memory, for
/// tests and short-lived use). A store is used from one thread at a time, except
/// ``spanPreparation``, which any thread may call. Errors are ``StoreError``s.
public protocol EventStore: AnyObject {
    func insert(spans: [Span]) throws -> InsertResult
    /// Makes spans ready for ``insert(prepared:)``; safe to call from any thread (it does not
    /// touch the store).
    var spanPreparation: @Sendable ([Span]) -> PreparedSpans { get }
    /// The spans of several batches, each made by this store's ``spanPreparation`` or not
    /// prepared (``PreparedSpans/init(spans:)``), in one transaction; the same as
    /// `insert(spans:)` of them all. A batch in another store's form is a programming error
    /// (see ``PreparedSpans/unprepared``).
    func insert(prepared: [PreparedSpans]) throws -> InsertResult
    func insert(logs: [LogRecord]) throws -> InsertResult
    func insert(rawAlert body: String, source: SourceLocation) throws -> InsertResult

    /// Every span of a trace.
    func spans(inTrace trace: TraceID) throws -> [Span]
    /// Spans of any trace whose `messaging.message.id` is one of `messageIDs`.
    func spans(withMessageIDs messageIDs: Set<String>) throws -> [Span]
    /// Log records of a trace. A record whose id is only 64 bits wide (Datadog, B3) matches a
    /// trace with the same low 64 bits.
    func logs(inTrace trace: TraceID) throws -> [LogRecord]
    /// Log records carrying one of these job ids.
    func logs(withJobIDs jobIDs: Set<String>) throws -> [LogRecord]
    /// Trace ids that start with these hex digits (so users can type a prefix).
    func traceIDs(withPrefix hex: String, limit: Int) throws -> [TraceID]
    /// Full trace ids of spans whose low 64 bits are `low`: the trace a 64-bit id (Datadog,
    /// B3 64-bit, as logs carry it) belongs to.
    func traceIDs(withLow64 low: UInt64, limit: Int) throws -> [TraceID]
    func statistics() throws -> StoreStatistics
    /// Stores alerts by (fingerprint, startsAt); a resolved notification closes the window of
    /// the firing one, and a late firing one changes nothing of a resolved alert (a duplicate).
    func insert(alerts: [Alert]) throws -> InsertResult
    /// Alerts with this alertname, oldest first.
    func alerts(named name: String) throws -> [Alert]
    func alerts(withFingerprint fingerprint: String) throws -> [Alert]
    /// Alerts whose window overlaps [since, until].
    func alerts(overlapping since: Timestamp, _ until: Timestamp) throws -> [Alert]
    /// Spans that started in [start, end].
    func spans(startingBetween start: Timestamp, and end: Timestamp) throws -> [Span]
    /// Traces with a span that links to a span of `trace` (at most `limit`).
    func traceIDs(linkingTo trace: TraceID, limit: Int) throws -> [TraceID]
    /// The start of the newest span in the store (nil when it holds none).
    func latestSpanStart() throws -> Timestamp?
    /// Trace ids on log lines of [start, end] that no stored span has.
    func traceIDsOfLogsWithoutSpans(between start: Timestamp, and end: Timestamp, limit: Int) throws -> [TraceID]
    /// Log lines of [start, end] with neither trace id nor job id, from these services (or
    /// with no service; all services when the set is empty).
    func unlinkedLogs(between start: Timestamp, and end: Timestamp, services: Set<String>, limit: Int) throws -> [LogRecord]

    /// How far each log source's records sit from the spans they belong to: for each source
    /// file (all, or those named), up to `limit` of its records with a time, each with its span
    /// — the span of its span id, else the consumer span of its job id. Sources with no such
    /// record are left out. A store whose log table has no index by source (ClickHouse) looks
    /// only within a day of what the same handle wrote, once it wrote something: of its spans
    /// when every source is asked for (`ingest` after spans came), else of the newest day of
    /// the named sources' records.
    func logClockGaps(sources: Set<String>?, limit: Int) throws -> [String: [ClockGap]]
    /// Moves the time of every record of a source file by `nanoseconds` (its clock was read in
    /// the wrong zone); returns how many records moved.
    func shiftLogTimes(source: String, by nanoseconds: Int64) throws -> Int

    // MARK: Listings (`correlate traces`, `alerts`, `sources`)

    /// Traces whose first span started in the query's range that pass its filters, the newest
    /// first (ties by trace id), at most `query.limit`; found from the spans that started in
    /// the range, so the cost follows the range, not the store.
    func traces(_ query: TraceListQuery) throws -> [TraceListing]
    /// Stored alerts that pass the query's filters, by start, the newest first (ties by
    /// fingerprint).
    func alerts(_ query: AlertListQuery) throws -> [Alert]
    /// Every source of log records, by path, with its counts; sources without log records
    /// (alert payload files) are left out.
    func logSources() throws -> [LogSourceListing]

    /// Hints that about `expectedRows` rows are coming; a store may defer index upkeep.
    func beginBulkLoad(expectedRows: Int) throws
    /// Ends a bulk load: every index is current again.
    func endBulkLoad() throws
    /// The connection will write for a long time or much (`correlate serve`, the streaming
    /// `correlate`, `ingest`): the store may move its upkeep (for SQLite, WAL checkpoints) off
    /// the writer's path.
    func beginLongRunningWrites() throws
    /// How many spans and log records the bulk writers (`ingest`, `run` on files) give one
    /// insert call.
    var bulkBatch: BulkBatch { get }

    /// Says that the spans of these traces, the traces linking to them and the spans of their
    /// jobs are about to be read one trace at a time (an alert's candidates): a store whose
    /// every statement costs a round trip (ClickHouse) or a lookup in each segment (SQLite, for
    /// a one-shot reader) reads them for all at once, and answers from that until the next
    /// prefetch (an empty set forgets it). The answers are the same.
    func prefetch(traces: Set<TraceID>) throws

    /// Says that the log records of these traces (of those just given to ``prefetch(traces:)``)
    /// are about to be read one trace at a time (an alert's kept traces). The answers are the same.
    func prefetchLogs(traces: Set<TraceID>) throws

    /// Records that this process is about to emit revision `revision` of an alert's bundle
    /// (`json`, the bundle as `correlate.bundle/v1`, made only when the store keeps it); false when another process sharing the
    /// store recorded it first, and so emits it instead (`correlate serve` instances on one
    /// ClickHouse). A store that one process writes answers true and keeps nothing.
    func claimBundle(fingerprint: String, startsAt: Timestamp, revision: Int, json: @autoclosure () -> String) throws -> Bool

    /// Per-queue statistics of the jobs that started in each window (`start..<end`), computed
    /// by the store itself with `QueueReport`'s rules (CorrelateEngine), each window's sorted by
    /// queue; only `queues` when given; queues named by `queueAttributes`. Nil: this store leaves
    /// it to `QueueReport`, which reads the windows' spans and computes them (SQLite and memory
    /// stores do).
    func queueStatistics(
        in windows: [(start: Timestamp, end: Timestamp)], queues: Set<String>?, queueAttributes: [String]
    ) throws -> [[QueueStatistics]]?

    /// Whether ``queueStatistics(in:queues:queueAttributes:)`` answers (is not nil): the store
    /// computes the figures without the caller reading the windows' spans.
    var computesQueueStatistics: Bool { get }

    /// Says that `trace` is about to be analysed (`TraceQuery`): its spans read, then the spans
    /// of its jobs — which a store whose every statement costs a round trip (ClickHouse) may
    /// start reading as soon as it has the trace's spans. The answers are the same.
    func willAnalyse(trace: TraceID)

    /// Another handle on the same store, to read on another thread, made from what this one
    /// already knows (ClickHouse: the tables' columns, without asking again). Nil: the caller
    /// opens one as it opened this. Safe to call from any thread.
    func anotherHandle() throws -> EventStore?

    /// Drops what the store's ``StoreLimits`` no longer keep (writers also do so as they
    /// write); a store without limits does nothing.
    func enforceRetention() throws
    /// What retention dropped since the store was opened.
    var retention: RetentionReport { get }
}

extension EventStore {
    public var spanPreparation: @Sendable ([Span]) -> PreparedSpans { { PreparedSpans(spans: $0) } }

    public func insert(prepared: [PreparedSpans]) throws -> InsertResult {
        try insert(spans: prepared.flatMap(\.unprepared))
    }

    public func beginLongRunningWrites() throws {}

    public var bulkBatch: BulkBatch { .standard }

    public func claimBundle(fingerprint: String, startsAt: Timestamp, revision: Int, json: @autoclosure () -> String) throws -> Bool { true }

    public func prefetch(traces: Set<TraceID>) throws {}

    public func prefetchLogs(traces: Set<TraceID>) throws {}

    public func anotherHandle() throws -> EventStore? { nil }

    public func willAnalyse(trace: TraceID) {}

    public var computesQueueStatistics: Bool { false }

    public func queueStatistics(
        in windows: [(start: Timestamp, end: Timestamp)], queues: Set<String>?, queueAttributes: [String]
    ) throws -> [[QueueStatistics]]? {
        nil
    }

    public func enforceRetention() throws {}

    public var retention: RetentionReport { RetentionReport() }
}

/// How many rows the bulk writers (`ingest`, `run` on files) give one insert call of a store
/// (``EventStore/bulkBatch``), at most (`run` stores what has come when it has less). Each call
/// is one write — a transaction on SQLite, an insert on ClickHouse: a larger batch costs memory
/// and, after a crash, more to write again; it saves what each call costs beside its rows.
/// `ingest` keeps SQLite's size for what it reads from standard input, a pipe or a FIFO (a
/// stream's records must not wait for a batch to fill).
public struct BulkBatch: Sendable, Equatable {
    /// Spans an insert call.
    public var spans: Int
    /// Log records an insert call (files read in parallel give records a chunk at a time: a
    /// call takes whole chunks, up to about this many records).
    public var logRecords: Int

    public init(spans: Int, logRecords: Int) {
        self.spans = spans
        self.logRecords = logRecords
    }

    /// SQLite's: 10,000 spans, 20,000 log records.
    public static let standard = BulkBatch(spans: 10_000, logRecords: 20_000)
}

/// How large a store may grow and how it is cut into segments (`--retain`, `--max-size`).
public struct StoreLimits: Sendable, Equatable {
    /// Keep data this many nanoseconds behind the newest time in the store (log record times
    /// and span starts; as Prometheus's TSDB keeps its blocks behind its newest sample, so a
    /// replay of old files is not dropped as it is read); nil: keep everything.
    public var retain: Int64?
    /// Drop the oldest segments while the store (catalog and segments, with their WALs) is
    /// larger than this many bytes; nil: no limit.
    public var maxBytes: Int64?
    /// Rows (log records + spans) after which the segment being written is sealed and a new
    /// one begun.
    public var segmentRows: Int

    public static let defaultSegmentRows = 1_000_000

    public init(retain: Int64? = nil, maxBytes: Int64? = nil, segmentRows: Int = StoreLimits.defaultSegmentRows) {
        self.retain = retain
        self.maxBytes = maxBytes
        self.segmentRows = max(1, segmentRows)
    }

    public var isEmpty: Bool { retain == nil && maxBytes == nil }
}

/// What a store's retention dropped: whole segments (and the rows in them).
public struct RetentionReport: Sendable, Equatable {
    public var segments = 0
    /// Rows (log records + spans) in them.
    public var rows = 0
    public var bytes: Int64 = 0
    /// The newest time the dropped data held.
    public var through: Timestamp?

    public init() {}

    public var isEmpty: Bool { segments == 0 }

    public mutating func dropped(rows: Int, bytes: Int64, through time: Timestamp?) {
        segments += 1
        self.rows += max(0, rows)
        self.bytes += bytes
        if let time { through = max(through ?? time, time) }
    }

    /// `retention: dropped 3 segments (3000000 records and spans, 812 MiB) through 2026-11-23T08:00:00Z`.
    public var line: String {
        let size = bytes >= 1 << 30 ? String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) : "\(bytes >> 20) MiB"
        return "retention: dropped \(segments) segment\(segments == 1 ? "" : "s") (\(rows) records and spans, \(size))"
            + (through.map { " through \($0)" } ?? "")
    }
}

/// Where a log record's time sits from its span's: nanoseconds from the span's start and from
/// its end (both ≥ 0 and ≤ 0 respectively when the record is inside the span).
public struct ClockGap: Sendable, Equatable {
    public var fromStart: Int64
    public var fromEnd: Int64

    public init(fromStart: Int64, fromEnd: Int64) {
        self.fromStart = fromStart
        self.fromEnd = fromEnd
    }

    public init(time: Timestamp, spanStart: Timestamp, spanEnd: Timestamp) {
        self.init(fromStart: time.nanoseconds(since: spanStart), fromEnd: time.nanoseconds(since: spanEnd))
    }

    /// Whether moving the record by `shift` (± `tolerance`) puts it inside its span. Gaps from
    /// the ends of time (saturated at `Int64.min`/`max`) never fit.
    public func fits(shift: Int64, tolerance: Int64) -> Bool {
        // Inside after the shift: start ≤ time + shift ≤ end, i.e. −fromStart ≤ shift ≤ −fromEnd,
        // computed in Double: the gaps may be anything an Int64 holds.
        let (low, high) = (-Double(fromStart), -Double(fromEnd))
        return Double(shift) + Double(tolerance) >= low && Double(shift) - Double(tolerance) <= high
    }

    /// The distance from the span (0 inside; negative before it, positive after), held off
    /// `Int64.min` so that it can be negated.
    public var distance: Int64 {
        fromStart < 0 ? max(fromStart, -Int64.max) : fromEnd > 0 ? fromEnd : 0
    }
}
