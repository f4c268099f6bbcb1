import CorrelateModel
import Yams

/// Reads one rule file (YAML) into rules, reporting every problem with its position instead of
/// stopping at the first.
///
/// ```yaml
/// rules:
///   - name: traceparent-bare
///     description: W3C traceparent anywhere in the line
///     priority: 100
///     id_format: hex
///     pattern: '(?<![0-9a-f])00-(?<trace_id>[0-9a-f]{32})-(?<span_id>[0-9a-f]{16})-[0-9a-f]{2}'
///     tests:
///       - line: 'traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
///         expect: { trace_id: 4bf92f3577b34da6a3ce929d0e0e4736, span_id: 00f067aa0ba902b7 }
///       - line: 'sha=4bf92f3577b34da6a3ce929d0e0e47364bf92f35'
///         expect: none
/// ```
///
/// A file without a top-level `rules:` key (such as `alerts.yaml`) holds no extraction rules
/// and yields none.
struct RuleFileParser {
    let file: String
    let text: String
    private(set) var diagnostics: [Diagnostic] = []

    private static let ruleKeys: Set<String> = [
        "name", "description", "priority", "id_format", "pattern", "caseless", "tests",
    ]

    init(file: String, text: String) {
        self.file = file
        self.text = text
    }

    mutating func parse() -> [Rule] {
        // A file whose only top-level key is alert_mappings (rules/alerts.yaml, read by
        // AlertRules) holds no extraction rule: not composed again here, which is most of the
        // start-up of a command that extracts.
        if Self.onlyAlertMappings(text) { return [] }
        let root: Node?
        do {
            root = try RuleYAML.compose(text, file: file)
        } catch {
            diagnostics.append(error)
            return []
        }
        guard let root, let top = root.mapping else { return [] }
        guard let list = top["rules"] else { return [] }
        guard let sequence = list.sequence else {
            error(at: list, code: "rule-file-shape", "'rules' must be a list of rules")
            return []
        }
        var rules: [Rule] = []
        for node in sequence {
            if let rule = parseRule(node) { rules.append(rule) }
        }
        return rules
    }

    /// The text's top-level lines (not indented, not comments, not document markers) are all
    /// `alert_mappings:`, and there is one. Anything else (flow style, other keys) is composed.
    static func onlyAlertMappings(_ text: String) -> Bool {
        var found = false
        for line in text.splitLines() {
            guard let first = line.first, first != " ", first != "\t", first != "#" else { continue }
            if line == "---" { continue }
            guard line == "alert_mappings:" else { return false }
            found = true
        }
        return found
    }

    private mutating func parseRule(_ node: Node) -> Rule? {
        guard let mapping = node.mapping else {
            error(at: node, code: "rule-file-shape", "each rule must be a mapping with name, pattern and tests")
            return nil
        }
        for (key, _) in mapping {
            if let name = key.string, !Self.ruleKeys.contains(name) {
                error(at: key, code: "rule-unknown-key",
                      "unknown key '\(name)' in a rule; known keys: \(Self.ruleKeys.sorted().joined(separator: ", "))")
            }
        }
        guard let nameNode = mapping["name"], let name = nameNode.string, !name.isEmpty else {
            error(at: node, code: "rule-missing-name", "a rule has no 'name'")
            return nil
        }
        guard let patternNode = mapping["pattern"], let scalar = patternNode.scalar else {
            error(at: node, code: "rule-missing-pattern", "rule '\(name)' has no 'pattern'")
            return nil
        }
        var priority = 0
        if let node = mapping["priority"] {
            if let value = node.int { priority = value } else {
                error(at: node, code: "rule-bad-priority", "rule '\(name)': 'priority' must be an integer")
            }
        }
        var idFormat = IDFormat.hex
        if let node = mapping["id_format"] {
            if let text = node.string, let format = IDFormat(rawValue: text) {
                idFormat = format
            } else {
                let known = IDFormat.allCases.map(\.rawValue).joined(separator: ", ")
                error(at: node, code: "rule-unknown-id-format",
                      "rule '\(name)': unknown id_format '\(node.string ?? "")'; known formats: \(known)")
            }
        }
        var caseless = false
        if let node = mapping["caseless"] {
            if let value = RuleYAML.bool(node) { caseless = value } else {
                error(at: node, code: "rule-bad-caseless", "rule '\(name)': 'caseless' must be true or false")
            }
        }
        let markLine = patternNode.mark?.line ?? 1
        let markColumn = patternNode.mark?.column ?? 1
        let style: PatternPosition.Style
        switch scalar.style {
        case .singleQuoted: style = .singleQuoted
        case .doubleQuoted: style = .doubleQuoted
        case .literal, .folded: style = .block
        default: style = .plain
        }
        var tests: [RuleTest] = []
        if let node = mapping["tests"] {
            if let list = node.sequence {
                for testNode in list {
                    if let test = parseTest(testNode, rule: name) { tests.append(test) }
                }
            } else {
                error(at: node, code: "rule-file-shape", "rule '\(name)': 'tests' must be a list")
            }
        }
        return Rule(
            name: name, description: mapping["description"]?.string ?? "", priority: priority,
            idFormat: idFormat, pattern: scalar.string, caseless: caseless, tests: tests,
            location: location(of: nameNode),
            patternPosition: PatternPosition(line: markLine, column: markColumn, style: style))
    }

    private mutating func parseTest(_ node: Node, rule: String) -> RuleTest? {
        guard let mapping = node.mapping, let line = mapping["line"]?.scalar?.string else {
            error(at: node, code: "rule-test-shape", "rule '\(rule)': a test needs 'line' and 'expect'")
            return nil
        }
        guard let expectNode = mapping["expect"] else {
            error(at: node, code: "rule-test-shape", "rule '\(rule)': a test needs 'expect' (a mapping, or none)")
            return nil
        }
        if let word = expectNode.string, word == "none" || word.isEmpty {
            return RuleTest(line: line, expect: .none, location: location(of: node))
        }
        if expectNode.null != nil {
            return RuleTest(line: line, expect: .none, location: location(of: node))
        }
        guard let values = expectNode.mapping else {
            error(at: expectNode, code: "rule-test-shape", "rule '\(rule)': 'expect' must be a mapping or none")
            return nil
        }
        var expected: [String: String] = [:]
        for (key, value) in values {
            guard let name = key.string, Rule.knownGroups.contains(name) else {
                error(at: key, code: "rule-test-shape",
                      "rule '\(rule)': unknown expected field '\(key.string ?? "")'")
                continue
            }
            expected[name] = value.scalar?.string ?? ""
        }
        return RuleTest(line: line, expect: .values(expected), location: location(of: node))
    }

    private func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column)
    }

    private mutating func error(at node: Node, code: String, _ message: String) {
        diagnostics.append(Diagnostic(.error, code: code, message, location: location(of: node),
                                      snippet: sourceLine(node.mark?.line)))
    }

    func sourceLine(_ number: Int?) -> String? {
        RuleYAML.sourceLine(number, of: text)
    }
}
