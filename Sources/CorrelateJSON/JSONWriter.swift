import CByteScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds JSON text directly as UTF-8 bytes, for the NDJSON hot paths.
///
/// Every string written is valid JSON whatever the input: control characters are escaped and
/// invalid UTF-8 is replaced by U+FFFD, so one bad byte in a log line never makes an output
/// line unreadable.
public final class JSONWriter {
    // One growable buffer with a pointer cursor: appends are a bounds check and a copy, with
    // none of an array's uniqueness checks.
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    public private(set) var count = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// The bytes written, copied out.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The bytes written, as a `String`.
    public var text: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// Calls `body` with the first `length` bytes written.
    public func withBytes<R>(upTo length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(start: base, count: min(length, count)))
    }

    /// Drops the first `length` bytes, keeping the rest.
    public func removeFirst(_ length: Int) {
        let length = min(length, count)
        if length < count { memmove(base, base + length, count - length) }
        count -= length
    }

    public func removeAll() { count = 0 }

    /// Room for `length` more bytes; write them at the returned pointer, then ``advance(by:)``.
    @inline(__always)
    public func reserve(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if count + length > capacity { grow(count + length) }
        return base + count
    }

    @inline(__always)
    public func advance(by length: Int) { count += length }

    private func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    public func raw(_ text: StaticString) {
        raw(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    public func raw(_ text: UnsafeBufferPointer<UInt8>) {
        guard let source = text.baseAddress, !text.isEmpty else { return }
        reserve(text.count).update(from: source, count: text.count)
        count += text.count
    }

    @inline(__always)
    public func byte(_ value: UInt8) {
        reserve(1).pointee = value
        count += 1
    }

    public func null() { raw("null") }

    /// `length` bytes of plain ASCII that `write` puts in place (ids, times: nothing to
    /// escape), quoted.
    @inline(__always)
    public func quotedASCII(length: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Void) {
        let out = reserve(length + 2)
        out[0] = UInt8(ascii: "\"")
        write(out + 1)
        out[length + 1] = UInt8(ascii: "\"")
        advance(by: length + 2)
    }

    public func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public func int(_ value: Int) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            uint(UInt64(-(value + 1)) + 1)
        } else {
            uint(UInt64(value))
        }
    }

    public func uint(_ value: UInt64) {
        var length = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            length += 1
        }
        let out = reserve(length)
        var rest = value
        for index in stride(from: length - 1, through: 0, by: -1) {
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += length
    }

    /// A floating-point number with up to three decimals (milliseconds as JSON wants them).
    public func milliseconds(_ value: Double) {
        guard value.isFinite else { return null() }
        let scaled = (value * 1000).rounded()
        let negative = scaled < 0
        let magnitude = UInt64(min(abs(scaled), 9.0e18))
        if negative && magnitude > 0 { byte(UInt8(ascii: "-")) }
        uint(magnitude / 1000)
        var fraction = magnitude % 1000
        if fraction != 0 {
            byte(UInt8(ascii: "."))
            var width = 3
            while fraction % 10 == 0 { fraction /= 10; width -= 1 }
            var divisor: UInt64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                byte(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
                divisor /= 10
            }
        }
    }

    /// `[e₀,e₁,…]`: `element` writes each item.
    /// String pairs as a JSON object, in their order (labels, annotations).
    public func object(_ pairs: [(String, String)]) {
        byte(UInt8(ascii: "{"))
        for (index, (key, value)) in pairs.enumerated() {
            if index > 0 { byte(UInt8(ascii: ",")) }
            string(key)
            byte(UInt8(ascii: ":"))
            string(value)
        }
        byte(UInt8(ascii: "}"))
    }

    public func array<S: Sequence>(_ items: S, _ element: (S.Element) -> Void) {
        byte(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            element(item)
        }
        byte(UInt8(ascii: "]"))
    }

    /// `"key":` — `key` must not need escaping.
    @inline(__always)
    public func key(_ name: StaticString) {
        byte(UInt8(ascii: "\""))
        raw(name)
        byte(UInt8(ascii: "\""))
        byte(UInt8(ascii: ":"))
    }

    /// A JSON string holding `text`.
    public func string(_ text: String) {
        var copy = text
        copy.withUTF8 { string($0) }
    }

    /// A JSON string holding the raw bytes `text`.
    @inline(__always)
    public func string(_ text: UnsafeBufferPointer<UInt8>) {
        byte(UInt8(ascii: "\""))
        stringContent(text)
        byte(UInt8(ascii: "\""))
    }

    /// Appends raw bytes as the escaped content of a JSON string (no quotes).
    public func stringContent(_ text: UnsafeBufferPointer<UInt8>) {
        appendContent(text, keepEscapes: false)
    }

    /// Appends the content of a string that is already escaped (JSON, or logfmt's Go-style
    /// quoting) as the content of a JSON string: valid JSON escapes are kept as they are, any
    /// other backslash is escaped, and bytes are checked as they would be by `stringContent`.
    public func escapedStringContent(_ text: UnsafeBufferPointer<UInt8>) {
        appendContent(text, keepEscapes: true)
    }

    private func appendContent(_ text: UnsafeBufferPointer<UInt8>, keepEscapes: Bool) {
        guard let base = text.baseAddress else { return }
        var i = 0
        var runStart = 0
        let n = text.count
        while i < n {
            // Past the bytes that need nothing, sixteen at a time, to one that needs an escape
            // (a control, a quote, a backslash) or starts a sequence past ASCII.
            i = correlate_json_plain_run(base, i, n)
            guard i < n else { break }
            let current = text[i]
            if i > runStart { raw(UnsafeBufferPointer(rebasing: text[runStart..<i])) }
            if current < 0x80 {
                if keepEscapes, current == UInt8(ascii: "\\"), let length = JSONWriter.validEscapeLength(text, i) {
                    raw(UnsafeBufferPointer(rebasing: text[i..<i + length]))
                    i += length
                } else {
                    escape(current)
                    i += 1
                }
            } else {
                let length = JSONWriter.utf8SequenceLength(text, i)
                if length > 0 {
                    raw(UnsafeBufferPointer(rebasing: text[i..<i + length]))
                    i += length
                } else {
                    // One U+FFFD per maximal ill-formed subpart (Unicode's recommended practice).
                    raw("\u{FFFD}")
                    i += JSONWriter.illFormedSubpartLength(text, i)
                }
            }
            runStart = i
        }
        if n > runStart { raw(UnsafeBufferPointer(rebasing: text[runStart..<n])) }
    }

    @inline(__always)
    private func escape(_ value: UInt8) {
        switch value {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            raw("\\u00")
            byte(JSONWriter.hexDigits[Int(value >> 4)])
            byte(JSONWriter.hexDigits[Int(value & 0xF)])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

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
