public import CorrelateModel
public import CorrelateSources

/// Counts of one `correlate extract` run, for the closing line on stderr.
public struct ExtractSummary: Sendable {
    public var inputs = 0
    public var bytes: Int64 = 0
    public var lines = 0
    public var records = 0
    /// Records written (all of them, or the linked ones with `--only-linked`).
    public var written = 0
    /// Records with a trace id.
    public var linked = 0
    /// Records with a job id but no trace id.
    public var jobOnly = 0
    public var malformed = 0
    public var firstMalformed: SourceLocation?
    public var firstMalformedReason: String?
    /// Lines whose rule search stopped at a PCRE2 limit.
    public var limitHits = 0
    public var firstLimitHit: SourceLocation?
    /// Lines longer than the line limit, cut.
    public var truncated = 0
    public var firstTruncated: SourceLocation?
    /// Records whose text was not valid UTF-8 (repaired with U+FFFD).
    public var invalidUTF8 = 0
    public var firstInvalidUTF8: SourceLocation?
    /// All-zero ids seen and not linked.
    public var zeroIDs = 0
    public var firstZeroID: SourceLocation?
    /// Inputs that could not be opened or read.
    public var unreadable: [InputError] = []

    public init() {}

    /// Adds the line counts of a part of the run (inputs, bytes and unreadable inputs are
    /// counted by the run itself); the first malformed line and limit hit stay the
    /// earliest ones seen, parts being absorbed in input order.
    mutating func absorb(_ part: ExtractSummary) {
        lines += part.lines
        records += part.records
        written += part.written
        linked += part.linked
        jobOnly += part.jobOnly
        malformed += part.malformed
        if firstMalformed == nil {
            firstMalformed = part.firstMalformed
            firstMalformedReason = part.firstMalformedReason
        }
        limitHits += part.limitHits
        if firstLimitHit == nil { firstLimitHit = part.firstLimitHit }
        zeroIDs += part.zeroIDs
        if firstZeroID == nil { firstZeroID = part.firstZeroID }
        truncated += part.truncated
        if firstTruncated == nil { firstTruncated = part.firstTruncated }
        invalidUTF8 += part.invalidUTF8
        if firstInvalidUTF8 == nil { firstInvalidUTF8 = part.firstInvalidUTF8 }
    }

    /// Adds everything another reading counted: its inputs, bytes and unreadable inputs too.
    mutating func add(_ other: ExtractSummary) {
        absorb(other)
        inputs += other.inputs
        bytes += other.bytes
        unreadable += other.unreadable
    }

    /// One line for stderr.
    public var description: String {
        ([
            "read \(lines) line\(lines == 1 ? "" : "s") from \(inputs) input\(inputs == 1 ? "" : "s")",
            "\(records) record\(records == 1 ? "" : "s")",
            "linked \(linked) by trace id, \(jobOnly) by job id only",
        ] + problems).joined(separator: ", ")
    }

    /// What went wrong with lines, each with where it first did: malformed lines, rule
    /// searches stopped at a limit, over-long lines cut, invalid UTF-8 repaired, all-zero ids,
    /// unreadable inputs (the first two always, the others when they happened).
    public var problems: [String] {
        var parts: [String] = []
        var problem = "malformed \(malformed)"
        if let firstMalformed {
            problem += " (first at \(firstMalformed)"
            if let firstMalformedReason { problem += ": \(firstMalformedReason)" }
            problem += ")"
        }
        parts.append(problem)
        var limits = "over-limit \(limitHits)"
        if let firstLimitHit { limits += " (first at \(firstLimitHit): the rule search stopped at PCRE2's match limit)" }
        parts.append(limits)
        if truncated > 0 {
            parts.append("cut \(truncated) over-long line\(truncated == 1 ? "" : "s") to --max-line-bytes"
                         + (firstTruncated.map { " (first at \($0))" } ?? ""))
        }
        if invalidUTF8 > 0 {
            parts.append("repaired invalid UTF-8 in \(invalidUTF8) record\(invalidUTF8 == 1 ? "" : "s")"
                         + (firstInvalidUTF8.map { " (first at \($0))" } ?? ""))
        }
        if zeroIDs > 0 {
            parts.append("\(zeroIDs) all-zero id\(zeroIDs == 1 ? "" : "s") ignored"
                         + (firstZeroID.map { " (first at \($0): an all-zero id means no trace context)" } ?? ""))
        }
        if let first = unreadable.first {
            parts.append("\(unreadable.count) unreadable input\(unreadable.count == 1 ? "" : "s") (first: \(first))")
        }
        return parts
    }
}
