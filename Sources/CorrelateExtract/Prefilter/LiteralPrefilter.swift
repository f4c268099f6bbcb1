import CPairScan

/// Tells, for a line, which rules can possibly match it, by looking for their required literals
/// (see ``RequiredLiterals``) before any regex runs.
///
/// Most log lines carry no id at all, and those that do are matched by a few rules only; the
/// combined regex of all rules is slow (PCRE2 tries every alternative at every position whose
/// byte could start one), while the combination of just the candidate rules is fast.
///
/// The scan reads the line two bytes at a time (one unaligned 16-bit load per position) and
/// tests the pair against a 64 Kbit bitmap of the pairs that key a literal, in every ASCII
/// case; only on a hit are the literals keyed by that pair compared. A literal is keyed by a
/// pair that is rare in real logs (``PairFrequency``), not its first: `message '` by ` '`, not
/// by the `me` of every `message` and `time`; literals that share text share their key where
/// that costs less (``sharedKeyOffsets(_:)``). Literals of one byte go through a byte table.
///
/// A rule's literals are of one of two kinds. *Anchor* literals are the strings every match of
/// the rule starts with: each place one occurs is recorded, and the rule is tried there alone,
/// anchored — the cheapest regex run there is. *Presence* literals only say that the rule can
/// match somewhere in the line: the rule then joins the combined search of the line.
///
/// Where the processor has AVX2, the positions whose pair may key a literal are first found 32
/// at a time (``pairMasks``, `CPairScan`: nibble tables in the manner of Hyperscan's Teddy), and
/// only those are tested against the bitmap: lines are mostly text in which key pairs are rare.
///
/// A key pair found is then tested with the byte after it (``mayKey(_:at:_:_:)``): the
/// literals keyed by `"t` are `"trace_id`, `"traceid`, … — all `"tr` — so the `"timestamp"` of
/// every JSON line is passed over without comparing them. Key pairs at a literal's end have no
/// byte after them in the literal; the byte is still known where every rule the literal anchors
/// checks a run of hex digits that covers it (`"0`…`"f` of a quoted B3 id), and where they all
/// need seven or more digits there, those seven bytes are tested (`"2026-11-25` is passed over).
///
/// An anchored hit is checked for the run of hex digits its rule's matches have at a fixed
/// place, and, behind weak literals, for how that run ends (``HexRuns/runEnd(in:at:)``: a quoted
/// trace id is no B3 header, whose run of 16 or 32 digits a `-` follows).
///
/// Then a rule whose every match holds a run of hex digits (an id: see ``HexRuns``), or a
/// longer run of base64 digits (a base64 id), stays a candidate only if the line has such a run.
///
/// Rules are numbered by their index in the rule set; the first 64 can be filtered, the others
/// (and rules without required literals) are always candidates.
///
/// A class: every line calls on it through the rule set, and a struct of this many tables was
/// copied for each call (a retain and a release per table).
final class LiteralPrefilter: Sendable {
    /// The literals of one rule and how they are used.
    struct RuleLiterals: Sendable {
        var literals: Set<[UInt8]>
        /// Every match starts with one of `literals`.
        var anchored: Bool
        /// For anchored rules, where every match has a run of hex digits, from its start (see
        /// ``HexRuns/atFixedOffset(in:)``): a hit without that run is no match start.
        var hexRun: (offset: Int, length: Int)? = nil
        /// For such a rule, how that run ends in every match (see ``HexRuns/runEnd(in:at:)``):
        /// each hit is also checked for it.
        var runEnd: HexRuns.RunEnd? = nil
        /// For a rule found by how the text ends (see ``RequiredLiterals/endings(of:)``): the
        /// strings its matches end with before trailing whitespace, and their length when fixed
        /// (then the rule is tried anchored where the match must start).
        var ending: (strings: Set<[UInt8]>, length: Int?)? = nil
    }

    /// A rule found by how the text ends.
    private struct EndRule: Sendable {
        var bit: UInt64
        var strings: [[UInt8]]
        var length: Int?
    }

    /// Bit per folded byte that ends an ending string of some rule.
    private let endingLastBytes: [UInt64]

    /// Runs shorter than this are not checked for: too many lines have them.
    static let minimumHexRun = 8
    /// Base64 digits are letters and digits too: shorter runs are words and numbers.
    static let minimumBase64Run = 16

    private let endRules: [EndRule]

    /// For a rule found by how the text ends, the strings and the length of its matches.
    func ending(ofRule index: Int) -> (strings: [String], length: Int?)? {
        guard index < 64, let rule = endRules.first(where: { $0.bit == 1 << UInt64(index) }) else { return nil }
        return (rule.strings.map { String(decoding: $0, as: UTF8.self) }.sorted(), rule.length)
    }

