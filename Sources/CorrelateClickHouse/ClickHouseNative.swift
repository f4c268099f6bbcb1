import CorrelateJSON
import CorrelateModel

/// Spans and log records as blocks of ClickHouse's **Native** format, the columnar form the
/// server keeps its data in, for `INSERT INTO table (columns) FORMAT Native`.
///
/// The format, as ClickHouse reads it from an HTTP body (`NativeReader` without a client
/// revision: no block info, no serialization flags; https://clickhouse.com/docs/interfaces/formats/Native):
/// a block is the number of columns and of rows (each a LEB128 `VarUInt`), then per column its
/// name and its type (each a `String`) and its values, all rows together:
/// - `String`: per row a `VarUInt` length and the bytes;
/// - integers and `DateTime64(9)`: per row the little-endian value of the type's width
///   (`DateTime64(9)`: Int64 nanoseconds since the epoch);
/// - `Array(T)`: per row the running total of elements as UInt64, then all the elements as a
///   column of `T`;
/// - `Map(K, V)`: as `Array(Tuple(K, V))` — the running totals, then every key, then every value.
///
/// The blocks declare plain types (`String` where the table has `LowCardinality(String)`,
/// `Map(String, String)` for `Map(LowCardinality(String), String)`), which the server converts
/// to the table's (`input_format_native_allow_types_conversion`, ClickHouse 23.3 and later;
/// ``ClickHouseEventStore`` sends JSONEachRow to older servers). The values are those
/// ``ClickHouseRows`` writes as JSON, column for column.
struct NativeLayout: Sendable, Equatable {
    /// Each column the block writes: its name and the type it declares.
    let columns: [(name: String, type: String)]
    /// Bytes of the integer columns whose width follows the table (`Duration`, `TraceFlags`,
    /// `SeverityNumber`: UInt8 to Int64 in the exporter's layouts over the years).
    let widths: [String: Int]

    /// The column list of the INSERT: the columns not named get the table's defaults
    /// (`TimestampTime DEFAULT toDateTime(Timestamp)` of the older `otel_logs`).
    var columnList: String { "(" + columns.map { "`\($0.name)`" }.joined(separator: ", ") + ")" }

    static let integerWidths = ["UInt8": 1, "Int8": 1, "UInt16": 2, "Int16": 2, "UInt32": 4, "Int32": 4, "UInt64": 8, "Int64": 8]

    static func == (a: NativeLayout, b: NativeLayout) -> Bool {
        a.columns.elementsEqual(b.columns) { $0 == $1 } && a.widths == b.widths
    }

    /// The layout of `wanted` columns (name and plain type; `nil` type: an integer of the table's
    /// width) in the table `table`: those the table has and takes (not those it computes:
    /// naming one in an INSERT is an error), in order. Nil when a wanted integer column has a
    /// type other than an integer's.
    init?(_ wanted: [(String, String?)], table: TableColumns) {
        var columns: [(String, String)] = []
        var widths: [String: Int] = [:]
        for (name, type) in wanted {
            guard let tableType = table.types[name], !table.computed.contains(name) else { continue }
            if let type {
                columns.append((name, type))
            } else {
                guard let width = Self.integerWidths[tableType] else { return nil }
                widths[name] = width
                columns.append((name, tableType))
            }
        }
        self.columns = columns
        self.widths = widths
    }

    /// `otel_traces`, the columns ``ClickHouseRows/span(_:_:events:links:)`` writes.
    static func spans(_ table: TableColumns) -> NativeLayout? {
        let map = "Map(String, String)"
        return NativeLayout([
            ("Timestamp", "DateTime64(9)"), ("TraceId", "String"), ("SpanId", "String"), ("ParentSpanId", "String"),
            ("TraceState", "String"), ("SpanName", "String"), ("SpanKind", "String"), ("ServiceName", "String"),
            ("ResourceAttributes", map), ("ScopeName", "String"), ("ScopeVersion", "String"), ("SpanAttributes", map),
            ("Duration", nil), ("StatusCode", "String"), ("StatusMessage", "String"),
            ("Events.Timestamp", "Array(DateTime64(9))"), ("Events.Name", "Array(String)"), ("Events.Attributes", "Array(\(map))"),
            ("Links.TraceId", "Array(String)"), ("Links.SpanId", "Array(String)"), ("Links.TraceState", "Array(String)"),
            ("Links.Attributes", "Array(\(map))"),
        ], table: table)
    }

    /// `otel_logs`, the columns ``ClickHouseRows/log(_:_:now:)`` writes.
    static func logs(_ table: TableColumns) -> NativeLayout? {
        let map = "Map(String, String)"
        return NativeLayout([
            ("Timestamp", "DateTime64(9)"), ("TraceId", "String"), ("SpanId", "String"), ("TraceFlags", nil),
            ("SeverityText", "String"), ("SeverityNumber", nil), ("ServiceName", "String"), ("Body", "String"),
            ("ResourceAttributes", map), ("LogAttributes", map),
        ], table: table)
    }
}

