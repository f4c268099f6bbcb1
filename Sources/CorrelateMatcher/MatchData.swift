internal import CPCRE2

/// Reusable per-thread match state: the ovector, the match context with its limits, and a JIT
/// stack. Create one per thread and pattern family, and reuse it for every line: creating it is
/// the allocation that matching itself avoids.
///
/// Not thread-safe: a `MatchData` must not be used by two threads at once.
public final class MatchData {
    let data: OpaquePointer
    let context: OpaquePointer
    private let jitStack: OpaquePointer?
    private let ovector: UnsafeMutablePointer<Int>
    private let pairCount: Int
    /// The limits this match data enforces.
    public let limits: MatchLimits

    /// Creates match data large enough for every group of `pattern`.
    public init(for pattern: Pattern, limits: MatchLimits = .default) {
        data = pcre2_match_data_create_from_pattern_8(pattern.code, nil)
        context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, limits.matchLimit)
        pcre2_set_depth_limit_8(context, limits.depthLimit)
        pcre2_set_heap_limit_8(context, limits.heapLimitKiB)
        if pattern.isJITCompiled {
            jitStack = pcre2_jit_stack_create_8(32 * 1024, max(32 * 1024, limits.maxJITStackBytes), nil)
            pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack))
        } else {
            jitStack = nil
        }
        ovector = pcre2_get_ovector_pointer_8(data)
        pairCount = Int(pcre2_get_ovector_count_8(data))
        self.limits = limits
    }

    deinit {
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        pcre2_match_context_free_8(context)
        pcre2_match_data_free_8(data)
    }

    /// The byte range of group `group` (0 = the whole match) in the last successful match, or
    /// `nil` when the group did not take part.
    @inline(__always)
    public func range(ofGroup group: Int) -> Range<Int>? {
        guard group >= 0, group < pairCount else { return nil }
        let start = ovector[2 * group]
        let end = ovector[2 * group + 1]
        if start == correlate_pcre2_unset() || end < start { return nil }
        return Int(start)..<Int(end)
    }

    /// Whether group `group` took part in the last successful match.
    @inline(__always)
    public func isSet(group: Int) -> Bool {
        guard group >= 0, group < pairCount else { return false }
        return ovector[2 * group] != correlate_pcre2_unset()
    }
}
