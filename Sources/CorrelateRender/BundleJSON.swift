public import CorrelateModel
public import CorrelateJSON

/// An incident bundle as JSON, schema `correlate.bundle/v1` (`docs/bundle.schema.json`).
///
///     {"schema":"correlate.bundle/v1","revision":0,
///      "alert":{"name","fingerprint","status","labels":{},"annotations":{},"starts_at","ends_at","source"},
///      "kind":"latency"|"error"|null,"measure":"execution"|"queue_wait"|"end_to_end"|"errors"|"unknown",
///      "measure_from":"generatorURL expr …","queues":[{"queue","window":{…},"baseline":{…}}],
///      "window":{"start","end"},"candidates":N,
///      "traces":[…the trace object of TraceJSON…],
///      "unlinked_logs":[{"ts","severity","service","message","source":{"file","line"}}],
///      "diagnostics":[{"code","message","trace_id","related_trace_id"}]}
public enum BundleJSON {
    public static func write(_ bundle: IncidentBundle, to out: JSONWriter) {
        out.raw("{\"schema\":\"correlate.bundle/v1\",\"revision\":")
        out.int(bundle.revision)
        out.raw(",\"alert\":")
        writeAlert(bundle.alert, to: out)
        out.raw(",\"kind\":")
        if let kind = bundle.kind { out.string(kind) } else { out.null() }
        out.raw(",\"measure\":")
        out.string(bundle.measure.rawValue)
        out.raw(",\"measure_from\":")
        out.string(bundle.measureFrom)
        out.raw(",\"queues\":")
        out.array(bundle.queues) { QueueJSON.write($0, to: out) }
        out.raw(",\"window\":{\"start\":")
        out.quoted(bundle.windowStart)
        out.raw(",\"end\":")
        out.quoted(bundle.windowEnd)
        out.raw("},\"candidates\":")
        out.int(bundle.candidates)
        out.raw(",\"traces\":[")
        for (index, trace) in bundle.traces.enumerated() {
            if index > 0 { out.byte(UInt8(ascii: ",")) }
            TraceJSON.write(trace.analysis, reasons: trace.reasons, explanation: trace.explanation, score: trace.score, to: out)
        }
        out.raw("],\"unlinked_logs\":[")
        for (index, record) in bundle.unlinkedLogs.enumerated() {
            if index > 0 { out.byte(UInt8(ascii: ",")) }
            out.raw("{\"ts\":")
            if let ts = record.timestamp { out.quoted(ts) } else { out.null() }
            out.raw(",\"severity\":")
            if let severity = record.severity { out.string(severity.rawValue) } else { out.null() }
            out.raw(",\"service\":")
            if let service = record.service { out.string(service) } else { out.null() }
            out.raw(",\"message\":")
            out.string(record.message)
            out.raw(",\"source\":")
            TraceJSON.source(record.source, out)
            out.raw("}")
        }
        out.raw("],\"diagnostics\":[")
        for (index, diagnostic) in bundle.diagnostics.enumerated() {
            if index > 0 { out.byte(UInt8(ascii: ",")) }
            DiagnosticJSON.write(diagnostic, to: out)
        }
        out.raw("]}")
    }

    /// Bundles as one JSON array, one bundle per line (`GET /api/bundles`).
    /// The bundle's `alert` object: `{"name","fingerprint","status","labels":{},
    /// "annotations":{},"starts_at","ends_at","source"}` (also one line of `correlate alerts
    /// --format json`).
    public static func writeAlert(_ alert: Alert, to out: JSONWriter) {
        out.raw("{\"name\":")
        out.string(alert.name)
        out.raw(",\"fingerprint\":")
        out.string(alert.fingerprint)
        out.raw(",\"status\":")
        out.string(alert.status.rawValue)
        out.raw(",\"labels\":")
        out.object(alert.labels)
        out.raw(",\"annotations\":")
        out.object(alert.annotations)
        out.raw(",\"starts_at\":")
        out.quoted(alert.startsAt)
        out.raw(",\"ends_at\":")
        if let end = alert.endsAt { out.quoted(end) } else { out.null() }
        out.raw(",\"source\":")
        out.string(alert.source)
        out.byte(UInt8(ascii: "}"))
    }

    public static func list(_ bundles: [IncidentBundle]) -> String {
        "[" + bundles.map(string).joined(separator: ",\n") + "]\n"
    }

    public static func string(_ bundle: IncidentBundle) -> String {
        let out = JSONWriter()
        write(bundle, to: out)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
