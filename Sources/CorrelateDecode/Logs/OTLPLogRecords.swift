public import CorrelateModel

/// OTLP log records (JSON or protobuf) as correlate's log records.
public enum OTLPLogRecords {
    public static func make(
        time: Int64, observed: Int64, severityNumber: Int?, severityText: String?,
        traceID: TraceID?, spanID: SpanID?, body: AttributeValue?, service: String?, host: String?
    ) -> LogRecord {
        let nanoseconds = time != 0 ? time : observed
        let severity = severityNumber.flatMap { Severity(otelSeverityNumber: $0) } ?? severityText.flatMap { Severity(text: $0) }
        return LogRecord(
            source: SourceLocation(file: "", line: 0), lines: 1,
            timestamp: nanoseconds != 0 ? Timestamp(nanoseconds: nanoseconds) : nil,
            traceID: traceID.flatMap { $0.isValid ? $0 : nil }, spanID: spanID.flatMap { $0.isValid ? $0 : nil },
            jobID: nil, severity: severity, service: service, host: host, rule: nil,
            message: body?.text ?? "")
    }
}
