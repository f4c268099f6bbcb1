/// Builds JSON text directly as UTF-8 bytes, for the NDJSON hot paths.
///
/// Every string written is valid JSON whatever the input: control characters are escaped and
/// invalid UTF-8 is replaced by U+FFFD, so one bad byte in a log line never makes an output
/// line unreadable.
public struct JSONWriter {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    public mutating func raw(_ text: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: text)
    }

    @inline(__always)
    public mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    public mutating func null() { raw("null") }

    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public mutating func int(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            uint(UInt64(-(value + 1)) + 1)
        } else {
            uint(UInt64(value))
        }
    }

    public mutating func uint(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// A floating-point number with up to three decimals (milliseconds as JSON wants them).
    public mutating func milliseconds(_ value: Double) {
        guard value.isFinite else { return null() }
        let scaled = (value * 1000).rounded()
        let negative = scaled < 0
        let magnitude = UInt64(min(abs(scaled), 9.0e18))
        if negative && magnitude > 0 { bytes.append(UInt8(ascii: "-")) }
        uint(magnitude / 1000)
        var fraction = magnitude % 1000
        if fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            var width = 3
            while fraction % 10 == 0 { fraction /= 10; width -= 1 }
            var divisor: UInt64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
                divisor /= 10
            }
        }
    }

    /// `"key":` — `key` must not need escaping.
    @inline(__always)
    public mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A JSON string holding `text`.
    public mutating func string(_ text: String) {
        var copy = text
        copy.withUTF8 { string($0) }
    }

    /// A JSON string holding the raw bytes `text`.
    @inline(__always)
    public mutating func string(_ text: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        stringContent(text)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends raw bytes as the escaped content of a JSON string (no quotes).
    public mutating func stringContent(_ text: UnsafeBufferPointer<UInt8>) {
        appendContent(text, keepEscapes: false)
    }

    /// Appends the content of a string that is already escaped (JSON, or logfmt's Go-style
    /// quoting) as the content of a JSON string: valid JSON escapes are kept as they are, any
    /// other backslash is escaped, and bytes are checked as they would be by `stringContent`.
    public mutating func escapedStringContent(_ text: UnsafeBufferPointer<UInt8>) {
        appendContent(text, keepEscapes: true)
    }

    private mutating func appendContent(_ text: UnsafeBufferPointer<UInt8>, keepEscapes: Bool) {
        var i = 0
        var runStart = 0
        let n = text.count
        while i < n {
            let byte = text[i]
            let kind = JSONWriter.byteClass[Int(byte)]
            if kind == 0 {
                i += 1
                continue
            }
            if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<i])) }
            if kind == 1 {
                if keepEscapes, byte == UInt8(ascii: "\\"), let length = JSONWriter.validEscapeLength(text, i) {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<i + length]))
                    i += length
                } else {
                    escape(byte)
                    i += 1
                }
            } else {
                let length = JSONWriter.utf8SequenceLength(text, i)
                if length > 0 {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<i + length]))
                    i += length
                } else {
                    // One U+FFFD per maximal ill-formed subpart (Unicode's recommended practice).
                    bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    i += JSONWriter.illFormedSubpartLength(text, i)
                }
            }
            runStart = i
        }
        if n > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<n])) }
    }

    @inline(__always)
    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            raw("\\u00")
            bytes.append(JSONWriter.hexDigits[Int(byte >> 4)])
            bytes.append(JSONWriter.hexDigits[Int(byte & 0xF)])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// 0: copy as is; 1: escape (control, quote, backslash, DEL kept); 2: start of a non-ASCII
    /// sequence, to validate.
    private static let byteClass: [UInt8] = (0..<256).map { value in
        if value < 0x20 || value == 0x22 || value == 0x5C { return 1 }
        if value >= 0x80 { return 2 }
        return 0
    }

    /// Length of a JSON escape sequence at `i` (`\n`, `\"`, `\u00e9`…), or nil.
    private static func validEscapeLength(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard i + 1 < text.count else { return nil }
        switch text[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return 2
        case UInt8(ascii: "u"):
            guard i + 6 <= text.count else { return nil }
            for index in (i + 2)..<(i + 6) where hexValue(text[index]) == nil { return nil }
            return 6
        default:
            return nil
        }
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// How many bytes at `i` form the longest prefix of a well-formed sequence (at least 1).
    static func illFormedSubpartLength(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let lead = text[i]
        let n = text.count
        let (needed, low, high): (Int, UInt8, UInt8)
        switch lead {
        case 0xC2...0xDF: (needed, low, high) = (1, 0x80, 0xBF)
        case 0xE0: (needed, low, high) = (2, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (needed, low, high) = (2, 0x80, 0xBF)
        case 0xED: (needed, low, high) = (2, 0x80, 0x9F)
        case 0xF0: (needed, low, high) = (3, 0x90, 0xBF)
        case 0xF1...0xF3: (needed, low, high) = (3, 0x80, 0xBF)
        case 0xF4: (needed, low, high) = (3, 0x80, 0x8F)
        default: return 1
        }
        var length = 1
        while length <= needed, i + length < n {
            let byte = text[i + length]
            let ok = length == 1 ? (byte >= low && byte <= high) : (byte & 0xC0 == 0x80)
            guard ok else { break }
            length += 1
        }
        return length
    }

    /// Length of the well-formed UTF-8 sequence at `i` (2–4), or 0 when it is not one
    /// (overlong forms, surrogates and values past U+10FFFF included).
    @inline(__always)
    static func utf8SequenceLength(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let lead = text[i]
        let n = text.count
        @inline(__always) func cont(_ at: Int) -> Bool { at < n && text[at] & 0xC0 == 0x80 }
        switch lead {
        case 0xC2...0xDF:
            return cont(i + 1) ? 2 : 0
        case 0xE0:
            return i + 2 < n && (0xA0...0xBF).contains(text[i + 1]) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED:
            return i + 2 < n && (0x80...0x9F).contains(text[i + 1]) && cont(i + 2) ? 3 : 0
        case 0xF0:
            return i + 3 < n && (0x90...0xBF).contains(text[i + 1]) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3:
            return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4:
            return i + 3 < n && (0x80...0x8F).contains(text[i + 1]) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default:
            return 0
        }
    }
}
