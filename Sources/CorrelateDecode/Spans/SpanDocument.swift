public import CorrelateModel
public import CorrelateJSON

/// The trace formats correlate reads.
public enum SpanFormat: String, Sendable, CaseIterable {
    /// OTLP JSON: an `ExportTraceServiceRequest` / `TracesData` (`resourceSpans`).
    case otlpJSON = "otlp-json"
    /// OTLP protobuf: an `ExportTraceServiceRequest` as OTLP/HTTP sends it.
    case otlpProtobuf = "otlp-protobuf"
    /// Jaeger's query API JSON: `{"data":[{"traceID", "spans", "processes"}]}`.
    case jaeger
    /// Zipkin v2 JSON: an array of spans.
    case zipkin
}

/// What one document held.
public struct DecodedSpans: Sendable {
    public var format: SpanFormat
    public var spans: [Span] = []
    /// Spans left out because an id was missing, malformed or all zero.
    public var rejected = 0
    /// Spans moved out by ``takeSpans()``.
    public private(set) var taken = 0
    /// The spans the document gave: those it holds and those taken out of it.
    public var spanCount: Int { spans.count + taken }
    /// Why the first span left out was: which span of the document, and what was wrong.
    public var firstRejection: String?

    public init(format: SpanFormat) {
        self.format = format
    }

    /// Moves the spans out (they still count in ``spanCount``), so that whoever takes them
    /// decides where they are released.
    public mutating func takeSpans() -> [Span] {
        defer { spans = [] }
        taken += spans.count
        return spans
    }

    /// Counts the spans of `part`, a later part of the same document (its spans, taken or
    /// not, as taken; its rejections, and why the first was when none was before).
    public mutating func add(_ part: DecodedSpans) {
        taken += part.spanCount
        rejected += part.rejected
        if firstRejection == nil { firstRejection = part.firstRejection }
    }

    /// Counts a span left out, and keeps why when it is the first.
    public mutating func reject(_ reason: @autoclosure () -> String) {
        rejected += 1
        if firstRejection == nil { firstRejection = reason() }
    }
}

/// A document that is not spans of any known format.
public struct SpanDecodingError: Error, Sendable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// Decodes one JSON document of spans, detecting its format: OTLP JSON (`resourceSpans`), as
/// trace backends' APIs return it too — Grafana Tempo's trace by id (`batches`, `/api/traces`;
/// `{"trace": …}`, `/api/v2/traces`), Jaeger v2's (`{"result": …}`, `/api/v3/traces`) — Jaeger's
/// query API (`{"data": [traces]}`, `/api/traces`, or one trace), Zipkin v2 (an array of spans,
/// `/api/v2/trace`).
public enum SpanDocumentDecoder {
    public static func decode(_ document: JSONDocument) throws(SpanDecodingError) -> DecodedSpans {
        if case .array(let items) = document { return ZipkinDecoder.decode(items) }
        guard let members = document.members else {
            throw SpanDecodingError("not spans: expected an object or an array")
        }
        if document["resourceSpans"] != nil || document["resource_spans"] != nil || document["batches"] != nil {
            return OTLPJSONDecoder.decode(document)
        }
        // An API's envelope around OTLP JSON.
        for key in ["trace", "result"] {
            if let inner = document[key], inner["resourceSpans"] != nil || inner["resource_spans"] != nil || inner["batches"] != nil {
                return OTLPJSONDecoder.decode(inner)
            }
        }
        if let data = document["data"]?.array { return JaegerDecoder.decode(data) }
        if document["traceID"] != nil, document["spans"] != nil { return JaegerDecoder.decode([document]) }
        if members.isEmpty { return DecodedSpans(format: .otlpJSON) }
        let keys = members.prefix(5).map(\.0).joined(separator: ", ")
        throw SpanDecodingError("not spans: expected resourceSpans or batches (OTLP, Tempo), data (Jaeger) or an array (Zipkin), found \(keys)")
    }
}

/// Helpers shared by the decoders.
enum SpanIDs {
    /// A trace id written as hex (OTLP JSON, Jaeger, Zipkin; 16 or 32 digits) or, by generic
    /// protobuf JSON encoders, as base64.
    static func trace(_ text: String?) -> TraceID? {
        guard let text, !text.isEmpty else { return nil }
        if let id = TraceID.parse(text, format: .hex), text.count == 32 || text.count == 16 { return id }
        if text.count == 24, let id = TraceID.parse(text, format: .base64) { return id }
        // Jaeger drops leading zeros of 64-bit ids.
        if text.count < 32, text.allSatisfy(\.isHexDigit) {
            return TraceID.parse(String(repeating: "0", count: 32 - text.count) + text, format: .hex)
        }
        return nil
    }

    static func span(_ text: String?) -> SpanID? {
        guard let text, !text.isEmpty else { return nil }
        if text.count == 16, let id = SpanID.parse(text, format: .hex) { return id }
        if text.count == 12, let id = SpanID.parse(text, format: .base64) { return id }
        if text.count < 16, text.allSatisfy(\.isHexDigit) {
            return SpanID.parse(String(repeating: "0", count: 16 - text.count) + text, format: .hex)
        }
        return nil
    }

    /// Why a span was left out: `span N ("name"): what is wrong`, N counting the document's
    /// spans from 1. The ids are given as the document wrote them.
    static func rejection(index: Int, name: String?, trace: String?, span: String?, hasStart: Bool = true) -> String {
        func problem(_ what: String, _ text: String?, _ valid: Bool?) -> String? {
            guard let text, !text.isEmpty else { return "no \(what)" }
            guard let valid else { return "\(what) '\(printable(text.prefix(48)))' is neither hex nor base64 of the right length" }
            return valid ? nil : "all-zero \(what)"
        }
        let what = problem("trace id", trace, self.trace(trace)?.isValid)
            ?? problem("span id", span, self.span(span)?.isValid)
            ?? (hasStart ? "unreadable" : "no start time")
        return "span \(index)" + (name.map { " (\"\(printable($0.prefix(80)))\")" } ?? "") + ": " + what
    }

    /// `text` on one line: control characters (a newline in a name that was a log's body) as
    /// `\n`, `\t`, `\u{…}`.
    static func printable(_ text: Substring) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return String(text) }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.properties.generalCategory == .control {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Microseconds (Jaeger, Zipkin) to a timestamp.
    static func micros(_ value: JSONDocument?) -> Timestamp? {
        value?.int64.map { Timestamp(nanoseconds: $0 &* 1_000) }
    }
}