/// One column being filled row by row: its streams, written one after the other at the end
/// (an array's running totals before its elements; a map's keys before its values).
private final class NativeColumn {
    let streams: [JSONWriter]
    /// The running totals of the offset streams (elements of an array, entries of a map).
    var totals: [UInt64]

    init(streams: Int, capacity: Int) {
        self.streams = (0..<streams).map { _ in JSONWriter(capacity: capacity) }
        totals = Array(repeating: 0, count: streams)
    }

    var bytes: Int { streams.reduce(0) { $0 + $1.count } }
}

/// Writes the columns of one Native block; ``block`` gives its bytes.
struct NativeBlockWriter {
    /// What a column holds, found once from its name.
    private enum Field {
        case timestamp, traceID, spanID, parentSpanID, spanName, spanKind, serviceName, resource, spanAttributes, duration
        case statusCode, statusMessage, eventTimes, eventNames, eventAttributes, linkTraces, linkSpans, linkStates, linkAttributes
        case traceFlags, severityText, severityNumber, body, logAttributes
        /// A text column correlate has nothing for (`TraceState`, `ScopeName`, `ScopeVersion`): "".
        case empty
    }

    private static let fields: [String: Field] = [
        "Timestamp": .timestamp, "TraceId": .traceID, "SpanId": .spanID, "ParentSpanId": .parentSpanID, "SpanName": .spanName,
        "SpanKind": .spanKind, "ServiceName": .serviceName, "ResourceAttributes": .resource, "SpanAttributes": .spanAttributes,
        "Duration": .duration, "StatusCode": .statusCode, "StatusMessage": .statusMessage, "Events.Timestamp": .eventTimes,
        "Events.Name": .eventNames, "Events.Attributes": .eventAttributes, "Links.TraceId": .linkTraces, "Links.SpanId": .linkSpans,
        "Links.TraceState": .linkStates, "Links.Attributes": .linkAttributes, "TraceFlags": .traceFlags,
        "SeverityText": .severityText, "SeverityNumber": .severityNumber, "Body": .body, "LogAttributes": .logAttributes,
    ]

    let layout: NativeLayout
    private let columns: [(field: Field, width: Int, column: NativeColumn)]
    private(set) var rows = 0

    init(_ layout: NativeLayout, rows expected: Int) {
        self.layout = layout
        columns = layout.columns.map { name, type in
            let streams = type.hasPrefix("Array(Map(") ? 4 : type.hasPrefix("Map(") ? 3 : type.hasPrefix("Array(") ? 2 : 1
            return (Self.fields[name] ?? .empty, layout.widths[name] ?? 0, NativeColumn(streams: streams, capacity: max(64, expected * 16)))
        }
    }

