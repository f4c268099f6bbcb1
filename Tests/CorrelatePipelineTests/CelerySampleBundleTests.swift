import Foundation
import Testing
import CorrelateEngine
import CorrelateExtract
import CorrelateModel
import CorrelatePipeline
import CorrelateRender
import CorrelateTestSupport
import CorrelateDecode
import CorrelateStore

/// Issue 4 end to end: the sample's alerts looked up over the ingested sample.
@Suite struct CelerySampleBundleTests {
    static func bundles(_ kind: StoreKind) throws -> [IncidentBundle] {
        let store = try CelerySampleTraceTests.openStore(kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let decoded = try AlertFiles.read(Fixtures.celery("alerts/alertmanager-webhook-resolved.json"))
        let builder = BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil)
        return try decoded.alerts.map { try builder.bundle(for: $0, now: .now) }
    }

    /// `lookup` reads the queue figures and then the window's unexplained log lines on a second
    /// handle, on another thread, while the candidate traces and then the kept ones are read on
    /// the first: the bundles are those of one handle.
    @Test func aSecondHandleForTheQueueFiguresAndWindowLinesGivesTheSameBundles() throws {
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alerts = try AlertFiles.read(Fixtures.celery("alerts/alertmanager-webhook-resolved.json")).alerts
        // The sample, and in each alert's window a line whose trace id no span has.
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("celery.db").path
        do {
            let writer = try StoreLocation.open(path)
            _ = try CelerySampleTraceTests.ingest(into: writer)
            _ = try writer.insert(logs: alerts.enumerated().map { index, alert in
                LogRecord(source: SourceLocation(file: "orphans.log", line: index + 1), timestamp: alert.startsAt,
                          traceID: TraceID(high: 0xdead, low: UInt64(index + 1)), message: "a line of a trace without spans")
            })
        }
        let now = Timestamp.now
        // As the commands open it: to read, sealed segments in one snapshot each.
        let one = BundleBuilder(store: try #require(try StoreLocation.openExisting(path)), rules: rules, limit: 10, lookback: nil)
        let opened = Counter()
        let second = SecondStore {
            opened.add()
            return try StoreLocation.openExisting(path)
        }
        let two = BundleBuilder(store: try #require(try StoreLocation.openExisting(path)), secondStore: second, rules: rules, limit: 10, lookback: nil)
        let plain = BundleBuilder(store: try SQLiteEventStore(path: path, access: .readOnly), rules: rules, limit: 10, lookback: nil)
        var withQueues = 0
        var withUnlinked = 0
        var withOrphans = 0
        for alert in alerts {
            let alone = try one.bundle(for: alert, now: now)
            let beside = try two.bundle(for: alert, now: now)
            if alone.queues.contains(where: { $0.window?.jobs ?? 0 > 0 }) { withQueues += 1 }
            if !alone.unlinkedLogs.isEmpty { withUnlinked += 1 }
            if alone.diagnostics.contains(where: { $0.code == "logs_without_spans" }) { withOrphans += 1 }
            let same = BundleJSON.string(beside) == BundleJSON.string(alone)
            #expect(same, "\(alert.name): the bundles differ")
            // A reader that lives on reads key by key (no prefetch): the same bundle.
            let keyByKey = BundleJSON.string(try plain.bundle(for: alert, now: now)) == BundleJSON.string(alone)
            #expect(keyByKey, "\(alert.name): the bundles differ from those read key by key")
        }
        #expect(withQueues > 0, "some bundle has queue figures to compare")
        #expect(withUnlinked > 0 && withOrphans > 0, "some bundle has unlinked lines (\(withUnlinked)) and lines without spans (\(withOrphans)) to compare")
        #expect(opened.value == 1, "the second handle is opened once, and used")
        // A second handle that cannot be opened: the figures are read in turn on the first.
        let fallback = BundleBuilder(store: try #require(try StoreLocation.openExisting(path)), secondStore: SecondStore { nil },
                                     rules: rules, limit: 10, lookback: nil)
        for alert in alerts {
            let same = BundleJSON.string(try fallback.bundle(for: alert, now: now)) == BundleJSON.string(try one.bundle(for: alert, now: now))
            #expect(same, "\(alert.name): the bundles differ without a second handle")
        }
    }

    /// Counts from any thread.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    @Test(arguments: StoreKind.allCases)
    func everySlowJobIsInTheLatencyBundleWithItsCulprit(_ kind: StoreKind) throws {
        let bundle = try #require(try Self.bundles(kind).first { $0.alert.name == "JobLatencyHigh" })
        #expect(bundle.kind == "latency")
        for job in try CelerySampleTraceTests.jobs() where job.slow {
            let trace = try #require(bundle.traces.first { $0.analysis.traceID == job.traceID }, "job \(job.number) missing")
            #expect(trace.analysis.culprit?.spanID == job.culprit)
            #expect(trace.reasons.contains("slow"))
        }
    }

    /// JobLatencyHigh's expression is celery_task_runtime_seconds (and its description says p95
    /// runtime): it measures execution, so the four jobs that ran slowly come before the jobs
    /// that waited in the queue behind them.
    @Test(arguments: StoreKind.allCases)
    func theRuntimeAlertRanksTheSlowRunningJobsFirst(_ kind: StoreKind) throws {
        let bundle = try #require(try Self.bundles(kind).first { $0.alert.name == "JobLatencyHigh" })
        #expect(bundle.measure == .execution, "\(bundle.measureFrom)")
        let jobs = try CelerySampleTraceTests.jobs()
        let slow = jobs.filter(\.slow)
        let waited = jobs.filter { $0.waitedInQueue && !$0.slow }
        #expect(slow.count == 4)
        #expect(!waited.isEmpty)
        let order = bundle.traces.map(\.analysis.traceID)
        #expect(Set(order.prefix(4)) == Set(slow.map(\.traceID)), "\(bundle.traces.map(\.explanation))")
        for job in waited {
            if let index = order.firstIndex(of: job.traceID) { #expect(index >= 4, "job \(job.number) waited, ranked \(index + 1)") }
        }
        #expect(bundle.queues.map(\.queue) == ["exports"])
        #expect(bundle.queues.first?.window?.jobs ?? 0 > 0)
    }

    @Test(arguments: StoreKind.allCases)
    func everyFailedJobIsInTheErrorBundleFirst(_ kind: StoreKind) throws {
        let bundle = try #require(try Self.bundles(kind).first { $0.alert.name == "ErrorRateHigh" })
        #expect(bundle.kind == "error")
        let failed = try CelerySampleTraceTests.jobs().filter(\.error)
        #expect(failed.count == 3)
        let top = bundle.traces.prefix(failed.count).map(\.analysis.traceID)
        for job in failed {
            #expect(top.contains(job.traceID), "job \(job.number) not among the first traces")
            #expect(bundle.traces.first { $0.analysis.traceID == job.traceID }?.reasons.contains("error") == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func eachTraceCarriesExactlyItsOwnLogLines(_ kind: StoreKind) throws {
        let truth = try Truth.load()
        let jobs = try CelerySampleTraceTests.jobs()
        let ingested = ["logs/celery-worker.log", "logs/journal.json", "logs/producer.json.log", "logs/worker.json.log"]
        for bundle in try Self.bundles(kind) {
            for trace in bundle.traces {
                let index = try #require(jobs.firstIndex { $0.traceIDs.contains(trace.analysis.traceID) })
                let expected = Set(truth.jobs[index].lines.filter { line in ingested.contains(line.file) && !line.via.hasPrefix("same_record") }
                    .map { "\($0.file):\($0.line)" })
                var covered: Set<String> = []
                for placed in trace.analysis.logs {
                    let file = ingested.first { placed.record.source.file.hasSuffix($0) }!
                    for line in placed.record.source.line..<(placed.record.source.line + placed.record.lines) {
                        covered.insert("\(file):\(line)")
                    }
                }
                // The broken job's request trace holds the request's lines; its job trace the rest.
                if jobs[index].broken {
                    #expect(covered.isSubset(of: expected), "job \(jobs[index].number)")
                } else {
                    #expect(covered == expected, "job \(jobs[index].number): extra \(covered.subtracting(expected).sorted()), missing \(expected.subtracting(covered).sorted())")
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everyBundleValidatesAgainstTheSchema(_ kind: StoreKind) throws {
        let schema = try JSONSchema.bundle()
        for bundle in try Self.bundles(kind) {
            let problems = schema.validate(BundleJSON.string(bundle))
            #expect(problems.isEmpty, "\(bundle.alert.name): \(problems.prefix(5))")
        }
    }

    @Test func theSchemaValidatorCatchesWhatIsWrong() throws {
        let schema = try JSONSchema.bundle()
        let bundle = try #require(try Self.bundles(.sqlite).first)
        var json = BundleJSON.string(bundle)
        json = json.replacingOccurrences(of: "\"schema\":\"correlate.bundle/v1\"", with: "\"schema\":\"other\"")
        #expect(!schema.validate(json).isEmpty)
        #expect(!schema.validate(#"{"schema":"correlate.bundle/v1"}"#).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func anAlertWithNoMatchingTraceStillGetsABundleThatSaysSo(_ kind: StoreKind) throws {
        let store = try CelerySampleTraceTests.openStore(kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Alert(name: "QueueStuck", fingerprint: "0123456789abcdef", status: .firing,
                          labels: [("alertname", "QueueStuck"), ("queue", "no-such-queue")],
                          startsAt: Timestamp.parse("2026-11-25T08:32:40Z")!, endsAt: Timestamp.parse("2026-11-25T08:33:00Z"),
                          source: "test")
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.traces.isEmpty)
        #expect(bundle.diagnostics.contains { $0.code == "no_matching_trace" && $0.message.contains("queue=no-such-queue") })
        #expect(try JSONSchema.bundle().validate(BundleJSON.string(bundle)).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func exemplarTracesComeFirst(_ kind: StoreKind) throws {
        let store = try CelerySampleTraceTests.openStore(kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let exemplar = "cddaa145622ea1854204e01d78b04e0d"  // a fast job the latency alert would rank low
        let alert = Alert(name: "JobLatencyHigh", fingerprint: "11d7c3d7e168b8e8", status: .resolved,
                          labels: [("alertname", "JobLatencyHigh"), ("queue", "exports")],
                          annotations: [("description", "see trace \(exemplar)")],
                          startsAt: Timestamp.parse("2026-11-25T08:32:29Z")!, endsAt: Timestamp.parse("2026-11-25T08:33:50Z"),
                          source: "test")
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 3, lookback: nil).bundle(for: alert)
        #expect(bundle.traces.first?.analysis.traceID.description == exemplar)
        #expect(bundle.traces.first?.reasons.first == "exemplar")
    }

    /// `job=celery-worker` names the exporter's scrape job and matches every job of the worker:
    /// beside `queue=exports` it adds no candidate; alone, it is all there is to go by.
    @Test(arguments: StoreKind.allCases)
    func aWeakLabelAddsNoCandidateBesideAStrongOne(_ kind: StoreKind) throws {
        let store = try CelerySampleTraceTests.openStore(kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let jobs = try CelerySampleTraceTests.jobs()
        func candidates(_ labels: [(String, String)]) throws -> Int {
            let alert = Alert(name: "QueueSlow", fingerprint: "0123456789abcdef", status: .resolved,
                              labels: [("alertname", "QueueSlow")] + labels,
                              startsAt: Timestamp.parse("2026-11-25T08:32:40Z")!, endsAt: Timestamp.parse("2026-11-25T08:33:50Z"),
                              source: "test")
            return try BundleBuilder(store: store, rules: rules, limit: 3, lookback: 3_600_000_000_000).bundle(for: alert).candidates
        }
        let exports = jobs.filter { $0.queue == "exports" }.count
        #expect(exports > 0 && exports < jobs.count)
        #expect(try candidates([("queue", "exports"), ("job", "celery-worker")]) == exports)
        #expect(try candidates([("job", "celery-worker")]) == jobs.count)
    }
}
