import CorrelateModel
import CorrelateJSON

/// A span in the form SQLite keeps it (one row of `spans`): ids and times as values;
/// attributes, resource, events and links as JSON text, held in the batch's ``StoredSpans/text``.
///
/// Making one is the costly part of storing a span (the JSON encoding), so it is what
/// ``SQLiteEventStore/prepare(_:)`` does — on the threads that decode requests in
/// `correlate serve` — and the one thread that writes the store only binds them.
struct StoredSpan: Sendable {
    var traceID: TraceID
    var spanID: SpanID
    var parentSpanID: SpanID?
    var name: String
    var kind: Span.Kind
    var start: Timestamp
    var end: Timestamp
    var status: Span.Status
    var statusMessage: String?
    var service: String?
    var messageID: String?
    /// `{"key":value,…}` (``Swift/Array/jsonObject``), in the batch's text.
    var attributes: Range<Int>
    var resource: Range<Int>
    /// `[{"name":…,"time":…,"attributes":{…}},…]`, in the batch's text.
    var events: Range<Int>
    /// `[{"trace_id":…,"span_id":…,"attributes":{…}},…]`, in the batch's text.
    var links: Range<Int>
    /// The other traces the links point at, each once (the store indexes them, so that a
    /// producer's trace finds the consumer traces that link back to it).
    var linkedTraces: [TraceID]
}

/// A batch of spans as SQLite rows, their JSON texts one after another in one buffer (one
/// allocation for the batch, where a `String` per text cost an allocation, a copy and a UTF-8
/// check each).
struct StoredSpans: Sendable {
    var rows: [StoredSpan]
    /// The rows' JSON texts: valid UTF-8, as ``JSONWriter`` writes it.
    var text: [UInt8]

    /// The spans in stored form; the resource shared by consecutive spans (one array, as
    /// decoders make it) is encoded once.
    init(_ spans: [Span]) {
        let out = JSONWriter(capacity: 512 * max(spans.count, 1))
        var rows: [StoredSpan] = []
        rows.reserveCapacity(spans.count)
        var last: (base: UnsafeRawPointer?, count: Int, json: Range<Int>)?
        for span in spans {
            // While `spans` is alive, an array's address names that array.
            let base = span.resource.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            let resource: Range<Int>
            if let last, base != nil, last.base == base, last.count == span.resource.count {
                resource = last.json
            } else {
                let start = out.count
                out.object(span.resource)
                resource = start..<out.count
                last = (base, span.resource.count, resource)
            }
            var start = out.count
            out.object(span.attributes)
            let attributes = start..<out.count
            start = out.count
            Self.write(span.events, to: out)
            let events = start..<out.count
            start = out.count
            Self.write(span.links, to: out)
            let links = start..<out.count
            var linked: [TraceID] = []
            for link in span.links where link.traceID != span.traceID && !linked.contains(link.traceID) { linked.append(link.traceID) }
            rows.append(StoredSpan(
                traceID: span.traceID, spanID: span.spanID, parentSpanID: span.parentSpanID, name: span.name,
                kind: span.kind, start: span.start, end: span.end, status: span.status,
                statusMessage: span.statusMessage, service: span.service, messageID: span.messageID,
                attributes: attributes, resource: resource, events: events, links: links, linkedTraces: linked))
        }
        self.rows = rows
        self.text = out.bytes
    }

    /// Calls `body` with one of the texts' bytes.
    func withText<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try text.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    static func write(_ events: [Span.Event], to out: JSONWriter) {
        out.array(events) { event in
            out.raw(#"{"name":"#)
            out.string(event.name)
            out.raw(#","time":"#)
            out.int(Int(event.time.nanoseconds))
            out.raw(#","attributes":"#)
            out.object(event.attributes)
            out.byte(UInt8(ascii: "}"))
        }
    }

    static func write(_ links: [Span.Link], to out: JSONWriter) {
        out.array(links) { link in
            out.raw(#"{"trace_id":"#)
            out.quoted(link.traceID)
            out.raw(#","span_id":"#)
            out.quoted(link.spanID)
            out.raw(#","attributes":"#)
            out.object(link.attributes)
            out.byte(UInt8(ascii: "}"))
        }
    }
}
