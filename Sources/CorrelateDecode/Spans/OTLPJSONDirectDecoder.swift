import CorrelateModel
public import CorrelateJSON

/// OTLP JSON in the shape the OpenTelemetry Collector and the SDKs' OTLP/HTTP JSON exporters
/// write (`{"resourceSpans":[{"resource":{…},"scopeSpans":[{"scope":{…},"spans":[…]}]}]}`,
/// camelCase keys, hex ids: the OTLP/JSON encoding of `ExportTraceServiceRequest`,
/// opentelemetry-proto `docs/specification.md`), read straight into spans with
/// ``JSONCursor``: no document tree is built; unknown members inside the request (`scope`,
/// `schemaUrl`, `flags`, `droppedAttributesCount`, …) are passed over.
///
/// It gives exactly what ``OTLPJSONDecoder`` gives on the tree of the same text, or nil: for
/// anything else — other key spellings (snake_case, `instrumentationLibrarySpans`, Tempo's
/// `batches`), a member beside `resourceSpans` (an API's envelope), a span that would be rejected, an attribute value of another type than its key
/// says, `arrayValue`/`kvlistValue`, a member given twice, the resource after its spans,
/// malformed JSON — the caller decodes the tree, which says what is wrong.
public enum OTLPJSONDirectDecoder {
    /// The spans of one OTLP JSON document in the common shape, or nil (see the type).
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> DecodedSpans? {
        var reader = Reader(cursor: JSONCursor(bytes: bytes))
        return try? reader.document()
    }

    /// The document is not the common shape (or not JSON): the tree decoder reads it.
    struct NotPlain: Error {}

    struct Reader {
        var cursor: JSONCursor
        var result = DecodedSpans(format: .otlpJSON)

        var bytes: UnsafeBufferPointer<UInt8> { cursor.bytes }

        mutating func document() throws -> DecodedSpans {
            cursor.skipSpace()
            var found = false
            try members(depth: 0) { reader, key in
                // An export request holds resourceSpans only; another member (an API's
                // envelope, Jaeger's data, Tempo's batches) is the tree decoder's to read.
                guard reader.matches(key, "resourceSpans"), !found else { throw NotPlain() }
                found = true
                try reader.elements(depth: 1) { reader in try reader.resourceSpans(depth: 2) }
            }
            cursor.skipSpace()
            guard found, cursor.index == bytes.count else { throw NotPlain() }
            return result
        }

        mutating func resourceSpans(depth: Int) throws {
            var resource: [Attribute] = []
            var service: String?
            var seenResource = false
            var seenAttributes = false
            var seenScopes = false
            try members(depth: depth) { reader, key in
                if reader.matches(key, "resource") {
                    // Spans take their resource from before them.
                    guard !seenResource, !seenScopes else { throw NotPlain() }
                    seenResource = true
                    try reader.members(depth: depth + 1) { reader, key in
                        if reader.matches(key, "attributes") {
                            guard !seenAttributes else { throw NotPlain() }
                            seenAttributes = true
                            resource = try reader.attributes(depth: depth + 2)
                        } else {
                            try reader.skip(key, depth: depth + 2)
                        }
                    }
                    service = resource["service.name"]?.text
                } else if reader.matches(key, "scopeSpans") {
                    guard !seenScopes else { throw NotPlain() }
                    seenScopes = true
                    try reader.elements(depth: depth + 1) { reader in
                        var seenSpans = false
                        try reader.members(depth: depth + 2) { reader, key in
                            if reader.matches(key, "spans") {
                                guard !seenSpans else { throw NotPlain() }
                                seenSpans = true
                                try reader.elements(depth: depth + 3) { reader in
                                    reader.result.spans.append(try reader.span(depth: depth + 4, service: service, resource: resource))
                                }
                            } else {
                                try reader.skip(key, depth: depth + 3)
                            }
                        }
                    }
                } else if reader.matches(key, "instrumentationLibrarySpans") {
                    // The name before scopeSpans (OTLP < 0.15).
                    throw NotPlain()
                } else {
                    try reader.skip(key, depth: depth + 1)
                }
            }
        }

