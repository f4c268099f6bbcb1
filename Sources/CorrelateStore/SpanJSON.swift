import CorrelateModel
import CorrelateJSON

/// Span events, links and attributes read back from the store's text columns (written by
/// ``StoredSpans``), from the column's UTF-8 bytes as SQLite holds them (no `String` made first).
enum SpanJSON {
    static func attributes(_ text: UnsafeBufferPointer<UInt8>?) -> [Attribute] {
        guard let text, !isEmptyContainer(text), let document = try? JSONDocument.parse(text) else { return [] }
        return [Attribute](jsonObject: document)
    }

    static func events(_ text: UnsafeBufferPointer<UInt8>?) -> [Span.Event] {
        guard let text, !isEmptyContainer(text), let document = try? JSONDocument.parse(text), let items = document.array else { return [] }
        return items.compactMap { item in
            guard let name = item["name"]?.string, let time = item["time"]?.int64 else { return nil }
            return Span.Event(name: name, time: Timestamp(nanoseconds: time),
                              attributes: item["attributes"].map { [Attribute](jsonObject: $0) } ?? [])
        }
    }

    static func links(_ text: UnsafeBufferPointer<UInt8>?) -> [Span.Link] {
        guard let text, !isEmptyContainer(text), let document = try? JSONDocument.parse(text), let items = document.array else { return [] }
        return items.compactMap { item in
            guard let trace = item["trace_id"]?.string.flatMap({ TraceID(hex: $0) }),
                let span = item["span_id"]?.string.flatMap({ SpanID(hex: $0) })
            else { return nil }
            return Span.Link(traceID: trace, spanID: span,
                             attributes: item["attributes"].map { [Attribute](jsonObject: $0) } ?? [])
        }
    }

    /// `{}` or `[]`, as most spans' events and links are: nothing to parse.
    @inline(__always)
    private static func isEmptyContainer(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        text.count == 2 && (text[0] == UInt8(ascii: "[") && text[1] == UInt8(ascii: "]")
            || text[0] == UInt8(ascii: "{") && text[1] == UInt8(ascii: "}"))
    }
}
