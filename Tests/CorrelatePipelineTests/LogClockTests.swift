import Foundation
import Testing
import CorrelateEngine
import CorrelateExtract
import CorrelateModel
import CorrelatePipeline
import CorrelateTestSupport

/// A worker that logs local time without a zone (Celery's default text format) sits whole hours
/// away from its spans once read as UTC: ingest measures it by the lines joined to a span and
/// moves the source back; a clock that is minutes off is named, not moved.
@Suite struct LogClockTests {
    /// The sample's Celery text log with every time moved by `minutes`, as a worker in another
    /// zone (or with a clock off) would have written it.
    static func shiftedCeleryLog(minutes: Int) throws -> String {
        let text = try String(contentsOfFile: Fixtures.celery("logs/celery-worker.log"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^\[(2026-11-25 \d\d:\d\d:\d\d),(\d{3}):"#, options: .anchorsMatchLines)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        var out = text
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            let range = Range(match.range(at: 1), in: text)!
            let moved = formatter.date(from: String(text[range]))!.addingTimeInterval(Double(minutes) * 60)
            out.replaceSubrange(Range(match.range(at: 1), in: out)!, with: formatter.string(from: moved))
        }
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("celery-worker.log").path
        try out.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func ingest(_ log: String, into store: EventStore, policy: LogClockPolicy = .shift) throws -> IngestSummary {
        let rules = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        return try IngestPipeline(ruleSet: rules, store: store, configuration: IngestConfiguration(
            logs: [log, Fixtures.celery("logs/worker.json.log")], spans: [Fixtures.celery("traces.otlp.jsonl")],
            extract: ExtractConfiguration(inputs: [], threads: 1), logClock: policy)).run()
    }

    @Test(arguments: StoreKind.allCases)
    func aSourceAnHourAheadIsMovedBackBesideItsSpans(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let log = try Self.shiftedCeleryLog(minutes: 60)
        let summary = try Self.ingest(log, into: store)
        let finding = try #require(summary.logClock.findings.first { $0.source.hasSuffix("celery-worker.log") }, "\(summary.logClock.findings)")
        #expect(finding.zoneOffset == 3_600_000_000_000)
        #expect((summary.logClock.moved[finding.source] ?? 0) > 0)
        #expect(summary.description.contains("sat +1h from their spans"), "\(summary.description)")
        // The JSON log carries its zone and is not touched.
        #expect(!summary.logClock.findings.contains { $0.source.hasSuffix("worker.json.log") })
        // Job 6's "received" line is back where the worker wrote it, in UTC.
        let received = try store.logs(withJobIDs: ["d58d36c5-9b45-4241-ad36-414ddf133af3"]).first { $0.message.hasSuffix("received") }
        #expect(received?.timestamp == Timestamp.parse("2026-11-25T08:32:29.032Z"))
        // Measured again, nothing is off any more.
        #expect(try LogClockAdjustment.run(store: store, sources: nil, policy: .shift).findings.isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aZoneGivenMeansMeasuredButNotMoved(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let summary = try Self.ingest(try Self.shiftedCeleryLog(minutes: -330), into: store, policy: .report)
        let finding = try #require(summary.logClock.findings.first)
        #expect(finding.zoneOffset == -330 * 60_000_000_000)
        #expect(summary.logClock.moved.isEmpty)
        #expect(summary.description.contains("not moved (--log-tz was given)"))
    }

    @Test(arguments: StoreKind.allCases)
    func aClockMinutesOffIsNamedNotMoved(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let summary = try Self.ingest(try Self.shiftedCeleryLog(minutes: 7), into: store)
        let finding = try #require(summary.logClock.findings.first)
        #expect(finding.zoneOffset == nil)
        #expect(finding.medianGap > 6 * 60_000_000_000 && finding.medianGap < 8 * 60_000_000_000)
        #expect(summary.logClock.moved.isEmpty)
        #expect(summary.description.contains("not a whole quarter hour"))
    }

    @Test(arguments: StoreKind.allCases)
    func theSampleAsWrittenIsLeftAlone(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let summary = try Self.ingest(Fixtures.celery("logs/celery-worker.log"), into: store)
        #expect(summary.logClock.findings.isEmpty, "\(summary.logClock.lines)")
    }

    /// A file grown after it was moved: its old lines fit, its new ones sit an hour off. Moving
    /// the source would move the old lines twice: it is named, not moved.
    @Test(arguments: StoreKind.allCases)
    func aSourceOfTwoClocksIsNamedNotMoved(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let shifted = try Self.shiftedCeleryLog(minutes: 60)
        let lines = try String(contentsOfFile: shifted, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("celery-worker.log").path
        try lines.prefix(75).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let first = try Self.ingest(path, into: store)
        #expect(first.logClock.moved.values.reduce(0, +) > 0)
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let second = try Self.ingest(path, into: store)
        let finding = try #require(second.logClock.findings.first { $0.source == path })
        #expect(finding.partlyOffset == 3_600_000_000_000)
        #expect(second.logClock.moved.isEmpty)
        #expect(second.description.contains("lines of two clocks"), "\(second.description)")
        // The lines moved by the first ingest stay where they were put.
        let received = try store.logs(withJobIDs: ["d58d36c5-9b45-4241-ad36-414ddf133af3"]).first { $0.message.hasSuffix("received") }
        #expect(received?.timestamp == Timestamp.parse("2026-11-25T08:32:29.032Z"))
    }

    /// Lines stored before their spans are measured when the spans come.
    @Test(arguments: StoreKind.allCases)
    func linesStoredBeforeTheirSpansAreMeasuredWhenTheSpansCome(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let rules = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let log = try Self.shiftedCeleryLog(minutes: 60)
        let logsFirst = try IngestPipeline(ruleSet: rules, store: store, configuration: IngestConfiguration(
            logs: [log], extract: ExtractConfiguration(inputs: [], threads: 1))).run()
        #expect(logsFirst.logClock.findings.isEmpty, "no spans yet")
        let spansAfter = try IngestPipeline(ruleSet: rules, store: store, configuration: IngestConfiguration(
            spans: [Fixtures.celery("traces.otlp.jsonl")], extract: ExtractConfiguration(inputs: [], threads: 1))).run()
        #expect(spansAfter.logClock.findings.first?.zoneOffset == 3_600_000_000_000)
        #expect((spansAfter.logClock.moved.values.first ?? 0) > 0)
    }

    /// Records dated centuries from their spans: no trap, a gap said in days.
    @Test func gapsFromTheEndsOfTimeDoNotTrap() {
        let far = (0..<10).map { _ in ClockGap(fromStart: .min, fromEnd: .min) }
        let findings = LogClock.findings(["old.log": far])
        #expect(findings.first?.zoneOffset == nil)
        #expect(LogClock.offsetText(findings.first.map(\.medianGap) ?? 0).hasSuffix("days"))
    }

    @Test func fewLinkedRecordsSayNothingAndLongSpansStillFit() {
        let hour: Int64 = 3_600_000_000_000
        // Records an hour late inside 10-minute spans: anywhere in the span, the shift fits.
        let late = (0..<20).map { i in ClockGap(fromStart: hour + Int64(i) * 30_000_000_000, fromEnd: hour + Int64(i) * 30_000_000_000 - 600_000_000_000) }
        #expect(LogClock.findings(["w.log": late]).first?.zoneOffset == hour)
        #expect(LogClock.findings(["w.log": Array(late.prefix(LogClock.minimumRecords - 1))]).isEmpty)
        #expect(LogClock.offsetText(-5 * hour - hour / 2) == "-5h30m")
        #expect(LogClock.offsetText(133_000_000_000) == "+2m13s")
    }
}
