#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds, for a PCRE2 pattern, a small set of literal strings such that every match contains at
/// least one of them — the pattern's *required literals*. The prefilter looks for these before
/// any regex runs.
///
/// Strings are ASCII-lowercased (the prefilter folds the line the same way), so the analysis
/// need not track case-insensitive parts. It is conservative: any construct it does not
/// understand (extended mode, `\Q…\E`, Unicode properties…) makes the pattern "unfiltered", and
/// the rule is then tried on every line. Over-approximation only costs time, never matches.
///
/// The method is the classic one (as in RE2's prefilter): per node, the set of all strings it can
/// match when that set is small (`exact`), and a set one of which every match contains
/// (`required`); concatenations take cross products of exact sets, alternations unions.
enum RequiredLiterals {
    /// What the analysis found: the required literals (minimised), and the strings every
    /// match starts with (not minimised, so a hit on one is a match start).
    struct Result {
        var required: Set<[UInt8]>?
        var prefixes: Set<[UInt8]>?
    }

    /// The required literals of `pattern`, or nil when it has none that can be relied on.
    static func of(_ pattern: String) -> Set<[UInt8]>? {
        analysis(of: pattern).required
    }

    static func analysis(of pattern: String) -> Result {
        var parser = RegexSubsetParser(Array(pattern.utf8))
        guard let node = parser.parse() else { return Result() }
        let info = analyse(node)
        let required = best(info).map(minimised)
        let prefixes = info.prefix.flatMap { usable($0) }
        return Result(required: required, prefixes: prefixes)
    }

    /// For a pattern whose matches end the subject (`…$`, `…\s*$`), the strings every match
    /// ends with before that optional whitespace, and the length of every match when they all
    /// have one (nil: they vary). Nil when the matches need not end the subject (or `(?m)`
    /// lets `$` match before any newline).
    static func endings(of pattern: String) -> (strings: Set<[UInt8]>, length: Int?)? {
        var parser = RegexSubsetParser(Array(pattern.utf8))
        guard var node = parser.parse(), !parser.multiline else { return nil }
        while case .group(let inner) = node { node = inner }
        guard case .concatenation(var children) = node, children.last.map(isLineEnd) == true else { return nil }
        children.removeLast()
        if case .repeat(.whitespace, 0, nil) = children.last { children.removeLast() }
        let rest = RegexNode.concatenation(children)
        guard let suffix = analyse(rest).suffix.flatMap(usable) else { return nil }
        return (suffix, HexRuns.fixedLength(rest))
    }

    private static func isLineEnd(_ node: RegexNode) -> Bool {
        if case .lineEnd = node { return true }
        return false
    }

    // MARK: - Analysis

    struct Info {
        /// Every string the node can match, when there are few (nil: too many or unbounded).
        var exact: Set<[UInt8]>?
        /// Every match contains one of these (nil: nothing is guaranteed).
        var required: Set<[UInt8]>?
        /// Every match starts with one of these (nil: unknown).
        var prefix: Set<[UInt8]>?
        /// Every match ends with one of these (nil: unknown).
        var suffix: Set<[UInt8]>?

        static let unknown = Info(exact: nil, required: nil, prefix: nil, suffix: nil)

        static func exactly(_ set: Set<[UInt8]>) -> Info {
            Info(exact: set, required: nil, prefix: set, suffix: set)
        }
    }

    static let maxSetSize = 64
    static let maxStringLength = 32

    static func analyse(_ node: RegexNode) -> Info {
        switch node {
        case .empty, .lineEnd:
            return .exactly([[]])
        case .any, .whitespace, .wide:
            return .unknown
        case .bytes(let set):
            return .exactly(Set(set.map { [$0] }))
        case .group(let child):
            return analyse(child)
        case .repeat(let child, let min, let max):
            let inner = analyse(child)
            if min == 0 {
                if max == 1, let exact = inner.exact, exact.count < maxSetSize {
                    return .exactly(exact.union([[]]))
                }
                return .unknown
            }
            if min == 1 && max == 1 { return inner }
            return Info(exact: nil, required: best(inner), prefix: inner.prefix, suffix: inner.suffix)
        case .alternation(let branches):
            let infos = branches.map(analyse)
            func union(_ sets: [Set<[UInt8]>?]) -> Set<[UInt8]>? {
                var result: Set<[UInt8]> = []
                for set in sets {
                    guard let set, result.count + set.count <= maxSetSize else { return nil }
                    result.formUnion(set)
                }
                return result
            }
            return Info(
                exact: union(infos.map(\.exact)), required: union(infos.map { best($0) }),
                prefix: union(infos.map(\.prefix)), suffix: union(infos.map(\.suffix)))
        case .concatenation(let children):
            return concatenation(children.map(analyse))
        }
    }

