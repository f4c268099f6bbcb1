import CorrelateMatcher
import CorrelateModel

/// Applies a ``RuleSet`` to lines. One per thread: it owns the PCRE2 match data.
///
/// For each hit the rule's id format converts the captured text, and all-zero ids are
/// rejected. When several hits in a line give the same field, the higher-priority rule wins —
/// except that a complete 128-bit trace id wins over a 64-bit one whatever their priorities; a
/// span id goes with the trace id of the same hit when that hit has one.
public final class Extractor {
    public let ruleSet: RuleSet
    private let limits: MatchLimits
    private let singleData: [MatchData]
    /// Combined patterns of rule subsets, by candidate mask (see ``LiteralPrefilter``).
    private var subsets: [UInt64: Subset] = [:]
    private let all: Subset
    /// Lines whose search stopped at a PCRE2 limit.
    public private(set) var limitHits = 0

    /// A combined pattern over some of the rules, with the match data to run it. A class: handed
    /// out once per line, one reference is cheaper to count than four.
    private final class Subset {
        let pattern: Pattern
        let data: MatchData
        /// Rule indices (into `ruleSet.rules`), in priority order.
        let rules: [Int]
        /// Each rule's enclosing group in `pattern`.
        let outerGroup: [Int]

        init(pattern: Pattern, data: MatchData, rules: [Int], outerGroup: [Int]) {
            self.pattern = pattern
            self.data = data
            self.rules = rules
            self.outerGroup = outerGroup
        }
    }

    private static let maxCachedSubsets = 512

    private let hits = AnchorHits()
    private let anchoredData: [MatchData?]
    /// What `apply` needs of each rule, as plain values (no reference counting per line).
    private let hot: [RuleHot]

    private struct RuleHot {
        var groups: RuleGroups
        var priority: Int
        var format: IDFormat
    }

    init(ruleSet: RuleSet, limits: MatchLimits) {
        self.ruleSet = ruleSet
        self.limits = limits
        self.singleData = ruleSet.rules.map { MatchData(for: $0.pattern, limits: limits) }
        self.anchoredData = ruleSet.anchored.map { $0.map { MatchData(for: $0, limits: limits) } }
        self.hot = ruleSet.rules.map {
            RuleHot(groups: $0.groups, priority: $0.rule.priority, format: $0.rule.idFormat)
        }
        self.all = Subset(
            pattern: ruleSet.combined, data: MatchData(for: ruleSet.combined, limits: limits),
            rules: Array(ruleSet.rules.indices), outerGroup: ruleSet.outerGroup)
    }

    /// Runs every rule over `text`.
    /// - Complexity: a literal scan of the line; then an anchored JIT match where a rule's
    ///   start literal occurs, and, when other rules' literals are present, one JIT search per
    ///   hit plus one over the combination of those rules only.
    public func extract(_ text: UnsafeBufferPointer<UInt8>) -> Extraction {
        var search: UInt64
        if let scanned = lastScan, scanned.base == text.baseAddress, scanned.count == text.count {
            search = scanned.search  // mayMatch(_:) just scanned this very text
        } else {
            search = ruleSet.prefilter.scan(text, hits: hits)
        }
        lastScan = nil
        var result = Extraction()
        var ranks = FieldRanks()
        if hits.count > 0 {
            let subject = UnsafeRawBufferPointer(text)
            for hit in 0..<hits.count {
                let position = hits.positions[hit]
                var rules = hits.rules[hit]
                while rules != 0 {
                    let index = rules.trailingZeroBitCount
                    rules &= rules - 1
                    guard let pattern = ruleSet.anchored[index], let data = anchoredData[index] else {
                        search |= 1 << UInt64(index)
                        continue
                    }
                    guard canContribute(index, ranks) else { continue }
                    switch pattern.match(subject, from: position, using: data) {
                    case .matched:
                        apply(hot[index], index: index, base: 0, data: data, text: text,
                              into: &result, ranks: &ranks)
                    case .noMatch:
                        break
                    case .limitExceeded, .failed:
                        result.limitExceeded = true
                    }
                }
            }
        }
        // The search is skipped when none of its rules could change anything any more; one
        // such rule is not left out of it alone, though: the search takes the leftmost match and
        // goes on after its ids, so a rule left out would let others match inside its match.
        if search != 0, !hasUnfilteredRules, ranks.trace != Int.min || ranks.job != Int.min {
            var candidates = search
            var useful = false
            while candidates != 0, !useful {
                let index = candidates.trailingZeroBitCount
                candidates &= candidates - 1
                useful = canContribute(index, ranks)
            }
            if !useful { search = 0 }
        }
        if search != 0 || hasUnfilteredRules { extract(text, using: subset(search), into: &result, ranks: &ranks) }
        if result.limitExceeded { limitHits += 1 }
        return result
    }

