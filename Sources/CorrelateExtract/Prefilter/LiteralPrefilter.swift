/// Tells, for a line, which rules can possibly match it, by looking for their required literals
/// (see ``RequiredLiterals``) before any regex runs.
///
/// Most log lines carry no id at all, and those that do are matched by a few rules only; the
/// combined regex of all rules is slow (PCRE2 tries every alternative at every position whose
/// byte could start one), while the combination of just the candidate rules is fast.
///
/// The scan reads the line two bytes at a time (one unaligned 16-bit load per position) and
/// tests the pair against a 64 Kbit bitmap of the pairs that start a literal, in every ASCII
/// case; only on a hit are the literals that start with that pair compared. Literals of one
/// byte go through a byte table instead.
///
/// A rule's literals are of one of two kinds. *Anchor* literals are the strings every match of
/// the rule starts with: each place one occurs is recorded, and the rule is tried there alone,
/// anchored — the cheapest regex run there is. *Presence* literals only say that the rule can
/// match somewhere in the line: the rule then joins the combined search of the line.
///
/// Rules are numbered by their index in the rule set; the first 64 can be filtered, the others
/// (and rules without required literals) are always candidates.
struct LiteralPrefilter: Sendable {
    /// The literals of one rule and how they are used.
    struct RuleLiterals: Sendable {
        var literals: Set<[UInt8]>
        /// Every match starts with one of `literals`.
        var anchored: Bool
    }

    private struct Literal: Sendable {
        /// Folded (ASCII lowercase).
        var bytes: [UInt8]
        var presenceRules: UInt64
        var anchorRules: UInt64
        /// The first (up to) eight folded bytes, little-endian, and the mask of their lanes.
        var head: UInt64 = 0
        var headMask: UInt64 = 0

        init(bytes: [UInt8], presenceRules: UInt64, anchorRules: UInt64) {
            self.bytes = bytes
            self.presenceRules = presenceRules
            self.anchorRules = anchorRules
            for (lane, byte) in bytes.prefix(8).enumerated() {
                head |= UInt64(byte) << UInt64(8 * lane)
                headMask |= 0xFF << UInt64(8 * lane)
            }
        }
    }

    /// Rules that must be tried on every line.
    let alwaysCandidates: UInt64
    /// Rules with a literal of a single byte, by byte (all cases).
    private let singleByte: [UInt64]
    private let hasSingleByteLiterals: Bool
    /// Bit per raw byte pair (first byte in the low half) that starts a literal in some case.
    private let pairBits: [UInt64]
    /// Literals by the folded pair they start with: index into `buckets`, -1 for none.
    private let pairBucket: [Int16]
    private let buckets: [[Literal]]
    /// Rules whose literals are anchors.
    let anchoredRules: UInt64
    /// For each rule, its literals (for `rules list --verbose` and tests).
    let literalsByRule: [[String]]
    // Held per instance: a `static let` costs a `swift_once` check on every access.
    private let fold: [UInt8]

    /// - Parameter rules: per rule index, its literals, or nil when it has none (always tried).
    init(rules: [RuleLiterals?]) {
        var always: UInt64 = 0
        var single = [UInt64](repeating: 0, count: 256)
        var byPair: [UInt16: [Literal]] = [:]
        var anchored: UInt64 = 0
        var literalsByRule: [[String]] = []
        for (index, entry) in rules.enumerated() {
            let bit: UInt64 = index < 64 ? 1 << UInt64(index) : 0
            guard bit != 0, let entry else {
                always |= bit
                literalsByRule.append([])
                continue
            }
            let anchor = entry.anchored && entry.literals.allSatisfy { $0.count >= 2 }
            if anchor { anchored |= bit }
            literalsByRule.append(entry.literals.map { String(decoding: $0, as: UTF8.self) }.sorted())
            for literal in entry.literals {
                if literal.count == 1 {
                    for variant in LiteralPrefilter.cases(of: literal[0]) { single[Int(variant)] |= bit }
                    continue
                }
                let pair = UInt16(literal[0]) | UInt16(literal[1]) << 8
                var bucket = byPair[pair] ?? []
                var index = bucket.firstIndex { $0.bytes == literal }
                if index == nil {
                    bucket.append(Literal(bytes: literal, presenceRules: 0, anchorRules: 0))
                    index = bucket.count - 1
                }
                if anchor { bucket[index!].anchorRules |= bit } else { bucket[index!].presenceRules |= bit }
                byPair[pair] = bucket
            }
        }
        var bits = [UInt64](repeating: 0, count: 1024)
        var pairBucket = [Int16](repeating: -1, count: 65_536)
        var buckets: [[Literal]] = []
        for (pair, literals) in byPair.sorted(by: { $0.key < $1.key }) where buckets.count < Int(Int16.max) {
            for first in LiteralPrefilter.cases(of: UInt8(pair & 0xFF)) {
                for second in LiteralPrefilter.cases(of: UInt8(pair >> 8)) {
                    let raw = Int(first) | Int(second) << 8
                    bits[raw >> 6] |= 1 << UInt64(raw & 63)
                }
            }
            pairBucket[Int(pair)] = Int16(buckets.count)
            buckets.append(literals)
        }
        self.alwaysCandidates = always
        self.singleByte = single
        self.hasSingleByteLiterals = single.contains { $0 != 0 }
        self.pairBits = bits
        self.pairBucket = pairBucket
        self.buckets = buckets
        self.anchoredRules = anchored
        self.literalsByRule = literalsByRule
        self.fold = Self.foldTable
    }

