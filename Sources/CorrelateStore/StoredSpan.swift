import CorrelateModel
import CorrelateJSON

/// A span in the form SQLite keeps it (one row of `spans`): times and kinds as values; its ids,
/// texts and attributes, resource, events and links as JSON text, all as ranges of the batch's
/// ``StoredSpans/bytes``, so that a row holds no reference of its own (the thread that writes
/// the store neither copies nor releases anything per row).
///
/// Making one is the costly part of storing a span (the JSON encoding), so it is what
/// ``SQLiteEventStore/prepare(_:)`` does — on the threads that decode requests in
/// `correlate serve` and read span files ahead in `ingest` — and the one thread that writes the
/// store only binds them.
struct StoredSpan: Sendable {
    /// Kept as values too: the writer checks sealed segments for the key.
    var traceID: TraceID
    var spanID: SpanID
    /// The ids as SQLite stores them (``Blob``): 16 and 8 big-endian bytes.
    var traceIDBytes: Range<Int>
    var spanIDBytes: Range<Int>
    var parentSpanID: SpanID?
    var parentSpanIDBytes: Range<Int>?
    var name: Range<Int>
    var kind: Span.Kind
    var start: Timestamp
    var end: Timestamp
    var status: Span.Status
    var statusMessage: Range<Int>?
    var service: Range<Int>?
    var messageID: Range<Int>?
    /// `{"key":value,…}` (``Swift/Array/jsonObject``).
    var attributes: Range<Int>
    var resource: Range<Int>
    /// `[{"name":…,"time":…,"attributes":{…}},…]`.
    var events: Range<Int>
    /// `[{"trace_id":…,"span_id":…,"attributes":{…}},…]`.
    var links: Range<Int>
    /// The other traces the links point at, each once, as a range of ``StoredSpans/linked``
    /// (the store indexes them, so that a producer's trace finds the consumer traces that link
    /// back to it).
    var linkedTraces: Range<Int>
}

/// A batch of spans as SQLite rows, their ids and texts one after another in one buffer (one
/// allocation for the batch, where a `String` or array per value cost an allocation, a copy
/// and a release each).
struct StoredSpans: Sendable {
    var rows: [StoredSpan]
    /// The rows' ids (big-endian bytes) and texts (valid UTF-8: Swift strings and what
    /// ``JSONWriter`` writes).
    var bytes: [UInt8]
    /// The traces the rows' links point at (``StoredSpan/linkedTraces``).
    var linked: [TraceID]

    /// The spans in stored form; the resource shared by consecutive spans (one array, as
    /// decoders make it) is encoded once.
    init(_ spans: [Span]) {
        let out = JSONWriter(capacity: 512 * max(spans.count, 1))
        var rows: [StoredSpan] = []
        rows.reserveCapacity(spans.count)
        var linked: [TraceID] = []
        var last: (base: UnsafeRawPointer?, count: Int, json: Range<Int>)?
        func text(_ value: String) -> Range<Int> {
            let start = out.count
            var value = value
            value.withUTF8 { out.raw($0) }
            return start..<out.count
        }
        func id(_ value: UInt64) -> Range<Int> {
            let start = out.count
            withUnsafeBytes(of: value.bigEndian) { out.raw($0.assumingMemoryBound(to: UInt8.self)) }
            return start..<out.count
        }
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
            let firstLinked = linked.count
            for link in span.links where link.traceID != span.traceID && !linked[firstLinked...].contains(link.traceID) {
                linked.append(link.traceID)
            }
            let traceIDBytes = id(span.traceID.high).lowerBound..<id(span.traceID.low).upperBound
            rows.append(StoredSpan(
                traceID: span.traceID, spanID: span.spanID, traceIDBytes: traceIDBytes, spanIDBytes: id(span.spanID.value),
                parentSpanID: span.parentSpanID, parentSpanIDBytes: span.parentSpanID.map { id($0.value) }, name: text(span.name),
                kind: span.kind, start: span.start, end: span.end, status: span.status,
                statusMessage: span.statusMessage.map(text), service: span.service.map(text), messageID: span.messageID.map(text),
                attributes: attributes, resource: resource, events: events, links: links,
                linkedTraces: firstLinked..<linked.count))
        }
        self.rows = rows
        self.bytes = out.bytes
        self.linked = linked
    }

    /// One of the texts as a string.
    func string(_ range: Range<Int>) -> String {
        withText(range) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with one of the texts' bytes.
    func withText<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
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
