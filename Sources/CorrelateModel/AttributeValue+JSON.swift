/// Attributes written as a JSON object, values as plain JSON (bytes as a hex string, key-value
/// lists as nested objects): the shape of `attributes{}` in the bundle.
extension Array where Element == Attribute {
    public var jsonObject: String {
        var out = JSONBytes()
        out.append(self)
        return out.string
    }
}

extension AttributeValue {
    public func appendJSON(to out: inout String) {
        var bytes = JSONBytes()
        bytes.append(self)
        out += bytes.string
    }
}

/// A byte buffer that JSON is written into; strings that need no escaping are copied whole.
public struct JSONBytes {
    public var bytes: [UInt8] = []

    public init() {}

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func append(_ attributes: [Attribute]) {
        bytes.append(UInt8(ascii: "{"))
        for (index, attribute) in attributes.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            append(string: attribute.key)
            bytes.append(UInt8(ascii: ":"))
            append(attribute.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func append(_ value: AttributeValue) {
        switch value {
        case .string(let text): append(string: text)
        case .bool(let flag): flag ? raw("true") : raw("false")
        case .int(let number): bytes.append(contentsOf: String(number).utf8)
        case .double(let number):
            if number.isFinite {
                let text = String(number)
                bytes.append(contentsOf: text.utf8)
                if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { raw(".0") }
            } else {
                append(string: String(number))
            }
        case .bytes: append(string: value.text)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .keyValues(let pairs): append(pairs)
        }
    }

    /// A JSON string.
    public mutating func append(string text: String) {
        bytes.append(UInt8(ascii: "\""))
        var copy = text
        copy.withUTF8 { utf8 in
            if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case ..<0x20:
                    raw("\\u00")
                    let digits: StaticString = "0123456789abcdef"
                    bytes.append(digits.utf8Start[Int(byte >> 4)])
                    bytes.append(digits.utf8Start[Int(byte & 0xF)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// JSON string escaping for `String`s (the byte-level writer is `JSONWriter`).
public enum JSONText {
    public static func appendString(_ text: String, to out: inout String) {
        out += string(text)
    }

    public static func string(_ text: String) -> String {
        var bytes = JSONBytes()
        bytes.append(string: text)
        return bytes.string
    }
}

extension Array where Element == Attribute {
    /// Attributes from a JSON object written by ``jsonObject`` (numbers without a fraction or
    /// exponent are integers; nulls are left out).
    public init(jsonObject document: JSONDocument) {
        self = (document.members ?? []).compactMap { key, value in
            AttributeValue(json: value).map { Attribute(key, $0) }
        }
    }
}

extension AttributeValue {
    /// The attribute value of a plain JSON value; nil for null.
    public init?(json: JSONDocument) {
        switch json {
        case .null: return nil
        case .bool(let value): self = .bool(value)
        case .string(let value): self = .string(value)
        case .number(let text):
            if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let value = Int64(text) {
                self = .int(value)
            } else {
                self = .double(Double(text) ?? 0)
            }
        case .array(let values): self = .array(values.compactMap { AttributeValue(json: $0) })
        case .object: self = .keyValues([Attribute](jsonObject: json))
        }
    }
}
