public import CorrelateEngine
public import CorrelateModel

/// What to do with a log source whose times sit a whole number of quarter hours away from its
/// spans (``LogClock``).
public enum LogClockPolicy: String, Sendable {
    /// Move its records by the offset (`--log-tz auto`, the default): a worker that logs local
    /// time without a zone, read as UTC, lands beside its spans.
    case shift
    /// Say so, move nothing (a zone was given with `--log-tz`).
    case report
}

/// The log sources whose clocks were measured off, and what was done.
public struct LogClockReport: Sendable {
    public var findings: [LogClock.Finding] = []
    /// Source → records moved.
    public var moved: [String: Int] = [:]

    public init() {}

    /// One sentence per source, for the summary on stderr.
    public var lines: [String] {
        findings.map { finding in
            // Standard input is stored under a name of its own (`<stdin 9f2c…>`).
            let name = finding.source.hasPrefix(SourceLocation.stdinName.dropLast()) ? "standard input" : finding.source
            if let partly = finding.partlyOffset {
                return "\(name): \(finding.fitted) of its \(finding.records) linked records sit \(LogClock.offsetText(partly)) from their spans "
                    + "while \(finding.inPlace) are in place (lines of two clocks: a file read before and after it was moved, "
                    + "a change of zone?); not moved"
            }
            guard let offset = finding.zoneOffset else {
                return "\(name): its lines sit a median \(LogClock.offsetText(finding.medianGap)) from their spans "
                    + "(\(finding.records) linked records; not a whole quarter hour, so not a zone: a clock that is off?); not moved"
            }
            let fit = "\(finding.fitted) of \(finding.records) linked records"
            if let moved = moved[finding.source] {
                return "\(name): its times sat \(LogClock.offsetText(offset)) from their spans (\(fit) fit once moved): "
                    + "moved \(moved) records by \(LogClock.offsetText(-offset)) — local time without a zone? --log-tz ZONE says which"
            }
            return "\(name): its times sit \(LogClock.offsetText(offset)) from their spans (\(fit) fit once moved); not moved (--log-tz was given)"
        }
    }
}

/// Measures the clocks of log sources against their spans in a store and, by the policy, moves
/// the records of a source whose times sit a whole number of quarter hours away.
public enum LogClockAdjustment {
    /// Linked records measured per source.
    public static let sample = 500

    /// - Parameter sources: the sources to check (those just written); nil: all.
    public static func run(store: EventStore, sources: Set<String>?, policy: LogClockPolicy) throws -> LogClockReport {
        var report = LogClockReport()
        if let sources, sources.isEmpty { return report }
        report.findings = LogClock.findings(try store.logClockGaps(sources: sources, limit: sample))
        guard policy == .shift else { return report }
        for finding in report.findings {
            guard let offset = finding.zoneOffset else { continue }
            report.moved[finding.source] = try store.shiftLogTimes(source: finding.source, by: -offset)
        }
        return report
    }
}

/// The log clock check of a long-running writer (`run`, `serve`): on the writer's thread,
/// after writes, it measures the sources written since it last looked (at most every
/// ``interval``), moves the records of a source that sits whole quarter hours from its spans
/// (by the policy), and moves that source's later records as they come, before they are
/// stored. A source is settled once a shift is decided or ``enough`` of its records were
/// measured beside their spans.
final class LogClockWatch {
    static let interval: Duration = .seconds(2)
    static let enough = 50

    let policy: LogClockPolicy
    private(set) var report = LogClockReport()
    private var offsets: [String: Int64] = [:]
    private var settled: Set<String> = []
    private var pending: Set<String> = []
    private var lastCheck: ContinuousClock.Instant?

    init(policy: LogClockPolicy) {
        self.policy = policy
    }

    /// Moves the records of sources with a decided shift.
    func adjust(_ records: inout [LogRecord]) {
        guard !offsets.isEmpty else { return }
        for index in records.indices {
            if let shift = offsets[records[index].source.file], let time = records[index].timestamp {
                records[index].timestamp = time.advanced(by: shift)
            }
        }
    }

    /// Sources measured at once, at most (a writer fed by many files measures the first ones
    /// first; the others wait their turn).
    static let maximumPending = 256

    /// Notes the sources of records just stored.
    func written(_ records: [LogRecord]) {
        var last: String?
        for record in records where record.source.file != last {
            last = record.source.file
            if !settled.contains(record.source.file), pending.count < Self.maximumPending { pending.insert(record.source.file) }
        }
    }

    /// Measures the pending sources when it is time (or `force`); true when records moved.
    func check(_ store: EventStore, force: Bool) throws -> Bool {
        let now = ContinuousClock.now
        guard !pending.isEmpty, force || lastCheck.map({ now - $0 >= Self.interval }) ?? true else { return false }
        lastCheck = now
        let gaps = try store.logClockGaps(sources: pending, limit: LogClockAdjustment.sample)
        var moved = false
        for finding in LogClock.findings(gaps) {
            if let offset = finding.zoneOffset {
                if policy == .shift {
                    report.moved[finding.source, default: 0] += try store.shiftLogTimes(source: finding.source, by: -offset)
                    offsets[finding.source] = -offset
                    moved = true
                }
            } else if (gaps[finding.source]?.count ?? 0) < Self.enough {
                continue
            }
            report.findings.append(finding)
            settled.insert(finding.source)
            pending.remove(finding.source)
        }
        for (source, measured) in gaps where measured.count >= Self.enough && !settled.contains(source) {
            settled.insert(source)
            pending.remove(source)
        }
        return moved
    }
}
