/// The shape of a regex, as far as required-literal analysis needs it. Letters are folded to
/// lowercase.
indirect enum RegexNode {
    /// Matches the empty string (anchors, lookarounds, `\b`).
    case empty
    /// `$`: the end of the subject (or before a newline that ends it).
    case lineEnd
    /// `\s`: one whitespace character (in UTF mode possibly more than one byte).
    case whitespace
    /// Matches one byte of many.
    case any
    /// Matches one byte of a set of at most ``RegexSubsetParser/maxClassSize`` (folded) bytes.
    case bytes(Set<UInt8>)
    /// Matches one byte of a larger set of (folded) ASCII bytes, such as base64's `[A-Za-z0-9+/]`:
    /// too many to look for as literals, but known for runs of a class (``HexRuns``).
    case wide(Set<UInt8>)
    case group(RegexNode)
    case `repeat`(RegexNode, min: Int, max: Int?)
    case alternation([RegexNode])
    case concatenation([RegexNode])
}

/// Parses the part of PCRE2 syntax that extraction rules use. Returns nil for anything else,
/// which makes the rule unfiltered (always tried) rather than wrongly filtered.
struct RegexSubsetParser {
    private let bytes: [UInt8]
    private var index = 0
    /// An inline `m` option was seen: `$` may match before any newline.
    private(set) var multiline = false

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parse() -> RegexNode? {
        if bytes.starts(with: Array("(*".utf8)) { return nil }
        guard let node = parseAlternation(), index == bytes.count, !unknown else { return nil }
        return node
    }

    /// A construct was met whose meaning depends on the PCRE2 version.
    private var unknown = false

    private var atEnd: Bool { index >= bytes.count }
    private var current: UInt8 { bytes[index] }

