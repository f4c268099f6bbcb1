/// Runs of hexadecimal digits (and of other classes: base64 digits): how long a run every match
/// of a pattern contains, whether a line has one that long, and how a run at a fixed place ends.
///
/// Almost every rule captures a trace, span or job id written in hex — 32, 24, 16 or 12 digits
/// in a row (a UUID's last group). Rules without a keyword of their own (`[<id>-<id>]`,
/// `"<id>-<id>"`, an access log's `<id> <id> 1` at the end of the line) have only weak required
/// literals like `[a` or `"0`, which occur in most lines. A line without a run of hex digits as
/// long as the rule's id cannot match it, and most lines have none longer than the four digits
/// of a year: checking for the run before any regex runs drops those rules from such lines.
///
/// "Hex digit" means `0-9`, `a-f` and `A-F` (the analysis folds case, so it cannot tell a
/// pattern's `[0-9a-f]` from `[0-9A-F]`; counting both cases keeps it an over-approximation).
enum HexRuns {
    /// The length of a run of hex digits (or of bytes of another class: `member` says which
    /// folded bytes belong) that every match of `pattern` contains; 0 when no run can be relied
    /// on (or the pattern is beyond ``RegexSubsetParser``).
    static func guaranteed(in pattern: String, member: (UInt8) -> Bool = isHexDigit) -> Int {
        var parser = RegexSubsetParser(Array(pattern.utf8))
        guard let node = parser.parse() else { return 0 }
        return analyse(node, member: member).longest
    }

    /// Where every match of `pattern` has a run of hex digits at a fixed distance from its
    /// start: `offset` bytes in, at least `length` digits. Nil when the bytes before the run
    /// can vary in length, or no run of ``LiteralPrefilter/minimumHexRun`` is found so.
    static func atFixedOffset(in pattern: String) -> (offset: Int, length: Int)? {
        var parser = RegexSubsetParser(Array(pattern.utf8))
        guard var node = parser.parse() else { return nil }
        while case .group(let inner) = node { node = inner }
        guard case .concatenation(let children) = node else { return nil }
        let infos = children.map { analyse($0) }
        var offset = 0
        for index in children.indices {
            if infos[index].leading > 0 {
                let run = infos[index...].reduce(.all(0), followed).leading
                if run >= LiteralPrefilter.minimumHexRun { return (offset, run) }
            }
            guard let length = fixedLength(children[index]) else { return nil }
            offset += length
        }
        return nil
    }

    /// How the run of hex digits that starts `offset` bytes into every match ends: the bytes
    /// that may follow it, and the lengths it may have.
    struct RunEnd: Equatable {
        /// The lengths the run may have, each at most ``maxBoundedLength``; nil: unbounded.
        var lengths: Set<Int>?
        /// The (folded) bytes that may follow the run; none is a hex digit.
        var terminators: Set<UInt8>
    }

    /// Longer runs are treated as unbounded.
    static let maxBoundedLength = 63

    /// How the run of hex digits at `offset` (as ``atFixedOffset(in:)`` gives it) ends in every
    /// match of `pattern`, when the pattern says: the nodes from `offset` on match hex digits
    /// only, and then comes a byte that is no hex digit (`"<32 or 16 digits>-…"` in a B3 header
    /// gives lengths {16, 32} and the byte `-`). In a text, the digits from that place up to
    /// the first byte that is no hex digit (in either case) are then exactly the run: a place
    /// where they are not as long as the run may be, or not followed by such a byte, starts no
    /// match. Nil when the pattern does not say (the run ends inside a node that holds other
    /// bytes too, or what follows may be empty, any byte, or a hex digit).
    static func runEnd(in pattern: String, at offset: Int) -> RunEnd? {
        var parser = RegexSubsetParser(Array(pattern.utf8))
        guard let node = parser.parse() else { return nil }
        func flattened(_ node: RegexNode) -> [RegexNode] {
            switch node {
            case .group(let inner): return flattened(inner)
            case .concatenation(let children): return children.flatMap(flattened)
            default: return [node]
            }
        }
        let children = flattened(node)
        var position = 0
        var index = 0
        // The node the run starts with: the first at `offset` that starts with a hex digit.
        while index < children.count, !(position == offset && analyse(children[index]).leading > 0) {
            guard position <= offset, let length = fixedLength(children[index]) else { return nil }
            position += length
            index += 1
        }
        var lengths: Set<Int>? = [0]
        while index < children.count, analyse(children[index]).length != nil {
            lengths = sums(lengths, hexLengths(children[index]))
            index += 1
        }
        guard index < children.count, let after = firstBytes(children[index]), !after.isEmpty,
              !after.contains(where: isHexDigit)
        else { return nil }
        return RunEnd(lengths: lengths, terminators: after)
    }