        mutating func span(depth: Int, service: String?, resource: [Attribute]) throws -> Span {
            var trace: TraceID?
            var id: SpanID?
            var parent: SpanID?
            var name: String?
            var kind: Span.Kind?
            var start: Int64?
            var end: Int64?
            var status: Span.Status?
            var message: String?
            var attributes: [Attribute]?
            var events: [Span.Event]?
            var links: [Span.Link]?
            try members(depth: depth) { reader, key in
                // The keys compared as bytes (a `String` of a key of 16 bytes or more would be
                // allocated for each span).
                if reader.matches(key, "traceId") {
                    guard trace == nil else { throw NotPlain() }
                    trace = try reader.traceID()
                } else if reader.matches(key, "spanId") {
                    guard id == nil else { throw NotPlain() }
                    id = try reader.spanID()
                } else if reader.matches(key, "parentSpanId") {
                    guard parent == nil else { throw NotPlain() }
                    // An empty or all-zero parent is a root.
                    parent = try reader.spanIDText().flatMap { $0.isValid ? $0 : nil } ?? SpanID(0)
                } else if reader.matches(key, "name") {
                    guard name == nil else { throw NotPlain() }
                    name = try reader.string()
                } else if reader.matches(key, "kind") {
                    guard kind == nil else { throw NotPlain() }
                    kind = try reader.kind()
                } else if reader.matches(key, "startTimeUnixNano") {
                    guard start == nil else { throw NotPlain() }
                    start = try reader.int64()
                } else if reader.matches(key, "endTimeUnixNano") {
                    guard end == nil else { throw NotPlain() }
                    end = try reader.int64()
                } else if reader.matches(key, "status") {
                    guard status == nil else { throw NotPlain() }
                    (status, message) = try reader.status(depth: depth + 1)
                } else if reader.matches(key, "attributes") {
                    guard attributes == nil else { throw NotPlain() }
                    attributes = try reader.attributes(depth: depth + 1)
                } else if reader.matches(key, "events") {
                    guard events == nil else { throw NotPlain() }
                    events = try reader.events(depth: depth + 1)
                } else if reader.matches(key, "links") {
                    guard links == nil else { throw NotPlain() }
                    links = try reader.links(depth: depth + 1)
                } else {
                    try reader.skip(key, depth: depth + 1)
                }
            }
            // A span the tree decoder would reject: it also says why.
            guard let trace, trace.isValid, let id, id.isValid else { throw NotPlain() }
            let begin = start ?? 0
            return Span(
                traceID: trace, spanID: id, parentSpanID: parent.flatMap { $0.isValid ? $0 : nil }, name: name ?? "",
                kind: kind ?? .unspecified, start: Timestamp(nanoseconds: begin), end: Timestamp(nanoseconds: end ?? begin),
                status: status ?? .unset, statusMessage: message.flatMap { $0.isEmpty ? nil : $0 },
                service: service, attributes: attributes ?? [], resource: resource,
                events: events ?? [], links: links ?? [])
        }

        mutating func status(depth: Int) throws -> (Span.Status, String?) {
            var code: Span.Status?
            var message: String?
            try members(depth: depth) { reader, key in
                if reader.matches(key, "code") {
                    guard code == nil else { throw NotPlain() }
                    // A number (or a numeric string) is the enum's value; a name ends in its
                    // code; anything else is unset.
                    let (text, quoted) = try reader.scalarText()
                    if let number = OTLPJSONDirectDecoder.int64(text) {
                        code = Span.Status(rawValue: Int(number)) ?? .unset
                    } else {
                        code = quoted ? (text.hasSuffix("ERROR") ? .error : text.hasSuffix("OK") ? .ok : .unset) : .unset
                    }
                } else if reader.matches(key, "message") {
                    guard message == nil else { throw NotPlain() }
                    message = try reader.string()
                } else {
                    try reader.skip(key, depth: depth + 1)
                }
            }
            return (code ?? .unset, message)
        }

        mutating func kind() throws -> Span.Kind {
            let (text, quoted) = try scalarText()
            if let number = OTLPJSONDirectDecoder.int64(text) { return Span.Kind(rawValue: Int(number)) ?? .unspecified }
            return quoted ? Span.Kind(name: text) : .unspecified
        }

        mutating func events(depth: Int) throws -> [Span.Event] {
            var events: [Span.Event] = []
            try elements(depth: depth) { reader in
                var name: String?
                var time: Int64?
                var attributes: [Attribute]?
                try reader.members(depth: depth + 1) { reader, key in
                    switch reader.name(of: key) {
                    case "name":
                        guard name == nil else { throw NotPlain() }
                        name = try reader.string()
                    case "timeUnixNano":
                        guard time == nil else { throw NotPlain() }
                        time = try reader.int64()
                    case "attributes":
                        guard attributes == nil else { throw NotPlain() }
                        attributes = try reader.attributes(depth: depth + 2)
                    default:
                        try reader.skip(key, depth: depth + 2)
                    }
                }
                events.append(Span.Event(name: name ?? "", time: Timestamp(nanoseconds: time ?? 0), attributes: attributes ?? []))
            }
            return events
        }

