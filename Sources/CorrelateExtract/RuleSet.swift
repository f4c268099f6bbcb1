public import CorrelateMatcher
public import CorrelateModel

/// The rules in force, in priority order, compiled once into a single alternation so that a line
/// is searched in one PCRE2 JIT pass however many rules there are.
///
/// The combined pattern is `(rule₀)|(rule₁)|…` (highest priority first) compiled with duplicate
/// names allowed. Rule *k*'s own groups keep their numbers, shifted by the groups of the rules
/// before it, so a hit is read with the rule's own group table. At any one position the
/// highest-priority rule that matches wins; further hits in the same line are found by searching
/// on after the previous hit.
///
/// Thread safety: immutable after `init`; every thread makes its own ``Extractor``.
public final class RuleSet: Sendable {
    /// Rules by descending priority (ties: in load order).
    public let rules: [CompiledRule]
    let combined: Pattern
    /// For each rule: the number of its enclosing group in `combined`; its own group *g* is
    /// `outerGroup + g`.
    let outerGroup: [Int]

    /// Which rules can match a line, found by their required literals before any regex runs.
    let prefilter: LiteralPrefilter

    /// Builds the set. Rules must already be compiled and checked (see ``RuleLoader``).
    public init(rules: [CompiledRule]) throws(Diagnostic) {
        let ordered = rules.enumerated().sorted { a, b in
            a.element.rule.priority != b.element.rule.priority
                ? a.element.rule.priority > b.element.rule.priority : a.offset < b.offset
        }.map(\.element)
        let (source, outer) = RuleSet.combinedSource(ordered)
        do {
            combined = try Pattern(source, options: PatternOptions(duplicateNames: true))
        } catch {
            throw Diagnostic(.error, code: "rules-do-not-combine",
                             "the rules compile one by one but not together: \(error.message)",
                             help: "run `correlate rules test` to find the rule")
        }
        let expectedGroups = ordered.reduce(0) { $0 + 1 + $1.pattern.captureCount }
        guard combined.captureCount == expectedGroups else {
            throw Diagnostic(.error, code: "rules-do-not-combine",
                             "the rules' groups do not line up in the combined pattern",
                             help: "remove inline option groups that span several alternatives")
        }
        self.rules = ordered
        self.outerGroup = outer
        let hexRuns = ordered.map { HexRuns.guaranteed(in: $0.rule.pattern) }
        let base64Runs = ordered.map { HexRuns.guaranteed(in: $0.rule.pattern, member: HexRuns.isBase64Digit) }
        let literals = ordered.map { RuleSet.literals(for: $0.rule.pattern) }
        self.prefilter = LiteralPrefilter(rules: literals, hexRuns: hexRuns, base64Runs: base64Runs)
        self.hexRuns = hexRuns
        self.base64Runs = base64Runs
        self.anchored = ordered.enumerated().map { index, compiled in
            guard index < 64, literals[index]?.anchored == true else { return nil }
            return try? Pattern(compiled.rule.pattern,
                                options: PatternOptions(caseless: compiled.rule.caseless, anchored: true))
        }
    }

    /// Rules whose matches start with known literals, compiled anchored: tried only where such a
    /// literal occurs (see ``LiteralPrefilter``). Indexed like `rules`; nil for the others.
    let anchored: [Pattern?]