    /// A literal as the scan compares it: plain values only (no reference to retain in the
    /// inner loop); bytes past the eighth in ``LiteralPrefilter/tails``.
    private struct Compact: Sendable {
        /// The first (up to) eight folded bytes, little-endian, and the mask of their lanes.
        var head: UInt64
        var headMask: UInt64
        var presenceRules: UInt64
        var anchorRules: UInt64
        var count: Int32
        var keyOffset: Int32
        /// Where its bytes from the ninth on start in `tails`.
        var tail: Int32
    }

    private struct Literal: Sendable {
        /// Folded (ASCII lowercase).
        var bytes: [UInt8]
        var presenceRules: UInt64
        var anchorRules: UInt64
        /// Where in `bytes` the pair that keys it starts.
        var keyOffset: Int
        /// The first (up to) eight folded bytes, little-endian, and the mask of their lanes.
        var head: UInt64 = 0
        var headMask: UInt64 = 0

        init(bytes: [UInt8], keyOffset: Int, presenceRules: UInt64, anchorRules: UInt64) {
            self.bytes = bytes
            self.presenceRules = presenceRules
            self.anchorRules = anchorRules
            self.keyOffset = keyOffset
            for (lane, byte) in bytes.prefix(8).enumerated() {
                head |= UInt64(byte) << UInt64(8 * lane)
                headMask |= 0xFF << UInt64(8 * lane)
            }
        }

        var key: UInt16 { UInt16(bytes[keyOffset]) | UInt16(bytes[keyOffset + 1]) << 8 }
    }

    /// Rules that must be tried on every line.
    let alwaysCandidates: UInt64
    /// Rules with a literal of a single byte, by byte (all cases).
    private let singleByte: [UInt64]
    private let hasSingleByteLiterals: Bool
    /// Bit per raw byte pair (first byte in the low half) that starts a literal in some case.
    private let pairBits: [UInt64]
    /// Bit per raw key pair some of whose literals allow any byte after the pair (see
    /// ``mayKey(_:at:_:_:)``).
    private let anyNextBits: [UInt64]
    /// Bit per hash of a raw key pair and a byte that one of its literals allows after the pair
    /// (``nextSlot(_:_:)``); hash collisions only let a position through to ``verify``.
    private let nextBits: [UInt64]
    /// Bit per raw key pair all of whose literals end with it and anchor rules that need at
    /// least ``hexDigitsTested`` hex digits right after it (`"2`…`"9`, `"a`… of a quoted B3
    /// header — not `"0`, `"1`, `"d`, which also key quoted B3 headers' `" "0"` —, and `[0`…`[f`
    /// of a bracketed id): those bytes are tested too, after the next one.
    private let hexAfterBits: [UInt64]
    /// How many bytes after a pair of ``hexAfterBits`` are tested for hex digits: enough to
    /// pass over quoted words and dates (`"cache…`, `"2026-…`), few enough for every such rule.
    static let hexDigitsTested = 7
    /// The folded pairs that key literals (first byte in the low half).
    let keyPairs: [Int]
    /// The key pairs in 16 buckets, as `correlate_pair_scan` reads them (see `CPairScan.h`).
    private let pairMasks: [UInt8]
    /// Whether ``scan(_:hits:)`` finds candidate positions with `correlate_pair_scan` (AVX2)
    /// before testing them against ``pairBits``; otherwise every position is tested.
    let vectorScan: Bool
    /// Literals by the folded pair that keys them, in a small open-addressing table (a few KiB,
    /// where a table by every pair took 256 KiB and missed the cache on every hit): each slot is
    /// the pair | its first literal << 16 | the end of its literals << 40; empty slots are
    /// ``emptyBucket``. See ``bucket(of:)``.
    private let buckets: [UInt64]
    private let bucketShift: UInt32
    private static let emptyBucket = UInt64.max
    private let literals: [Compact]
    private let tails: [UInt8]
    /// Rules whose literals are anchors.
    let anchoredRules: UInt64
    /// For each rule, its literals (for `rules list --verbose` and tests).
    let literalsByRule: [[String]]
    // Held per instance: a `static let` costs a `swift_once` check on every access.
    private let fold: [UInt8]

    /// Rules that need a run of hex digits, by run length, shortest first.
    private let hexGates: [(length: Int, rules: UInt64)]
    /// Anchored rules whose hits are checked for their run of hex digits, and the runs by rule.
    private let anchorHexRules: UInt64
    private let anchorHexRuns: [(offset: Int, length: Int)]

    /// For an anchored rule whose hits are checked for a run of hex digits, where it is.
    func anchorHexRun(ofRule index: Int) -> (offset: Int, length: Int)? {
        index < 64 && anchorHexRules & (1 << UInt64(index)) != 0 ? anchorHexRuns[index] : nil
    }
    private let hexGated: UInt64
    private let hexTable: [UInt8]
    /// Rules that need a run of base64 digits longer than any run of hex digits they need
    /// (`[A-Za-z0-9+/]{22}==`), by run length, shortest first.
    private let base64Gates: [(length: Int, rules: UInt64)]
    private let base64Gated: UInt64
    private let base64Table: [UInt8]
    /// Anchored rules whose hits are also checked for how their run of hex digits ends, and per
    /// rule: the lengths it may have (bit per length; 0: any) and the bytes that may follow it
    /// (four words per rule, a bit per folded byte).
    private let anchorRunEndRules: UInt64
    private let anchorRunLengths: [UInt64]
    private let anchorRunTerminators: [UInt64]

