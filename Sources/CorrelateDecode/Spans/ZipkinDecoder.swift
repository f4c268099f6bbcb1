import CorrelateModel
public import CorrelateJSON

/// Zipkin v2 JSON: an array of spans with `traceId`, `id`, `parentId`, `name`, `kind`,
/// `timestamp` and `duration` in microseconds, `localEndpoint.serviceName`, `tags` (strings) and
/// `annotations`. An `error` tag marks an error.
public enum ZipkinDecoder {
    public static func decode(_ items: [JSONDocument]) -> DecodedSpans {
        var result = DecodedSpans(format: .zipkin)
        for (index, item) in items.enumerated() {
            guard let span = span(item) else {
                result.reject(SpanIDs.rejection(index: index + 1, name: item["name"]?.string, trace: item["traceId"]?.string,
                                                span: item["id"]?.string, hasStart: SpanIDs.micros(item["timestamp"]) != nil))
                continue
            }
            result.spans.append(span)
        }
        return result
    }

    static func span(_ item: JSONDocument) -> Span? {
        guard let trace = SpanIDs.trace(item["traceId"]?.string), trace.isValid,
            let id = SpanIDs.span(item["id"]?.string), id.isValid,
            let start = SpanIDs.micros(item["timestamp"])
        else { return nil }
        let duration = item["duration"]?.int64 ?? 0
        let attributes: [Attribute] = (item["tags"]?.members ?? []).compactMap { key, value in
            value.string.map { Attribute(key, .string($0)) }
        }
        let events: [Span.Event] = (item["annotations"]?.array ?? []).compactMap { annotation in
            guard let time = SpanIDs.micros(annotation["timestamp"]) else { return nil }
            return Span.Event(name: annotation["value"]?.string ?? "", time: time)
        }
        let service = item["localEndpoint"]?["serviceName"]?.string
        let error = attributes["error"] != nil
        return Span(
            traceID: trace, spanID: id,
            parentSpanID: SpanIDs.span(item["parentId"]?.string).flatMap { $0.isValid ? $0 : nil },
            name: item["name"]?.string ?? "", kind: item["kind"]?.string.map(Span.Kind.init(name:)) ?? .internal,
            start: start, end: Timestamp(nanoseconds: start.nanoseconds &+ duration &* 1_000),
            status: error ? .error : .unset, statusMessage: error ? attributes["error"]?.text : nil,
            service: service, attributes: attributes,
            resource: service.map { [Attribute("service.name", .string($0))] } ?? [], events: events)
    }
}
