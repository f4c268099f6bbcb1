import CorrelateMatcher
import CorrelateModel

/// A rule with its pattern compiled and its group numbers resolved.
public struct CompiledRule: Sendable {
    public let rule: Rule
    public let pattern: Pattern
    let groups: RuleGroups

    init(rule: Rule, pattern: Pattern) {
        self.rule = rule
        self.pattern = pattern
        self.groups = RuleGroups(pattern)
    }
}

/// Group numbers (within the rule's own pattern) of the groups correlate reads.
struct RuleGroups: Sendable {
    var trace: Int?
    var span: Int?
    var job: Int?
    var timestamp: Int?
    var level: Int?
    var service: Int?
    var message: Int?

    init(_ pattern: Pattern) {
        trace = pattern.groupNumber(named: "trace_id")
        span = pattern.groupNumber(named: "span_id")
        job = pattern.groupNumber(named: "job_id")
        timestamp = pattern.groupNumber(named: "ts")
        level = pattern.groupNumber(named: "level")
        service = pattern.groupNumber(named: "service")
        message = pattern.groupNumber(named: "message")
    }
}

extension CompiledRule {
    /// Compiles and checks `rule`; returns the problems found instead when there are any.
    static func compile(_ rule: Rule, sourceText: String) -> Result<CompiledRule, Diagnostic> {
        let sourceLines = sourceText.split(separator: "\n", omittingEmptySubsequences: false)
        func at(_ offset: Int) -> (SourceLocation, String?) {
            let (line, column) = rule.patternPosition.location(
                ofOffset: offset, in: rule.pattern, sourceLines: sourceLines)
            let snippet = line - 1 < sourceLines.count ? String(sourceLines[line - 1]) : nil
            return (SourceLocation(file: rule.location.file, line: line, column: column), snippet)
        }
        if let offset = RulePatternCheck.forbiddenConstruct(in: rule.pattern) {
            let (location, snippet) = at(offset)
            return .failure(Diagnostic(
                .error, code: "rule-forbidden-construct",
                "rule '\(rule.name)' uses a numbered or named back-reference, recursion or a leading (*VERB); rules are combined into one pattern, so these are not allowed",
                location: location, snippet: snippet, caretLabel: "here",
                help: "match the id directly; use (?:…) for grouping"))
        }
        let pattern: Pattern
        do {
            pattern = try Pattern(rule.pattern, options: PatternOptions(caseless: rule.caseless))
        } catch {
            let (location, snippet) = at(error.offset ?? 0)
            return .failure(Diagnostic(
                .error, code: "rule-does-not-compile",
                "rule '\(rule.name)' does not compile: \(error.message)",
                location: location, snippet: snippet,
                caretLabel: "PCRE2 error \(error.code) at offset \(error.offset ?? 0)",
                help: "fix the pattern, then run `correlate rules test`"))
        }
        let unknown = pattern.namedGroups.keys.filter { !Rule.knownGroups.contains($0) }.sorted()
        if let name = unknown.first {
            let (location, snippet) = at(0)
            return .failure(Diagnostic(
                .error, code: "rule-unknown-group",
                "rule '\(rule.name)' has a group named '\(name)'; allowed names: \(Rule.knownGroups.sorted().joined(separator: ", "))",
                location: location, snippet: snippet, help: "use (?:…) for groups that capture nothing correlate reads"))
        }
        let compiled = CompiledRule(rule: rule, pattern: pattern)
        if compiled.groups.trace == nil && compiled.groups.job == nil && compiled.groups.span == nil {
            let (location, snippet) = at(0)
            return .failure(Diagnostic(
                .error, code: "rule-without-id-group",
                "rule '\(rule.name)' captures no id: it needs a 'trace_id', 'span_id' or 'job_id' group",
                location: location, snippet: snippet,
                help: "name the group that holds the id, e.g. (?<trace_id>[0-9a-f]{32})"))
        }
        return .success(compiled)
    }
}

/// Finds pattern constructs that stop meaning the same thing once the rule is one alternative
/// of the combined pattern.
enum RulePatternCheck {
    /// The byte offset of the first forbidden construct, or nil.
    static func forbiddenConstruct(in pattern: String) -> Int? {
        let bytes = Array(pattern.utf8)
        if bytes.starts(with: Array("(*".utf8)) { return 0 }
        var i = 0
        var inClass = false
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\\"), i + 1 < bytes.count {
                let next = bytes[i + 1]
                if !inClass {
                    if next >= UInt8(ascii: "1") && next <= UInt8(ascii: "9") { return i }
                    if next == UInt8(ascii: "g") || next == UInt8(ascii: "k") { return i }
                }
                i += 2
                continue
            }
            if inClass {
                if byte == UInt8(ascii: "]") { inClass = false }
                i += 1
                continue
            }
            if byte == UInt8(ascii: "[") {
                inClass = true
                // A ']' right after '[' or '[^' is a literal member.
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "]") { i += 1 }
                else if i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "^"), bytes[i + 2] == UInt8(ascii: "]") { i += 2 }
            } else if byte == UInt8(ascii: "("), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "?") {
                let rest = bytes[(i + 2)...]
                for prefix in ["P=", "&", "P>", "R", "+"] where rest.starts(with: Array(prefix.utf8)) {
                    return i
                }
                if let first = rest.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") { return i }
                if rest.starts(with: Array("-".utf8)), rest.count > 1,
                    rest[rest.startIndex + 1] >= UInt8(ascii: "0"), rest[rest.startIndex + 1] <= UInt8(ascii: "9")
                {
                    return i
                }
            }
            i += 1
        }
        return nil
    }

    /// Whether the pattern may switch on extended mode, where a trailing `#` comment would
    /// swallow what follows it.
    static func mayUseExtendedMode(_ pattern: String) -> Bool {
        let bytes = Array(pattern.utf8)
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: "("), bytes[i + 1] == UInt8(ascii: "?") {
                var j = i + 2
                while j < bytes.count, PlainLetters.isLetter(bytes[j]) || bytes[j] == UInt8(ascii: "-") || bytes[j] == UInt8(ascii: "^") {
                    if bytes[j] == UInt8(ascii: "x") { return true }
                    j += 1
                }
            }
            i += 1
        }
        return false
    }
}

enum PlainLetters {
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
}
