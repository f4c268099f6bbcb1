import Foundation

/// Inputs a hostile or unlucky client sends, built by hand (the encoders under test would
/// recurse on them too).
public enum HostileInputs {
    /// An OTLP protobuf `ExportTraceServiceRequest` with one span whose attribute `deep` is an
    /// `AnyValue` holding a `kvlist_value` nested `depth` times, around the string "x".
    public static func deepTraceRequest(depth: Int, traceByte: UInt8 = 0x4b) -> [UInt8] {
        let attribute = keyValue("deep", anyValueBytes: nestedAnyValue(depth: depth))
        var span: [UInt8] = []
        span += field(1, [UInt8](repeating: traceByte, count: 16))
        span += field(2, [UInt8](repeating: 0x11, count: 8))
        span += field(5, Array("deep".utf8))
        span += field(9, attribute)
        let scopeSpans = field(2, span)
        let resourceSpans = field(2, scopeSpans)
        return field(1, resourceSpans)
    }

    /// An OTLP protobuf `ExportLogsServiceRequest` with one log record whose body is nested
    /// `depth` `kvlist_value`s deep.
    public static func deepLogsRequest(depth: Int) -> [UInt8] {
        var record: [UInt8] = []
        record += field(5, nestedAnyValue(depth: depth))  // LogRecord.body
        let scopeLogs = field(2, record)
        let resourceLogs = field(2, scopeLogs)
        return field(1, resourceLogs)
    }

    /// OTLP JSON of one span whose attribute value nests `depth` `kvlistValue`s.
    public static func deepTraceJSON(depth: Int) -> String {
        var value = #"{"stringValue":"x"}"#
        var opening = ""
        var closing = ""
        for _ in 0..<depth {
            opening += #"{"kvlistValue":{"values":[{"key":"k","value":"#
            closing += "}]}}"
        }
        value = opening + value + closing
        return #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b","spanId":"1111111111111111","name":"deep","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"deep","value":"#
            + value + "}]}]}]}]}"
    }

    /// `AnyValue{kvlist_value: KeyValueList{values: [KeyValue{key: "k", value: …}]}}` `depth`
    /// times around `AnyValue{string_value: "x"}`, written outside in (no copying per level).
    static func nestedAnyValue(depth: Int) -> [UInt8] {
        let inner: [UInt8] = [0x0A, 0x01, UInt8(ascii: "x")]
        // Sizes from the inside out: the AnyValue, its KeyValue and its KeyValueList per level.
        var levels: [(value: Int, pair: Int, list: Int)] = []
        var size = inner.count
        for _ in 0..<depth {
            let pair = 3 + 1 + varintSize(size) + size
            let list = 1 + varintSize(pair) + pair
            levels.append((size, pair, list))
            size = 1 + varintSize(list) + list
        }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        for level in levels.reversed() {
            out.append(6 << 3 | 2)
            appendVarint(level.list, to: &out)
            out.append(1 << 3 | 2)
            appendVarint(level.pair, to: &out)
            out += [0x0A, 0x01, UInt8(ascii: "k")]
            out.append(2 << 3 | 2)
            appendVarint(level.value, to: &out)
        }
        return out + inner
    }

    static func keyValue(_ key: String, anyValueBytes value: [UInt8]) -> [UInt8] {
        field(1, Array(key.utf8)) + field(2, value)
    }

    static func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(number << 3 | 2)]
        appendVarint(bytes.count, to: &out)
        return out + bytes
    }

    static func varintSize(_ value: Int) -> Int {
        var count = 1
        var rest = value >> 7
        while rest > 0 {
            count += 1
            rest >>= 7
        }
        return count
    }

    static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var rest = UInt64(value)
        while rest >= 0x80 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }
}
