public import CorrelateJSON

/// The model's values written by ``JSONWriter``: times as RFC 3339, ids as lowercase hex,
/// attributes as a JSON object.
extension JSONWriter {
    /// `"2026-11-25T08:32:26.740416Z"`
    @inline(__always)
    public func quoted(_ timestamp: Timestamp) {
        quotedASCII(length: Timestamp.rfc3339Length) { timestamp.writeRFC3339(to: $0) }
    }

    /// The id as 32 lowercase hex digits, quoted.
    @inline(__always)
    public func quoted(_ id: TraceID) {
        quotedASCII(length: 32) { id.writeHex(to: $0) }
    }

    /// The id as 16 lowercase hex digits, quoted.
    @inline(__always)
    public func quoted(_ id: SpanID) {
        quotedASCII(length: 16) { id.writeHex(to: $0) }
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
