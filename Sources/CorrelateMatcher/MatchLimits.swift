/// Bounds on the work one match may do, so that a catastrophic pattern cannot hang a stream.
///
/// A line that hits a limit is reported as ``MatchOutcome/limitExceeded(_:)``; callers count it
/// and go on with the next line.
public struct MatchLimits: Sendable, Equatable {
    /// Maximum number of internal match steps (`pcre2_set_match_limit`); JIT honours it too.
    public var matchLimit: UInt32
    /// Maximum backtracking depth of the interpreter (`pcre2_set_depth_limit`).
    public var depthLimit: UInt32
    /// Maximum heap memory for backtracking, in KiB (`pcre2_set_heap_limit`).
    public var heapLimitKiB: UInt32
    /// Largest JIT stack, in bytes.
    public var maxJITStackBytes: Int

    public init(
        matchLimit: UInt32 = 1_000_000,
        depthLimit: UInt32 = 10_000,
        heapLimitKiB: UInt32 = 20_000,
        maxJITStackBytes: Int = 1 << 20
    ) {
        self.matchLimit = matchLimit
        self.depthLimit = depthLimit
        self.heapLimitKiB = heapLimitKiB
        self.maxJITStackBytes = maxJITStackBytes
    }

    /// The limits correlate uses unless told otherwise.
    public static let `default` = MatchLimits()
}
