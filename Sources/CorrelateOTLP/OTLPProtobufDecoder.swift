public import CorrelateModel
public import Foundation
import SwiftProtobuf
import CorrelateJSON
public import CorrelateDecode

/// Decodes OTLP protobuf, as OTLP/HTTP sends it (`application/x-protobuf`), with the code
/// generated from `proto/` by `scripts/generate-protos.sh`.
public enum OTLPProtobufDecoder {
    /// Spans of an `ExportTraceServiceRequest`, and how many were left out for invalid or
    /// all-zero ids.
    /// - Throws: when the bytes are not a valid message.
    public static func decodeTraces(_ data: Data) throws -> (spans: [Span], rejected: Int) {
        try data.withUnsafeBytes { bytes in try decodeTraces(bytes) }
    }

    /// Spans of an `ExportTraceServiceRequest` read from the wire format directly
    /// (``ProtobufWire``); the same spans the generated message types give (a test holds the
    /// two to each other on the recorded requests).
    /// - Throws: ``ProtobufWire/Failure`` when the bytes are not a valid message, or nest
    ///   messages deeper than ``NestingLimit/maximumDepth`` (an attribute's `AnyValue`s).
    public static func decodeTraces(_ bytes: UnsafeRawBufferPointer) throws -> (spans: [Span], rejected: Int) {
        let decoded = try decode(bytes)
        return (decoded.spans, decoded.rejected)
    }

