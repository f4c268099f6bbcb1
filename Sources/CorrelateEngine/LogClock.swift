public import CorrelateModel

/// Measures how far each log source's clock sits from its spans', by the records that are
/// joined to a span (span id, or job id to the consumer span): a worker that writes local
/// time without a zone, read as UTC, sits a whole number of hours (or quarter hours: India,
/// Nepal, Chatham) away from the spans that explain it.
///
/// For each candidate shift `q` (a multiple of 15 minutes, ±14 hours: every UTC offset in
/// use) it counts the records that `q` (±2 minutes) moves into their span. The source sits
/// `q` away when that `q` fits at least 60% of its records and more of them than no shift
/// does; a source whose records fit no shift that well but whose median distance from their
/// spans is a minute or more gets a finding without a zone (a drifting clock, not a zone).
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
        /// Records that `zoneOffset` puts inside their span.
        public var fitted: Int
    }

    /// The sources that sit away from their spans (the others are left out).
    public static func findings(_ gaps: [String: [ClockGap]]) -> [Finding] {
        var findings: [Finding] = []
        for (source, records) in gaps.sorted(by: { $0.key < $1.key }) where records.count >= minimumRecords {
            let distances = records.map { gap -> Int64 in gap.fromStart < 0 ? gap.fromStart : gap.fromEnd > 0 ? gap.fromEnd : 0 }.sorted()
            let median = distances[distances.count / 2]
            let unshifted = records.filter { $0.fits(shift: 0, tolerance: tolerance) }.count
            var best: (shift: Int64, fitted: Int) = (0, unshifted)
            for step in -56...56 where step != 0 {
                let shift = Int64(step) * quarterHour
                // The records are late by the offset: moving them back by it puts them inside.
                let fitted = records.filter { $0.fits(shift: -shift, tolerance: tolerance) }.count
                if fitted > best.fitted { best = (shift, fitted) }
            }
            if best.shift != 0, best.fitted * 10 >= records.count * 6 {
                findings.append(Finding(source: source, records: records.count, zoneOffset: best.shift, medianGap: median, fitted: best.fitted))
            } else if abs(median) >= 60_000_000_000 {
                findings.append(Finding(source: source, records: records.count, zoneOffset: nil, medianGap: median, fitted: unshifted))
            }
        }
        return findings
    }

    /// `+1h`, `-5h30m`, `+45m`, `+2m13s` for a shift in nanoseconds.
    public static func offsetText(_ nanoseconds: Int64) -> String {
        let seconds = abs(nanoseconds) / 1_000_000_000
        let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60)
        var text = nanoseconds < 0 ? "-" : "+"
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if rest > 0 || (hours == 0 && minutes == 0) { text += "\(rest)s" }
        return text
    }
}
