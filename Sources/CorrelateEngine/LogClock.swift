public import CorrelateModel

/// Measures how far each log source's clock sits from its spans', by the records that are
/// joined to a span (span id, or job id to the consumer span): a worker that writes local
/// time without a zone, read as UTC, sits a whole number of hours (or quarter hours: India,
/// Nepal, Chatham) away from the spans that explain it.
///
/// For each candidate shift `q` (a multiple of 15 minutes, ±14 hours: every UTC offset in
/// use) it counts the records that `q` (±2 minutes) moves into their span. The source sits
/// `q` away when that `q` fits at least 60% of its records, more of them than no shift does,
/// and fewer than a fifth are in place already; when a fifth or more fit `q` while others are
/// in place, the source holds lines of two clocks and gets a finding with `partlyOffset` (not
/// moved); a source whose records fit no shift but whose median distance from their spans is
/// a minute or more gets a finding without a zone (a drifting clock, not a zone).
public enum LogClock {
    /// Fewer linked records than this say nothing.
    public static let minimumRecords = 5
    public static let quarterHour: Int64 = 15 * 60 * 1_000_000_000
    public static let tolerance: Int64 = 2 * 60 * 1_000_000_000

    /// What was measured of one source.
    public struct Finding: Sendable, Equatable {
        public var source: String
        /// Linked records measured.
        public var records: Int
        /// The whole quarter hours the source's times sit away from their spans (positive:
        /// its times are late); nil when no such shift fits its records.
        public var zoneOffset: Int64?
        /// The median distance of the records from their spans (0 inside), nanoseconds.
        public var medianGap: Int64
        /// Records that `zoneOffset` (or `partlyOffset`) puts inside their span.
        public var fitted: Int
        /// Records already inside their span.
        public var inPlace: Int
        /// A whole quarter-hour shift that fits many of the records while many others are in
        /// place already: lines of two clocks in one source (a file ingested before and after
        /// it was moved, a change of zone): nothing is moved.
        public var partlyOffset: Int64?
    }

    /// The sources that sit away from their spans (the others are left out).
    public static func findings(_ gaps: [String: [ClockGap]]) -> [Finding] {
        var findings: [Finding] = []
        for (source, records) in gaps.sorted(by: { $0.key < $1.key }) where records.count >= minimumRecords {
            let distances = records.map(\.distance).sorted()
            let median = distances[distances.count / 2]
            let unshifted = records.filter { $0.fits(shift: 0, tolerance: tolerance) }.count
            var best: (shift: Int64, fitted: Int) = (0, unshifted)
            for step in -56...56 where step != 0 {
                let shift = Int64(step) * quarterHour
                // The records are late by the offset: moving them back by it puts them inside.
                let fitted = records.filter { $0.fits(shift: -shift, tolerance: tolerance) }.count
                if fitted > best.fitted { best = (shift, fitted) }
            }
            let finding = Finding(source: source, records: records.count, zoneOffset: nil, medianGap: median, fitted: unshifted,
                                  inPlace: unshifted, partlyOffset: nil)
            if best.shift != 0, best.fitted * 10 >= records.count * 6, unshifted * 5 < records.count {
                findings.append(with(finding) { $0.zoneOffset = best.shift; $0.fitted = best.fitted })
            } else if best.shift != 0, best.fitted * 5 >= records.count {
                findings.append(with(finding) { $0.partlyOffset = best.shift; $0.fitted = best.fitted })
            } else if median.magnitude >= 60_000_000_000 {
                findings.append(finding)
            }
        }
        return findings
    }

    private static func with(_ finding: Finding, _ change: (inout Finding) -> Void) -> Finding {
        var copy = finding
        change(&copy)
        return copy
    }

    /// `+1h`, `-5h30m`, `+45m`, `+2m13s` for a shift in nanoseconds; a gap of more than a
    /// year is said in days.
    public static func offsetText(_ nanoseconds: Int64) -> String {
        let seconds = Int64(nanoseconds.magnitude / 1_000_000_000)
        if seconds > 366 * 86_400 { return (nanoseconds < 0 ? "-" : "+") + "\(seconds / 86_400) days" }
        let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60)
        var text = nanoseconds < 0 ? "-" : "+"
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if rest > 0 || (hours == 0 && minutes == 0) { text += "\(rest)s" }
        return text
    }
}