        mutating func links(depth: Int) throws -> [Span.Link] {
            var links: [Span.Link] = []
            try elements(depth: depth) { reader in
                var trace: TraceID?
                var span: SpanID?
                var attributes: [Attribute]?
                try reader.members(depth: depth + 1) { reader, key in
                    switch reader.name(of: key) {
                    case "traceId":
                        guard trace == nil else { throw NotPlain() }
                        trace = try reader.traceID()
                    case "spanId":
                        guard span == nil else { throw NotPlain() }
                        span = try reader.spanID()
                    case "attributes":
                        guard attributes == nil else { throw NotPlain() }
                        attributes = try reader.attributes(depth: depth + 2)
                    default:
                        try reader.skip(key, depth: depth + 2)
                    }
                }
                // The tree decoder leaves out a link without valid ids; so would this, but
                // such a document is rare enough to leave to it.
                guard let trace, trace.isValid, let span, span.isValid else { throw NotPlain() }
                links.append(Span.Link(traceID: trace, spanID: span, attributes: attributes ?? []))
            }
            return links
        }

        /// `[{"key": …, "value": {AnyValue}}]`, with scalar values only.
        mutating func attributes(depth: Int) throws -> [Attribute] {
            var list: [Attribute] = []
            try elements(depth: depth) { reader in
                var key: String?
                var value: AttributeValue?
                try reader.members(depth: depth + 1) { reader, member in
                    if reader.matches(member, "key") {
                        guard key == nil else { throw NotPlain() }
                        key = try reader.string()
                    } else if reader.matches(member, "value") {
                        guard value == nil else { throw NotPlain() }
                        value = try reader.anyValue(depth: depth + 2)
                    } else {
                        try reader.skip(member, depth: depth + 2)
                    }
                }
                guard let key, let value else { throw NotPlain() }
                list.append(Attribute(key, value))
            }
            return list
        }

        /// OTLP's `AnyValue`: its first member says the type (as the tree decoder reads it);
        /// the members after it are passed over.
        mutating func anyValue(depth: Int) throws -> AttributeValue {
            var value: AttributeValue?
            try members(depth: depth) { reader, key in
                guard value == nil else { return try reader.skip(key, depth: depth + 1) }
                switch reader.name(of: key) {
                case "stringValue":
                    value = .string(try reader.string())
                case "intValue":
                    let (text, _) = try reader.scalarText()
                    guard let number = OTLPJSONDirectDecoder.int64(text) else { throw NotPlain() }
                    value = .int(number)
                case "doubleValue":
                    let (text, _) = try reader.scalarText()
                    guard let number = Double(text) else { throw NotPlain() }
                    value = .double(number)
                case "boolValue":
                    guard reader.cursor.index < reader.bytes.count else { throw NotPlain() }
                    switch reader.bytes[reader.cursor.index] {
                    case UInt8(ascii: "t"): _ = try reader.cursor.literal("true", .null); value = .bool(true)
                    case UInt8(ascii: "f"): _ = try reader.cursor.literal("false", .null); value = .bool(false)
                    default: throw NotPlain()
                    }
                case "bytesValue":
                    guard let decoded = Base64.decode(try reader.string().utf8) else { throw NotPlain() }
                    value = .bytes(decoded)
                default:
                    // arrayValue, kvlistValue, snake_case, unknown: the tree decoder's.
                    throw NotPlain()
                }
            }
            guard let value else { throw NotPlain() }
            return value
        }

        // MARK: - Lexical steps

