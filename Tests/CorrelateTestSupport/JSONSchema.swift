import CorrelateModel
import Foundation
import CorrelateJSON

/// A small JSON Schema (2020-12) validator for the keywords `docs/bundle.schema.json` uses:
/// `type`, `const`, `enum`, `properties`, `required`, `additionalProperties`, `items`, `oneOf`,
/// `pattern`, `minimum`, `maxItems`, `$ref` to `#/$defs/…`. Enough to check every bundle the tests produce.
public struct JSONSchema {
    let root: JSONDocument

    public init(path: String) throws {
        root = try JSONDocument.parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The schema of the bundle (`docs/bundle.schema.json`).
    public static func bundle() throws -> JSONSchema {
        try JSONSchema(path: Fixtures.path("docs/bundle.schema.json"))
    }

    /// Problems of `instance` against the schema (or against `#/$defs/<definition>`); empty
    /// when it is valid.
    public func validate(_ instance: String, definition: String? = nil) -> [String] {
        guard let value = try? JSONDocument.parse(instance) else { return ["not JSON"] }
        var problems: [String] = []
        let schema = definition.flatMap { root["$defs"]?[$0] } ?? root
        check(value, against: schema, at: "$", into: &problems)
        return problems
    }

    private func check(_ value: JSONDocument, against schema: JSONDocument, at path: String, into problems: inout [String]) {
        if let reference = schema["$ref"]?.string {
            guard reference.hasPrefix("#/$defs/"), let target = root["$defs"]?[String(reference.dropFirst(8))] else {
                problems.append("\(path): unknown $ref \(reference)")
                return
            }
            check(value, against: target, at: path, into: &problems)
            return
        }
        if let options = schema["oneOf"]?.array {
            let passing = options.filter { option in
                var sub: [String] = []
                check(value, against: option, at: path, into: &sub)
                return sub.isEmpty
            }
            if passing.count != 1 { problems.append("\(path): matches \(passing.count) of oneOf, not exactly one") }
            return
        }
        if let constant = schema["const"], constant != value { problems.append("\(path): is not the constant") }
        if let options = schema["enum"]?.array, !options.contains(value) { problems.append("\(path): \(describe(value)) not in enum") }
        if let type = schema["type"] {
            let allowed = type.array?.compactMap(\.string) ?? [type.string ?? ""]
            if !allowed.contains(where: { matches(value, type: $0) }) {
                problems.append("\(path): \(describe(value)) is not \(allowed.joined(separator: " or "))")
                return
            }
        }
        if let pattern = schema["pattern"]?.string, case .string(let text) = value {
            let regex = try? NSRegularExpression(pattern: pattern)
            if regex?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
        }
        if let minimum = schema["minimum"]?.double, let number = value.double, number < minimum {
            problems.append("\(path): \(number) < \(minimum)")
        }
        if case .object(let members) = value {
            let properties = schema["properties"]?.members ?? []
            for name in schema["required"]?.array?.compactMap(\.string) ?? [] where !members.contains(where: { $0.0 == name }) {
                problems.append("\(path): missing \(name)")
            }
            for (name, member) in members {
                if let property = properties.first(where: { $0.0 == name })?.1 {
                    check(member, against: property, at: "\(path).\(name)", into: &problems)
                } else if let additional = schema["additionalProperties"] {
                    if additional == .bool(false) {
                        problems.append("\(path): unexpected property \(name)")
                    } else if additional.members != nil {
                        check(member, against: additional, at: "\(path).\(name)", into: &problems)
                    }
                }
            }
        }
        if case .array(let items) = value, let maximum = schema["maxItems"]?.double, Double(items.count) > maximum {
            problems.append("\(path): \(items.count) items, at most \(Int(maximum)) allowed")
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)[\(index)]", into: &problems) }
        }
    }

    private func matches(_ value: JSONDocument, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("number", .number): return true
        case ("integer", .number(let text)): return Int64(text) != nil
        default: return false
        }
    }

    private func describe(_ value: JSONDocument) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "\(flag)"
        case .number(let text): return text
        case .string(let text): return "'\(text.prefix(40))'"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
