public import CorrelateModel
public import CorrelateJSON

/// Queue statistics as JSON (`correlate queues --format json`, and `queues[]` of a bundle,
/// `docs/bundle.schema.json` `$defs/queueStatistics`):
///
///     {"queue","start","end","jobs","waited","clock_skew",
///      "wait_ms":{"p50","p95","p99","max"}|null,"execution_ms":{"p50","p95","p99","max"}|null,
///      "failures","longest_waits":[{"trace_id","consumer_span_id","producer_trace_id","wait_ms"}]}
///
/// Percentiles are nearest-rank, in milliseconds.
public enum QueueJSON {
    public static func write(_ statistics: QueueStatistics, to out: JSONWriter) {
        out.raw("{\"queue\":")
        out.string(statistics.queue)
        out.raw(",\"start\":")
        out.quoted(statistics.start)
        out.raw(",\"end\":")
        out.quoted(statistics.end)
        out.raw(",\"jobs\":")
        out.int(statistics.jobs)
        out.raw(",\"waited\":")
        out.int(statistics.waited)
        out.raw(",\"clock_skew\":")
        out.int(statistics.clockSkew)
        out.raw(",\"wait_ms\":")
        percentiles(statistics.wait, out)
        out.raw(",\"execution_ms\":")
        percentiles(statistics.execution, out)
        out.raw(",\"failures\":")
        out.int(statistics.failures)
        out.raw(",\"longest_waits\":")
        out.array(statistics.longestWaits) { waiter in
            out.raw("{\"trace_id\":")
            out.quoted(waiter.traceID)
            out.raw(",\"consumer_span_id\":")
            out.quoted(waiter.consumer)
            out.raw(",\"producer_trace_id\":")
            if let other = waiter.producerTraceID { out.quoted(other) } else { out.null() }
            out.raw(",\"wait_ms\":")
            out.milliseconds(waiter.waitMilliseconds)
            out.raw("}")
        }
        out.raw("}")
    }

    /// A bundle's queue: `{"queue","window":{…}|null,"baseline":{…}|null}`.
    public static func write(_ comparison: QueueComparison, to out: JSONWriter) {
        out.raw("{\"queue\":")
        out.string(comparison.queue)
        out.raw(",\"window\":")
        if let window = comparison.window { write(window, to: out) } else { out.null() }
        out.raw(",\"baseline\":")
        if let baseline = comparison.baseline { write(baseline, to: out) } else { out.null() }
        out.raw("}")
    }

    /// `{"queues":[…]}` for `correlate queues --format json`.
    public static func string(_ statistics: [QueueStatistics], start: Timestamp, end: Timestamp) -> String {
        let out = JSONWriter()
        out.raw("{\"start\":")
        out.quoted(start)
        out.raw(",\"end\":")
        out.quoted(end)
        out.raw(",\"queues\":")
        out.array(statistics) { write($0, to: out) }
        out.raw("}")
        return String(decoding: out.bytes, as: UTF8.self)
    }

    static func percentiles(_ value: Percentiles?, _ out: JSONWriter) {
        guard let value else { return out.null() }
        out.raw("{\"p50\":")
        out.milliseconds(value.p50)
        out.raw(",\"p95\":")
        out.milliseconds(value.p95)
        out.raw(",\"p99\":")
        out.milliseconds(value.p99)
        out.raw(",\"max\":")
        out.milliseconds(value.max)
        out.raw("}")
    }
}