    static let foldTable: [UInt8] = (0..<256).map { RegexSubsetParser.fold(UInt8($0)) }

    /// The byte and, for an ASCII letter, its other case.
    private static func cases(of folded: UInt8) -> [UInt8] {
        folded >= UInt8(ascii: "a") && folded <= UInt8(ascii: "z") ? [folded, folded - 32] : [folded]
    }

    /// Scans `text`: returns the rules to search the line with (presence literals found,
    /// always-tried rules, and anchored rules whose hits overflowed `hits`), and records where
    /// anchor literals occur in `hits`.
    @inline(__always)
    func scan(_ text: UnsafeBufferPointer<UInt8>, hits: AnchorHits) -> UInt64 {
        hits.count = 0
        hits.overflowed = 0
        let n = text.count
        guard n > 0, let base = text.baseAddress else { return alwaysCandidates }
        var found: UInt64 = 0
        let raw = UnsafeRawPointer(base)
        pairBits.withUnsafeBufferPointer { bits in
            var i = 0
            while i + 1 < n {
                let pair = Int(raw.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian)
                if bits[pair >> 6] & (1 << UInt64(pair & 63)) != 0 {
                    found |= verify(at: i, base, n, hits)
                }
                i += 1
            }
        }
        if hasSingleByteLiterals {
            singleByte.withUnsafeBufferPointer { table in
                for index in 0..<n { found |= table[Int(base[index])] }
            }
        }
        return found | alwaysCandidates | hits.overflowed
    }

    /// Compares the literals that start with the pair at `start`; records anchor hits.
    @inline(__always)
    private func verify(at start: Int, _ base: UnsafePointer<UInt8>, _ n: Int, _ hits: AnchorHits) -> UInt64 {
        let pair = Int(fold[Int(base[start])]) | Int(fold[Int(base[start + 1])]) << 8
        let bucket = Int(pairBucket[pair])
        guard bucket >= 0 else { return 0 }
        // Eight bytes at once, folded with SWAR; near the end of the line, byte by byte.
        var window: UInt64 = 0
        if start + 8 <= n {
            window = LiteralPrefilter.foldASCII(UnsafeRawPointer(base).loadUnaligned(fromByteOffset: start, as: UInt64.self).littleEndian)
        } else {
            for lane in 0..<(n - start) { window |= UInt64(fold[Int(base[start + lane])]) << UInt64(8 * lane) }
        }
        var presence: UInt64 = 0
        var anchors: UInt64 = 0
        for literal in buckets[bucket] where window & literal.headMask == literal.head {
            let count = literal.bytes.count
            if count > 8 {
                guard start + count <= n else { continue }
                var offset = 8
                while offset < count, fold[Int(base[start + offset])] == literal.bytes[offset] { offset += 1 }
                if offset != count { continue }
            }
            presence |= literal.presenceRules
            anchors |= literal.anchorRules
        }
        if anchors != 0 { hits.append(position: start, rules: anchors) }
        return presence
    }

    /// ASCII upper-case letters to lower case in eight bytes at once.
    @inline(__always)
    static func foldASCII(_ x: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let high: UInt64 = 0x8080_8080_8080_8080
        let t = x & low7
        let atLeastA = (t &+ 0x3F3F_3F3F_3F3F_3F3F) & high  // byte >= 0x41 'A'
        let pastZ = (t &+ 0x2525_2525_2525_2525) & high  // byte >= 0x5B, after 'Z'
        let upper = atLeastA & ~pastZ & ~x & high
        return x | (upper >> 2)
    }
}

/// Where anchor literals occur in one line: positions and, per position, the rules to try
/// there. Fixed capacity, reused line after line; rules of hits past the capacity are reported
/// as `overflowed` (they are then searched for in the whole line instead).
final class AnchorHits {
    static let capacity = 64
    private(set) var positions: UnsafeMutablePointer<Int>
    private(set) var rules: UnsafeMutablePointer<UInt64>
    var count = 0
    var overflowed: UInt64 = 0

    init() {
        positions = .allocate(capacity: AnchorHits.capacity)
        rules = .allocate(capacity: AnchorHits.capacity)
    }

    deinit {
        positions.deallocate()
        rules.deallocate()
    }

    @inline(__always)
    func append(position: Int, rules mask: UInt64) {
        guard count < AnchorHits.capacity else {
            overflowed |= mask
            return
        }
        positions[count] = position
        rules[count] = mask
        count += 1
    }
}
