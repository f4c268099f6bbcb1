/// What the engine found in one trace: its tree, its producer→consumer hops, its critical path
/// and culprit, its log lines and what looks broken. This is the `traces[]` object of the
/// bundle (`correlate.bundle/v1`) and what `correlate trace` draws.
public struct TraceAnalysis: Sendable {
    public var traceID: TraceID
    /// Spans in tree order: each span followed by its children, children by start time.
    public var spans: [AnalyzedSpan]
    public var start: Timestamp
    public var end: Timestamp
    public var hasError: Bool
    public var hops: [QueueHop]
    /// Queue wait on the critical path (nil when the trace has no producer→consumer hop).
    public var queueWaitMilliseconds: Double?
    public var culprit: Culprit?
    /// Where the trace failed, and the exception that failed it (nil when no span failed).
    public var failure: Failure?
    /// The trace's log records, in time order, each placed under a span when it can be.
    public var logs: [PlacedLog]
    public var diagnostics: [TraceDiagnostic]

    public var durationMilliseconds: Double {
        Double(max(0, end.nanoseconds(since: start))) / 1_000_000
    }

    /// The hops whose wait a drawing of the trace shows before their consumer span: those of
    /// its own producer→consumer pairs, and a wait before one of its consumers whose producer
    /// is in another trace joined by a span link.
    public var drawnHops: [SpanID: QueueHop] {
        var hops: [SpanID: QueueHop] = [:]
        for hop in self.hops where hop.consumerTrace == traceID && hop.waitMilliseconds > 0
            && (hop.producerTrace == traceID || hop.connection == .link)
            && hop.waitMilliseconds > hops[hop.consumer]?.waitMilliseconds ?? 0 {
            hops[hop.consumer] = hop
        }
        return hops
    }

    /// Where a drawing of the trace starts: its first span, or earlier, the end of a producer in
    /// another trace whose wait is drawn (``drawnHops``).
    public var timelineStart: Timestamp {
        var first = start
        let linked = drawnHops.values.filter { $0.producerTrace != traceID }
        guard !linked.isEmpty else { return start }
        let spans = spanIndex
        for hop in linked {
            guard let consumer = spans[hop.consumer] else { continue }
            first = min(first, hop.waitStart(consumerStart: consumer.start))
        }
        return first
    }

    /// The span with this id, if the trace has it (a linear search: for many, ``spanIndex``).
    public func span(_ id: SpanID) -> Span? {
        spans.first { $0.span.spanID == id }?.span
    }

    /// The trace's spans by id.
    public var spanIndex: [SpanID: Span] {
        Dictionary(spans.map { ($0.span.spanID, $0.span) }, uniquingKeysWith: { first, _ in first })
    }

    /// The first root span (no parent, or its parent is not in the trace).
    public var root: AnalyzedSpan? { spans.first { $0.depth == 0 } }

    public init(
        traceID: TraceID, spans: [AnalyzedSpan], start: Timestamp, end: Timestamp, hasError: Bool,
        hops: [QueueHop], queueWaitMilliseconds: Double?, culprit: Culprit?, failure: Failure? = nil, logs: [PlacedLog],
        diagnostics: [TraceDiagnostic]
    ) {
        self.traceID = traceID
        self.spans = spans
        self.start = start
        self.end = end
        self.hasError = hasError
        self.hops = hops
        self.queueWaitMilliseconds = queueWaitMilliseconds
        self.culprit = culprit
        self.failure = failure
        self.logs = logs
        self.diagnostics = diagnostics
    }
}

/// A span with what the analysis says of it.
public struct AnalyzedSpan: Sendable {
    public var span: Span
    public var depth: Int
    /// It names a parent that is not in the trace (kept, never dropped).
    public var missingParent: Bool
    /// Its own time on the critical path (not covered by a child on the path), ms.
    public var selfTimeMilliseconds: Double
    public var onCriticalPath: Bool

    public init(span: Span, depth: Int, missingParent: Bool, selfTimeMilliseconds: Double, onCriticalPath: Bool) {
        self.span = span
        self.depth = depth
        self.missingParent = missingParent
        self.selfTimeMilliseconds = selfTimeMilliseconds
        self.onCriticalPath = onCriticalPath
    }
}

/// A producer→consumer hop: the enqueue span, the execute span, and the wait between.
public struct QueueHop: Sendable, Equatable {
    public enum Connection: String, Sendable {
        /// The consumer span is a child of the producer span.
        case parent
        /// The consumer span links to the producer span.
        case link
        /// Both carry the same `messaging.message.id`.
        case messageID = "message_id"
    }

    public var producer: SpanID
    public var producerTrace: TraceID
    public var consumer: SpanID
    public var consumerTrace: TraceID
    public var connection: Connection
    /// Consumer start − producer end; 0 when the consumer started inside the producer span (the
    /// message is published before the span closes); negative only for clock skew.
    public var waitMilliseconds: Double
    /// The consumer started before the producer did: the hosts' clocks disagree.
    public var clockSkew: Bool

