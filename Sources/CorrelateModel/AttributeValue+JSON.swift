public import CorrelateJSON

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
