public import CorrelateModel

/// What the rules found in one line.
///
/// Ranges are byte ranges of the text the rules were given, valid as long as that text is.
public struct Extraction: Sendable, Equatable {
    public var traceID: TraceID?
    public var spanID: SpanID?
    public var jobID: Range<Int>?
    /// Index into ``RuleSet/rules`` of the rule that linked the line (the one that gave the
    /// trace id, else the job id).
    public var ruleIndex: Int?
    public var timestamp: Timestamp?
    public var severity: Severity?
    public var service: Range<Int>?
    public var message: Range<Int>?
    /// A match hit a PCRE2 limit; the rest of the line was not searched.
    public var limitExceeded = false
    /// A rule matched an all-zero id ("no context"), which was not linked.
    public var rejectedZeroID = false

    public init() {}

    /// The line carries a trace id or a job id.
    public var isLinked: Bool { traceID != nil || jobID != nil }
}