    /// Every sum of one length of `a` and one of `b`; nil (unbounded) when either is, or a sum
    /// passes ``maxBoundedLength``.
    private static func sums(_ a: Set<Int>?, _ b: Set<Int>?) -> Set<Int>? {
        guard let a, let b else { return nil }
        var result: Set<Int> = []
        for x in a {
            for y in b {
                guard x + y <= maxBoundedLength else { return nil }
                result.insert(x + y)
            }
        }
        return result
    }

    /// The lengths in bytes a node that matches hex digits only may match; nil: unbounded.
    private static func hexLengths(_ node: RegexNode) -> Set<Int>? {
        switch node {
        case .empty, .lineEnd:
            return [0]
        case .bytes:
            return [1]
        case .any, .whitespace, .wide:
            return nil
        case .group(let inner):
            return hexLengths(inner)
        case .repeat(let inner, let min, let max):
            guard let max, let one = hexLengths(inner) else { return nil }
            var lengths: Set<Int>? = [0]
            var total: Set<Int> = []
            for count in 0...max {
                if count >= min, let lengths { total.formUnion(lengths) }
                if count < max { lengths = sums(lengths, one) }
                if lengths == nil { return nil }
            }
            return total
        case .alternation(let branches):
            return union(branches, hexLengths)
        case .concatenation(let children):
            return children.reduce([0]) { sums($0, hexLengths($1)) }
        }
    }

    /// What `measure` gives each branch, together; nil when it gives nil for one.
    private static func union<Element>(_ branches: [RegexNode], _ measure: (RegexNode) -> Set<Element>?) -> Set<Element>? {
        var total: Set<Element> = []
        for branch in branches {
            guard let part = measure(branch) else { return nil }
            total.formUnion(part)
        }
        return total
    }

    /// The (folded) bytes every match of a node may start with; nil when unknown or when the
    /// node may match the empty string.
    private static func firstBytes(_ node: RegexNode) -> Set<UInt8>? {
        switch node {
        case .bytes(let set), .wide(let set):
            return set
        case .group(let inner):
            return firstBytes(inner)
        case .repeat(let inner, let min, _):
            return min >= 1 ? firstBytes(inner) : nil
        case .alternation(let branches):
            return union(branches, firstBytes)
        case .concatenation(let children):
            // Zero-width nodes (anchors, lookarounds, `$`) before the first byte.
            guard let first = children.firstIndex(where: { node in
                if case .empty = node { return false }
                if case .lineEnd = node { return false }
                return true
            }) else { return nil }
            return firstBytes(children[first])
        case .empty, .lineEnd, .any, .whitespace:
            return nil
        }
    }

    /// The length in bytes of every match of a node, when they all have the same. A class
    /// with a byte past ASCII, or any byte (`.`, `\w`), may be a longer UTF-8 character: unknown.
    static func fixedLength(_ node: RegexNode) -> Int? {
        switch node {
        case .empty, .lineEnd:
            return 0
        case .any, .whitespace:
            return nil
        case .bytes(let set), .wide(let set):
            return set.allSatisfy { $0 < 0x80 } ? 1 : nil
        case .group(let child):
            return fixedLength(child)
        case .repeat(let child, let min, let max):
            guard max == min else { return nil }
            return fixedLength(child).map { $0 * min }
        case .alternation(let branches):
            let lengths = branches.map(fixedLength)
            guard let first = lengths.first ?? nil, lengths.allSatisfy({ $0 == first }) else { return nil }
            return first
        case .concatenation(let children):
            var total = 0
            for child in children {
                guard let length = fixedLength(child) else { return nil }
                total += length
            }
            return total
        }
    }

    /// What every match of a node holds, in hex digits.
    struct Info: Equatable {
        /// Every byte the node matches is a hex digit, and it matches at least `length` of them
        /// (nil: some byte may not be a hex digit).
        var length: Int?
        /// Hex digits every match starts with, ends with, and a run every match contains.
        var leading: Int
        var trailing: Int
        var longest: Int

