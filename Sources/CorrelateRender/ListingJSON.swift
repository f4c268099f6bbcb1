public import CorrelateModel
public import CorrelateJSON

/// What `correlate traces`, `alerts` and `sources` list, as NDJSON: one object per line, field
/// names and value forms as in a bundle (times RFC 3339 in UTC, durations in milliseconds, ids
/// lowercase hex).
///
///     traces:  {"trace_id","start","end","duration_ms","root":{"name","service"},"spans","error","error_spans","logs"}
///     alerts:  {"name","status","starts_at","ends_at","fingerprint","labels":{},"annotations":{},"source"}
///     sources: {"source","records","first","last","with_trace_id"}
public enum ListingJSON {
    public static func traces(_ traces: [TraceListing]) -> String {
        lines(traces) { trace, out in
            out.raw("{\"trace_id\":")
            out.quoted(trace.traceID)
            out.raw(",\"start\":")
            out.quoted(trace.start)
            out.raw(",\"end\":")
            out.quoted(trace.end)
            out.raw(",\"duration_ms\":")
            out.milliseconds(Double(trace.durationNanoseconds) / 1e6)
            out.raw(",\"root\":{\"name\":")
            out.string(trace.rootName)
            out.raw(",\"service\":")
            if let service = trace.rootService { out.string(service) } else { out.null() }
            out.raw("},\"spans\":")
            out.int(trace.spans)
            out.raw(",\"error\":")
            out.bool(trace.errors > 0)
            out.raw(",\"error_spans\":")
            out.int(trace.errors)
            out.raw(",\"logs\":")
            out.int(trace.logs)
            out.byte(UInt8(ascii: "}"))
        }
    }

    public static func alerts(_ alerts: [Alert]) -> String {
        lines(alerts) { alert, out in BundleJSON.writeAlert(alert, to: out) }
    }

    public static func sources(_ sources: [LogSourceListing]) -> String {
        lines(sources) { source, out in
            out.raw("{\"source\":")
            out.string(source.path)
            out.raw(",\"records\":")
            out.int(source.records)
            out.raw(",\"first\":")
            if let first = source.first { out.quoted(first) } else { out.null() }
            out.raw(",\"last\":")
            if let last = source.last { out.quoted(last) } else { out.null() }
            out.raw(",\"with_trace_id\":")
            out.int(source.withTraceID)
            out.byte(UInt8(ascii: "}"))
        }
    }

    private static func lines<T>(_ items: [T], _ write: (T, JSONWriter) -> Void) -> String {
        let out = JSONWriter(capacity: 256 * max(1, items.count))
        for item in items {
            write(item, out)
            out.byte(0x0A)
        }
        return out.text
    }
}