    /// The same, with why the first span left out was (``DecodedSpans/firstRejection``).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> DecodedSpans {
        var result = DecodedSpans(format: .otlpProtobuf)
        var resource = SpanMessages.Resource(attributes: [], service: nil)
        var index = 0
        try SpanMessages.walk(bytes, resource: { resource = $0 }) { message in
            index += 1
            var rejection = ""
            if let decoded = try span(&message, service: resource.service, resource: resource.attributes, rejection: &rejection) {
                result.spans.append(decoded)
            } else {
                result.reject("span \(index)" + rejection)
            }
        }
        return result
    }

    /// The span messages of an `ExportTraceServiceRequest`, found without decoding them: each
    /// span's bytes and its resource, so that parts of a large request can be decoded on
    /// several threads (``decode(_:in:)``), each part giving the spans (and the rejections, with
    /// the same span numbers) that decoding the whole request in order gives for them.
    public struct SpanMessages: Sendable {
        /// A `Resource`: its attributes and its `service.name`.
        struct Resource: Sendable {
            let attributes: [Attribute]
            let service: String?
        }

        private var resources: [Resource] = []
        /// Each span message, in the request's order: its bytes' range and its resource.
        private var messages: [(range: Range<Int>, resource: Int)] = []
        /// How deep span messages are nested in the request (they all are at the same depth).
        private var depth = 0

        /// The indices of the span messages, in the request's order.
        public var spans: Range<Int> { messages.indices }

        /// Finds the span messages in `bytes`, and decodes the resources.
        /// - Throws: ``ProtobufWire/Failure`` when the request, a `ResourceSpans` or a
        ///   `ScopeSpans` is not a valid message (a span's own contents are read by
        ///   ``decode(_:in:)``).
        public init(_ bytes: UnsafeRawBufferPointer) throws {
            try Self.walk(bytes, resource: { resources.append($0) }) { message in
                let rest = message.rest
                depth = rest.depth
                messages.append((rest.range, resources.count - 1))
            }
        }

        /// Reads the request in `bytes` down to its span messages: calls `resource` with each
        /// `ResourceSpans`' resource, then `span` with each of its spans' messages, in order.
        static func walk(_ bytes: UnsafeRawBufferPointer, resource: (Resource) -> Void, span: (inout ProtobufWire) throws -> Void) throws {
            var request = ProtobufWire(bytes)
            try request.forEachMessage(1) { resourceSpans in
                // The resource may come after its scopes: read it first.
                var attributes: [Attribute] = []
                var scan = resourceSpans
                try scan.forEachMessage(1) { message in
                    try message.forEachMessage(1) { try $0.appendKeyValue(to: &attributes) }
                }
                resource(Resource(attributes: attributes, service: attributes["service.name"]?.text))
                try resourceSpans.forEachMessage(2) { scope in
                    try scope.forEachMessage(2, span)
                }
            }
        }

        /// Decodes the span messages at `indices` (of ``spans``) of the request in `bytes` (the
        /// bytes this was made from).
        /// - Throws: ``BadSpan`` when a span is not a valid message, or nests messages deeper
        ///   than ``NestingLimit/maximumDepth``.
        public func decode(_ indices: Range<Int>, in bytes: UnsafeRawBufferPointer) throws(BadSpan) -> DecodedSpans {
            var result = DecodedSpans(format: .otlpProtobuf)
            result.spans.reserveCapacity(indices.count)
            for index in indices {
                let (range, resource) = messages[index]
                var message = ProtobufWire(bytes, rest: (range, depth))
                var rejection = ""
                let context = resources[resource]
                do {
                    if let decoded = try OTLPProtobufDecoder.span(&message, service: context.service, resource: context.attributes, rejection: &rejection) {
                        result.spans.append(decoded)
                    } else {
                        result.reject("span \(index + 1)" + rejection)
                    }
                } catch {
                    throw BadSpan(number: index + 1, offset: range.lowerBound, reason: error, before: result)
                }
            }
            return result
        }

        /// A span that is not a valid message: its number in the request, where its message's
        /// contents start (bytes from the request's start), why, and what the part decoded
        /// before it.
        public struct BadSpan: Error, CustomStringConvertible {
            public let number: Int
            public let offset: Int
            public let reason: any Error
            public var before: DecodedSpans

            public var description: String { "span \(number) (at byte \(offset)): \(reason)" }
        }
    }

    /// A `Span` message; nil when its trace or span id is missing, malformed or all zero.
    /// - Parameter rejection: set, when nil is returned, to why: ` ("name"): what is wrong`.
    static func span(_ message: inout ProtobufWire, service: String?, resource: [Attribute], rejection: inout String) throws -> Span? {
        var trace: TraceID?
        var id: SpanID?
        var traceGiven = false
        var idGiven = false
        var parent: SpanID?
        var name = ""
        var kind = 0
        var start: UInt64 = 0
        var end: UInt64 = 0
        var attributes: [Attribute] = []
        var events: [Span.Event] = []
        var links: [Span.Link] = []
        var statusCode: UInt64 = 0
        var statusMessage = ""
        while !message.isAtEnd {
            let (number, type) = try message.field()
            switch (number, type) {
            case (1, 2):
                traceGiven = true
                trace = try message.traceID()
            case (2, 2):
                idGiven = true
                id = try message.spanID()
            case (4, 2): parent = try message.spanID()
            case (5, 2): name = try message.string()
            case (6, 0): kind = Int(truncatingIfNeeded: try message.varint())
            case (7, 1): start = try message.fixed64()
            case (8, 1): end = try message.fixed64()
            case (9, 2):
                var pair = try message.message()
                try pair.appendKeyValue(to: &attributes)
            case (11, 2):
                var event = try message.message()
                var eventName = ""
                var time: UInt64 = 0
                var eventAttributes: [Attribute] = []
                while !event.isAtEnd {
                    let (field, fieldType) = try event.field()
                    switch (field, fieldType) {
                    case (1, 1): time = try event.fixed64()
                    case (2, 2): eventName = try event.string()
                    case (3, 2):
                        var pair = try event.message()
                        try pair.appendKeyValue(to: &eventAttributes)
                    default: try event.skip(fieldType)
                    }
                }
                events.append(Span.Event(name: eventName, time: Timestamp(nanoseconds: Int64(bitPattern: time)), attributes: eventAttributes))
            case (13, 2):
                var link = try message.message()
                var linkTrace: TraceID?
                var linkSpan: SpanID?
                var linkAttributes: [Attribute] = []
                while !link.isAtEnd {
                    let (field, fieldType) = try link.field()
                    switch (field, fieldType) {
                    case (1, 2): linkTrace = try link.traceID()
                    case (2, 2): linkSpan = try link.spanID()
                    case (4, 2):
                        var pair = try link.message()
                        try pair.appendKeyValue(to: &linkAttributes)
                    default: try link.skip(fieldType)
                    }
                }
                if let linkTrace, let linkSpan, linkTrace.isValid, linkSpan.isValid {
                    links.append(Span.Link(traceID: linkTrace, spanID: linkSpan, attributes: linkAttributes))
                }
            case (15, 2):
                var status = try message.message()
                while !status.isAtEnd {
                    let (field, fieldType) = try status.field()
                    switch (field, fieldType) {
                    case (2, 2): statusMessage = try status.string()
                    case (3, 0): statusCode = try status.varint()
                    default: try status.skip(fieldType)
                    }
                }
            default: try message.skip(type)
            }
        }
        guard let trace, trace.isValid, let id, id.isValid else {
            func problem(_ what: String, _ given: Bool, _ valid: Bool?, bytes: Int) -> String? {
                guard given else { return "no \(what)" }
                guard let valid else { return "\(what) is not \(bytes) bytes" }
                return valid ? nil : "all-zero \(what)"
            }
            let what = problem("trace id", traceGiven, trace?.isValid, bytes: 16)
                ?? problem("span id", idGiven, id?.isValid, bytes: 8) ?? "unreadable"
            rejection = (name.isEmpty ? "" : " (\"\(name.prefix(80))\")") + ": " + what
            return nil
        }
        return Span(
            traceID: trace, spanID: id, parentSpanID: parent.flatMap { $0.isValid ? $0 : nil },
            name: name, kind: Span.Kind(rawValue: kind) ?? .unspecified,
            start: Timestamp(nanoseconds: Int64(bitPattern: start)), end: Timestamp(nanoseconds: Int64(bitPattern: end)),
            status: statusCode == 1 ? .ok : statusCode == 2 ? .error : .unset,
            statusMessage: statusMessage.isEmpty ? nil : statusMessage,
            service: service, attributes: attributes, resource: resource, events: events, links: links)
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
    /// - Throws: when the bytes are not a valid message, or nest messages deeper than
    ///   ``NestingLimit/maximumDepth``.
    public static func decodeLogs(_ data: Data) throws -> [LogRecord] {
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = NestingLimit.maximumDepth
        let request: Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest
        do {
            request = try .init(serializedBytes: data, options: options)
        } catch BinaryDecodingError.messageDepthLimit {
            throw ProtobufWire.Failure.tooDeep
        }
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
