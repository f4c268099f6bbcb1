import CorrelateModel
public import CorrelateJSON

/// Jaeger's query API JSON (`/api/traces/{id}`): `{"data":[{"traceID", "spans":[…],
/// "processes":{…}}]}`. Times are microseconds; the kind comes from the `span.kind` tag, errors
/// from the `error` tag or `otel.status_code`; the first `CHILD_OF` reference is the parent and
/// the other references are links.
public enum JaegerDecoder {
    public static func decode(_ traces: [JSONDocument]) -> DecodedSpans {
        var result = DecodedSpans(format: .jaeger)
        var index = 0
        for trace in traces {
            var processes: [String: (service: String?, tags: [Attribute])] = [:]
            for (id, process) in trace["processes"]?.members ?? [] {
                processes[id] = (process["serviceName"]?.string, tags(process["tags"]))
            }
            for item in trace["spans"]?.array ?? [] {
                index += 1
                guard let span = span(item, processes: processes) else {
                    result.reject(SpanIDs.rejection(index: index, name: item["operationName"]?.string, trace: item["traceID"]?.string,
                                                    span: item["spanID"]?.string, hasStart: SpanIDs.micros(item["startTime"]) != nil))
                    continue
                }
                result.spans.append(span)
            }
        }
        return result
    }

    static func span(_ item: JSONDocument, processes: [String: (service: String?, tags: [Attribute])]) -> Span? {
        guard let trace = SpanIDs.trace(item["traceID"]?.string), trace.isValid,
            let id = SpanIDs.span(item["spanID"]?.string), id.isValid,
            let start = SpanIDs.micros(item["startTime"])
        else { return nil }
        let duration = item["duration"]?.int64 ?? 0
        var attributes = tags(item["tags"])
        var parent: SpanID?
        var links: [Span.Link] = []
        for reference in item["references"]?.array ?? [] {
            guard let refTrace = SpanIDs.trace(reference["traceID"]?.string),
                let refSpan = SpanIDs.span(reference["spanID"]?.string), refSpan.isValid
            else { continue }
            if parent == nil, reference["refType"]?.string == "CHILD_OF", refTrace == trace {
                parent = refSpan
            } else {
                links.append(Span.Link(traceID: refTrace, spanID: refSpan))
            }
        }
        var kind = Span.Kind.internal
        if let index = attributes.firstIndex(where: { $0.key == "span.kind" }) {
            kind = Span.Kind(name: attributes[index].value.text)
            attributes.remove(at: index)
        }
        var status = Span.Status.unset
        if attributes["error"] == .bool(true) || attributes["error"] == .string("true")
            || attributes["otel.status_code"]?.text == "ERROR"
        {
            status = .error
        } else if attributes["otel.status_code"]?.text == "OK" {
            status = .ok
        }
        let events: [Span.Event] = (item["logs"]?.array ?? []).compactMap { log in
            guard let time = SpanIDs.micros(log["timestamp"]) else { return nil }
            let fields = tags(log["fields"])
            let name = fields["event"]?.text ?? "log"
            return Span.Event(name: name, time: time, attributes: fields.filter { $0.key != "event" })
        }
        let process = item["processID"]?.string.flatMap { processes[$0] }
        return Span(
            traceID: trace, spanID: id, parentSpanID: parent, name: item["operationName"]?.string ?? "",
            kind: kind, start: start, end: Timestamp(nanoseconds: start.nanoseconds &+ duration &* 1_000),
            status: status, statusMessage: attributes["otel.status_description"]?.text,
            service: process?.service, attributes: attributes,
            resource: process.map { [Attribute("service.name", .string($0.service ?? ""))] + $0.tags } ?? [],
            events: events, links: links)
    }

    /// `[{"key", "type", "value"}]`
    static func tags(_ list: JSONDocument?) -> [Attribute] {
        (list?.array ?? []).compactMap { tag in
            guard let key = tag["key"]?.string, let raw = tag["value"] else { return nil }
            let value: AttributeValue?
            switch tag["type"]?.string?.lowercased() {
            case "bool": value = raw.bool.map(AttributeValue.bool) ?? raw.string.map { .bool($0 == "true") }
            case "int64": value = raw.int64.map(AttributeValue.int)
            case "float64": value = raw.double.map(AttributeValue.double)
            default: value = AttributeValue(json: raw)
            }
            return value.map { Attribute(key, $0) }
        }
    }
}