    /// How the prefilter finds a rule: by the strings its matches start with when they are about
    /// as selective as its required literals (a hit is then a match start), else by the
    /// required literals; nil when the pattern has neither. An anchored rule whose matches have
    /// a run of hex digits at a fixed place (`"<id>-<id>"`, `[<uuid>]`) has each hit checked
    /// for it before any regex runs.
    static func literals(for pattern: String) -> LiteralPrefilter.RuleLiterals? {
        let chosen = literalsInText(for: pattern)
        // A rule whose matches end the text, with literals that many lines have (an access
        // log's `<id> <id> 1` at the end of the line), is found by how the text ends.
        if chosen.map({ RequiredLiterals.score($0.literals) < weakLiteralScore }) ?? true,
           let ending = RequiredLiterals.endings(of: pattern),
           !ending.strings.contains(where: { $0.last.map { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) } ?? true }) {
            return .init(literals: [], anchored: ending.length != nil, ending: ending)
        }
        return chosen
    }

    /// Bits of selectivity (see ``RequiredLiterals/score(_:)``) below which a rule whose matches
    /// end the text is found by how the text ends instead of by its literals.
    static let weakLiteralScore = 12.0

    private static func literalsInText(for pattern: String) -> LiteralPrefilter.RuleLiterals? {
        let analysis = RequiredLiterals.analysis(of: pattern)
        if let prefixes = analysis.prefixes, prefixes.allSatisfy({ $0.count >= 2 }) {
            let prefixScore = RequiredLiterals.score(prefixes)
            let requiredScore = analysis.required.map(RequiredLiterals.score) ?? 0
            if prefixScore >= 10 || prefixScore >= requiredScore - 3 {
                let hexRun = HexRuns.atFixedOffset(in: pattern)
                var starts = prefixes
                // Bytes of a start that fall in the run of hex digits every hit is checked for
                // are left out: `[trace_id=` and a check for 32 digits after it, rather than
                // 16 strings `[trace_id=0`…`[trace_id=f` compared wherever `[t` occurs.
                if let run = hexRun, run.offset >= 2, starts.contains(where: { $0.count > run.offset }) {
                    starts = Set(starts.map { Array($0.prefix(run.offset)) })
                }
                // A match start found by a prefix of another start is found by that prefix.
                let shortest = starts.filter { start in
                    !starts.contains { $0.count < start.count && start.starts(with: $0) }
                }
                // How the run ends is checked only behind weak literals (`"0`…`"f`, `[0`…`[f`):
                // behind a strong one (`[trace_id=`) the check would pass almost always, and
                // cost more than the regex it rarely spares.
                let runEnd = prefixScore < weakLiteralScore ? hexRun.flatMap { HexRuns.runEnd(in: pattern, at: $0.offset) } : nil
                return .init(literals: shortest, anchored: true, hexRun: hexRun, runEnd: runEnd)
            }
        }
        return analysis.required.map { .init(literals: $0, anchored: false) }
    }

    /// Per rule, the run of hex digits every match holds (0: none known; see ``HexRuns``).
    let hexRuns: [Int]
    /// Per rule, the run of base64 digits every match holds (0: none known).
    let base64Runs: [Int]

    /// `(rule₀)|(rule₁)|…` for `rules` in the given order, and the number of each rule's
    /// enclosing group.
    /// With `oneLine`, the newline that ends a rule which may use extended mode (so that a `#`
    /// comment in it ends there) is left out when the rule has no `#`: the pattern is then one
    /// line, as `grep -P -f` reads one pattern per line.
    static func combinedSource(_ rules: [CompiledRule], oneLine: Bool = false) -> (String, [Int]) {
        var source = ""
        var outer: [Int] = []
        var nextGroup = 1
        for (index, compiled) in rules.enumerated() {
            if index > 0 { source += "|" }
            let body = compiled.rule.caseless ? "(?i:\(compiled.rule.pattern))" : compiled.rule.pattern
            let needsNewline = RulePatternCheck.mayUseExtendedMode(compiled.rule.pattern)
                && (!oneLine || compiled.rule.pattern.contains("#"))
            let terminator = needsNewline ? "\n" : ""
            source += "(\(body)\(terminator))"
            outer.append(nextGroup)
            nextGroup += 1 + compiled.pattern.captureCount
        }
        if rules.isEmpty { source = "(*FAIL)" }
        return (source, outer)
    }

    /// The literals the prefilter looks for before trying rule `index` (empty: always tried).
    public func requiredLiterals(ofRule index: Int) -> [String] {
        index < prefilter.literalsByRule.count ? prefilter.literalsByRule[index] : []
    }

    /// How many hex digits in a row a line must hold for the rule at `index` to be tried there;
    /// 0 when the rule does not need any.
    public func requiredHexRun(ofRule index: Int) -> Int {
        index < 64 && hexRuns[index] >= LiteralPrefilter.minimumHexRun ? hexRuns[index] : 0
    }

    /// The run of base64 digits a line must hold for the rule to be tried, when the rule needs
    /// a longer one than of hex digits (a base64 id; also `/traces/<32 hex>`, 40 base64 digits);
    /// 0 when it does not.
    public func requiredBase64Run(ofRule index: Int) -> Int {
        index < 64 && base64Runs[index] >= LiteralPrefilter.minimumBase64Run && base64Runs[index] > hexRuns[index]
            ? base64Runs[index] : 0
    }

    /// For a rule tried where its literals start, the run of hex digits each such place is
    /// checked for first: `offset` bytes in, `length` digits.
    public func checkedHexRun(ofRule index: Int) -> (offset: Int, length: Int)? {
        prefilter.anchorHexRun(ofRule: index)
    }

    /// For such a rule, how its run of hex digits must end to start a match: the lengths it may
    /// have (nil: any from `checkedHexRun`'s on) and the bytes that may follow it, sorted.
    public func checkedRunEnd(ofRule index: Int) -> (lengths: [Int]?, followedBy: [UInt8])? {
        prefilter.anchorRunEnd(ofRule: index).map { ($0.lengths?.sorted(), $0.terminators.sorted()) }
    }

    /// For a rule found by how the text ends: the strings its matches end with (before trailing
    /// whitespace) and their length when fixed.
    public func ending(ofRule index: Int) -> (strings: [String], length: Int?)? {
        prefilter.ending(ofRule: index)
    }

    /// The selectivity of the literals of the rule at `index`: a line position starts one with
    /// a chance of about 2^-score (see ``RequiredLiterals/score(_:)``); nil without literals.
    public func literalScore(ofRule index: Int) -> Double? {
        let literals = requiredLiterals(ofRule: index)
        return literals.isEmpty ? nil : RequiredLiterals.score(Set(literals.map { Array($0.utf8) }))
    }

    /// The rule with this name, if loaded.
    public func rule(named name: String) -> CompiledRule? {
        rules.first { $0.rule.name == name }
    }

    /// A fresh extractor for the calling thread.
    public func makeExtractor(limits: MatchLimits = .default) -> Extractor {
        Extractor(ruleSet: self, limits: limits)
    }

    /// The combined pattern's source, for `grep -P` comparisons and debugging: `(?J)` (PCRE2's
    /// inline `PCRE2_DUPNAMES`, which the set compiles with) and the alternation, so that
    /// `grep -P -f` accepts the rules' group names used again from one rule to the next.
    /// A rule in extended mode with a `#` comment keeps the newline that ends it (and the
    /// pattern is then two lines).
    public var combinedPattern: String { "(?J)" + RuleSet.combinedSource(rules, oneLine: true).0 }
}