    /// Whether a hit of the rule at `index` could still set a field: some field it captures was
    /// set by no rule of its priority or higher (for the trace id, by no 128-bit id of that
    /// priority or higher, since a 128-bit id beats a 64-bit one of any priority). When none
    /// could, trying the rule changes nothing (see ``apply``).
    @inline(__always)
    private func canContribute(_ index: Int, _ ranks: FieldRanks) -> Bool {
        let rule = hot[index]
        let priority = rule.priority
        let groups = rule.groups
        return (groups.trace != nil && ranks.trace < priority + Self.fullWidthBonus)
            || (groups.span != nil && ranks.span < priority)
            || (groups.job != nil && ranks.job < priority)
            || (groups.timestamp != nil && ranks.timestamp < priority)
            || (groups.level != nil && ranks.level < priority)
            || (groups.service != nil && ranks.service < priority)
            || (groups.message != nil && ranks.message < priority)
    }

    /// Whether any rule could match `text`: some rule's literals occur in it, and the runs of
    /// digits its ids need too (see ``LiteralPrefilter``). Cheap: only the literal scan; a
    /// following `extract` of the same text reuses it.
    public func mayMatch(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let search = ruleSet.prefilter.scan(text, hits: hits)
        // A hit whose rules the line's runs of digits all excluded leaves no rule to try.
        var hitRules: UInt64 = 0
        for hit in 0..<hits.count { hitRules |= hits.rules[hit] }
        let may = search != 0 || hitRules != 0 || hasUnfilteredRules
        // Kept only for the `extract` that follows a yes: after a no, another text at the same
        // place and of the same length (a reused buffer) must be scanned afresh.
        lastScan = may ? (text.baseAddress, text.count, search) : nil
        return may
    }

    /// Rules past the 64th have no bit in the prefilter's masks: they are searched for in every
    /// line.
    private var hasUnfilteredRules: Bool { ruleSet.rules.count > 64 }

    private var lastScan: (base: UnsafePointer<UInt8>?, count: Int, search: UInt64)?

    /// Runs every rule over `text` without the literal prefilter (for tests that check the
    /// prefilter changes nothing).
    public func extractWithoutPrefilter(_ text: UnsafeBufferPointer<UInt8>) -> Extraction {
        var result = Extraction()
        var ranks = FieldRanks()
        extract(text, using: all, into: &result, ranks: &ranks)
        if result.limitExceeded { limitHits += 1 }
        return result
    }

    private var lastCandidates: UInt64 = 0
    private var lastSubset: Subset?

    private func subset(_ candidates: UInt64) -> Subset {
        // Neighbouring lines tend to have the same candidates: skip the dictionary then.
        if candidates == lastCandidates, let lastSubset { return lastSubset }
        let found = lookupSubset(candidates)
        lastCandidates = candidates
        lastSubset = found
        return found
    }

    private func lookupSubset(_ candidates: UInt64) -> Subset {
        if let cached = subsets[candidates] { return cached }
        var indices: [Int] = []
        for index in ruleSet.rules.indices where index >= 64 || candidates & (1 << UInt64(index)) != 0 {
            indices.append(index)
        }
        guard indices.count < ruleSet.rules.count, subsets.count < Self.maxCachedSubsets else { return all }
        let (source, outer) = RuleSet.combinedSource(indices.map { ruleSet.rules[$0] })
        guard let pattern = try? Pattern(source, options: PatternOptions(duplicateNames: true)) else {
            return all
        }
        let subset = Subset(pattern: pattern, data: MatchData(for: pattern, limits: limits),
                            rules: indices, outerGroup: outer)
        subsets[candidates] = subset
        return subset
    }

    private func extract(
        _ text: UnsafeBufferPointer<UInt8>, using subset: Subset, into result: inout Extraction,
        ranks: inout FieldRanks
    ) {
        var position = 0
        let subject = UnsafeRawBufferPointer(text)
        let data = subset.data
        while position <= text.count {
            switch subset.pattern.match(subject, from: position, using: data) {
            case .matched:
                break
            case .noMatch:
                return
            case .limitExceeded, .failed:
                result.limitExceeded = true
                return
            }
            guard let whole = data.range(ofGroup: 0) else { return }
            var which = 0
            for candidate in subset.outerGroup.indices where data.isSet(group: subset.outerGroup[candidate]) {
                which = candidate
                break
            }
            let index = subset.rules[which]
            let base = subset.outerGroup[which]
            apply(hot[index], index: index, base: base, data: data, text: text, into: &result, ranks: &ranks)
            position = nextPosition(after: whole, hot[index].groups, base: base, data: data)
        }
    }

