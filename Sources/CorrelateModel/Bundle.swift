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
    /// What the alert measures, as the alert rules read it; it decides the ranking.
    public var measure: AlertMeasure
    /// Why that measure: the rule's match and where it was found (`generatorURL expr
    /// kafka_consumergroup_lag`, `description "runtime"`).
    public var measureFrom: String
    /// The queues the alert names, each in the window and in the baseline before it.
    public var queues: [QueueComparison]
    /// The older two-way kind: `error`, `latency`, or nil (see ``AlertMeasure/kind``).
    public var kind: String? { measure.kind }
    /// For streaming output: 0 the first time a bundle for the alert is written, then 1, 2… as
    /// late spans or logs change it.
    public var revision: Int

    public init(
        alert: Alert, windowStart: Timestamp, windowEnd: Timestamp, traces: [RankedTrace], candidates: Int,
        unlinkedLogs: [LogRecord], diagnostics: [TraceDiagnostic], measure: AlertMeasure,
        measureFrom: String = "", queues: [QueueComparison] = [], revision: Int = 0
    ) {
        self.alert = alert
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.traces = traces
        self.candidates = candidates
        self.unlinkedLogs = unlinkedLogs
        self.diagnostics = diagnostics
        self.measure = measure
        self.measureFrom = measureFrom
        self.queues = queues
        self.revision = revision
    }
}

/// A trace of a bundle, with why it is there.
public struct RankedTrace: Sendable {
    public var analysis: TraceAnalysis
    /// Codes: `exemplar`, `error`, `slow`, `label_match`, `linked` (the other side of a job
    /// joined by a span link).
    public var reasons: [String]
    /// The reasons in words, for the measure: "waited 3.6 s in emails (window p95 0.4 s)",
    /// "ran 6.04 s (threshold 2 s)", "matches queue=emails, service=mailer".
    public var explanation: [String]
    public var score: Double

    public init(analysis: TraceAnalysis, reasons: [String], explanation: [String] = [], score: Double) {
        self.analysis = analysis
        self.reasons = reasons
        self.explanation = explanation
        self.score = score
    }
}
