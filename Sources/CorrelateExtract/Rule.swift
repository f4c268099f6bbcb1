import CorrelateMatcher
public import CorrelateModel

/// One extraction rule: a PCRE2 pattern whose named groups say what it pulls out of a line.
///
/// Groups: `trace_id`, `span_id`, `job_id` (at least one of them), and
/// optionally `ts`, `level`, `service`, `message`, which override what the line's decoder found.
public struct Rule: Sendable {
    public var name: String
    public var description: String
    /// Higher wins when several rules match one line.
    public var priority: Int
    public var idFormat: IDFormat
    public var pattern: String
    public var caseless: Bool
    public var tests: [RuleTest]
    /// Where the rule is defined (its `name:` line).
    public var location: SourceLocation
    /// Where the pattern text starts, to point at a compile error.
    public var patternPosition: PatternPosition

    public init(
        name: String, description: String = "", priority: Int = 0, idFormat: IDFormat = .hex,
        pattern: String, caseless: Bool = false, tests: [RuleTest] = [],
        location: SourceLocation = SourceLocation(file: "<memory>", line: 1),
        patternPosition: PatternPosition = PatternPosition(line: 1, column: 1, style: .plain)
    ) {
        self.name = name
        self.description = description
        self.priority = priority
        self.idFormat = idFormat
        self.pattern = pattern
        self.caseless = caseless
        self.tests = tests
        self.location = location
        self.patternPosition = patternPosition
    }

    /// The group names a rule may use.
    public static let knownGroups: Set<String> = [
        "trace_id", "span_id", "job_id", "ts", "level", "service", "message",
    ]
}

/// Where a pattern's text begins in its YAML file, and how it is quoted there, so that a byte
/// offset into the pattern can be turned into a line and column.
public struct PatternPosition: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, block
    }

    public var line: Int
    public var column: Int
    public var style: Style

    public init(line: Int, column: Int, style: Style) {
        self.line = line
        self.column = column
        self.style = style
    }

    /// The 1-based line and column of byte `offset` of `pattern`.
    public func location(ofOffset offset: Int, in pattern: String, sourceLines: [Substring]) -> (Int, Int) {
        let bytes = Array(pattern.utf8)
        var offset = min(max(offset, 0), bytes.count)
        // An error at the very end of a block pattern is on its last line, not after it.
        if style == .block, offset == bytes.count, bytes.last == 0x0A { offset -= 1 }
        switch style {
        case .plain, .doubleQuoted:
            return (line, column + (style == .doubleQuoted ? 1 : 0) + offset)
        case .singleQuoted:
            // '' in the file is one ' in the pattern.
            let quotes = bytes[..<offset].filter { $0 == UInt8(ascii: "'") }.count
            return (line, column + 1 + offset + quotes)
        case .block:
            // The pattern's lines start on the line after the indicator, at their indentation.
            let before = bytes[..<offset]
            let newlines = before.filter { $0 == 0x0A }.count
            let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let fileLine = line + 1 + newlines
            var indent = 0
            if fileLine - 1 < sourceLines.count {
                indent = sourceLines[fileLine - 1].prefix { $0 == " " }.count
            }
            return (fileLine, indent + 1 + (offset - lineStart))
        }
    }
}

/// A test case that lives beside its rule.
public struct RuleTest: Sendable {
    public enum Expectation: Sendable, Equatable {
        /// The rule must yield no id for the line.
        case none
        /// The rule must yield exactly these values (`trace_id`, `span_id`, `job_id`, and any of
        /// `ts`, `level`, `service`, `message` that are listed).
        case values([String: String])
    }

    public var line: String
    public var expect: Expectation
    public var location: SourceLocation

    public init(line: String, expect: Expectation, location: SourceLocation) {
        self.line = line
        self.expect = expect
        self.location = location
    }
}