        /// Calls `member` for each member of the object at the cursor, the cursor on its value
        /// (which `member` must pass). A key with an escape or an underscore (another spelling
        /// the tree decoder reads) ends the direct reading.
        mutating func members(depth: Int, _ member: (inout Reader, Range<Int>) throws -> Void) throws {
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "{"), depth < NestingLimit.maximumDepth else {
                throw NotPlain()
            }
            cursor.index += 1
            cursor.skipSpace()
            if cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "}") {
                cursor.index += 1
                return
            }
            while true {
                cursor.skipSpace()
                guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "\"") else { throw NotPlain() }
                let (key, escaped) = try cursor.stringContent()
                guard !escaped, !bytes[key].contains(UInt8(ascii: "_")) else { throw NotPlain() }
                cursor.skipSpace()
                guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: ":") else { throw NotPlain() }
                cursor.index += 1
                cursor.skipSpace()
                try member(&self, key)
                cursor.skipSpace()
                guard cursor.index < bytes.count else { throw NotPlain() }
                if bytes[cursor.index] == UInt8(ascii: ",") {
                    cursor.index += 1
                    continue
                }
                guard bytes[cursor.index] == UInt8(ascii: "}") else { throw NotPlain() }
                cursor.index += 1
                return
            }
        }

        /// Calls `element` for each element of the array at the cursor, the cursor on it.
        mutating func elements(depth: Int, _ element: (inout Reader) throws -> Void) throws {
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "["), depth < NestingLimit.maximumDepth else {
                throw NotPlain()
            }
            cursor.index += 1
            cursor.skipSpace()
            if cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "]") {
                cursor.index += 1
                return
            }
            while true {
                cursor.skipSpace()
                try element(&self)
                cursor.skipSpace()
                guard cursor.index < bytes.count else { throw NotPlain() }
                if bytes[cursor.index] == UInt8(ascii: ",") {
                    cursor.index += 1
                    continue
                }
                guard bytes[cursor.index] == UInt8(ascii: "]") else { throw NotPlain() }
                cursor.index += 1
                return
            }
        }

        /// Passes the value of a member this reader does not use.
        mutating func skip(_ key: Range<Int>, depth: Int) throws {
            try cursor.skipValue(depth: depth)
        }

        func matches(_ key: Range<Int>, _ name: StaticString) -> Bool {
            UnsafeBufferPointer(rebasing: bytes[key]).hasBytes(of: name)
        }

        /// A key as a string, for a `switch` over several names.
        func name(of key: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[key]), as: UTF8.self)
        }

        /// A JSON string value (anything else ends the direct reading).
        mutating func string() throws -> String {
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "\"") else { throw NotPlain() }
            return try cursor.string()
        }

        /// A number's text, or a string's (unescaped); whether it was a string.
        mutating func scalarText() throws -> (String, Bool) {
            guard cursor.index < bytes.count else { throw NotPlain() }
            switch bytes[cursor.index] {
            case UInt8(ascii: "\""): return (try cursor.string(), true)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return (String(decoding: UnsafeBufferPointer(rebasing: bytes[cursor.number()]), as: UTF8.self), false)
            default: throw NotPlain()
            }
        }

        /// The bytes of the string value at the cursor, which it passes, when it has no escape;
        /// nil, the cursor unmoved, when it has one (anything but a string ends the reading).
        mutating func plainString() throws -> UnsafeBufferPointer<UInt8>? {
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "\"") else { throw NotPlain() }
            let start = cursor.index
            let (content, escaped) = try cursor.stringContent()
            guard !escaped else {
                cursor.index = start
                return nil
            }
            return UnsafeBufferPointer(rebasing: bytes[content])
        }

        /// An int64 written as a number or a string (OTLP writes them as strings): digits read
        /// in place, anything else as ``OTLPJSONDirectDecoder/int64(_:)`` reads its text.
        mutating func int64() throws -> Int64 {
            if cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "\""), let raw = try plainString() {
                if let value = OTLPJSONDirectDecoder.digits(raw) { return value }
                guard let value = OTLPJSONDirectDecoder.int64(String(decoding: raw, as: UTF8.self)) else { throw NotPlain() }
                return value
            }
            guard let value = OTLPJSONDirectDecoder.int64(try scalarText().0) else { throw NotPlain() }
            return value
        }

        /// A trace id as ``SpanIDs/trace(_:)`` reads it; 32 hex digits read in place.
        mutating func traceID() throws -> TraceID {
            let text: String
            if let raw = try plainString() {
                if raw.count == 32, let id = TraceID.parse(raw, format: .hex) { return id }
                text = String(decoding: raw, as: UTF8.self)
            } else {
                text = try string()
            }
            guard let id = SpanIDs.trace(text) else { throw NotPlain() }
            return id
        }

        mutating func spanID() throws -> SpanID {
            guard let id = try spanIDText() else { throw NotPlain() }
            return id
        }

        /// A span id as ``SpanIDs/span(_:)`` reads it, nil when it reads none; 16 hex digits
        /// read in place.
        mutating func spanIDText() throws -> SpanID? {
            if let raw = try plainString() {
                if raw.count == 16, let id = SpanID.parse(raw, format: .hex) { return id }
                return SpanIDs.span(String(decoding: raw, as: UTF8.self))
            }
            return SpanIDs.span(try string())
        }
    }

    /// A number's text as an integer, as ``CorrelateJSON/JSONDocument/int64`` reads it.
    static func int64(_ text: String) -> Int64? {
        // The common case, digits only (nanosecond times have 19), without the detour.
        digits(text.utf8) ?? JSONDocument.string(text).int64
    }

    /// Decimal digits only (at least one) that fit an Int64, as their value; else nil.
    static func digits<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAgain) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow, !overflowAgain else { return nil }
            value = sum
        }
        return value
    }

}
