public import CorrelateJSON

/// The model's values written by ``JSONWriter``: times as RFC 3339, ids as lowercase hex,
/// attributes as a JSON object.
extension JSONWriter {
    /// `"2026-11-25T08:32:26.740416Z"`
    @inline(__always)
    public func quoted(_ timestamp: Timestamp) {
        let out = reserve(Timestamp.rfc3339Length + 2)
        out[0] = UInt8(ascii: "\"")
        timestamp.writeRFC3339(to: out + 1)
        out[Timestamp.rfc3339Length + 1] = UInt8(ascii: "\"")
        advance(by: Timestamp.rfc3339Length + 2)
    }

    /// The id as 32 lowercase hex digits, quoted.
    @inline(__always)
    public func quoted(_ id: TraceID) {
        let out = reserve(34)
        out[0] = UInt8(ascii: "\"")
        id.writeHex(to: out + 1)
        out[33] = UInt8(ascii: "\"")
        advance(by: 34)
    }

    /// The id as 16 lowercase hex digits, quoted.
    @inline(__always)
    public func quoted(_ id: SpanID) {
        let out = reserve(18)
        out[0] = UInt8(ascii: "\"")
        id.writeHex(to: out + 1)
        out[17] = UInt8(ascii: "\"")
        advance(by: 18)
    }

    /// Attributes as a JSON object, values as plain JSON (bytes as a hex string, key-value
    /// lists as nested objects): the shape of `attributes{}` in the bundle.
    public func object(_ attributes: [Attribute]) {
        byte(UInt8(ascii: "{"))
        for (index, attribute) in attributes.enumerated() {
            if index > 0 { byte(UInt8(ascii: ",")) }
            string(attribute.key)
            byte(UInt8(ascii: ":"))
            value(attribute.value)
        }
        byte(UInt8(ascii: "}"))
    }

    /// An attribute value as plain JSON; a double always with a fraction or exponent (so it
    /// reads back as a double), a non-finite one as a string.
    public func value(_ value: AttributeValue) {
        switch value {
        case .string(let text): string(text)
        case .bool(let flag): bool(flag)
        case .int(let number): int(Int(number))
        case .double(let number):
            if number.isFinite {
                var text = String(number)
                text.withUTF8 { raw($0) }
                if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { raw(".0") }
            } else {
                string(String(number))
            }
        case .bytes: string(value.text)
        case .array(let values):
            array(values) { self.value($0) }
        case .keyValues(let pairs): object(pairs)
        }
    }

}

extension Array where Element == Attribute {
    /// The attributes as a JSON object (``JSONWriter/object(_:)``).
    public var jsonObject: String {
        let out = JSONWriter(capacity: 256)
        out.object(self)
        return out.text
    }
}

/// JSON string escaping for `String`s.
public enum JSONText {
    /// `text` as a JSON string, quoted.
    public static func string(_ text: String) -> String {
        let out = JSONWriter(capacity: text.utf8.count + 16)
        out.string(text)
        return out.text
    }
}
