/// Base64 (RFC 4648), standard or URL-safe alphabet, with or without padding: ids written by
/// generic protobuf JSON encoders, OTLP JSON's `bytesValue`.
public enum Base64 {
    /// The decoded bytes; nil for text that is not base64.
    public static func decode<C: Collection<UInt8>>(_ bytes: C) -> [UInt8]? {
        // Padded text comes in whole quads; unpadded text never leaves a lone sextet.
        let padding = bytes.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        if padding > 2 || (padding > 0 && bytes.count % 4 != 0) || (bytes.count - padding) % 4 == 1 {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for byte in bytes {
            let sextet: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextet = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): sextet = UInt32(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sextet = UInt32(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): sextet = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): sextet = 63
            case UInt8(ascii: "="):
                sawPadding = true
                continue
            default: return nil
            }
            if sawPadding { return nil }
            accumulator = accumulator << 6 | sextet
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }
}
