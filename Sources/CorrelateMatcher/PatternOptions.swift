internal import CPCRE2

/// Compile options for a ``Pattern``, one property per PCRE2 option that correlate uses.
///
/// Subjects are matched as bytes: UTF mode is off, so invalid UTF-8 in a log line can never make
/// a match fail, and `\w`, `\d` and case folding are ASCII.
public struct PatternOptions: Sendable, Equatable {
    /// Case-insensitive matching (`PCRE2_CASELESS`).
    public var caseless = false
    /// `^` and `$` match at internal newlines (`PCRE2_MULTILINE`).
    public var multiline = false
    /// Whitespace and `#` comments in the pattern are ignored (`PCRE2_EXTENDED`).
    public var extended = false
    /// Duplicate group names are allowed (`PCRE2_DUPNAMES`).
    public var duplicateNames = false
    /// JIT-compile the pattern when the platform supports it.
    public var jit = true
    /// Matches only at the start offset (`PCRE2_ANCHORED` at compile time: JIT ignores it as a
    /// match-time option).
    public var anchored = false

    public init(
        caseless: Bool = false, multiline: Bool = false, extended: Bool = false,
        duplicateNames: Bool = false, jit: Bool = true, anchored: Bool = false
    ) {
        self.caseless = caseless
        self.multiline = multiline
        self.extended = extended
        self.duplicateNames = duplicateNames
        self.jit = jit
        self.anchored = anchored
    }

    var compileFlags: UInt32 {
        var flags: UInt32 = 0
        if caseless { flags |= UInt32(PCRE2_CASELESS) }
        if multiline { flags |= UInt32(PCRE2_MULTILINE) }
        if extended { flags |= UInt32(PCRE2_EXTENDED) }
        if duplicateNames { flags |= UInt32(PCRE2_DUPNAMES) }
        if anchored { flags |= UInt32(PCRE2_ANCHORED) }
        return flags
    }
}
