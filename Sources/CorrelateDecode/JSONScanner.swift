import CByteScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateJSON

/// A value found at the top level of a JSON object, by byte range in the line.
public struct JSONValue {
    public enum Kind: Sendable, Equatable {
        /// `range` is the string's content between the quotes, still escaped when `escaped`.
        case string(escaped: Bool)
        case number
        /// `true`, `false` or `null`.
        case literal
        /// A nested object or array; `range` covers it whole.
        case container
    }

    public var kind: Kind
    public var range: Range<Int>
}

/// Why a line that looked like JSON is not.
public enum JSONProblem: String, Sendable, Equatable {
    case truncated = "truncated JSON"
    case notAnObject = "not a JSON object"
    case badKey = "object key is not a double-quoted string"
    case badValue = "invalid JSON value"
    case trailingData = "data after the JSON object"
}

/// A single-pass scanner over one JSON object per line that reports its top-level members.
///
/// It does not build a tree: nested objects and arrays are skipped by bracket matching (strings
/// respected), and strings are not unescaped until a caller asks. That is enough to pick the few
/// fields a log decoder needs at near `memchr` speed, and strict enough to reject truncated lines
/// and Python dict reprs.
public enum JSONScanner {
    /// Calls `member(keyRange, keyEscaped, value)` for each top-level member of the object in
    /// `line`; returns the problem that stopped the scan, or `nil` for a well-formed object.
    @inline(__always)
    public static func scanObject(
        _ line: UnsafeBufferPointer<UInt8>,
        _ member: (_ key: Range<Int>, _ keyEscaped: Bool, _ value: JSONValue) -> Void
    ) -> JSONProblem? {
        scanObject(line, while: { key, keyEscaped, value in
            member(key, keyEscaped, value)
            return true
        })
    }

    /// As ``scanObject(_:_:)``, but stops (returning `nil`: no problem in what was read) as soon
    /// as `member` returns `false`.
    @inline(__always)
    public static func scanObject(
        _ line: UnsafeBufferPointer<UInt8>,
        while member: (_ key: Range<Int>, _ keyEscaped: Bool, _ value: JSONValue) -> Bool
    ) -> JSONProblem? {
        var i = skipSpace(line, 0)
        guard i < line.count, line[i] == UInt8(ascii: "{") else { return .notAnObject }
        i = skipSpace(line, i + 1)
        guard i < line.count else { return .truncated }
        if line[i] == UInt8(ascii: "}") {
            return skipSpace(line, i + 1) == line.count ? nil : .trailingData
        }
        while true {
            guard i < line.count else { return .truncated }
            guard line[i] == UInt8(ascii: "\"") else { return .badKey }
            guard let (keyEnd, keyEscaped) = stringEnd(line, i + 1) else { return .truncated }
            let key = (i + 1)..<keyEnd
            i = skipSpace(line, keyEnd + 1)
            guard i < line.count else { return .truncated }
            guard line[i] == UInt8(ascii: ":") else { return .badValue }
            i = skipSpace(line, i + 1)
            guard i < line.count else { return .truncated }
            let value: JSONValue
            switch line[i] {
            case UInt8(ascii: "\""):
                guard let (end, escaped) = stringEnd(line, i + 1) else { return .truncated }
                value = JSONValue(kind: .string(escaped: escaped), range: (i + 1)..<end)
                i = end + 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard let end = containerEnd(line, i) else { return .truncated }
                value = JSONValue(kind: .container, range: i..<end)
                i = end
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var end = i + 1
                while end < line.count, isNumberByte(line[end]) { end += 1 }
                value = JSONValue(kind: .number, range: i..<end)
                i = end
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                var end = i
                while end < line.count, line[end] >= UInt8(ascii: "a"), line[end] <= UInt8(ascii: "z") {
                    end += 1
                }
                guard isLiteral(line, i, end) else {
                    return end == line.count ? .truncated : .badValue
                }
                value = JSONValue(kind: .literal, range: i..<end)
                i = end
            default:
                return .badValue
            }
            guard member(key, keyEscaped, value) else { return nil }
            i = skipSpace(line, i)
            guard i < line.count else { return .truncated }
            if line[i] == UInt8(ascii: ",") {
                i = skipSpace(line, i + 1)
                continue
            }
            guard line[i] == UInt8(ascii: "}") else { return .badValue }
            return skipSpace(line, i + 1) == line.count ? nil : .trailingData
        }
    }

    /// Index of the closing quote of a string whose content starts at `from`, and whether the
    /// content has escapes; `nil` when the string is not closed. A backslash escapes the byte
    /// after it. Sixteen bytes are tested at once for a quote or a backslash
    /// (`correlate_quote_or_backslash`, inline: most strings of a log line are short, where a
    /// `memchr` call per string costs more than its scan).
    @inline(__always)
    static func stringEnd(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) -> (Int, Bool)? {
        guard let base = line.baseAddress else { return nil }
        let count = line.count
        var i = from
        var escaped = false
        while true {
            i = correlate_quote_or_backslash(base, i, count)
            guard i < count else { return nil }
            if base[i] == 0x22 { return (i, escaped) }
            escaped = true
            i += 2
        }
    }

    /// The index just past the container that opens at `from`.
    static func containerEnd(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int? {
        var depth = 0
        var i = from
        while i < line.count {
            switch line[i] {
            case UInt8(ascii: "\""):
                guard let (end, _) = stringEnd(line, i + 1) else { return nil }
                i = end
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    @inline(__always)
    static func skipSpace(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        var i = from
        while i < line.count {
            let byte = line[i]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A else { break }
            i += 1
        }
        return i
    }

    @inline(__always)
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-")
    }

    private static func isLiteral(_ line: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        let word = UnsafeBufferPointer(rebasing: line[from..<to])
        return word.hasBytes(of: "true") || word.hasBytes(of: "false") || word.hasBytes(of: "null")
    }
}

/// A constant-time look at whether a line that starts like JSON is framed like a JSON object,
/// for lines that are not decoded (`--only-linked` skips lines no rule can match). It catches
/// truncated lines and Python dict reprs, not every malformation.
public enum JSONQuickCheck {
    public static func firstNonSpace(_ line: UnsafeBufferPointer<UInt8>) -> UInt8? {
        let index = JSONScanner.skipSpace(line, 0)
        return index < line.count ? line[index] : nil
    }

    /// Why the line is not framed as a JSON object, or nil when it looks like one.
    public static func framingProblem(_ line: UnsafeBufferPointer<UInt8>) -> String? {
        let start = JSONScanner.skipSpace(line, 0)
        var end = line.count
        while end > start, line[end - 1] == 0x20 || line[end - 1] == 0x09 || line[end - 1] == 0x0D { end -= 1 }
        guard end - start >= 2, line[start] == UInt8(ascii: "{") else {
            return "malformed JSON: " + JSONProblem.notAnObject.rawValue
        }
        let second = JSONScanner.skipSpace(line, start + 1)
        if second < end, line[second] != UInt8(ascii: "\""), line[second] != UInt8(ascii: "}") {
            return "malformed JSON: " + JSONProblem.badKey.rawValue
        }
        if line[end - 1] != UInt8(ascii: "}") { return "malformed JSON: " + JSONProblem.truncated.rawValue }
        return nil
    }
}
