public import CorrelateMatcher
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
        // Only a problem needs the file's lines.
        func at(_ offset: Int) -> (SourceLocation, String?) {
            let sourceLines = sourceText.splitLines()
            let (line, column) = rule.patternPosition.location(
                ofOffset: offset, in: rule.pattern, sourceLines: sourceLines)
            let snippet = line - 1 < sourceLines.count ? String(sourceLines[line - 1]) : nil
            return (SourceLocation(file: rule.location.file, line: line, column: column), snippet)
        }
        if let (offset, construct) = RulePatternCheck.forbiddenConstruct(in: rule.pattern) {
            let (location, snippet) = at(offset)
            return .failure(Diagnostic(
                .error, code: "rule-forbidden-construct",
                "rule '\(rule.name)' uses \(construct.description); rules are combined into one pattern, where it would act on the other rules too",
                location: location, snippet: snippet, caretLabel: "here",
                help: construct.help))
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
/// of the combined pattern, or that reach into the other alternatives.
enum RulePatternCheck {
    enum Construct: Equatable {
        /// `\1`, `\g{…}`, `\k<…>`, `(?P=…)`: group numbers and names shift in the combined pattern.
        case backReference
        /// `(?R)`, `(?1)`, `(?&name)`, `(?P>name)`, `(?+1)`.
        case recursion
        /// `(*COMMIT)`, `(*PRUNE)`, `(*SKIP)`, `(*THEN)`, `(*FAIL)`, `(*ACCEPT)`, `(*MARK:…)`, and
        /// the start-of-pattern options `(*UTF)`, `(*LIMIT_MATCH=…)`: a `(*COMMIT)` in one rule
        /// ends the search of every rule after it on that line.
        case verb(String)

        var description: String {
            switch self {
            case .backReference: "a numbered or named back-reference"
            case .recursion: "recursion or a subroutine call"
            case .verb(let text): "the backtracking control verb or option setting \(text)"
            }
        }

        var help: String {
            switch self {
            case .backReference, .recursion: "match the id directly; use (?:…) for grouping"
            case .verb: "remove it; use (?>…) for an atomic group, (?=…) or (?!…) for lookarounds, caseless: true for case"
            }
        }
    }

    /// The byte offset and kind of the first forbidden construct, or nil. Escapes, `\Q…\E`
    /// quoting, character classes and `(?#…)` comments are skipped, so a literal `(*` in them
    /// is allowed.
    static func forbiddenConstruct(in pattern: String) -> (Int, Construct)? {
        let bytes = Array(pattern.utf8)
        var i = 0
        var inClass = false
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\\"), i + 1 < bytes.count {
                let next = bytes[i + 1]
                if next == UInt8(ascii: "Q") {
                    // Quoted up to \E (or the end): all literal.
                    var j = i + 2
                    while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "\\") && bytes[j + 1] == UInt8(ascii: "E")) { j += 1 }
                    i = j + 2
                    continue
                }
                if !inClass {
                    if next >= UInt8(ascii: "1") && next <= UInt8(ascii: "9") { return (i, .backReference) }
                    if next == UInt8(ascii: "g") || next == UInt8(ascii: "k") { return (i, .backReference) }
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
            } else if byte == UInt8(ascii: "("), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                let end = bytes[i...].firstIndex(of: UInt8(ascii: ")")) ?? bytes.count - 1
                return (i, .verb(String(decoding: bytes[i...min(end, i + 40)], as: UTF8.self)))
            } else if byte == UInt8(ascii: "("), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "?") {
                let rest = bytes[(i + 2)...]
                if rest.first == UInt8(ascii: "#") {
                    // A comment, up to the next ')'.
                    i = (rest.firstIndex(of: UInt8(ascii: ")")) ?? bytes.count - 1) + 1
                    continue
                }
                if rest.starts(with: Array("P=".utf8)) { return (i, .backReference) }
                for prefix in ["&", "P>", "R", "+"] where rest.starts(with: Array(prefix.utf8)) {
                    return (i, .recursion)
                }
                if let first = rest.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") { return (i, .recursion) }
                if rest.starts(with: Array("-".utf8)), rest.count > 1,
                    rest[rest.startIndex + 1] >= UInt8(ascii: "0"), rest[rest.startIndex + 1] <= UInt8(ascii: "9")
                {
                    return (i, .recursion)
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
