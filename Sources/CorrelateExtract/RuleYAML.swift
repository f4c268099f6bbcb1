public import CorrelateModel
public import Yams
import CorrelateJSON

/// Reads the YAML of a rule file (extraction rules and `alerts.yaml` alike) into Yams' node
/// tree, so every later problem can name its line and column (`Node.mark`).
public enum RuleYAML {
    /// The document's root node; nil for an empty file.
    /// - Throws: a ``Diagnostic`` (`rule-file-not-yaml`) with the file, line, column and the
    ///   source line, when the text is not YAML or nests collections deeper than
    ///   ``NestingLimit/maximumDepth`` (libyaml stops at 1,000 levels by itself; the readers
    ///   of the tree recurse).
    static func compose(_ text: String, file: String) throws(Diagnostic) -> Node? {
        try compose(text, file: file, code: "rule-file-not-yaml", notYAML: "not valid YAML", document: "a rule file")
    }

    /// A YAML document's root node (nil when empty) for a reader that names lines and columns:
    /// the rule files and `correlate.yaml` alike.
    /// - Parameters:
    ///   - code: the diagnostic's code.
    ///   - notYAML: how the message starts ("not valid YAML").
    ///   - document: what the file is, for the nesting message ("a rule file").
    /// - Throws: a ``Diagnostic`` with the file, line, column and source line: text that is not
    ///   YAML, a key given twice in a mapping (at its second line), collections nested deeper
    ///   than ``NestingLimit/maximumDepth`` (libyaml stops at 1,000 levels by itself; the
    ///   readers of the tree recurse).
    public static func compose(_ text: String, file: String, code: String, notYAML: String, document: String) throws(Diagnostic) -> Node? {
        let root: Node?
        do {
            // Yams' basic resolver: a scalar whose tag is resolved is a string. The readers
            // read values from their text (`Node.int` and `.float` parse it, booleans go
            // through ``bool(_:)``), and the default resolver ran six regular expressions on
            // every scalar (and again for every key hashed in the duplicate check): about half
            // the time of reading alerts.yaml. Keys that differ only in quoting (`true` and
            // `"true"`) are now the same key, given twice.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw diagnostic(error, text: text, file: file, code: code, notYAML: notYAML)
        } catch {
            throw Diagnostic(.error, code: code, "\(notYAML): \(error)", location: SourceLocation(file: file, line: 1))
        }
        if let root, let deep = firstNode(below: NestingLimit.maximumDepth, in: root) {
            let line = deep.mark?.line ?? 1
            throw Diagnostic(.error, code: code, "\(notYAML) for \(document): collections \(NestingLimit.reason)",
                             location: SourceLocation(file: file, line: line, column: deep.mark?.column),
                             snippet: sourceLine(line, of: text))
        }
        return root
    }

    /// A boolean from a scalar's text, as YAML 1.1 spells one (`true`/`false`, `yes`/`no`,
    /// `on`/`off`, any case); nil for anything else. (Yams' `Node.bool` answers nil once the
    /// scalar's tag has been resolved — to a string, by the basic resolver.)
    static func bool(_ node: Node) -> Bool? {
        guard let text = node.scalar?.string.lowercased() else { return nil }
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// The first collection nested inside `limit` others, found without recursion.
    static func firstNode(below limit: Int, in root: Node) -> Node? {
        var stack: [(Node, Int)] = [(root, 0)]
        while let (node, depth) = stack.popLast() {
            let children: [Node]
            switch node {
            case .mapping(let mapping): children = mapping.flatMap { [$0.key, $0.value] }
            case .sequence(let sequence): children = Array(sequence)
            default: continue
            }
            if depth >= limit { return node }
            for child in children.reversed() { stack.append((child, depth + 1)) }
        }
        return nil
    }

    public static func sourceLine(_ number: Int?, of text: String) -> String? {
        guard let number, number >= 1 else { return nil }
        let lines = text.splitLines()
        return number <= lines.count ? String(lines[number - 1]) : nil
    }

    private static func diagnostic(_ error: YamlError, text: String, file: String, code: String, notYAML: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }
                .joined(separator: ": ")
            return Diagnostic(.error, code: code, "\(notYAML): \(what)",
                              location: SourceLocation(file: file, line: mark.line, column: mark.column),
                              snippet: sourceLine(mark.line, of: text))
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams names the mapping; the key's second line is what to fix.
            let key = duplicates.first ?? ""
            let lines = text.splitLines()
            let second = lines.indices.filter { lines[$0].drop { $0 == " " }.hasPrefix(key + ":") }.dropFirst().first
            let line = second.map { $0 + 1 } ?? context.mark.line
            return Diagnostic(.error, code: code, "'\(key)' is given twice",
                              location: SourceLocation(file: file, line: line, column: second.map { lines[$0].prefix { $0 == " " }.count + 1 } ?? context.mark.column),
                              snippet: sourceLine(line, of: text))
        default:
            return Diagnostic(.error, code: code, "\(notYAML): \(error)", location: SourceLocation(file: file, line: 1))
        }
    }
}
