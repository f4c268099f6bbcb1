import CorrelateModel
import Foundation
import SwiftProtobuf

/// Decodes OTLP protobuf, as OTLP/HTTP sends it (`application/x-protobuf`), with the code
/// generated from `proto/` by `scripts/generate-protos.sh`.
public enum OTLPProtobufDecoder {
    /// Spans of an `ExportTraceServiceRequest`, and how many were left out for invalid or
    /// all-zero ids.
    /// - Throws: when the bytes are not a valid message.
    public static func decodeTraces(_ data: Data) throws -> (spans: [Span], rejected: Int) {
        let request = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: data)
        var spans: [Span] = []
        var rejected = 0
        for resourceSpans in request.resourceSpans {
            let resource = attributes(resourceSpans.resource.attributes)
            let service = resource["service.name"]?.text
            for scope in resourceSpans.scopeSpans {
                for item in scope.spans {
                    guard let span = span(item, service: service, resource: resource) else {
                        rejected += 1
                        continue
                    }
                    spans.append(span)
                }
            }
        }
        return (spans, rejected)
    }

    static func span(_ item: Opentelemetry_Proto_Trace_V1_Span, service: String?, resource: [Attribute]) -> Span? {
        guard let trace = traceID(item.traceID), trace.isValid, let id = spanID(item.spanID), id.isValid else {
            return nil
        }
        let status: Span.Status
        switch item.status.code {
        case .ok: status = .ok
        case .error: status = .error
        default: status = .unset
        }
        return Span(
            traceID: trace, spanID: id, parentSpanID: spanID(item.parentSpanID).flatMap { $0.isValid ? $0 : nil },
            name: item.name, kind: Span.Kind(rawValue: item.kind.rawValue) ?? .unspecified,
            start: Timestamp(nanoseconds: Int64(bitPattern: item.startTimeUnixNano)),
            end: Timestamp(nanoseconds: Int64(bitPattern: item.endTimeUnixNano)),
            status: status, statusMessage: item.status.message.isEmpty ? nil : item.status.message,
            service: service, attributes: attributes(item.attributes), resource: resource,
            events: item.events.map {
                Span.Event(name: $0.name, time: Timestamp(nanoseconds: Int64(bitPattern: $0.timeUnixNano)),
                           attributes: attributes($0.attributes))
            },
            links: item.links.compactMap { link in
                guard let trace = traceID(link.traceID), let span = spanID(link.spanID), trace.isValid, span.isValid else {
                    return nil
                }
                return Span.Link(traceID: trace, spanID: span, attributes: attributes(link.attributes))
            })
    }

    static func attributes(_ list: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [Attribute] {
        list.compactMap { pair in value(pair.value).map { Attribute(pair.key, $0) } }
    }

    static func value(_ any: Opentelemetry_Proto_Common_V1_AnyValue) -> AttributeValue? {
        switch any.value {
        case .stringValue(let value): return .string(value)
        case .boolValue(let value): return .bool(value)
        case .intValue(let value): return .int(value)
        case .doubleValue(let value): return .double(value)
        case .bytesValue(let value): return .bytes(Array(value))
        case .arrayValue(let value): return .array(value.values.compactMap(Self.value))
        case .kvlistValue(let value): return .keyValues(attributes(value.values))
        case nil: return nil
        }
    }

    static func traceID(_ bytes: Data) -> TraceID? {
        guard bytes.count == 16 else { return nil }
        let raw = Array(bytes)
        return TraceID(high: raw[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, low: raw[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
    }

    static func spanID(_ bytes: Data) -> SpanID? {
        guard bytes.count == 8 else { return nil }
        return SpanID(bytes.reduce(0) { $0 << 8 | UInt64($1) })
    }
}

extension OTLPProtobufDecoder {
    /// Log records of an `ExportLogsServiceRequest`; their `source` is left for the caller.
    /// - Throws: when the bytes are not a valid message.
    public static func decodeLogs(_ data: Data) throws -> [LogRecord] {
        let request = try Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest(serializedBytes: data)
        var records: [LogRecord] = []
        for group in request.resourceLogs {
            let resource = attributes(group.resource.attributes)
            let service = resource["service.name"]?.text
            let host = resource["host.name"]?.text
            for scope in group.scopeLogs {
                for item in scope.logRecords {
                    records.append(OTLPLogRecords.make(
                        time: Int64(bitPattern: item.timeUnixNano), observed: Int64(bitPattern: item.observedTimeUnixNano),
                        severityNumber: item.severityNumber == 0 ? nil : Int(item.severityNumber),
                        severityText: item.severityText.isEmpty ? nil : item.severityText,
                        traceID: traceID(item.traceID), spanID: spanID(item.spanID),
                        body: item.hasBody ? value(item.body) : nil, service: service, host: host))
                }
            }
        }
        return records
    }
}
