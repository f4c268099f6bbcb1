/// An OpenTelemetry attribute value (`AnyValue`): every shape OTLP, Jaeger and Zipkin carry.
public indirect enum AttributeValue: Hashable, Sendable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bytes([UInt8])
    case array([AttributeValue])
    case keyValues([Attribute])

    /// The value as text, for matching alert labels and for display.
    public var text: String {
        switch self {
        case .string(let value): return value
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bytes(let value): return value.map { String(format2: $0) }.joined()
        case .array(let values): return "[" + values.map(\.text).joined(separator: ", ") + "]"
        case .keyValues(let pairs): return "{" + pairs.map { "\($0.key)=\($0.value.text)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A key and its value.
public struct Attribute: Hashable, Sendable {
    public var key: String
    public var value: AttributeValue

    public init(_ key: String, _ value: AttributeValue) {
        self.key = key
        self.value = value
    }
}

extension Array where Element == Attribute {
    /// The value of the first attribute with this key.
    public subscript(key: String) -> AttributeValue? {
        // Lengths first (O(1) for native strings): most keys differ in length, and `==` on two
        // different strings goes through the standard library's general comparison. Keys are
        // thus equal byte for byte, as OpenTelemetry SDKs compare them (two spellings of "é"
        // that Swift's `==` calls equal are two keys here).
        let length = key.utf8.count
        return first { $0.key.utf8.count == length && $0.key == key }?.value
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