    /// For an anchored rule whose hits are checked for how their run of hex digits ends: the
    /// lengths it may have (nil: any) and the bytes that may follow it.
    func anchorRunEnd(ofRule index: Int) -> HexRuns.RunEnd? {
        guard index < 64, anchorRunEndRules & (1 << UInt64(index)) != 0 else { return nil }
        let mask = anchorRunLengths[index]
        let lengths = mask == 0 ? nil : Set((0..<64).filter { mask & (1 << UInt64($0)) != 0 })
        let terminators = Set((0..<256).filter { anchorRunTerminators[4 * index + ($0 >> 6)] & (1 << UInt64($0 & 63)) != 0 }.map(UInt8.init))
        return HexRuns.RunEnd(lengths: lengths, terminators: terminators)
    }

    /// - Parameters:
    ///   - rules: per rule index, its literals, or nil when it has none (always tried).
    ///   - hexRuns: per rule index, the run of hex digits every match holds (0: none known);
    ///     empty for none.
    ///   - base64Runs: the same for runs of base64 digits.
    ///   - vectorScan: false to test every position without the vectorised scan (for tests that
    ///     compare the two); by default it is used where the processor has it.
    ///   - nextByteTest: false to verify at every key pair, whatever bytes follow it (for tests
    ///     that compare the two).
    ///   - runEndCheck: false to check an anchored hit's run of hex digits for its length only,
    ///     not for how it ends (for tests that compare the two).
    init(rules: [RuleLiterals?], hexRuns: [Int] = [], base64Runs: [Int] = [], vectorScan: Bool = true,
         nextByteTest: Bool = true, runEndCheck: Bool = true) {
        var gates: [Int: UInt64] = [:]
        for (index, run) in hexRuns.enumerated() where index < 64 && run >= Self.minimumHexRun {
            gates[run, default: 0] |= 1 << UInt64(index)
        }
        self.hexGates = gates.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        self.hexGated = gates.values.reduce(0, |)
        self.hexTable = HexRuns.table
        var base64: [Int: UInt64] = [:]
        for (index, run) in base64Runs.enumerated()
        where index < 64 && run >= Self.minimumBase64Run && run > (index < hexRuns.count ? hexRuns[index] : 0) {
            base64[run, default: 0] |= 1 << UInt64(index)
        }
        self.base64Gates = base64.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        self.base64Gated = base64.values.reduce(0, |)
        self.base64Table = HexRuns.base64Table
        var anchorHexRules: UInt64 = 0
        var anchorHexRuns = [(offset: Int, length: Int)](repeating: (0, 0), count: 64)
        for (index, entry) in rules.enumerated() where index < 64 {
            guard let entry, entry.anchored, let run = entry.hexRun else { continue }
            anchorHexRules |= 1 << UInt64(index)
            anchorHexRuns[index] = run
        }
        self.anchorHexRules = anchorHexRules
        self.anchorHexRuns = anchorHexRuns
        var runEndRules: UInt64 = 0
        var runLengths = [UInt64](repeating: 0, count: 64)
        var runTerminators = [UInt64](repeating: 0, count: 4 * 64)
        for (index, entry) in rules.enumerated() where index < 64 && runEndCheck {
            guard let entry, anchorHexRules & (1 << UInt64(index)) != 0, let end = entry.runEnd else { continue }
            runEndRules |= 1 << UInt64(index)
            for length in end.lengths ?? [] { runLengths[index] |= 1 << UInt64(length) }
            for byte in end.terminators { runTerminators[4 * index + Int(byte >> 6)] |= 1 << UInt64(byte & 63) }
        }
        self.anchorRunEndRules = runEndRules
        self.anchorRunLengths = runLengths
        self.anchorRunTerminators = runTerminators
        self.endRules = rules.enumerated().compactMap { index, entry in
            guard index < 64, let ending = entry?.ending else { return nil }
            return EndRule(bit: 1 << UInt64(index), strings: Array(ending.strings), length: ending.length)
        }
        var endingLastBytes = [UInt64](repeating: 0, count: 4)
        for rule in endRules {
            for string in rule.strings {
                for byte in LiteralPrefilter.cases(of: string.last!) { endingLastBytes[Int(byte >> 6)] |= 1 << UInt64(byte & 63) }
            }
        }
        self.endingLastBytes = endingLastBytes
        var always: UInt64 = 0
        var single = [UInt64](repeating: 0, count: 256)
        var byPair: [UInt16: [Literal]] = [:]
        var anchored: UInt64 = 0
        var literalsByRule: [[String]] = []
        let keyOffsets = Self.sharedKeyOffsets(Set(rules.prefix(64).compactMap { $0?.literals }.joined().filter { $0.count >= 2 }))
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
                let entry = Literal(bytes: literal, keyOffset: keyOffsets[literal]!, presenceRules: 0, anchorRules: 0)
                let pair = entry.key
                var bucket = byPair[pair] ?? []
                var index = bucket.firstIndex { $0.bytes == literal }
                if index == nil {
                    bucket.append(entry)
                    index = bucket.count - 1
                }
                if anchor { bucket[index!].anchorRules |= bit } else { bucket[index!].presenceRules |= bit }
                byPair[pair] = bucket
            }
        }
        var bits = [UInt64](repeating: 0, count: 1024)
        var anyNext = [UInt64](repeating: 0, count: 1024)
        var next = [UInt64](repeating: 0, count: Self.nextSlots / 64)
        var hexAfter = [UInt64](repeating: 0, count: 1024)
        var ranges: [(pair: Int, first: Int, end: Int)] = []  // `first` and `end` < 2²⁴: see `buckets`
        var compact: [Compact] = []
        var tails: [UInt8] = []
        for (key, literals) in byPair.sorted(by: { $0.key < $1.key }) {
            let pair = Int(key)
            let firstLiteral = compact.count
            // The bytes this pair's literals allow after it; nil: any.
            var allowed: Set<UInt8>? = nextByteTest ? [] : nil
            // The hex digits all of them need right after the pair.
            var digitsAfter = Int.max
            for literal in literals {
                let after = literal.keyOffset + 2
                if after < literal.bytes.count {
                    allowed?.formUnion(LiteralPrefilter.cases(of: literal.bytes[after]))
                    digitsAfter = 0
                    continue
                }
                let digits = Self.hexDigitsRequired(from: after, by: literal, anchorHexRules, anchorHexRuns)
                if digits > 0 {
                    allowed?.formUnion(Self.hexDigits)
                } else {
                    allowed = nil
                }
                digitsAfter = min(digitsAfter, digits)
            }
            for first in LiteralPrefilter.cases(of: UInt8(pair & 0xFF)) {
                for second in LiteralPrefilter.cases(of: UInt8(pair >> 8)) {
                    let raw = Int(first) | Int(second) << 8
                    bits[raw >> 6] |= 1 << UInt64(raw & 63)
                    guard let allowed else {
                        anyNext[raw >> 6] |= 1 << UInt64(raw & 63)
                        continue
                    }
                    if digitsAfter >= Self.hexDigitsTested { hexAfter[raw >> 6] |= 1 << UInt64(raw & 63) }
                    for byte in allowed {
                        let slot = Self.nextSlot(raw, byte)
                        next[slot >> 6] |= 1 << UInt64(slot & 63)
                    }
                }
            }
            for literal in literals {
                compact.append(Compact(
                    head: literal.head, headMask: literal.headMask, presenceRules: literal.presenceRules,
                    anchorRules: literal.anchorRules, count: Int32(literal.bytes.count),
                    keyOffset: Int32(literal.keyOffset), tail: Int32(tails.count)))
                tails += literal.bytes.dropFirst(8)
            }
            ranges.append((pair, firstLiteral, compact.count))
        }
        // At most a quarter full, so that a probe rarely goes past its first slot.
        var shift: UInt32 = 32 - 6
        while (1 << (32 - shift)) < 4 * ranges.count { shift -= 1 }
        var table = [UInt64](repeating: Self.emptyBucket, count: 1 << (32 - shift))
        precondition(compact.count < 1 << 24, "more literals than the bucket table can index")
        for range in ranges {
            var slot = Self.slot(of: range.pair, shift: shift)
            while table[slot] != Self.emptyBucket { slot = (slot + 1) & (table.count - 1) }
            table[slot] = UInt64(range.pair) | UInt64(range.first) << 16 | UInt64(range.end) << 40
        }
        self.buckets = table
        self.bucketShift = shift
        self.keyPairs = ranges.map(\.pair)
        self.pairMasks = Self.pairMasks(forKeys: keyPairs)
        self.vectorScan = vectorScan && !ranges.isEmpty && correlate_pair_scan_available() != 0
        self.alwaysCandidates = always
        self.singleByte = single
        self.hasSingleByteLiterals = single.contains { $0 != 0 }
        self.pairBits = bits
        self.anyNextBits = anyNext
        self.nextBits = next
        self.hexAfterBits = hexAfter
        self.literals = compact
        self.tails = tails
        self.anchoredRules = anchored
        self.literalsByRule = literalsByRule
        self.fold = Self.foldTable
    }

    static let foldTable: [UInt8] = (0..<256).map { RegexSubsetParser.fold(UInt8($0)) }

    /// How many hex digits every match of the literal's anchored rules has from `offset` bytes
    /// after its start on: when the literal keys no rule by presence and each rule it anchors
    /// checks a run of hex digits covering that place (see ``checkedAnchors(_:at:_:_:)``), the
    /// least of those runs' digits from there; else 0.
    private static func hexDigitsRequired(
        from offset: Int, by literal: Literal, _ hexRules: UInt64, _ runs: [(offset: Int, length: Int)]
    ) -> Int {
        guard literal.presenceRules == 0, literal.anchorRules != 0, literal.anchorRules & ~hexRules == 0 else { return 0 }
        var rules = literal.anchorRules
        var digits = Int.max
        while rules != 0 {
            let run = runs[rules.trailingZeroBitCount]
            rules &= rules - 1
            guard run.offset <= offset, offset < run.offset + run.length else { return 0 }
            digits = min(digits, run.offset + run.length - offset)
        }
        return digits
    }

    private static let hexDigits = (0...255).map(UInt8.init).filter { HexRuns.table[Int($0)] != 0 }

    private static let nextSlots = 1 << 16

    /// Where in ``nextBits`` a raw key pair followed by `byte` is (multiplicative hashing).
    @inline(__always)
    private static func nextSlot(_ pair: Int, _ byte: UInt8) -> Int {
        Int(((UInt32(truncatingIfNeeded: pair) | UInt32(byte) << 16) &* 0x9E37_79B1) >> 16)
    }

    /// Whether the key pair at `position` (its bit set in ``pairBits``) may key a literal there,
    /// by the byte after it (or the ``hexDigitsTested`` bytes after it, for a pair of
    /// ``hexAfterBits``).
    @inline(__always)
    func mayKey(_ pair: Int, at position: Int, _ base: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if anyNextBits[pair >> 6] & (1 << UInt64(pair & 63)) != 0 { return true }
        guard position + 2 < n else { return false }
        let slot = Self.nextSlot(pair, base[position + 2])
        guard nextBits[slot >> 6] & (1 << UInt64(slot & 63)) != 0 else { return false }
        return hexAfterBits[pair >> 6] & (1 << UInt64(pair & 63)) == 0 || hexDigitsFollow(position + 2, base, n)
    }

    /// Whether the ``hexDigitsTested`` bytes from `start` are hex digits.
    @inline(never)
    private func hexDigitsFollow(_ start: Int, _ base: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard start + Self.hexDigitsTested <= n else { return false }
        for offset in start..<(start + Self.hexDigitsTested) where hexTable[Int(base[offset])] == 0 { return false }
        return true
    }

    /// The byte and, for an ASCII letter, its other case.
    private static func cases(of folded: UInt8) -> [UInt8] {
        folded >= UInt8(ascii: "a") && folded <= UInt8(ascii: "z") ? [folded, folded - 32] : [folded]
    }

    /// Scans `text`: returns the rules to search the line with (presence literals found,
    /// always-tried rules, and anchored rules whose hits overflowed `hits`), and records where
    /// anchor literals occur in `hits`.
    @inline(__always)
    func scan(_ text: UnsafeBufferPointer<UInt8>, hits: AnchorHits) -> UInt64 {
        hits.reset()
        let n = text.count
        guard n > 0, let base = text.baseAddress else { return alwaysCandidates }
        var found: UInt64 = 0
        let raw = UnsafeRawPointer(base)
        if vectorScan, n < Int(UInt32.max) {
            var from = 0
            while from < n - 1 {
                var resume = 0
                let count = pairMasks.withUnsafeBufferPointer { masks in
                    correlate_pair_scan(base, from, n - 1, masks.baseAddress, hits.candidates, AnchorHits.candidateCapacity, &resume)
                }
                for index in 0..<count {
                    let i = Int(hits.candidates[index])
                    let pair = Int(raw.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian)
                    if pairBits[pair >> 6] & (1 << UInt64(pair & 63)) != 0, mayKey(pair, at: i, base, n) {
                        found |= verify(at: i, base, n, hits)
                    }
                }
                from = resume
            }
        } else {
            pairBits.withUnsafeBufferPointer { bits in
                var i = 0
                while i + 1 < n {
                    let pair = Int(raw.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian)
                    if bits[pair >> 6] & (1 << UInt64(pair & 63)) != 0, mayKey(pair, at: i, base, n) {
                        found |= verify(at: i, base, n, hits)
                    }
                    i += 1
                }
            }
        }
        if hasSingleByteLiterals {
            singleByte.withUnsafeBufferPointer { table in
                for index in 0..<n { found |= table[Int(base[index])] }
            }
        }
        if !endRules.isEmpty {
            var end = n
            while end > 0, base[end - 1] == 0x20 || (base[end - 1] >= 0x09 && base[end - 1] <= 0x0D) { end -= 1 }
            if end > 0, base[end - 1] >= 0x80 || endingLastBytes[Int(base[end - 1] >> 6)] & (1 << UInt64(base[end - 1] & 63)) != 0 {
                found |= matchEndings(base, n, hits)
            }
        }
        hits.sortByPosition()
        found |= alwaysCandidates | hits.overflowed
        var hitRules: UInt64 = 0
        for hit in 0..<hits.count { hitRules |= hits.rules[hit] }
        if (found | hitRules) & (hexGated | base64Gated) != 0 {
            let excluded = runExcluded(base, n, candidates: found | hitRules)
            if excluded != 0 {
                found &= ~excluded
                for hit in 0..<hits.count { hits.rules[hit] &= ~excluded }
            }
        }
        return found
    }

    /// The rules found by how `text` ends: anchored hits for those whose matches have a fixed
    /// length, the others returned to be searched for.
    @inline(never)
    private func matchEndings(_ base: UnsafePointer<UInt8>, _ n: Int, _ hits: AnchorHits) -> UInt64 {
        var end = n
        while end > 0, base[end - 1] == 0x20 || (base[end - 1] >= 0x09 && base[end - 1] <= 0x0D) { end -= 1 }
        var found: UInt64 = 0
        for rule in endRules {
            // Whitespace past ASCII (`\s` in UTF mode) may end the text: the rule is searched.
            if end > 0, end < n, base[end - 1] >= 0x80 {
                found |= rule.bit
                continue
            }
            for string in rule.strings where string.count <= end {
                var equal = true
                for (offset, byte) in string.enumerated() where fold[Int(base[end - string.count + offset])] != byte {
                    equal = false
                    break
                }
                guard equal else { continue }
                if let length = rule.length {
                    if end >= length { hits.append(position: end - length, rules: rule.bit) }
                } else {
                    found |= rule.bit
                }
                break
            }
        }
        return found
    }

    /// The candidate rules whose run of hex digits, or of base64 digits, `text` lacks.
    @inline(__always)
    private func runExcluded(_ base: UnsafePointer<UInt8>, _ n: Int, candidates: UInt64) -> UInt64 {
        var excluded: UInt64 = 0
        var held = 0
        if candidates & hexGated != 0 {
            (excluded, held) = Self.lacking(hexGates, table: hexTable, base, n, candidates: candidates)
        }
        if candidates & base64Gated != 0 {
            // Hex digits are base64 digits: a run of them held is a run of base64 digits too.
            excluded |= Self.lacking(base64Gates, table: base64Table, base, n, candidates: candidates, held: held).excluded
        }
        return excluded
    }

    /// The candidate rules of `gates` whose run of the class `table` marks `text` lacks, and the
    /// longest gate length the text was found to hold (at least `held`, known to be there).
    @inline(__always)
    private static func lacking(
        _ gates: [(length: Int, rules: UInt64)], table: [UInt8], _ base: UnsafePointer<UInt8>, _ n: Int,
        candidates: UInt64, held: Int = 0
    ) -> (excluded: UInt64, held: Int) {
        table.withUnsafeBufferPointer { table in
            var held = held
            for (position, gate) in gates.enumerated() where candidates & gate.rules != 0 {
                if gate.length <= held || HexRuns.has(gate.length, in: base, count: n, table: table.baseAddress!) {
                    held = max(held, gate.length)
                    continue
                }
                // No run this long, so none longer either.
                var excluded: UInt64 = 0
                for later in gates[position...] { excluded |= later.rules }
                return (excluded & candidates, held)
            }
            return (0, held)
        }
    }

    /// Compares the literals keyed by the pair at `position`; records anchor hits (at the
    /// literal's start). Kept out of line: inlined, it costs the scan loop its registers.
    @inline(never)
    private func verify(at position: Int, _ base: UnsafePointer<UInt8>, _ n: Int, _ hits: AnchorHits) -> UInt64 {
        let pair = Int(fold[Int(base[position])]) | Int(fold[Int(base[position + 1])]) << 8
        let (first, end) = bucket(of: pair)
        guard end > first else { return 0 }
        var presence: UInt64 = 0
        var windowStart = -1
        var window: UInt64 = 0
        literals.withUnsafeBufferPointer { literals in
            for index in first..<end {
                let start = position - Int(literals[index].keyOffset)
                let length = Int(literals[index].count)
                guard start >= 0, start + length <= n else { continue }
                if start != windowStart {
                    // Eight bytes at once, folded with SWAR; near the end of the line, byte by byte.
                    windowStart = start
                    if start + 8 <= n {
                        window = LiteralPrefilter.foldASCII(UnsafeRawPointer(base).loadUnaligned(fromByteOffset: start, as: UInt64.self).littleEndian)
                    } else {
                        window = 0
                        for lane in 0..<(n - start) { window |= UInt64(fold[Int(base[start + lane])]) << UInt64(8 * lane) }
                    }
                }
                guard window & literals[index].headMask == literals[index].head else { continue }
                if length > 8 {
                    let tail = Int(literals[index].tail)
                    var offset = 8
                    while offset < length, fold[Int(base[start + offset])] == tails[tail + offset - 8] { offset += 1 }
                    if offset != length { continue }
                }
                presence |= literals[index].presenceRules
                let anchorRules = literals[index].anchorRules
                if anchorRules != 0 {
                    let anchors = checkedAnchors(anchorRules, at: start, base, n)
                    if anchors != 0 { hits.append(position: start, rules: anchors) }
                }
            }
        }
        return presence
    }

    /// `rules` (anchored, with a hit at `start`) less those whose run of hex digits is not
    /// where their matches have it; records the hit.
    @inline(__always)
    private func checkedAnchors(_ rules: UInt64, at start: Int, _ base: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var anchors = rules
        if anchors & anchorHexRules != 0 {
            var checked = anchors & anchorHexRules
            while checked != 0 {
                let index = checked.trailingZeroBitCount
                checked &= checked - 1
                let run = anchorHexRuns[index]
                let holds = hexTable.withUnsafeBufferPointer { table in
                    HexRuns.all(run.length, at: start + run.offset, in: base, count: n, table: table.baseAddress!)
                }
                if !holds || (anchorRunEndRules & (1 << UInt64(index)) != 0 && !runEnds(ofRule: index, at: start + run.offset + run.length, from: start + run.offset, base, n)) {
                    anchors &= ~(1 << UInt64(index))
                }
            }
        }
        return anchors
    }

    /// Whether the run of hex digits from `runStart` (already known to hold hex digits up to
    /// `checked`) ends as the rule's matches end it: its length one the rule allows, and the
    /// byte after it one that may follow.
    @inline(never)
    private func runEnds(ofRule index: Int, at checked: Int, from runStart: Int, _ base: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let lengths = anchorRunLengths[index]
        let longest = lengths == 0 ? Int.max : 63 - lengths.leadingZeroBitCount
        var end = checked
        // One past the longest allowed is enough to know the run is too long.
        while end < n, end - runStart <= longest, hexTable[Int(base[end])] != 0 { end += 1 }
        let length = end - runStart
        if lengths != 0, length > 63 || lengths & (1 << UInt64(length)) == 0 { return false }
        guard end < n else { return false }
        let byte = fold[Int(base[end])]
        return anchorRunTerminators[4 * index + Int(byte >> 6)] & (1 << UInt64(byte & 63)) != 0
    }

    /// Where each literal's key pair starts. Each is first keyed by its least frequent pair
    /// (``RequiredLiterals/keyOffset(of:)``); then, literal by literal until nothing changes,
    /// by the pair that costs least given the others' keys: the scan calls ``verify(at:_:_:_:)``
    /// wherever a key pair occurs and compares there every literal it keys, so `trace_id`,
    /// `"trace_id` and `trace_id=` are better compared at one call on a pair they share than at
    /// three on three slightly rarer pairs (`[trace_id=` keeps `[t`, rare enough alone). The
    /// cost of keying by pair p: its frequency (``PairFrequency``) for the comparison, and three
    /// times that again when no other literal is keyed by p (a call, a hash probe, the
    /// candidate's test).
    static func sharedKeyOffsets(_ literals: Set<[UInt8]>) -> [[UInt8]: Int] {
        func pair(_ literal: [UInt8], _ offset: Int) -> Int { Int(literal[offset]) | Int(literal[offset + 1]) << 8 }
        func frequency(_ pair: Int) -> Double { PairFrequency.of(UInt8(pair & 0xFF), UInt8(pair >> 8)) }
        let ordered = literals.sorted { $0.lexicographicallyPrecedes($1) }
        var key: [[UInt8]: Int] = [:]
        var users: [Int: Int] = [:]
        for literal in ordered {
            let chosen = pair(literal, RequiredLiterals.keyOffset(of: literal))
            key[literal] = chosen
            users[chosen, default: 0] += 1
        }
        for _ in 0..<16 {
            var changed = false
            for literal in ordered {
                let current = key[literal]!
                users[current]! -= 1
                func cost(_ candidate: Int) -> Double {
                    frequency(candidate) * (users[candidate, default: 0] > 0 ? 1 : 4)
                }
                var best = current
                for offset in 0..<(literal.count - 1) where cost(pair(literal, offset)) < cost(best) {
                    best = pair(literal, offset)
                }
                key[literal] = best
                users[best, default: 0] += 1
                if best != current { changed = true }
            }
            if !changed { break }
        }
        var offsets: [[UInt8]: Int] = [:]
        for literal in ordered {
            offsets[literal] = (0..<(literal.count - 1)).first { pair(literal, $0) == key[literal]! }!
        }
        return offsets
    }

    /// The tables `correlate_pair_scan` reads: the folded key pairs put into 16 buckets, each
    /// where it widens the bucket's combinations of nibbles least (the more frequent pairs, by
    /// ``PairFrequency``, placed first), both cases of a letter's high nibble included.
    static func pairMasks(forKeys keys: [Int]) -> [UInt8] {
        // Per bucket: the nibbles of the first byte (low, high) and of the second.
        var nibbles = [[UInt16]](repeating: [0, 0, 0, 0], count: 16)
        func nibblesOf(_ pair: Int) -> [UInt16] {
            let first = UInt8(pair & 0xFF), second = UInt8(pair >> 8)
            var result: [UInt16] = [0, 0, 0, 0]
            for byte in cases(of: first) { result[0] |= 1 << (byte & 15); result[1] |= 1 << (byte >> 4) }
            for byte in cases(of: second) { result[2] |= 1 << (byte & 15); result[3] |= 1 << (byte >> 4) }
            return result
        }
        func combinations(_ sets: [UInt16]) -> Int { sets.reduce(1) { $0 * $1.nonzeroBitCount } }
        let ordered = keys.sorted {
            PairFrequency.of(UInt8($0 & 0xFF), UInt8($0 >> 8)) > PairFrequency.of(UInt8($1 & 0xFF), UInt8($1 >> 8))
        }
        for pair in ordered {
            let own = nibblesOf(pair)
            let bucket = (0..<16).min { a, b in
                let grownA = combinations(zip(nibbles[a], own).map { $0 | $1 }) - combinations(nibbles[a])
                let grownB = combinations(zip(nibbles[b], own).map { $0 | $1 }) - combinations(nibbles[b])
                return grownA < grownB
            }!
            nibbles[bucket] = zip(nibbles[bucket], own).map { $0 | $1 }
        }
        var masks = [UInt8](repeating: 0, count: 128)
        for (bucket, sets) in nibbles.enumerated() {
            let bit = UInt8(1) << UInt8(bucket & 7)
            let base = 64 * (bucket >> 3)
            for (table, set) in sets.enumerated() {
                for nibble in 0..<16 where set & (1 << nibble) != 0 { masks[base + 16 * table + nibble] |= bit }
            }
        }
        return masks
    }

    /// The first slot to probe for a folded pair (Fibonacci hashing).
    @inline(__always)
    private static func slot(of pair: Int, shift: UInt32) -> Int {
        Int((UInt32(truncatingIfNeeded: pair) &* 0x9E37_79B1) >> shift)
    }

    /// The range in ``literals`` of the literals keyed by a folded pair (empty for none).
    @inline(__always)
    private func bucket(of pair: Int) -> (Int, Int) {
        buckets.withUnsafeBufferPointer { table in
            var slot = Self.slot(of: pair, shift: bucketShift)
            while true {
                let entry = table[slot]
                if entry == Self.emptyBucket { return (0, 0) }
                if Int(entry & 0xFFFF) == pair { return (Int((entry >> 16) & 0xFF_FFFF), Int(entry >> 40)) }
                slot = (slot + 1) & (table.count - 1)
            }
        }
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
    /// Where the vectorised scan writes the positions to test (see ``LiteralPrefilter``).
    let candidates: UnsafeMutablePointer<UInt32>
    static let candidateCapacity = 4096
    var count = 0
    var overflowed: UInt64 = 0

    init() {
        positions = .allocate(capacity: AnchorHits.capacity)
        rules = .allocate(capacity: AnchorHits.capacity)
        candidates = .allocate(capacity: AnchorHits.candidateCapacity)
    }

    deinit {
        positions.deallocate()
        rules.deallocate()
        candidates.deallocate()
    }

    /// The hits are not in position order (a literal keyed past its first pair is found
    /// after hits that start later).
    private var unordered = false

    @inline(__always)
    func append(position: Int, rules mask: UInt64) {
        if count > 0 {
            let last = positions[count - 1]
            if last == position {
                rules[count - 1] |= mask
                return
            }
            if last > position { unordered = true }
        }
        guard count < AnchorHits.capacity else {
            overflowed |= mask
            return
        }
        positions[count] = position
        rules[count] = mask
        count += 1
    }

    func reset() {
        count = 0
        overflowed = 0
        unordered = false
    }

    /// Puts the hits in position order (the rules are tried in it), merging hits at one place.
    @inline(__always)
    func sortByPosition() {
        guard unordered else { return }
        unordered = false
        for index in 1..<count {
            let position = positions[index]
            let mask = rules[index]
            var slot = index
            while slot > 0, positions[slot - 1] > position {
                positions[slot] = positions[slot - 1]
                rules[slot] = rules[slot - 1]
                slot -= 1
            }
            positions[slot] = position
            rules[slot] = mask
        }
        var kept = 0
        for index in 0..<count {
            if kept > 0, positions[kept - 1] == positions[index] {
                rules[kept - 1] |= rules[index]
            } else {
                positions[kept] = positions[index]
                rules[kept] = rules[index]
                kept += 1
            }
        }
        count = kept
    }
}