    /// Runs only the rule at `index` (as `correlate rules test` does), searching the whole line.
    public func extract(_ text: UnsafeBufferPointer<UInt8>, onlyRule index: Int) -> Extraction {
        var result = Extraction()
        var ranks = FieldRanks()
        let compiled = ruleSet.rules[index]
        let data = singleData[index]
        var position = 0
        let subject = UnsafeRawBufferPointer(text)
        while position <= text.count {
            switch compiled.pattern.match(subject, from: position, using: data) {
            case .matched:
                break
            case .noMatch:
                return result
            case .limitExceeded, .failed:
                result.limitExceeded = true
                return result
            }
            guard let whole = data.range(ofGroup: 0) else { return result }
            apply(hot[index], index: index, base: 0, data: data, text: text, into: &result, ranks: &ranks)
            position = nextPosition(after: whole, hot[index].groups, base: 0, data: data)
        }
        return result
    }

    /// Where to search on after a hit: just past its last id. A hit may go on past its ids (a
    /// `message` group to the end of the line), and the text it covered there can hold other
    /// ids — a job id in the message of a line whose context block gave the trace id.
    @inline(__always)
    private func nextPosition(after whole: Range<Int>, _ groups: RuleGroups, base: Int, data: MatchData) -> Int {
        var end = whole.lowerBound
        if let group = groups.trace, let range = data.range(ofGroup: base + group) {
            end = max(end, range.upperBound)
        }
        if let group = groups.span, let range = data.range(ofGroup: base + group) {
            end = max(end, range.upperBound)
        }
        if let group = groups.job, let range = data.range(ofGroup: base + group) {
            end = max(end, range.upperBound)
        }
        if end == whole.lowerBound { end = whole.upperBound }
        return max(end, whole.lowerBound + 1)
    }

    /// Added to the priority of a hit whose trace id has all 128 bits.
    private static let fullWidthBonus = 1 << 32

    /// Priority of the rule that set each field so far (`Int.min`: not set).
    private struct FieldRanks {
        var trace = Int.min
        var span = Int.min
        var job = Int.min
        var timestamp = Int.min
        var level = Int.min
        var service = Int.min
        var message = Int.min
    }

    @inline(__always)
    private func apply(
        _ rule: RuleHot, index: Int, base: Int, data: MatchData,
        text: UnsafeBufferPointer<UInt8>, into result: inout Extraction, ranks: inout FieldRanks
    ) {
        let groups = rule.groups
        let priority = rule.priority
        let format = rule.format
        func capture(_ group: Int?) -> Range<Int>? {
            guard let group else { return nil }
            return data.range(ofGroup: base + group)
        }
        func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: text[range])
        }

        var hitTrace: TraceID?
        var traceRejected = false
        if let range = capture(groups.trace) {
            if let id = TraceID.parse(bytes(range), format: format), id.isValid {
                hitTrace = id
            } else {
                // "No context" (all zero) or not an id of the rule's format: the hit's span id
                // means nothing without it.
                traceRejected = true
                if TraceID.parse(bytes(range), format: format) != nil { result.rejectedZeroID = true }
            }
        }
        var hitSpan: SpanID?
        if !traceRejected, let range = capture(groups.span),
            let id = SpanID.parse(bytes(range), format: format), id.isValid
        {
            hitSpan = id
        }
        // A complete 128-bit trace id wins over a 64-bit one (Datadog decimal, B3 64-bit) of
        // any priority; between ids of one width, the rule's priority decides.
        let traceRank = hitTrace.map { $0.high != 0 ? priority + Self.fullWidthBonus : priority } ?? Int.min
        if let hitTrace, traceRank > ranks.trace {
            ranks.trace = traceRank
            result.traceID = hitTrace
            result.ruleIndex = index
            if let hitSpan {
                result.spanID = hitSpan
                ranks.span = priority
            }
        } else if let hitSpan, priority > ranks.span, hitTrace == nil || hitTrace == result.traceID {
            result.spanID = hitSpan
            ranks.span = priority
        }
        if let range = capture(groups.job), !range.isEmpty, priority > ranks.job {
            ranks.job = priority
            result.jobID = range
            if ranks.trace == Int.min { result.ruleIndex = index }
        }
        if hitTrace == nil && capture(groups.job) == nil && hitSpan == nil { return }
        if let range = capture(groups.timestamp), priority > ranks.timestamp,
            let timestamp = Timestamp.parse(UnsafeBufferPointer(rebasing: text[range]))
        {
            ranks.timestamp = priority
            result.timestamp = timestamp
        }
        if let range = capture(groups.level), priority > ranks.level,
            let severity = Severity(text: UnsafeBufferPointer(rebasing: text[range]))
        {
            ranks.level = priority
            result.severity = severity
        }
        if let range = capture(groups.service), !range.isEmpty, priority > ranks.service {
            ranks.service = priority
            result.service = range
        }
        if let range = capture(groups.message), priority > ranks.message {
            ranks.message = priority
            result.message = range
        }
    }
}
