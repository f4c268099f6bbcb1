import CorrelateJSON
/// How an id is written where a rule captured it.
///
/// | format      | trace id                                        | span id            |
/// |-------------|-------------------------------------------------|--------------------|
/// | `hex`       | 32 hex digits, 16 (widened), or a dashed UUID   | 16 hex digits      |
/// | `decimal64` | a decimal UInt64: the low 64 bits (Datadog); 32 hex digits, or 16 with a letter, as hex | a decimal UInt64; 16 hex digits with a letter, as hex |
/// | `xray`      | `1-<8 hex time>-<24 hex>` (AWS X-Ray `Root=`)   | 16 hex digits      |
/// | `b3`        | 32 or 16 hex digits                             | 16 hex digits      |
/// | `base64`    | 24 base64 characters (16 bytes), or 12 (8)      | 12 base64 chars    |
///
/// Hex digits may be upper or lower case; every id is written back in lowercase hex. A hex id
/// is read as hex whatever key it sits under (Datadog writes 128-bit ids in hex in the field of
/// its decimal 64-bit ones).
public enum IDFormat: String, Sendable, CaseIterable, Codable {
    case hex
    case decimal64
    case xray
    case b3
    case base64
}

extension TraceID {
    /// Parses a captured trace id written in `format`. Returns `nil` when the text is not an id
    /// of that format. The all-zero id parses (check ``isValid``), so callers can count it.
    public static func parse(_ text: String, format: IDFormat) -> TraceID? {
        var copy = text
        return copy.withUTF8 { parse($0, format: format) }
    }

    /// Parses a captured trace id written in `format` (see ``parse(_:format:)-(String,_)``).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, format: IDFormat) -> TraceID? {
        switch format {
        case .hex, .b3:
            if let start = bytes.baseAddress {
                // The common shapes, without generic collection code.
                if bytes.count == 32, let high = Hex.parse64(start, count: 16), let low = Hex.parse64(start + 16, count: 16) {
                    return TraceID(high: high, low: low)
                }
                if bytes.count == 16, let low = Hex.parse64(start, count: 16) { return TraceID(high: 0, low: low) }
            }
            return parseHex(bytes)
        case .decimal64:
            if let value = Decimal64.parse(bytes) { return TraceID(high: 0, low: value) }
            // Datadog's 128-bit ids are hex; so is a 64-bit id with a hex letter.
            return bytes.count == 32 || bytes.count == 16 ? parseHex(bytes) : nil
        case .xray:
            // 1-5759e988-bd862e3fe1be46a994272793: version, epoch seconds, 96 random bits.
            let parts = bytes.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
            if parts.count == 3, parts[0].elementsEqual([UInt8(ascii: "1")]),
                parts[1].count == 8, parts[2].count == 24,
                let time = Hex.parse64(parts[1]),
                let middle = Hex.parse64(parts[2].prefix(8)),
                let low = Hex.parse64(parts[2].suffix(16))
            {
                return TraceID(high: time << 32 | middle, low: low)
            }
            return bytes.count == 32 ? parseHex(bytes) : nil
        case .base64:
            guard let raw = Base64.decode(bytes) else { return nil }
            if raw.count == 16 {
                return TraceID(high: BigEndian.read64(raw, at: 0), low: BigEndian.read64(raw, at: 8))
            }
            if raw.count == 8 { return TraceID(high: 0, low: BigEndian.read64(raw, at: 0)) }
            return nil
        }
    }

    private static func parseHex<C: Collection<UInt8>>(_ bytes: C) -> TraceID? {
        switch bytes.count {
        case 32:
            guard let high = Hex.parse64(bytes.prefix(16)), let low = Hex.parse64(bytes.suffix(16))
            else { return nil }
            return TraceID(high: high, low: low)
        case 16:
            guard let low = Hex.parse64(bytes) else { return nil }
            return TraceID(high: 0, low: low)
        case 36:
            // A UUID-shaped id: 8-4-4-4-12.
            let dashes = [8, 13, 18, 23]
            var digits: [UInt8] = []
            digits.reserveCapacity(32)
            for (offset, byte) in bytes.enumerated() {
                if dashes.contains(offset) {
                    guard byte == UInt8(ascii: "-") else { return nil }
                } else {
                    digits.append(byte)
                }
            }
            return parseHex(digits)
        default:
            return nil
        }
    }
}

extension SpanID {
    /// Parses a captured span id written in `format`; `nil` when it is not one. The all-zero id
    /// parses (check ``isValid``).
    public static func parse(_ text: String, format: IDFormat) -> SpanID? {
        var copy = text
        return copy.withUTF8 { parse($0, format: format) }
    }

    /// Parses a captured span id written in `format`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, format: IDFormat) -> SpanID? {
        switch format {
        case .hex, .b3, .xray:
            guard bytes.count == 16, let start = bytes.baseAddress, let value = Hex.parse64(start, count: 16) else {
                return nil
            }
            return SpanID(value)
        case .decimal64:
            if let value = Decimal64.parse(bytes) { return SpanID(value) }
            guard bytes.count == 16, let start = bytes.baseAddress, let value = Hex.parse64(start, count: 16) else { return nil }
            return SpanID(value)
        case .base64:
            guard let raw = Base64.decode(bytes), raw.count == 8 else { return nil }
            return SpanID(BigEndian.read64(raw, at: 0))
        }
    }
}

enum Decimal64 {
    /// A decimal UInt64 with no sign and no overflow.
    static func parse<C: Collection<UInt8>>(_ bytes: C) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }
}

enum BigEndian {
    static func read64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<offset + 8 { value = value << 8 | UInt64(bytes[index]) }
        return value
    }
}
