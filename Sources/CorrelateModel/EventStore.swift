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

/// Where correlate keeps spans, log records and alerts, and what the engine asks of it.
///
/// Writes are idempotent: spans are keyed by (trace id, span id), log records by (source file,
/// first line), raw alerts by (source file, line); writing a row again changes nothing. Each
/// insert call is one transaction: after a crash, a store holds every batch whose call
/// returned.
///
/// Implementations: `SQLiteEventStore` (embedded, the default). A store is used from one thread
/// at a time.
public protocol EventStore: AnyObject {
    func insert(spans: [Span]) throws -> InsertResult
    /// Spans already in stored form (see ``StoredSpan``); the same as `insert(spans:)`.
    func insert(storedSpans: [StoredSpan]) throws -> InsertResult
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
    /// the firing one.
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

    /// Hints that about `expectedRows` rows are coming; a store may defer index upkeep.
    func beginBulkLoad(expectedRows: Int) throws
    /// Ends a bulk load: every index is current again.
    func endBulkLoad() throws
}