    private mutating func parseAlternation() -> RegexNode? {
        var branches: [RegexNode] = []
        while true {
            guard let branch = parseConcatenation() else { return nil }
            branches.append(branch)
            if !atEnd, current == UInt8(ascii: "|") {
                index += 1
                continue
            }
            break
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcatenation() -> RegexNode? {
        var items: [RegexNode] = []
        while !atEnd, current != UInt8(ascii: "|"), current != UInt8(ascii: ")") {
            guard var atom = parseAtom() else { return nil }
            if let (min, max) = parseQuantifier() {
                atom = .repeat(atom, min: min, max: max)
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .concatenation(items)
    }

    private mutating func parseAtom() -> RegexNode? {
        let byte = current
        index += 1
        switch byte {
        case UInt8(ascii: "("):
            return parseGroup()
        case UInt8(ascii: "["):
            return parseClass()
        case UInt8(ascii: "\\"):
            return parseEscape(inClass: false).map { $0.node }
        case UInt8(ascii: "."):
            return .any
        case UInt8(ascii: "^"):
            return .empty
        case UInt8(ascii: "$"):
            return .lineEnd
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
            return byte == UInt8(ascii: "{") ? .bytes([byte]) : nil
        default:
            return .bytes([RegexSubsetParser.fold(byte)])
        }
    }

    private mutating func parseGroup() -> RegexNode? {
        var lookaround = false
        if !atEnd, current == UInt8(ascii: "?") {
            index += 1
            guard !atEnd else { return nil }
            switch current {
            case UInt8(ascii: ":"), UInt8(ascii: ">"), UInt8(ascii: "|"):
                index += 1
            case UInt8(ascii: "="), UInt8(ascii: "!"):
                index += 1
                lookaround = true
            case UInt8(ascii: "<"):
                index += 1
                guard !atEnd else { return nil }
                if current == UInt8(ascii: "=") || current == UInt8(ascii: "!") {
                    index += 1
                    lookaround = true
                } else if !skipName(until: UInt8(ascii: ">")) {
                    return nil
                }
            case UInt8(ascii: "P"):
                index += 1
                guard !atEnd, current == UInt8(ascii: "<") else { return nil }
                index += 1
                if !skipName(until: UInt8(ascii: ">")) { return nil }
            case UInt8(ascii: "'"):
                index += 1
                if !skipName(until: UInt8(ascii: "'")) { return nil }
            case UInt8(ascii: "#"):
                while !atEnd, current != UInt8(ascii: ")") { index += 1 }
                guard !atEnd else { return nil }
                index += 1
                return .empty
            default:
                // Inline options: (?i) (?i:…) (?-i) … Extended mode changes what the pattern
                // means; give up on it. Case options do not matter (everything is folded).
                var flags: [UInt8] = []
                while !atEnd, current != UInt8(ascii: ")"), current != UInt8(ascii: ":") {
                    flags.append(current)
                    index += 1
                }
                guard !atEnd, !flags.contains(UInt8(ascii: "x")),
                    flags.allSatisfy({ RegexSubsetParser.isFlag($0) })
                else { return nil }
                if flags.contains(UInt8(ascii: "m")) { multiline = true }
                if current == UInt8(ascii: ")") {
                    index += 1
                    return .empty
                }
                index += 1  // ':'
            }
        }
        guard let inner = parseAlternation(), !atEnd, current == UInt8(ascii: ")") else { return nil }
        index += 1
        return lookaround ? .empty : .group(inner)
    }

    private mutating func skipName(until terminator: UInt8) -> Bool {
        while !atEnd, current != terminator { index += 1 }
        guard !atEnd else { return false }
        index += 1
        return true
    }

    private mutating func parseQuantifier() -> (Int, Int?)? {
        guard !atEnd else { return nil }
        var result: (Int, Int?)
        switch current {
        case UInt8(ascii: "?"): result = (0, 1); index += 1
        case UInt8(ascii: "*"): result = (0, nil); index += 1
        case UInt8(ascii: "+"): result = (1, nil); index += 1
        case UInt8(ascii: "{"):
            let save = index
            index += 1
            // `{,n}` is a literal before PCRE2 10.43 and `{0,n}` since: too uncertain to read.
            if !atEnd, current == UInt8(ascii: ",") {
                index = save
                unknown = true
                return nil
            }
            guard let min = parseNumber() else {
                index = save
                return nil
            }
            var max: Int? = min
            if !atEnd, current == UInt8(ascii: ",") {
                index += 1
                max = parseNumber()
            }
            guard !atEnd, current == UInt8(ascii: "}") else {
                index = save
                return nil
            }
            index += 1
            result = (min, max)
        default:
            return nil
        }
        // Lazy and possessive suffixes do not change what can match.
        if !atEnd, current == UInt8(ascii: "?") || current == UInt8(ascii: "+") { index += 1 }
        return result
    }

    private mutating func parseNumber() -> Int? {
        var value = 0
        var digits = 0
        while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") {
            value = value * 10 + Int(current - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    private mutating func parseClass() -> RegexNode? {
        var negated = false
        if !atEnd, current == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var members: Set<UInt8> = []
        var wide = false  // holds an escape class or a POSIX class
        var first = true
        while !atEnd, current != UInt8(ascii: "]") || first {
            first = false
            var low: UInt8
            if current == UInt8(ascii: "[") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: ":") {
                // POSIX class [:alpha:]
                while !atEnd, current != UInt8(ascii: "]") { index += 1 }
                guard !atEnd else { return nil }
                index += 1
                wide = true
                continue
            }
            if current == UInt8(ascii: "\\") {
                index += 1
                let save = index
                guard let escape = parseEscape(inClass: true) else { return nil }
                guard let byte = escape.byte else {
                    if bytes[save] == UInt8(ascii: "d") {
                        members.formUnion(UInt8(ascii: "0")...UInt8(ascii: "9"))
                    } else {
                        wide = true
                    }
                    continue
                }
                low = byte
            } else {
                low = current
                index += 1
            }
            var high = low
            if index + 1 < bytes.count, current == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                index += 1
                if current == UInt8(ascii: "\\") {
                    index += 1
                    guard let escape = parseEscape(inClass: true), let byte = escape.byte else { return nil }
                    high = byte
                } else {
                    high = current
                    index += 1
                }
                guard low <= high else { return nil }
            }
            for value in low...high { members.insert(RegexSubsetParser.fold(value)) }
        }
        guard !atEnd else { return nil }
        index += 1
        if negated || wide { return .any }
        if members.count > RegexSubsetParser.maxClassSize {
            return members.allSatisfy { $0 < 0x80 } ? .wide(members) : .any
        }
        return .bytes(members)
    }

    /// An escape after its backslash: a literal byte, or a class/assertion node.
    private mutating func parseEscape(inClass: Bool) -> (node: RegexNode, byte: UInt8?)? {
        guard !atEnd else { return nil }
        let byte = current
        index += 1
        switch byte {
        case UInt8(ascii: "d"):
            return (.bytes(Set(UInt8(ascii: "0")...UInt8(ascii: "9"))), nil)
        case UInt8(ascii: "s"):
            return (.whitespace, nil)
        case UInt8(ascii: "D"), UInt8(ascii: "w"), UInt8(ascii: "W"),
            UInt8(ascii: "S"), UInt8(ascii: "h"), UInt8(ascii: "H"),
            UInt8(ascii: "v"), UInt8(ascii: "V"), UInt8(ascii: "N"), UInt8(ascii: "R"),
            UInt8(ascii: "X"), UInt8(ascii: "C"):
            return (.any, nil)
        case UInt8(ascii: "b"):
            return inClass ? (.bytes([0x08]), 0x08) : (.empty, nil)
        case UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "z"), UInt8(ascii: "Z"),
            UInt8(ascii: "G"), UInt8(ascii: "K"):
            return inClass ? nil : (.empty, nil)
        case UInt8(ascii: "n"): return (.bytes([0x0A]), 0x0A)
        case UInt8(ascii: "t"): return (.bytes([0x09]), 0x09)
        case UInt8(ascii: "r"): return (.bytes([0x0D]), 0x0D)
        case UInt8(ascii: "f"): return (.bytes([0x0C]), 0x0C)
        case UInt8(ascii: "e"): return (.bytes([0x1B]), 0x1B)
        case UInt8(ascii: "a"): return (.bytes([0x07]), 0x07)
        case UInt8(ascii: "x"):
            guard index + 1 < bytes.count, let high = RegexSubsetParser.hex(bytes[index]),
                let low = RegexSubsetParser.hex(bytes[index + 1])
            else { return nil }
            index += 2
            let value = RegexSubsetParser.fold(high << 4 | low)
            return (.bytes([value]), value)
        default:
            // Escaped punctuation is itself; letters and digits we do not know are given up on
            // (\p, \Q, \g, \k, \1, \c …).
            let isAlphanumeric = (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z"))
            if isAlphanumeric || byte >= 0x80 { return nil }
            return (.bytes([byte]), byte)
        }
    }

    /// Classes of up to this many (folded) bytes are kept as sets: a hex digit is one of 16.
    static let maxClassSize = 16

    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    static func isFlag(_ byte: UInt8) -> Bool {
        [UInt8(ascii: "i"), UInt8(ascii: "m"), UInt8(ascii: "s"), UInt8(ascii: "n"),
         UInt8(ascii: "U"), UInt8(ascii: "J"), UInt8(ascii: "-"), UInt8(ascii: "^")].contains(byte)
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