        static let none = Info(length: nil, leading: 0, trailing: 0, longest: 0)

        static func all(_ length: Int) -> Info {
            Info(length: length, leading: length, trailing: length, longest: length)
        }
    }

    /// Beyond this, a run is as good as any (the longest id is 32 digits; repeats multiply).
    static let cap = 1 << 16

    /// What every match of a node holds in runs of the class `member` says (hex digits unless
    /// said otherwise).
    static func analyse(_ node: RegexNode, member: (UInt8) -> Bool = isHexDigit) -> Info {
        switch node {
        case .empty, .lineEnd:
            return .all(0)
        case .any, .whitespace:
            return .none
        case .bytes(let set), .wide(let set):
            return set.allSatisfy(member) ? .all(1) : .none
        case .group(let child):
            return analyse(child, member: member)
        case .repeat(let child, let min, _):
            let inner = analyse(child, member: member)
            if let length = inner.length { return .all(Swift.min(length * min, cap)) }
            guard min >= 1 else { return .none }
            let joined = min >= 2 ? inner.trailing + inner.leading : 0
            return Info(length: nil, leading: inner.leading, trailing: inner.trailing,
                        longest: Swift.max(inner.longest, joined))
        case .alternation(let branches):
            let infos = branches.map { analyse($0, member: member) }
            let lengths = infos.compactMap(\.length)
            return Info(
                length: lengths.count == infos.count ? lengths.min() : nil,
                leading: infos.map(\.leading).min() ?? 0, trailing: infos.map(\.trailing).min() ?? 0,
                longest: infos.map(\.longest).min() ?? 0)
        case .concatenation(let children):
            return children.map { analyse($0, member: member) }.reduce(.all(0), followed)
        }
    }

    /// `a` then `b`.
    static func followed(_ a: Info, _ b: Info) -> Info {
        let length = a.length.flatMap { x in b.length.map { Swift.min(x + $0, cap) } }
        return Info(
            length: length,
            leading: a.length.map { Swift.min($0 + b.leading, cap) } ?? a.leading,
            trailing: b.length.map { Swift.min($0 + a.trailing, cap) } ?? b.trailing,
            longest: Swift.max(a.longest, b.longest, Swift.min(a.trailing + b.leading, cap)))
    }

    /// A folded byte that is a digit of base64 (RFC 4648's alphabet: `A-Z a-z 0-9 + /`).
    static func isBase64Digit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
    }

    /// 1 for a base64 digit in either case, by byte.
    static let base64Table: [UInt8] = (0..<256).map { byte in
        isBase64Digit(RegexSubsetParser.fold(UInt8(byte))) ? 1 : 0
    }

    /// A folded byte (see ``RegexSubsetParser/fold(_:)``) that is a hex digit.
    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    /// 1 for a hex digit in either case, by byte.
    static let table: [UInt8] = (0..<256).map { byte in
        isHexDigit(RegexSubsetParser.fold(UInt8(byte))) ? 1 : 0
    }

    /// Whether the `length` bytes at `start` are hex digits (false when the text ends first).
    @inline(__always)
    static func all(_ length: Int, at start: Int, in base: UnsafePointer<UInt8>, count: Int, table: UnsafePointer<UInt8>) -> Bool {
        guard start + length <= count else { return false }
        for index in start..<(start + length) where table[Int(base[index])] == 0 { return false }
        return true
    }

    /// Whether `text` holds `length` hex digits in a row (`length` ≥ 1). Looks at the last byte
    /// of each window of `length` bytes first: when it is not a hex digit, no run of `length`
    /// covers it and the window moves on by `length` — about one byte in `length` read in text
    /// with short runs.
    @inline(__always)
    static func has(_ length: Int, in base: UnsafePointer<UInt8>, count: Int, table: UnsafePointer<UInt8>) -> Bool {
        var start = 0
        while start + length <= count {
            let last = start + length - 1
            if table[Int(base[last])] == 0 {
                start = last + 1
                continue
            }
            // The run that holds `last`, back to the window's start at most.
            var first = last
            while first > start, table[Int(base[first - 1])] != 0 { first -= 1 }
            if first == start { return true }
            // The run starts at `first`: it needs `length` digits from there.
            var end = last + 1
            while end < first + length, end < count, table[Int(base[end])] != 0 { end += 1 }
            if end == first + length { return true }
            start = end + 1
        }
        return false
    }
}
