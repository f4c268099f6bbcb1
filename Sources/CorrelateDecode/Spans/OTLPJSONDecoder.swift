import CorrelateModel
public import CorrelateJSON

/// OTLP JSON, as the OpenTelemetry Collector's file exporter writes it (one request per line)
/// and as an OTLP/HTTP JSON body: hex ids, int64 values as strings or numbers, enums as numbers
/// or names. Also reads the older `instrumentationLibrarySpans` and snake_case keys, and
/// Grafana Tempo's trace by id (`/api/traces/<id>`): `batches` of resource spans, ids in base64.
public enum OTLPJSONDecoder {
    public static func decode(_ document: JSONDocument) -> DecodedSpans {
        var result = DecodedSpans(format: .otlpJSON)
        var index = 0
        for resourceSpans in (document["resourceSpans"] ?? document["resource_spans"] ?? document["batches"])?.array ?? [] {
            let resource = attributes(resourceSpans["resource"]?["attributes"])
            let service = resource["service.name"]?.text
            let scopes = (resourceSpans["scopeSpans"] ?? resourceSpans["scope_spans"]
                ?? resourceSpans["instrumentationLibrarySpans"])?.array ?? []
            for scope in scopes {
                for item in scope["spans"]?.array ?? [] {
                    index += 1
                    guard let span = span(item, service: service, resource: resource) else {
                        result.reject(SpanIDs.rejection(index: index, name: item["name"]?.string,
                                                        trace: (item["traceId"] ?? item["trace_id"])?.string,
                                                        span: (item["spanId"] ?? item["span_id"])?.string))
                        continue
                    }
                    result.spans.append(span)
                }
            }
        }
        return result
    }

    static func span(_ item: JSONDocument, service: String?, resource: [Attribute]) -> Span? {
        guard let trace = SpanIDs.trace((item["traceId"] ?? item["trace_id"])?.string), trace.isValid,
            let id = SpanIDs.span((item["spanId"] ?? item["span_id"])?.string), id.isValid
        else { return nil }
        let parent = SpanIDs.span((item["parentSpanId"] ?? item["parent_span_id"])?.string).flatMap { $0.isValid ? $0 : nil }
        let start = (item["startTimeUnixNano"] ?? item["start_time_unix_nano"])?.int64 ?? 0
        let end = (item["endTimeUnixNano"] ?? item["end_time_unix_nano"])?.int64 ?? start
        let statusValue = item["status"]
        var status = Span.Status.unset
        if let code = statusValue?["code"] {
            if let number = code.int64 {
                status = Span.Status(rawValue: Int(number)) ?? .unset
            } else if let name = code.string {
                status = name.hasSuffix("ERROR") ? .error : name.hasSuffix("OK") ? .ok : .unset
            }
        }
        var kind = Span.Kind.unspecified
        if let number = item["kind"]?.int64 {
            kind = Span.Kind(rawValue: Int(number)) ?? .unspecified
        } else if let name = item["kind"]?.string {
            kind = Span.Kind(name: name)
        }
        let events: [Span.Event] = (item["events"]?.array ?? []).map { event in
            Span.Event(name: event["name"]?.string ?? "",
                       time: Timestamp(nanoseconds: (event["timeUnixNano"] ?? event["time_unix_nano"])?.int64 ?? 0),
                       attributes: attributes(event["attributes"]))
        }
        let links: [Span.Link] = (item["links"]?.array ?? []).compactMap { link in
            guard let trace = SpanIDs.trace((link["traceId"] ?? link["trace_id"])?.string),
                let span = SpanIDs.span((link["spanId"] ?? link["span_id"])?.string), trace.isValid, span.isValid
            else { return nil }
            return Span.Link(traceID: trace, spanID: span, attributes: attributes(link["attributes"]))
        }
        return Span(
            traceID: trace, spanID: id, parentSpanID: parent, name: item["name"]?.string ?? "",
            kind: kind, start: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: end),
            status: status, statusMessage: statusValue?["message"]?.string.flatMap { $0.isEmpty ? nil : $0 },
            service: service, attributes: attributes(item["attributes"]), resource: resource,
            events: events, links: links)
    }

    /// `[{"key": …, "value": {AnyValue}}]`
    static func attributes(_ list: JSONDocument?) -> [Attribute] {
        (list?.array ?? []).compactMap { pair in
            guard let key = pair["key"]?.string, let value = pair["value"].flatMap(anyValue) else { return nil }
            return Attribute(key, value)
        }
    }

    /// OTLP's `AnyValue`: exactly one of stringValue, boolValue, intValue, doubleValue,
    /// bytesValue (base64), arrayValue, kvlistValue.
    static func anyValue(_ value: JSONDocument) -> AttributeValue? {
        guard let (key, inner) = value.members?.first else { return nil }
        switch key {
        case "stringValue", "string_value": return inner.string.map(AttributeValue.string)
        case "boolValue", "bool_value": return inner.bool.map(AttributeValue.bool)
        case "intValue", "int_value": return inner.int64.map(AttributeValue.int)
        case "doubleValue", "double_value": return inner.double.map(AttributeValue.double)
        case "bytesValue", "bytes_value":
            return inner.string.flatMap { Base64.decode($0.utf8) }.map(AttributeValue.bytes)
        case "arrayValue", "array_value":
            return .array((inner["values"]?.array ?? []).compactMap(anyValue))
        case "kvlistValue", "kvlist_value":
            return .keyValues(attributes(inner["values"]))
        default:
            return nil
        }
    }
}
