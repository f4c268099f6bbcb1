/// Attributes written as a JSON object, values as plain JSON (bytes as a hex string, key-value
/// lists as nested objects): the shape of `attributes{}` in the bundle.
extension Array where Element == Attribute {
    public var jsonObject: String {
        var out = "{"
        for (index, attribute) in enumerated() {
            if index > 0 { out += "," }
            JSONText.appendString(attribute.key, to: &out)
            out += ":"
            attribute.value.appendJSON(to: &out)
        }
        return out + "}"
    }
}

extension AttributeValue {
    public func appendJSON(to out: inout String) {
        switch self {
        case .string(let value): JSONText.appendString(value, to: &out)
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value):
            if value.isFinite {
                let text = String(value)
                out += text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
            } else {
                JSONText.appendString(String(value), to: &out)
            }
        case .bytes: JSONText.appendString(text, to: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.appendJSON(to: &out)
            }
            out += "]"
        case .keyValues(let pairs): out += pairs.jsonObject
        }
    }
}

/// JSON string escaping for `String`s (the byte-level writer is `JSONWriter`).
public enum JSONText {
    public static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    public static func string(_ text: String) -> String {
        var out = ""
        appendString(text, to: &out)
        return out
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
