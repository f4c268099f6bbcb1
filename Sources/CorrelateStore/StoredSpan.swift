import CorrelateModel
import CorrelateJSON

/// A span in the form SQLite keeps it (one row of `spans`): ids and times as values;
/// attributes, resource, events and links as JSON text.
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
    /// `{"key":value,…}` (``Swift/Array/jsonObject``).
    var attributes: String
    var resource: String
    /// `[{"name":…,"time":…,"attributes":{…}},…]`.
    var events: String
    /// `[{"trace_id":…,"span_id":…,"attributes":{…}},…]`.
    var links: String
    /// The other traces the links point at, each once (the store indexes them, so that a
    /// producer's trace finds the consumer traces that link back to it).
    var linkedTraces: [TraceID]

    /// `resource` given: the resource's JSON, when the caller has it already.
    init(_ span: Span, resource: String? = nil) {
        traceID = span.traceID
        spanID = span.spanID
        parentSpanID = span.parentSpanID
        name = span.name
        kind = span.kind
        start = span.start
        end = span.end
        status = span.status
        statusMessage = span.statusMessage
        service = span.service
        messageID = span.messageID
        attributes = span.attributes.jsonObject
        self.resource = resource ?? span.resource.jsonObject
        events = Self.json(span.events)
        links = Self.json(span.links)
        var linked: [TraceID] = []
        for link in span.links where link.traceID != span.traceID && !linked.contains(link.traceID) { linked.append(link.traceID) }
        linkedTraces = linked
    }

    /// The spans in stored form; the resource shared by consecutive spans (one array, as
    /// decoders make it) is encoded once.
    static func rows(_ spans: [Span]) -> [StoredSpan] {
        var last: (base: UnsafeRawPointer?, count: Int, json: String)?
        return spans.map { span in
            // While `spans` is alive, an array's address names that array.
            let base = span.resource.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            if let last, base != nil, last.base == base, last.count == span.resource.count {
                return StoredSpan(span, resource: last.json)
            }
            let row = StoredSpan(span)
            last = (base, span.resource.count, row.resource)
            return row
        }
    }

    static func json(_ events: [Span.Event]) -> String {
        let out = JSONWriter(capacity: 128)
        out.array(events) { event in
            out.raw(#"{"name":"#)
            out.string(event.name)
            out.raw(#","time":"#)
            out.int(Int(event.time.nanoseconds))
            out.raw(#","attributes":"#)
            out.object(event.attributes)
            out.byte(UInt8(ascii: "}"))
        }
        return out.text
    }

    static func json(_ links: [Span.Link]) -> String {
        let out = JSONWriter(capacity: 128)
        out.array(links) { link in
            out.raw(#"{"trace_id":"#)
            out.quoted(link.traceID)
            out.raw(#","span_id":"#)
            out.quoted(link.spanID)
            out.raw(#","attributes":"#)
            out.object(link.attributes)
            out.byte(UInt8(ascii: "}"))
        }
        return out.text
    }
}
