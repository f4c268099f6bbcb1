/// A log record as the store keeps it: what `correlate extract` writes, owned.
public struct LogRecord: Hashable, Sendable {
    public var source: SourceLocation
    /// Physical lines the record spans (a traceback is one record).
    public var lines: Int
    public var timestamp: Timestamp?
    public var traceID: TraceID?
    public var spanID: SpanID?
    public var jobID: String?
    public var severity: Severity?
    public var service: String?
    public var host: String?
    public var rule: String?
    public var message: String

    public init(
        source: SourceLocation, lines: Int = 1, timestamp: Timestamp? = nil, traceID: TraceID? = nil,
        spanID: SpanID? = nil, jobID: String? = nil, severity: Severity? = nil, service: String? = nil,
        host: String? = nil, rule: String? = nil, message: String
    ) {
        self.source = source
        self.lines = lines
        self.timestamp = timestamp
        self.traceID = traceID
        self.spanID = spanID
        self.jobID = jobID
        self.severity = severity
        self.service = service
        self.host = host
        self.rule = rule
        self.message = message
    }
}
