import CByteScan
/// A position in one JSON text, and the lexical steps ``JSONDocument/parse(_:)`` is made of,
/// for decoders that read a known shape straight into their own types (no tree) and must
/// accept, reject and read values exactly as the tree does.
public struct JSONCursor {
    public let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read.
    public var index = 0

    public init(bytes: UnsafeBufferPointer<UInt8>, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    // Inlinable: called before and after every token, mostly to find no space at all.
    @inlinable
    public mutating func skipSpace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    public func fail(_ reason: String) -> JSONDocument.SyntaxError {
        JSONDocument.SyntaxError(offset: index, reason: index >= bytes.count ? "unexpected end of JSON" : reason)
    }

    public mutating func value(depth: Int) throws(JSONDocument.SyntaxError) -> JSONDocument {
        guard index < bytes.count else { throw fail("unexpected end of JSON") }
        // `depth` containers enclose this value; it may open one more up to the limit.
        if bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") {
            guard depth < NestingLimit.maximumDepth else { throw fail("JSON \(NestingLimit.reason)") }
        }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONDocument)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                index += 1
                return .object(members)
            }
        case UInt8(ascii: "["):
            index += 1
            var values: [JSONDocument] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                skipSpace()
                values.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                index += 1
                return .array(values)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[number()]), as: UTF8.self))
        default:
            throw fail("unexpected character")
        }
    }

    public mutating func literal(_ word: StaticString, _ result: JSONDocument) throws(JSONDocument.SyntaxError) -> JSONDocument {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count, UnsafeBufferPointer(rebasing: bytes[index..<index + count]).hasBytes(of: word)
        else { throw fail("invalid literal") }
        index += count
        return result
    }

    public mutating func string() throws(JSONDocument.SyntaxError) -> String {
        let (range, escaped) = try stringContent()
        let content = UnsafeBufferPointer(rebasing: bytes[range])
        if !escaped { return String(decoding: content, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        JSONStringEscapes.unescape(content, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of the number that starts at `index` (a sign or a digit), which it passes.
    public mutating func number() -> Range<Int> {
        let start = index
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            guard (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: "-")
            else { break }
            index += 1
        }
        return start..<index
    }

    /// The content of the string that starts at `index` (its opening quote), still escaped when
    /// `escaped`; passes it. ``string()`` is this, unescaped.
    public mutating func stringContent() throws(JSONDocument.SyntaxError) -> (range: Range<Int>, escaped: Bool) {
        index += 1  // opening quote
        let start = index
        var escaped = false
        while index < bytes.count {
            // Up to the next quote or backslash, sixteen bytes at a time.
            if let base = bytes.baseAddress { index = correlate_quote_or_backslash(base, index, bytes.count) }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<index - 1, escaped)
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            index += 1
        }
        throw fail("unterminated string")
    }

    /// Passes the value at `index` as ``value(depth:)`` would read it (the same texts accepted,
    /// the same errors), without building it.
    public mutating func skipValue(depth: Int) throws(JSONDocument.SyntaxError) {
        guard index < bytes.count else { throw fail("unexpected end of JSON") }
        let open = bytes[index]
        guard open == UInt8(ascii: "{") || open == UInt8(ascii: "[") else {
            switch open {
            case UInt8(ascii: "\""): _ = try stringContent()
            case UInt8(ascii: "t"): _ = try literal("true", .null)
            case UInt8(ascii: "f"): _ = try literal("false", .null)
            case UInt8(ascii: "n"): _ = try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = number()
            default: throw fail("unexpected character")
            }
            return
        }
        guard depth < NestingLimit.maximumDepth else { throw fail("JSON \(NestingLimit.reason)") }
        let object = open == UInt8(ascii: "{")
        let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            return
        }
        while true {
            skipSpace()
            if object {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                _ = try stringContent()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipSpace()
            }
            try skipValue(depth: depth + 1)
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end of JSON") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == close else { throw fail(object ? "expected ',' or '}'" : "expected ',' or ']'") }
            index += 1
            return
        }
    }
}
