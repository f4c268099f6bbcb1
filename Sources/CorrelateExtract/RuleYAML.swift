import CorrelateModel
import Yams
import CorrelateJSON

/// Reads the YAML of a rule file (extraction rules and `alerts.yaml` alike) into Yams' node
/// tree, so every later problem can name its line and column (`Node.mark`).
enum RuleYAML {
    /// The document's root node; nil for an empty file.
    /// - Throws: a ``Diagnostic`` (`rule-file-not-yaml`) with the file, line, column and the
    ///   source line, when the text is not YAML or nests collections deeper than
    ///   ``NestingLimit/maximumDepth`` (libyaml stops at 1,000 levels by itself; the readers
    ///   of the tree recurse).
    static func compose(_ text: String, file: String) throws(Diagnostic) -> Node? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw diagnostic(error, text: text, file: file)
        } catch {
            throw Diagnostic(.error, code: "rule-file-not-yaml", "not valid YAML: \(error)",
                             location: SourceLocation(file: file, line: 1))
        }
        if let root, let deep = firstNode(below: NestingLimit.maximumDepth, in: root) {
            let line = deep.mark?.line ?? 1
            throw Diagnostic(.error, code: "rule-file-not-yaml",
                             "not valid YAML for a rule file: collections \(NestingLimit.reason)",
                             location: SourceLocation(file: file, line: line, column: deep.mark?.column),
                             snippet: sourceLine(line, of: text))
        }
        return root
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

    static func sourceLine(_ number: Int?, of text: String) -> String? {
        guard let number, number >= 1 else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return number <= lines.count ? String(lines[number - 1]) : nil
    }

    private static func diagnostic(_ error: YamlError, text: String, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }
                .joined(separator: ": ")
            return Diagnostic(.error, code: "rule-file-not-yaml", "not valid YAML: \(what)",
                              location: SourceLocation(file: file, line: mark.line, column: mark.column),
                              snippet: sourceLine(mark.line, of: text))
        default:
            return Diagnostic(.error, code: "rule-file-not-yaml", "not valid YAML: \(error)",
                              location: SourceLocation(file: file, line: 1))
        }
    }
}
