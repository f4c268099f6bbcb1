public import CorrelateModel
public import CorrelateJSON

/// The trace object of the bundle schema `correlate.bundle/v1` (see `docs/bundle.schema.json`):
///
///     {"trace_id", "root": {"name", "service"}, "start", "duration_ms", "status",
///      "queue_wait_ms", "culprit": {"kind", "span_id", "name", "self_time_ms"},
///      "failure": {"span_id", "name", "exception_type", "exception_message", "stacktrace",
///      "source", "log_source"} | null, "reasons": [], "explanation": [], "score", "spans": [{"span_id", "parent_span_id", "name", "kind",
///      "service", "start", "duration_ms", "status", "attributes"}], "logs": [{"ts",
///      "severity", "message", "span_id", "source": {"file", "line"}}], "hops": […],
///      "diagnostics": [{"code", "message", "trace_id", "related_trace_id"}]}
///
/// Times are RFC 3339 UTC, durations milliseconds, ids lowercase hex.
public enum TraceJSON {
    public static func write(
        _ analysis: TraceAnalysis, reasons: [String] = [], explanation: [String] = [], score: Double? = nil, to out: JSONWriter
    ) {
        out.raw("{\"trace_id\":")
        out.quoted(analysis.traceID)
        out.raw(",\"root\":")
        if let root = analysis.root?.span {
            out.raw("{\"name\":")
            out.string(root.name)
            out.raw(",\"service\":")
            optional(root.service, out)
            out.raw("}")
        } else {
            out.null()
        }
        out.raw(",\"start\":")
        out.quoted(analysis.start)
        out.raw(",\"duration_ms\":")
        out.milliseconds(analysis.durationMilliseconds)
        out.raw(",\"status\":")
        out.raw(analysis.hasError ? "\"error\"" : "\"ok\"")
        out.raw(",\"queue_wait_ms\":")
        if let wait = analysis.queueWaitMilliseconds { out.milliseconds(wait) } else { out.null() }
        out.raw(",\"culprit\":")
        if let culprit = analysis.culprit {
            out.raw("{\"kind\":")
            out.string(culprit.kind.rawValue)
            out.raw(",\"span_id\":")
            out.quoted(culprit.spanID)
            out.raw(",\"name\":")
            out.string(culprit.name)
            out.raw(",\"self_time_ms\":")
            out.milliseconds(culprit.selfTimeMilliseconds)
            out.raw("}")
        } else {
            out.null()
        }
        out.raw(",\"failure\":")
        if let failure = analysis.failure {
            out.raw("{\"span_id\":")
            out.quoted(failure.spanID)
            out.raw(",\"name\":")
            out.string(failure.spanName)
            out.raw(",\"exception_type\":")
            optional(failure.exceptionType, out)
            out.raw(",\"exception_message\":")
            optional(failure.exceptionMessage, out)
            out.raw(",\"stacktrace\":")
            optional(failure.stacktrace, out)
            out.raw(",\"source\":")
            optional(failure.source?.rawValue, out)
            out.raw(",\"log_source\":")
            if let source = failure.logSource { self.source(source, out) } else { out.null() }
            out.raw("}")
        } else {
            out.null()
        }
        out.raw(",\"reasons\":")
        out.array(reasons) { out.string($0) }
        out.raw(",\"explanation\":")
        out.array(explanation) { out.string($0) }
        out.raw(",\"score\":")
        if let score { out.milliseconds(score) } else { out.null() }
        out.raw(",\"spans\":[")
        for (index, analyzed) in analysis.spans.enumerated() {
            if index > 0 { out.byte(UInt8(ascii: ",")) }
            span(analyzed.span, out)
        }
        out.raw("],\"logs\":[")
        for (index, placed) in analysis.logs.enumerated() {
            if index > 0 { out.byte(UInt8(ascii: ",")) }
            log(placed, out)
        }
        out.raw("],\"hops\":[")
        for (index, hop) in analysis.hops.enumerated() {
            if index > 0 { out.byte(UInt8(ascii: ",")) }
            out.raw("{\"producer_span_id\":")
            out.quoted(hop.producer)
            out.raw(",\"producer_trace_id\":")
            out.quoted(hop.producerTrace)
            out.raw(",\"consumer_span_id\":")
            out.quoted(hop.consumer)
            out.raw(",\"consumer_trace_id\":")
            out.quoted(hop.consumerTrace)
            out.raw(",\"via\":")
            out.string(hop.connection.rawValue)
            out.raw(",\"queue_wait_ms\":")
            out.milliseconds(hop.waitMilliseconds)
            out.raw(",\"clock_skew\":")
            out.bool(hop.clockSkew)
            out.raw("}")
        }
        out.raw("],\"diagnostics\":[")
        for (index, diagnostic) in analysis.diagnostics.enumerated() {
            if index > 0 { out.byte(UInt8(ascii: ",")) }
            DiagnosticJSON.write(diagnostic, to: out)
        }
        out.raw("]}")
    }

    static func span(_ span: Span, _ out: JSONWriter) {
        out.raw("{\"span_id\":")
        out.quoted(span.spanID)
        out.raw(",\"parent_span_id\":")
        if let parent = span.parentSpanID { out.quoted(parent) } else { out.null() }
        out.raw(",\"name\":")
        out.string(span.name)
        out.raw(",\"kind\":")
        out.string(span.kind.name)
        out.raw(",\"service\":")
        optional(span.service, out)
        out.raw(",\"start\":")
        out.quoted(span.start)
        out.raw(",\"duration_ms\":")
        out.milliseconds(span.durationMilliseconds)
        out.raw(",\"status\":")
        out.string(span.hasError ? "error" : span.status.name)
        out.raw(",\"attributes\":")
        out.string(fromJSON: span.attributes.jsonObject)
        out.raw("}")
    }

    static func log(_ placed: PlacedLog, _ out: JSONWriter) {
        let record = placed.record
        out.raw("{\"ts\":")
        if let ts = record.timestamp { out.quoted(ts) } else { out.null() }
        out.raw(",\"severity\":")
        optional(record.severity?.rawValue, out)
        out.raw(",\"message\":")
        out.string(record.message)
        out.raw(",\"span_id\":")
        if let span = placed.spanID { out.quoted(span) } else { out.null() }
        out.raw(",\"source\":")
        source(record.source, out)
        out.raw("}")
    }

    /// `{"file":…,"line":…}`: where a log record is (`$defs/source` of the bundle schema).
    static func source(_ location: SourceLocation, _ out: JSONWriter) {
        out.raw("{\"file\":")
        out.string(location.file)
        out.raw(",\"line\":")
        out.int(location.line)
        out.raw("}")
    }

    static func optional(_ text: String?, _ out: JSONWriter) {
        if let text { out.string(text) } else { out.null() }
    }
}

/// `{"code", "message", "trace_id", "related_trace_id"}`
public enum DiagnosticJSON {
    public static func write(_ diagnostic: TraceDiagnostic, to out: JSONWriter) {
        out.raw("{\"code\":")
        out.string(diagnostic.code)
        out.raw(",\"message\":")
        out.string(diagnostic.message)
        out.raw(",\"trace_id\":")
        if let trace = diagnostic.traceID { out.quoted(trace) } else { out.null() }
        out.raw(",\"related_trace_id\":")
        if let related = diagnostic.relatedTraceID { out.quoted(related) } else { out.null() }
        out.raw("}")
    }
}

extension JSONWriter {
    /// Text that is already JSON, written as it is.
    public func string(fromJSON json: String) {
        var copy = json
        copy.withUTF8 { raw($0) }
    }
}
