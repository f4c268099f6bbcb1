public import CorrelateModel
public import Foundation
import SwiftProtobuf

/// Encodes spans as an OTLP `ExportTraceServiceRequest` (as an SDK's OTLP/HTTP exporter sends
/// it), grouping them by resource. Used by the benchmarks and tests to produce real requests.
public enum OTLPProtobufEncoder {
    public static func encodeTraces(_ spans: [Span]) throws -> Data {
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        var groups: [[Attribute]: [Span]] = [:]
        var order: [[Attribute]] = []
        for span in spans {
            if groups[span.resource] == nil { order.append(span.resource) }
            groups[span.resource, default: []].append(span)
        }
        for resource in order {
            var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            resourceSpans.resource.attributes = keyValues(resource)
            var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            scope.spans = groups[resource]!.map(span)
            resourceSpans.scopeSpans = [scope]
            request.resourceSpans.append(resourceSpans)
        }
        return try request.serializedData()
    }

    static func span(_ span: Span) -> Opentelemetry_Proto_Trace_V1_Span {
        var item = Opentelemetry_Proto_Trace_V1_Span()
        item.traceID = bytes(span.traceID)
        item.spanID = bytes(span.spanID)
        if let parent = span.parentSpanID { item.parentSpanID = bytes(parent) }
        item.name = span.name
        item.kind = Opentelemetry_Proto_Trace_V1_Span.SpanKind(rawValue: span.kind.rawValue) ?? .unspecified
        item.startTimeUnixNano = UInt64(bitPattern: span.start.nanoseconds)
        item.endTimeUnixNano = UInt64(bitPattern: span.end.nanoseconds)
        item.attributes = keyValues(span.attributes)
        switch span.status {
        case .ok: item.status.code = .ok
        case .error: item.status.code = .error
        case .unset: break
        }
        if let message = span.statusMessage { item.status.message = message }
        item.events = span.events.map { event in
            var out = Opentelemetry_Proto_Trace_V1_Span.Event()
            out.name = event.name
            out.timeUnixNano = UInt64(bitPattern: event.time.nanoseconds)
            out.attributes = keyValues(event.attributes)
            return out
        }
        item.links = span.links.map { link in
            var out = Opentelemetry_Proto_Trace_V1_Span.Link()
            out.traceID = bytes(link.traceID)
            out.spanID = bytes(link.spanID)
            out.attributes = keyValues(link.attributes)
            return out
        }
        return item
    }

    static func keyValues(_ attributes: [Attribute]) -> [Opentelemetry_Proto_Common_V1_KeyValue] {
        attributes.map { attribute in
            var pair = Opentelemetry_Proto_Common_V1_KeyValue()
            pair.key = attribute.key
            pair.value = anyValue(attribute.value)
            return pair
        }
    }

    static func anyValue(_ value: AttributeValue) -> Opentelemetry_Proto_Common_V1_AnyValue {
        var out = Opentelemetry_Proto_Common_V1_AnyValue()
        switch value {
        case .string(let text): out.stringValue = text
        case .bool(let flag): out.boolValue = flag
        case .int(let number): out.intValue = number
        case .double(let number): out.doubleValue = number
        case .bytes(let raw): out.bytesValue = Data(raw)
        case .array(let values):
            var array = Opentelemetry_Proto_Common_V1_ArrayValue()
            array.values = values.map(anyValue)
            out.arrayValue = array
        case .keyValues(let pairs):
            var list = Opentelemetry_Proto_Common_V1_KeyValueList()
            list.values = keyValues(pairs)
            out.kvlistValue = list
        }
        return out
    }

    static func bytes(_ id: TraceID) -> Data {
        bigEndian(id.high) + bigEndian(id.low)
    }

    static func bytes(_ id: SpanID) -> Data {
        bigEndian(id.value)
    }

    static func bigEndian(_ value: UInt64) -> Data {
        var data = Data(count: 8)
        for index in 0..<8 { data[index] = UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * index)) }
        return data
    }
}

/// The bodies OTLP/HTTP answers with, in protobuf.
public enum OTLPResponses {
    /// `ExportTraceServiceResponse`; with `rejected` > 0, its partial success.
    public static func traces(rejected: Int, message: String) -> Data {
        var response = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse()
        if rejected > 0 || !message.isEmpty {
            response.partialSuccess.rejectedSpans = Int64(rejected)
            response.partialSuccess.errorMessage = message
        }
        return (try? response.serializedData()) ?? Data()
    }

    /// `ExportLogsServiceResponse`; with `rejected` > 0, its partial success.
    public static func logs(rejected: Int, message: String) -> Data {
        var response = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse()
        if rejected > 0 || !message.isEmpty {
            response.partialSuccess.rejectedLogRecords = Int64(rejected)
            response.partialSuccess.errorMessage = message
        }
        return (try? response.serializedData()) ?? Data()
    }

    /// `google.rpc.Status` { int32 code = 1; string message = 2; }, which OTLP/HTTP error
    /// responses carry; written by hand, it being the only message of that package needed.
    public static func status(code: Int32, message: String) -> Data {
        func varint(_ value: UInt64, into out: inout Data) {
            var value = value
            repeat {
                out.append(UInt8(value & 0x7f) | (value > 0x7f ? 0x80 : 0))
                value >>= 7
            } while value > 0
        }
        var out = Data([0x08])  // field 1, varint
        varint(UInt64(UInt32(bitPattern: code)), into: &out)
        let text = Array(message.utf8)
        out.append(0x12)  // field 2, length-delimited
        varint(UInt64(text.count), into: &out)
        out.append(contentsOf: text)
        return out
    }
}