    /// Runs of exact children are joined by cross product, and extended by the suffix of the
    /// child before and the prefix of the child after them, as far as the limits allow.
    static func concatenation(_ infos: [Info]) -> Info {
        var candidates: [Set<[UInt8]>] = infos.compactMap(\.required)
        var run: Set<[UInt8]>? = [[]]
        var left: Set<[UInt8]>? = nil  // suffix of the inexact child before the run
        var allExact = true
        var prefix: Set<[UInt8]>? = nil
        var prefixDone = false

        func closeRun(right: Set<[UInt8]>?) {
            let body = run ?? [[]]
            let options = [
                cross(cross(left ?? [[]], body), right ?? [[]]),
                cross(body, right ?? [[]]), cross(left ?? [[]], body), body,
            ]
            if let best = mostSelective(options.compactMap({ $0 }).compactMap({ usable($0) })) {
                candidates.append(best)
            }
        }

        for info in infos {
            if let exact = info.exact, let current = run, let product = cross(current, exact) {
                run = product
                continue
            }
            allExact = false
            if !prefixDone {
                prefix = cross(run ?? [[]], info.prefix ?? [[]]) ?? run
                if info.prefix == nil && (run ?? [[]]) == [[]] { prefix = nil }
                prefixDone = true
            }
            if let exact = info.exact {
                // An exact child that overflowed the run: close it and start anew.
                closeRun(right: info.prefix)
                left = nil
                run = exact
            } else {
                closeRun(right: info.prefix)
                left = info.suffix
                run = [[]]
            }
        }
        closeRun(right: nil)
        if allExact {
            return .exactly(run ?? [[]])
        }
        // The suffix: the last inexact child's suffix followed by the exact run after it.
        let suffix: Set<[UInt8]>? = left.flatMap { cross($0, run ?? [[]]) }
        let required = mostSelective(candidates.compactMap { usable($0) })
        return Info(exact: nil, required: required, prefix: prefix, suffix: suffix)
    }

    static func cross(_ a: Set<[UInt8]>?, _ b: Set<[UInt8]>) -> Set<[UInt8]>? {
        guard let a else { return nil }
        guard a.count * b.count <= maxSetSize else { return nil }
        var result: Set<[UInt8]> = []
        for x in a {
            for y in b {
                guard x.count + y.count <= maxStringLength else { return nil }
                result.insert(x + y)
            }
        }
        return result
    }

    /// The better of a node's exact and required sets, if either can be relied on.
    static func best(_ info: Info) -> Set<[UInt8]>? {
        mostSelective([info.exact, info.required].compactMap { $0 }.compactMap { usable($0) })
    }

    /// The set of highest ``score(_:)`` (the first of equals), each scored once.
    static func mostSelective(_ sets: [Set<[UInt8]>]) -> Set<[UInt8]>? {
        var best: (set: Set<[UInt8]>, score: Double)?
        for set in sets {
            let value = score(set)
            if best == nil || value > best!.score { best = (set, value) }
        }
        return best?.set
    }

    /// A set is usable as a requirement when none of its strings is empty.
    static func usable(_ set: Set<[UInt8]>) -> Set<[UInt8]>? {
        guard !set.isEmpty, !set.contains([]) else { return nil }
        return set
    }

    /// How selective a set is: minus log₂ of the chance that a position of a typical log line
    /// starts one of its strings, from rough byte frequencies of log text (``ByteFrequency``)
    /// and, for the key pairs, the pairs' measured frequencies (``PairFrequency``). Higher is
    /// better.
    ///
    /// The scan compares literals where the pair of bytes that keys them occurs (see
    /// ``LiteralPrefilter``), so each distinct key pair adds its own chance, weighted by
    /// ``keyPairWeight``: 48 strings `0" "0"`…`f" "1"` keyed by 16 pairs `0"`…`f"` cost more
    /// than the one string `" "` they all contain.
    static func score(_ set: Set<[UInt8]>) -> Double {
        var chance = 0.0
        var keys: Set<[UInt8]> = []
        for string in set {
            var p = 1.0
            for byte in string.prefix(8) { p *= ByteFrequency.of(byte) }
            chance += p
            if string.count >= 2 { keys.insert(keyPair(of: string)) }
        }
        for key in keys { chance += keyPairWeight * PairFrequency.of(key[0], key[1]) }
        // A one-byte literal is checked by a second pass over the line: count it two bits worse.
        let singleBytePenalty = set.contains { $0.count == 1 } ? 2.0 : 0
        return chance > 0 ? -log2(chance) - singleBytePenalty : 0
    }

    /// What comparing the literals at one occurrence of their key pair costs, against a line
    /// that a literal lets through to a regex run.
    static let keyPairWeight = 0.05

    /// The pair of bytes of `string` least frequent in log text (``PairFrequency``; the first
    /// of equals): the scan looks for it.
    static func keyPair(of string: [UInt8]) -> [UInt8] {
        Array(string[keyOffset(of: string)...].prefix(2))
    }

    static func keyOffset(of string: [UInt8]) -> Int {
        var best = 0
        var bestChance = Double.infinity
        for offset in 0..<(string.count - 1) {
            let chance = PairFrequency.of(string[offset], string[offset + 1])
            if chance < bestChance {
                best = offset
                bestChance = chance
            }
        }
        return best
    }

    /// Drops strings that contain another string of the set: finding the shorter one is enough.
    static func minimised(_ set: Set<[UInt8]>) -> Set<[UInt8]> {
        let sorted = set.sorted { $0.count < $1.count }
        var kept: [[UInt8]] = []
        for candidate in sorted where !kept.contains(where: { contains(candidate, $0) }) {
            kept.append(candidate)
        }
        return Set(kept)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        if needle.isEmpty { return true }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
