import CorrelateModel

/// Finds the producer span (the enqueue side) of a consumer span among the spans it was given:
/// the consumer's parent, else a span one of its links points at, else a producer span with the
/// same job id (`messaging.message.id` and the other job id attributes). A SERVER span that
/// carries a job id (``Span/mayExecuteJob``) has as producer its CLIENT parent with the same job
/// id, or the PRODUCER spans it links to, nothing else.
struct ProducerIndex {
    private var byKey: [SpanKey: Span] = [:]
    private var byMessage: [String: [Span]] = [:]

    init(_ spans: some Sequence<Span>) {
        add(spans)
    }

    mutating func add(_ spans: some Sequence<Span>) {
        for span in spans {
            guard byKey.updateValue(span, forKey: SpanKey(span.traceID, span.spanID)) == nil else { continue }
            if span.kind == .producer, let id = span.messageID { byMessage[id, default: []].append(span) }
        }
    }

    func span(_ trace: TraceID, _ id: SpanID) -> Span? {
        byKey[SpanKey(trace, id)]
    }

    /// The producers of `consumer` and how each is joined: its parent; else every producer
    /// span its links point at (a batch receive links to the producer of each message); else
    /// one producer span with the same job id. Empty when none is known.
    func producers(of consumer: Span) -> [(span: Span, connection: QueueHop.Connection)] {
        if let parent = consumer.parentSpanID, let producer = span(consumer.traceID, parent), producer.kind == .producer {
            return [(producer, .parent)]
        }
        // CLIENT → SERVER with the same job id (Temporal): that pair only.
        if consumer.kind == .server {
            if let parent = consumer.parentSpanID, let client = span(consumer.traceID, parent), client.kind == .client,
               let id = consumer.messageID, client.messageID == id
            {
                return [(client, .parent)]
            }
            var linked: [(span: Span, connection: QueueHop.Connection)] = []
            for link in consumer.links {
                if let producer = span(link.traceID, link.spanID), producer.kind == .producer { linked.append((producer, .link)) }
            }
            return linked
        }
        var linked: [(span: Span, connection: QueueHop.Connection)] = []
        var seen: Set<SpanKey> = []
        for link in consumer.links where seen.insert(SpanKey(link.traceID, link.spanID)).inserted {
            if let producer = span(link.traceID, link.spanID), producer.kind == .producer { linked.append((producer, .link)) }
        }
        if !linked.isEmpty { return linked }
        if let id = consumer.messageID, let producer = byMessage[id]?.first(where: { $0.spanID != consumer.spanID }) {
            return [(producer, .messageID)]
        }
        return []
    }
}
