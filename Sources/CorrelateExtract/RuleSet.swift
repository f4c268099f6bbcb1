import CorrelateMatcher
import CorrelateModel

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

    /// Builds the set. Rules must already be compiled and checked (see ``RuleLoader``).
    public init(rules: [CompiledRule]) throws(Diagnostic) {
        let ordered = rules.enumerated().sorted { a, b in
            a.element.rule.priority != b.element.rule.priority
                ? a.element.rule.priority > b.element.rule.priority : a.offset < b.offset
        }.map(\.element)
        var source = ""
        var outer: [Int] = []
        var nextGroup = 1
        for (index, compiled) in ordered.enumerated() {
            if index > 0 { source += "|" }
            let body = compiled.rule.caseless ? "(?i:\(compiled.rule.pattern))" : compiled.rule.pattern
            let terminator = RulePatternCheck.mayUseExtendedMode(compiled.rule.pattern) ? "\n" : ""
            source += "(\(body)\(terminator))"
            outer.append(nextGroup)
            nextGroup += 1 + compiled.pattern.captureCount
        }
        if ordered.isEmpty { source = "(*FAIL)" }
        do {
            combined = try Pattern(source, options: PatternOptions(duplicateNames: true))
        } catch {
            throw Diagnostic(.error, code: "rules-do-not-combine",
                             "the rules compile one by one but not together: \(error.message)",
                             help: "run `correlate rules test` to find the rule")
        }
        guard combined.captureCount == nextGroup - 1 else {
            throw Diagnostic(.error, code: "rules-do-not-combine",
                             "the rules' groups do not line up in the combined pattern",
                             help: "remove inline option groups that span several alternatives")
        }
        self.rules = ordered
        self.outerGroup = outer
    }

    /// The rule with this name, if loaded.
    public func rule(named name: String) -> CompiledRule? {
        rules.first { $0.rule.name == name }
    }

    /// A fresh extractor for the calling thread.
    public func makeExtractor(limits: MatchLimits = .default) -> Extractor {
        Extractor(ruleSet: self, limits: limits)
    }

    /// The combined pattern's source, for `grep -P` comparisons and debugging.
    public var combinedPattern: String { combined.source }
}
