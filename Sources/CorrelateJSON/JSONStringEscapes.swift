/// Decoding of JSON string content (the bytes between the quotes) into raw UTF-8.
public enum JSONStringEscapes {
    /// Appends the unescaped form of `content` to `out`. Invalid escapes are kept literally;
    /// lone surrogates become U+FFFD. Never fails: a log line is shown, not rejected.
    public static func unescape(_ content: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        let n = content.count
        while i < n {
            let byte = content[i]
            if byte != UInt8(ascii: "\\") || i + 1 >= n {
                out.append(byte)
                i += 1
                continue
            }
            let next = content[i + 1]
            switch next {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(next)
            case UInt8(ascii: "u"):
                guard let unit = hex4(content, i + 2) else {
                    out.append(byte)
                    i += 1
                    continue
                }
                i += 6
                var scalar = unit
                if (0xD800..<0xDC00).contains(unit) {
                    if i + 1 < n, content[i] == UInt8(ascii: "\\"), content[i + 1] == UInt8(ascii: "u"),
                        let low = hex4(content, i + 2), (0xDC00..<0xE000).contains(low)
                    {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(unit) {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar, to: &out)
                continue
            default:
                out.append(byte)
                out.append(next)
            }
            i += 2
        }
    }

    static func hex4(_ content: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at + 4 <= content.count else { return nil }
        var value: UInt32 = 0
        for index in at..<at + 4 {
            let byte = content[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            out.append(UInt8(scalar))
        case ..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
