import CorrelateModel

/// Keys and ranges that ``SQLiteEventStore`` and ``MemoryEventStore`` compute the same way, so
/// that the two agree on what is a duplicate and on the order of what they return.
enum StoreKeys {
    /// The key of a log record or a raw alert: the id of its source file (files numbered from
    /// 1 in the order a store first sees them) in the high 32 bits, the low 32 bits of its line
    /// below. Writing the same lines of the same file again finds the same key; keys order by
    /// file, then line. A line past 2³² (or negative) keeps only its low 32 bits.
    static func row(source: Int64, line: Int) -> Int64 {
        source << 32 | Int64(line & 0xFFFF_FFFF)
    }

    /// The source file id of a row key.
    static func source(ofRow row: Int64) -> Int64 { row >> 32 }

    /// The line of a row key, as the store gives it back.
    static func line(ofRow row: Int64) -> Int { Int(row & 0xFFFF_FFFF) }

    /// The trace ids that start with these hex digits, as a closed range (prefix followed by
    /// zeros up to prefix followed by f's). Characters other than hex digits are left out and
    /// letters taken in either case; nil when no digit is left or more than 32 are.
    static func traceIDs(withPrefix hex: String) -> ClosedRange<TraceID>? {
        let digits = hex.lowercased().filter(\.isHexDigit)
        guard !digits.isEmpty, digits.count <= 32,
              let low = TraceID(hex: digits.padding(toLength: 32, withPad: "0", startingAt: 0)),
              let high = TraceID(hex: digits.padding(toLength: 32, withPad: "f", startingAt: 0))
        else { return nil }
        return low...high
    }
}
