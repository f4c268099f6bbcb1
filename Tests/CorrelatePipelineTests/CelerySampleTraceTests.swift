import Foundation
import Testing
import CorrelateEngine
import CorrelateExtract
import CorrelateModel
import CorrelatePipeline
import CorrelateTestSupport

/// Issue 3 end to end: the Celery sample ingested, each job's trace analysed.
@Suite struct CelerySampleTraceTests {
    struct Job {
        var number: Int
        var traceID: TraceID
        var traceIDs: [TraceID]
        var enqueue: SpanID
        var execute: SpanID
        var queueWait: Double
        var slow: Bool
        var waitedInQueue: Bool
        var error: Bool
        var broken: Bool
        var taskID: String
        var culprit: SpanID?
        var executionMilliseconds: Double
        var queue: String
    }

    static func jobs() throws -> [Job] {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("truth.json")))) as! [String: Any]
        return (root["jobs"] as! [[String: Any]]).map { job in
            Job(number: job["job"] as! Int, traceID: TraceID(hex: job["trace_id"] as! String)!,
                traceIDs: (job["trace_ids"] as! [String]).map { TraceID(hex: $0)! },
                enqueue: SpanID(hex: job["enqueue_span_id"] as! String)!,
                execute: SpanID(hex: job["execute_span_id"] as! String)!,
                queueWait: (job["queue_wait_ms"] as! [String: Double])["from_enqueue_end"]!,
                slow: job["slow"] as! Bool, waitedInQueue: job["waited_in_queue"] as! Bool,
                error: job["error"] as! Bool, broken: job["deliberately_broken"] as! Bool,
                taskID: job["task_id"] as! String,
                culprit: (job["culprit_span"] as? [String: Any]).flatMap { SpanID(hex: $0["span_id"] as! String) },
                executionMilliseconds: job["execution_ms"] as! Double, queue: job["queue"] as! String)
        }
    }

    /// Ingests the whole sample (its logs, traces and alerts) into `store`.
    static func ingest(into store: EventStore) throws -> IngestSummary {
        let rules = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let logs = ["celery-worker.log", "journal.json", "producer.json.log", "worker.json.log"].map { Fixtures.celery("logs/" + $0) }
        let pipeline = IngestPipeline(ruleSet: rules, store: store, configuration: IngestConfiguration(
            logs: logs, spans: [Fixtures.celery("traces.otlp.jsonl")], alerts: [Fixtures.celery("alerts/alertmanager-webhook.json")],
            extract: ExtractConfiguration(inputs: [], threads: 1)))
        return try pipeline.run()
    }

    /// A store file with the whole sample in it, made once; each test opens its own connection.
    static let prepared: (path: String, summary: IngestSummary) = {
        let path = try! Fixtures.temporaryDirectory().appendingPathComponent("celery.db").path
        return (path, try! ingest(into: StoreLocation.open(path)))
    }()

    /// A store of `kind` with the whole sample in it, and what its ingest counted: a connection
    /// of its own to the file made once, or a store in memory ingested anew (a store is used
    /// from one thread at a time, and tests run in parallel).
    static func ingested(_ kind: StoreKind) throws -> (store: EventStore, summary: IngestSummary) {
        switch kind {
        case .sqlite:
            return (try StoreLocation.open(prepared.path), prepared.summary)
        case .memory, .segmented, .clickhouse:
            let store = try kind.makeStore()
            return (store, try ingest(into: store))
        }
    }

    static func openStore(_ kind: StoreKind) throws -> EventStore {
        try ingested(kind).store
    }

    @Test(arguments: StoreKind.allCases)
    func ingestStoresEverySpanAndRecord(_ kind: StoreKind) throws {
        let (store, summary) = try Self.ingested(kind)
        #expect(summary.spansStored.stored == 139)
        #expect(summary.spansRejected == 0)
        #expect(summary.alertsStored.stored == 2, "the payload holds two alerts")
        #expect(summary.logs.malformed == 2)
        let statistics = try store.statistics()
        #expect(statistics.spans == 139)
        #expect(statistics.logs == summary.logs.records)
    }

    @Test(arguments: StoreKind.allCases)
    func eachJobShowsEnqueueAndExecuteAsOneTraceWithItsQueueWait(_ kind: StoreKind) throws {
        let query = TraceQuery(store: try Self.openStore(kind))
        for job in try Self.jobs() {
            let traceID = job.broken ? job.traceIDs.first { $0 != job.traceID }! : job.traceID
            let analysis = try #require(try query.analyze(traceID), "job \(job.number)")
            let ids = Set(analysis.spans.map(\.span.spanID))
            #expect(ids.contains(job.enqueue) && ids.contains(job.execute), "job \(job.number): enqueue and execute in one trace")
            let hop = try #require(analysis.hops.first { $0.consumer == job.execute }, "job \(job.number): no hop")
            #expect(hop.producer == job.enqueue)
            #expect(abs(hop.waitMilliseconds - job.queueWait) < 0.001, "job \(job.number): wait \(hop.waitMilliseconds) vs \(job.queueWait)")
            #expect(analysis.hasError == job.error, "job \(job.number)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func slowJobsHaveTheirSlowQueryAsCulprit(_ kind: StoreKind) throws {
        let query = TraceQuery(store: try Self.openStore(kind))
        let slow = try Self.jobs().filter(\.slow)
        #expect(slow.count == 4)
        for job in slow {
            let culprit = try #require(try query.analyze(job.traceID)?.culprit)
            #expect(culprit.kind == .span)
            #expect(culprit.spanID == job.culprit, "job \(job.number)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func jobsThatWaitedMoreThanTheyRanHaveTheQueueAsCulprit(_ kind: StoreKind) throws {
        let query = TraceQuery(store: try Self.openStore(kind))
        let waiting = try Self.jobs().filter { $0.waitedInQueue && $0.queueWait > $0.executionMilliseconds && !$0.broken }
        #expect(waiting.count >= 5)
        for job in waiting {
            let culprit = try #require(try query.analyze(job.traceID)?.culprit)
            #expect(culprit.kind == .queueWait, "job \(job.number)")
            #expect(culprit.spanID == job.execute)
            #expect(abs(culprit.selfTimeMilliseconds - job.queueWait) < 0.001)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func celeryLinesWithOnlyTheTaskIDAreInTheJobsTrace(_ kind: StoreKind) throws {
        let query = TraceQuery(store: try Self.openStore(kind))
        let truth = try Truth.load()
        let jobs = try Self.jobs()
        for (job, lines) in zip(jobs, truth.jobs) where !job.broken {
            let analysis = try #require(try query.analyze(job.traceID))
            let celery = analysis.logs.filter { $0.record.source.file.hasSuffix("celery-worker.log") }
            #expect(celery.allSatisfy { $0.via == .jobID && $0.spanID == job.execute }, "job \(job.number)")
            let covered = Set(celery.flatMap { $0.record.source.line..<($0.record.source.line + $0.record.lines) })
            let expected = Set(lines.lines.filter { $0.file == "logs/celery-worker.log" && $0.via.hasPrefix("task_id") }.map(\.line))
            #expect(!expected.isEmpty)
            #expect(covered == expected, "job \(job.number): records cover \(covered.sorted()), truth \(expected.sorted())")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theBrokenJobIsSeenFromBothTraces(_ kind: StoreKind) throws {
        let query = TraceQuery(store: try Self.openStore(kind))
        let broken = try #require(try Self.jobs().first(where: \.broken))
        let jobTrace = broken.traceIDs.first { $0 != broken.traceID }!
        let request = try #require(try query.analyze(broken.traceID))
        #expect(request.diagnostics.contains { $0.code == "disconnected_chain" && $0.relatedTraceID == jobTrace })
        let job = try #require(try query.analyze(jobTrace))
        #expect(job.diagnostics.contains { $0.code == "disconnected_chain" && $0.relatedTraceID == broken.traceID })
    }
}