    /// The block: the header, then every column's streams, copied once into an array of
    /// their exact size.
    var block: [UInt8] {
        let header = JSONWriter(capacity: 1024)
        Self.varUInt(header, UInt64(layout.columns.count))
        Self.varUInt(header, UInt64(rows))
        var heads: [Int] = []
        for (name, type) in layout.columns {
            Self.string(header, name)
            Self.string(header, type)
            heads.append(header.count)
        }
        let size = header.count + columns.reduce(0) { $0 + $1.column.bytes }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, written in
            var at = 0
            func copy(_ writer: JSONWriter, from: Int = 0, upTo end: Int) {
                writer.withBytes(upTo: end) { bytes in
                    let part = UnsafeRawBufferPointer(rebasing: bytes[from...])
                    UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[at..<(at + part.count)]).copyMemory(from: part)
                    at += part.count
                }
            }
            // The counts, then each column's name and type followed by its streams.
            var headed = 0
            for (index, column) in columns.enumerated() {
                copy(header, from: headed, upTo: heads[index])
                headed = heads[index]
                for stream in column.column.streams { copy(stream, upTo: stream.count) }
            }
            if columns.isEmpty { copy(header, upTo: header.count) }
            written = at
        }
    }

    // MARK: Rows

    /// Every span's row, a column at a time: each column's streams are written in one pass over
    /// the spans (row by row, each span retained and released every column's streams).
    mutating func spans(_ spans: [Span]) {
        rows += spans.count
        spans.withUnsafeBufferPointer { spans in
            for (field, width, column) in columns {
                Self.column(field, width, column, spans)
            }
        }
    }

    private static func column(_ field: Field, _ width: Int, _ column: NativeColumn, _ spans: UnsafeBufferPointer<Span>) {
        let out = column.streams[0]
        switch field {
        case .timestamp: for span in spans { time(out, span.start) }
        case .traceID: for span in spans { hex(out, 32) { span.traceID.writeHex(to: $0) } }
        case .spanID: for span in spans { hex(out, 16) { span.spanID.writeHex(to: $0) } }
        case .parentSpanID:
            for span in spans {
                if let parent = span.parentSpanID { hex(out, 16) { parent.writeHex(to: $0) } } else { out.byte(0) }
            }
        case .spanName: for span in spans { string(out, span.name) }
        case .spanKind: for span in spans { string(out, ClickHouseRows.kindName(span.kind)) }
        case .serviceName: for span in spans { string(out, span.service ?? "") }
        case .resource: for span in spans { map(column, 0, span.resource) }
        case .spanAttributes: for span in spans { map(column, 0, span.attributes) }
        case .duration: for span in spans { integer(out, UInt64(max(0, span.end.nanoseconds(since: span.start))), width: width) }
        case .statusCode: for span in spans { string(out, ClickHouseRows.statusName(span.status)) }
        case .statusMessage: for span in spans { string(out, span.statusMessage ?? "") }
        case .eventTimes:
            let elements = column.streams[1]
            for span in spans {
                offset(column, span.events.count)
                for event in span.events { time(elements, event.time) }
            }
        case .eventNames:
            let elements = column.streams[1]
            for span in spans {
                offset(column, span.events.count)
                for event in span.events { string(elements, event.name) }
            }
        case .eventAttributes:
            for span in spans {
                offset(column, span.events.count)
                for event in span.events { map(column, 1, event.attributes) }
            }
        case .linkTraces:
            let elements = column.streams[1]
            for span in spans {
                offset(column, span.links.count)
                for link in span.links { hex(elements, 32) { link.traceID.writeHex(to: $0) } }
            }
        case .linkSpans:
            let elements = column.streams[1]
            for span in spans {
                offset(column, span.links.count)
                for link in span.links { hex(elements, 16) { link.spanID.writeHex(to: $0) } }
            }
        case .linkStates:
            let elements = column.streams[1]
            for span in spans {
                offset(column, span.links.count)
                for _ in span.links { elements.byte(0) }
            }
        case .linkAttributes:
            for span in spans {
                offset(column, span.links.count)
                for link in span.links { map(column, 1, link.attributes) }
            }
        case .traceFlags, .severityText, .severityNumber, .body, .logAttributes, .empty:
            for _ in spans { out.byte(0) }
        }
    }

    mutating func log(_ record: LogRecord, now: Timestamp) {
        rows += 1
        for (field, width, column) in columns {
            let out = column.streams[0]
            switch field {
            case .timestamp: Self.time(out, record.timestamp ?? now)
            case .traceID:
                if let trace = record.traceID { Self.hex(out, 32) { trace.writeHex(to: $0) } } else { out.byte(0) }
            case .spanID:
                if let span = record.spanID { Self.hex(out, 16) { span.writeHex(to: $0) } } else { out.byte(0) }
            case .traceFlags: Self.integer(out, 0, width: width)
            case .severityText: Self.string(out, ClickHouseRows.severityText(record.severity))
            case .severityNumber: Self.integer(out, UInt64(ClickHouseRows.severityNumber(record.severity)), width: width)
            case .serviceName: Self.string(out, record.service ?? "")
            case .body: Self.string(out, record.message)
            case .resource: Self.map(column) { ClickHouseRows.forEachResourceEntry(record, $0) }
            case .logAttributes: Self.map(column) { ClickHouseRows.forEachAttributeEntry(record, $0) }
            default: out.byte(0)
            }
        }
    }

    // MARK: Values

    /// Attributes (``ClickHouseRows/forEachEntry(_:_:)``) as `Map(String, String)`; its
    /// running total in stream `first`, keys and values in the two after it. Within an array
    /// (`first` 1) the array's own total is stream 0.
    private static func map(_ column: NativeColumn, _ first: Int, _ attributes: [Attribute]) {
        var entries = 0
        ClickHouseRows.forEachEntry(attributes) { key, value in
            string(column.streams[first + 1], key)
            string(column.streams[first + 2], value)
            entries += 1
        }
        offset(column, entries, stream: first)
    }

    /// A map of distinct keys, as `entries` gives them, as a top-level `Map(String, String)`.
    private static func map(_ column: NativeColumn, entries: ((String, String) -> Void) -> Void) {
        var count = 0
        entries { key, value in
            string(column.streams[1], key)
            string(column.streams[2], value)
            count += 1
        }
        offset(column, count)
    }

    /// The next running total of an array (or map) of `count` elements.
    private static func offset(_ column: NativeColumn, _ count: Int, stream: Int = 0) {
        column.totals[stream] += UInt64(count)
        integer(column.streams[stream], column.totals[stream], width: 8)
    }

    static func time(_ out: JSONWriter, _ time: Timestamp) {
        integer(out, UInt64(bitPattern: max(0, time.nanoseconds)), width: 8)
    }

    @inline(__always)
    static func integer(_ out: JSONWriter, _ value: UInt64, width: Int) {
        let at = out.reserve(width)
        var value = value
        for index in 0..<width {
            at[index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
        out.advance(by: width)
    }

    @inline(__always)
    static func varUInt(_ out: JSONWriter, _ value: UInt64) {
        var value = value
        while value >= 0x80 {
            out.byte(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.byte(UInt8(value))
    }

    static func string(_ out: JSONWriter, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            varUInt(out, UInt64(bytes.count))
            out.raw(bytes)
        }
    }

    /// `digits` lowercase hex digits that `write` puts in place, as a `String`.
    @inline(__always)
    static func hex(_ out: JSONWriter, _ digits: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Void) {
        out.byte(UInt8(digits))
        write(out.reserve(digits))
        out.advance(by: digits)
    }
}
