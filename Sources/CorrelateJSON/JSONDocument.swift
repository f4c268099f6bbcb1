/// A parsed JSON value that keeps the order of object members (Foundation's parsers do not), for
/// the span and alert decoders and for reading attributes back from the store.
public indirect enum JSONDocument: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, with its text as written (so 64-bit integers keep every digit).
    case number(String)
    case string(String)
    case array([JSONDocument])
    case object([(String, JSONDocument)])

    public static func == (lhs: JSONDocument, rhs: JSONDocument) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONDocument? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var array: [JSONDocument]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var members: [(String, JSONDocument)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// A number or a numeric string as an integer (OTLP writes int64 values as strings).
    public var int64: Int64? {
        switch self {
        case .number(let text), .string(let text):
            if let value = Int64(text) { return value }
            if let value = Double(text), value.rounded() == value, abs(value) < 9.2e18 { return Int64(value) }
            return nil
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .number(let text), .string(let text): return Double(text)
        default: return nil
        }
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Parses one JSON text (RFC 8259), nested at most ``NestingLimit/maximumDepth`` levels.
    /// - Throws: ``JSONDocument/SyntaxError`` with the byte offset of the problem (deeper
    ///   nesting is one: "JSON nested deeper than 128 levels").
    public static func parse(_ text: String) throws(SyntaxError) -> JSONDocument {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(SyntaxError) -> JSONDocument in
            try parse(buffer)
        }
    }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(SyntaxError) -> JSONDocument {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw SyntaxError(offset: parser.index, reason: "data after the JSON value") }
        return value
    }

    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        func fail(_ reason: String) -> SyntaxError {
            SyntaxError(offset: index, reason: index >= bytes.count ? "unexpected end of JSON" : reason)
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONDocument {
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
                return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            default:
                throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString, _ result: JSONDocument) throws(SyntaxError) -> JSONDocument {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                UnsafeBufferPointer(rebasing: bytes[index..<index + count])
                    .elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: count))
            else { throw fail("invalid literal") }
            index += count
            return result
        }

        mutating func string() throws(SyntaxError) -> String {
            index += 1  // opening quote
            let start = index
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let content = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    if !escaped { return String(decoding: content, as: UTF8.self) }
                    var out: [UInt8] = []
                    out.reserveCapacity(content.count)
                    JSONStringEscapes.unescape(content, into: &out)
                    return String(decoding: out, as: UTF8.self)
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
    }
}
