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
        var parser = JSONCursor(bytes: bytes)
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
}
