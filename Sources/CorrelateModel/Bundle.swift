/// One incident bundle (`correlate.bundle/v1`): an alert, the traces that explain it (ranked,
/// each analysed), the unlinked log lines of its window, and what looks broken.
public struct IncidentBundle: Sendable {
    public static let schema = "correlate.bundle/v1"

    public var alert: Alert
    /// The time range searched: `lookback` before `startsAt`, to `endsAt` or now.
    public var windowStart: Timestamp
    public var windowEnd: Timestamp
    public var traces: [RankedTrace]
    /// How many traces matched before the top ones were kept.
    public var candidates: Int
    public var unlinkedLogs: [LogRecord]
    public var diagnostics: [TraceDiagnostic]
    /// What the alert is about, as the alert rules read it (`error`, `latency`, or nil).
    public var kind: String?
    /// For streaming output: 0 the first time a bundle for the alert is written, then 1, 2… as
    /// late spans or logs change it.
    public var revision: Int

    public init(
        alert: Alert, windowStart: Timestamp, windowEnd: Timestamp, traces: [RankedTrace], candidates: Int,
        unlinkedLogs: [LogRecord], diagnostics: [TraceDiagnostic], kind: String?, revision: Int = 0
    ) {
        self.alert = alert
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.traces = traces
        self.candidates = candidates
        self.unlinkedLogs = unlinkedLogs
        self.diagnostics = diagnostics
        self.kind = kind
        self.revision = revision
    }
}

/// A trace of a bundle, with why it is there.
public struct RankedTrace: Sendable {
    public var analysis: TraceAnalysis
    /// `exemplar`, `error`, `slow`, `label_match`.
    public var reasons: [String]
    public var score: Double

    public init(analysis: TraceAnalysis, reasons: [String], score: Double) {
        self.analysis = analysis
        self.reasons = reasons
        self.score = score
    }
}