    /// When the wait began (the producer span's end), given the consumer's start; saturating
    /// at the ends of time instead of overflowing.
    public func waitStart(consumerStart: Timestamp) -> Timestamp {
        let nanoseconds = waitMilliseconds * 1_000_000
        guard nanoseconds.isFinite, abs(nanoseconds) < 9.2e18 else { return consumerStart }
        let (start, overflow) = consumerStart.nanoseconds.subtractingReportingOverflow(Int64(nanoseconds))
        return overflow ? consumerStart : Timestamp(nanoseconds: start)
    }

    public init(
        producer: SpanID, producerTrace: TraceID, consumer: SpanID, consumerTrace: TraceID,
        connection: Connection, waitMilliseconds: Double, clockSkew: Bool
    ) {
        self.producer = producer
        self.producerTrace = producerTrace
        self.consumer = consumer
        self.consumerTrace = consumerTrace
        self.connection = connection
        self.waitMilliseconds = waitMilliseconds
        self.clockSkew = clockSkew
    }
}

/// What contributes most to the trace's duration along its critical path.
public struct Culprit: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The span with the most own time on the critical path.
        case span
        /// The queue wait before a consumer span (`spanID` is the consumer).
        case queueWait = "queue_wait"
        /// The span where the trace failed (for an alert that measures errors).
        case error
    }

    public var kind: Kind
    /// The span itself, or for a queue wait the consumer span that waited.
    public var spanID: SpanID
    public var name: String
    public var selfTimeMilliseconds: Double

    public init(kind: Kind, spanID: SpanID, name: String, selfTimeMilliseconds: Double) {
        self.kind = kind
        self.spanID = spanID
        self.name = name
        self.selfTimeMilliseconds = selfTimeMilliseconds
    }
}

extension Culprit {
    /// The failing span as the culprit of an error alert.
    public init(failure: Failure) {
        self.init(kind: .error, spanID: failure.spanID, name: failure.spanName, selfTimeMilliseconds: failure.durationMilliseconds)
    }
}

/// Where a trace failed: the first span to fail that has no failing span under it (the origin,
/// not the parents the error propagated to), and the exception, from the span's `exception`
/// event (OpenTelemetry semantic conventions: `exception.type`, `exception.message`,
/// `exception.stacktrace`), else an error log line of the span or its job (a Python traceback's
/// last line, a Java or .NET exception line), else the span's status message.
public struct Failure: Sendable, Equatable {
    public enum Source: String, Sendable {
        case spanEvent = "span_event"
        case log
        case status
    }

    public var spanID: SpanID
    public var spanName: String
    public var durationMilliseconds: Double
    public var exceptionType: String?
    public var exceptionMessage: String?
    public var stacktrace: String?
    /// Where the exception was read; nil when nothing says what failed.
    public var source: Source?
    /// The log line it was read from (source `log`).
    public var logSource: SourceLocation?

    public init(
        spanID: SpanID, spanName: String, durationMilliseconds: Double, exceptionType: String? = nil,
        exceptionMessage: String? = nil, stacktrace: String? = nil, source: Source? = nil, logSource: SourceLocation? = nil
    ) {
        self.spanID = spanID
        self.spanName = spanName
        self.durationMilliseconds = durationMilliseconds
        self.exceptionType = exceptionType
        self.exceptionMessage = exceptionMessage
        self.stacktrace = stacktrace
        self.source = source
        self.logSource = logSource
    }

    /// `Type: message`, or whichever of the two is known.
    public var summary: String? {
        switch (exceptionType, exceptionMessage) {
        case let (type?, message?) where !message.isEmpty: "\(type): \(message)"
        case let (type?, _): type
        case let (nil, message?): message
        default: nil
        }
    }
}

/// A log record of a trace, and the span it belongs under (if any).
public struct PlacedLog: Sendable {
    public var record: LogRecord
    public var spanID: SpanID?
    /// How it was joined to the trace.
    public var via: Via

    public enum Via: String, Sendable {
        case traceID = "trace_id"
        case jobID = "job_id"
    }

    public init(record: LogRecord, spanID: SpanID?, via: Via) {
        self.record = record
        self.spanID = spanID
        self.via = via
    }
}

/// Something that looks broken, with a stable code.
public struct TraceDiagnostic: Sendable, Equatable {
    public var code: String
    public var message: String
    public var traceID: TraceID?
    /// The other trace involved (a disconnected chain).
    public var relatedTraceID: TraceID?

    public init(code: String, message: String, traceID: TraceID? = nil, relatedTraceID: TraceID? = nil) {
        self.code = code
        self.message = message
        self.traceID = traceID
        self.relatedTraceID = relatedTraceID
    }
}
