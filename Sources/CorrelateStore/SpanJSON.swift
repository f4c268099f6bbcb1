import CorrelateModel

/// How span events, links and attributes are kept in the store's text columns.
enum SpanJSON {
    static func attributes(_ text: String?) -> [Attribute] {
        guard let text, let document = try? JSONDocument.parse(text) else { return [] }
        return [Attribute](jsonObject: document)
    }

    static func events(_ events: [Span.Event]) -> String {
        var out = "["
        for (index, event) in events.enumerated() {
            if index > 0 { out += "," }
            out += "{\"name\":" + JSONText.string(event.name) + ",\"time\":\(event.time.nanoseconds),\"attributes\":"
                + event.attributes.jsonObject + "}"
        }
        return out + "]"
    }

    static func events(_ text: String?) -> [Span.Event] {
        guard let text, let document = try? JSONDocument.parse(text), let items = document.array else { return [] }
        return items.compactMap { item in
            guard let name = item["name"]?.string, let time = item["time"]?.int64 else { return nil }
            return Span.Event(name: name, time: Timestamp(nanoseconds: time),
                              attributes: item["attributes"].map { [Attribute](jsonObject: $0) } ?? [])
        }
    }

    static func links(_ links: [Span.Link]) -> String {
        var out = "["
        for (index, link) in links.enumerated() {
            if index > 0 { out += "," }
            out += "{\"trace_id\":\"\(link.traceID)\",\"span_id\":\"\(link.spanID)\",\"attributes\":"
                + link.attributes.jsonObject + "}"
        }
        return out + "]"
    }

    static func links(_ text: String?) -> [Span.Link] {
        guard let text, let document = try? JSONDocument.parse(text), let items = document.array else { return [] }
        return items.compactMap { item in
            guard let trace = item["trace_id"]?.string.flatMap({ TraceID(hex: $0) }),
                let span = item["span_id"]?.string.flatMap({ SpanID(hex: $0) })
            else { return nil }
            return Span.Link(traceID: trace, spanID: span,
                             attributes: item["attributes"].map { [Attribute](jsonObject: $0) } ?? [])
        }
    }
}
