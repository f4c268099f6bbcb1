internal import CPCRE2

/// A compiled PCRE2 pattern that matches byte subjects.
///
/// ```swift
/// let pattern = try Pattern(#"trace_id=(?<trace_id>[0-9a-f]{32})"#)
/// let data = MatchData(for: pattern)
/// line.withUnsafeBytes { bytes in
///     if case .matched = pattern.match(bytes, using: data) {
///         let range = data.range(ofGroup: pattern.groupNumber(named: "trace_id")!)
///     }
/// }
/// ```
///
/// Thread safety: PCRE2 documents a compiled (and JIT-compiled) pattern as read-only during
/// matching, so one `Pattern` may be used from many threads at once, each with its own
/// ``MatchData``. Nothing in this class mutates after `init`, hence `@unchecked Sendable`.
public final class Pattern: @unchecked Sendable {
    let code: OpaquePointer
    /// The source text the pattern was compiled from.
    public let source: String
    /// Number of capturing groups (group 0, the whole match, not included).
    public let captureCount: Int
    /// Named groups: name → group numbers (several only when duplicate names are allowed).
    public let namedGroups: [String: [Int]]
    /// Whether the JIT compiler accepted the pattern; matching falls back to the interpreter
    /// otherwise.
    public let isJITCompiled: Bool

    /// Compiles `pattern`.
    /// - Throws: ``PCRE2Error`` of kind `.compile`, with the byte offset where compilation failed.
    public init(_ pattern: String, options: PatternOptions = PatternOptions()) throws(PCRE2Error) {
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let utf8 = Array(pattern.utf8)
        let compiled = utf8.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(
                buffer.baseAddress, buffer.count, options.compileFlags,
                &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw PCRE2Error(kind: .compile, code: errorCode, offset: Int(errorOffset))
        }
        code = compiled
        source = pattern
        isJITCompiled =
            options.jit && pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        captureCount = Int(Pattern.info(compiled, PCRE2_INFO_CAPTURECOUNT))
        namedGroups = Pattern.readNameTable(compiled)
    }

    deinit {
        pcre2_code_free_8(code)
    }

    /// The lowest group number with this name, if the pattern has such a group.
    public func groupNumber(named name: String) -> Int? {
        namedGroups[name]?.min()
    }

    /// Finds the first match in `subject` at or after byte `start`.
    ///
    /// Lookbehind assertions may look at bytes before `start`. On `.matched`, `data` holds the
    /// ranges of the whole match and of every group.
    /// - Complexity: bounded by the ``MatchLimits`` that `data` was made with.
    @inline(__always)
    public func match(
        _ subject: UnsafeRawBufferPointer, from start: Int = 0, using data: MatchData
    ) -> MatchOutcome {
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? Pattern.emptySubject
        let rc =
            isJITCompiled
            ? pcre2_jit_match_8(code, base, subject.count, start, 0, data.data, data.context)
            : pcre2_match_8(code, base, subject.count, start, 0, data.data, data.context)
        if rc >= 0 { return .matched }
        if rc == PCRE2_ERROR_NOMATCH { return .noMatch }
        if PCRE2Error.isLimit(rc) { return .limitExceeded(PCRE2Error(kind: .limitExceeded, code: rc)) }
        return .failed(PCRE2Error(kind: .match, code: rc))
    }

    // A one-byte buffer for empty subjects (PCRE2 wants a non-null pointer); never written after
    // initialisation, so sharing it across threads is safe.
    nonisolated(unsafe) private static let emptySubject: UnsafePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()

    private static func info(_ code: OpaquePointer, _ what: Int32) -> UInt32 {
        var value: UInt32 = 0
        _ = pcre2_pattern_info_8(code, UInt32(what), &value)
        return value
    }

    private static func readNameTable(_ code: OpaquePointer) -> [String: [Int]] {
        let count = Int(info(code, PCRE2_INFO_NAMECOUNT))
        guard count > 0 else { return [:] }
        let entrySize = Int(info(code, PCRE2_INFO_NAMEENTRYSIZE))
        var table: UnsafePointer<UInt8>? = nil
        _ = pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard let table else { return [:] }
        var names: [String: [Int]] = [:]
        for index in 0..<count {
            let entry = table + index * entrySize
            // Each entry: the group number as two big-endian bytes, then the NUL-terminated name.
            let number = Int(entry[0]) << 8 | Int(entry[1])
            let name = String(cString: entry + 2)
            names[name, default: []].append(number)
        }
        return names
    }
}

/// The result of one ``Pattern/match(_:from:using:)`` call.
public enum MatchOutcome: Sendable, Equatable {
    case matched
    case noMatch
    /// The match, depth, heap or JIT stack limit was hit; treat the subject as not matched and
    /// count it.
    case limitExceeded(PCRE2Error)
    /// Another match-time error.
    case failed(PCRE2Error)
}
