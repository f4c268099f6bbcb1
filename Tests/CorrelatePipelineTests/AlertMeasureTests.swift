import Foundation
import Testing
import CorrelateEngine
import CorrelateModel
import CorrelateExtract
import CorrelateStore
import CorrelatePipeline
import CorrelateRender
import CorrelateTestSupport
import CorrelateClickHouse

/// What the alert measures decides the ranking (issue 11): backlog alerts by the wait, runtime
/// alerts by the run, error alerts by the failure and its exception.
@Suite struct AlertMeasureTests {
    typealias Evidence = AlertEvidenceTests
    static let second = Evidence.second

    static func trace(_ number: Int) -> String { String(format: "%032x", 0xabc000 + number) }

    static func graph(_ expression: String) -> String {
        "http://prometheus:9090/graph?g0.expr="
            + expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&g0.tab=1"
    }

    static func alert(_ labels: [(String, String)], annotations: [(String, String)] = [], expression: String? = nil) -> Alert {
        var alert = Evidence.alert(labels, annotations: annotations)
        alert.generatorURL = expression.map(graph)
        return alert
    }

    /// Jobs 0–2 on `emails` waited 3–5 s and ran 0.1 s; jobs 3–5 on `emails` waited 10 ms and
    /// ran 4–6 s.
    static func mixedQueue(_ kind: StoreKind) throws -> EventStore {
        var jobs: [[Span]] = []
        for number in 0..<3 {
            jobs.append(Evidence.job(number, queue: "emails", service: "mailer", enqueued: 10 + Double(number), wait: 3 + Double(number), run: 0.1))
        }
        for number in 3..<6 {
            jobs.append(Evidence.job(number, queue: "emails", service: "mailer", enqueued: 10 + Double(number), wait: 0.01, run: 1 + Double(number)))
        }
        return try Evidence.store(jobs, kind)
    }

    /// A consumer-lag alert (its expression names kafka_consumergroup_lag, its `job` label the
    /// exporter): the jobs that waited come first, longest wait first, each saying how long it
    /// waited against the window's p95; the job label is reported as ignored.
    @Test(arguments: StoreKind.allCases)
    func aBacklogAlertRanksTheJobsThatWaited(_ kind: StoreKind) throws {
        let store = try Self.mixedQueue(kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert(
            [("alertname", "ConsumerGroupBehind"), ("queue", "emails"), ("service", "mailer"), ("job", "kafka-exporter"), ("instance", "kafka-0:9308")],
            expression: "sum by (consumergroup) (kafka_consumergroup_lag{topic=\"emails\"}) > 1000")
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.measure == .queueWait)
        #expect(bundle.measureFrom == "generatorURL expr kafka_consumergroup_lag")
        #expect(bundle.traces.prefix(3).map(\.analysis.traceID.description) == [2, 1, 0].map(Self.trace))
        let first = try #require(bundle.traces.first)
        // Waits of the window: 3, 4, 5 s and three of 10 ms: nearest-rank p95 is 5 s.
        #expect(first.explanation.contains("waited 5 s in emails (default threshold 2 s); window p95 5 s"), "\(first.explanation)")
        #expect(bundle.diagnostics.contains { $0.code == "label_ignored" && $0.message.contains("job=kafka-exporter") })
        #expect(try JSONSchema.bundle().validate(BundleJSON.string(bundle)).isEmpty)
        // With a second handle the traces are ranked and kept before the queue figures are in;
        // their words (the window's p95) are written when they come: the same bundle.
        if let second = try Self.secondHandle(on: store) {
            let beside = try BundleBuilder(store: store, secondStore: SecondStore { second }, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
            #expect(BundleJSON.string(beside) == BundleJSON.string(bundle))
        }
    }

    /// Another handle on the same store, as the commands make one for the queue figures: from
    /// the store where it can (ClickHouse, with the schema it read), else opened again (SQLite);
    /// nil for the memory store, which has one.
    static func secondHandle(on store: EventStore) throws -> EventStore? {
        if let another = try store.anotherHandle() {
            #expect(store is ClickHouseEventStore)
            return another
        }
        if let sqlite = store as? SQLiteEventStore { return try SQLiteEventStore(path: sqlite.path, access: .readOnly) }
        return nil
    }

    /// kafka_exporter's lag alert summed by consumer group only (no topic label): the consumer
    /// spans' consumer group is the evidence.
    @Test(arguments: StoreKind.allCases)
    func aLagAlertByConsumerGroupFindsTheGroupsJobs(_ kind: StoreKind) throws {
        var jobs: [[Span]] = []
        for number in 0..<4 {
            var job = Evidence.job(number, queue: number < 2 ? "orders" : "refunds", service: "billing", enqueued: 10 + Double(number), wait: 2, run: 0.1)
            job[1].attributes.append(Attribute("messaging.consumer.group.name", .string(number < 2 ? "billing" : "audit")))
            jobs.append(job)
        }
        let store = try Evidence.store(jobs, kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert([("alertname", "KafkaConsumerGroupLag"), ("consumergroup", "billing"), ("job", "kafka-exporter")],
                               expression: "sum(kafka_consumergroup_lag) by (consumergroup) > 50")
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.measure == .queueWait)
        #expect(Set(bundle.traces.map(\.analysis.traceID.description)) == Set([0, 1].map(Self.trace)))
        #expect(bundle.traces.first?.explanation.contains { $0.hasSuffix("(default threshold 2 s)") } == true, "\(bundle.traces.first?.explanation ?? [])")
    }

    /// A task-runtime alert: the jobs that ran long outrank the jobs that waited long.
    @Test(arguments: StoreKind.allCases)
    func aRuntimeAlertRanksTheJobsThatRanLong(_ kind: StoreKind) throws {
        let store = try Self.mixedQueue(kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert(
            [("alertname", "TaskSlow"), ("queue", "emails")],
            annotations: [("description", "p95 task runtime > 3s")],
            expression: "histogram_quantile(0.95, sum by (le) (rate(celery_task_runtime_seconds_bucket{queue=\"emails\"}[5m]))) > 2")
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.measure == .execution)
        #expect(bundle.traces.prefix(3).map(\.analysis.traceID.description) == [5, 4, 3].map(Self.trace))
        #expect(bundle.traces[0].reasons.contains("slow"))
        // The threshold the description states, not the default.
        #expect(bundle.traces[0].explanation.first == "ran 6 s in emails process (threshold 3 s)")
        #expect(bundle.traces.suffix(3).allSatisfy { !$0.reasons.contains("slow") })
    }

    /// The same store under an end-to-end alert: whole traces, waits and runs alike.
    @Test(arguments: StoreKind.allCases)
    func anEndToEndAlertRanksWholeTraces(_ kind: StoreKind) throws {
        let store = try Self.mixedQueue(kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert([("alertname", "JobLatency"), ("queue", "emails")],
                               expression: "histogram_quantile(0.99, sum by (le) (rate(job_duration_seconds_bucket[5m]))) > 5")
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.measure == .endToEnd)
        // Job 5 took 6.01 s, job 2 5.1 s, job 4 5.01 s.
        #expect(bundle.traces.prefix(3).map(\.analysis.traceID.description) == [5, 2, 4].map(Self.trace))
    }

    /// An error alert: the failed job first, its culprit the span that failed (not its parent,
    /// not the longest span), with the exception from the span event; and when the span has no
    /// event, from the job's error log line (a Python traceback).
    @Test(arguments: StoreKind.allCases)
    func anErrorAlertLeadsWithTheFailingSpanAndItsException(_ kind: StoreKind) throws {
        var jobs: [[Span]] = []
        for number in 0..<3 {
            jobs.append(Evidence.job(number, queue: "images", service: "worker", enqueued: 10 + Double(number), wait: 4, run: 2))
        }
        let consumer = jobs[1][1]
        let failing = SpanID(hex: "00000000000fa11d")!
        jobs[1][1].status = .error
        jobs[1].append(Span(
            traceID: consumer.traceID, spanID: failing, parentSpanID: consumer.spanID, name: "image.decode", kind: .internal,
            start: consumer.start, end: Timestamp(nanoseconds: consumer.start.nanoseconds + 40_000_000), status: .error,
            statusMessage: "UnsupportedImageFormat: cannot decode", service: "worker",
            events: [Span.Event(name: "exception", time: consumer.start, attributes: [
                Attribute("exception.type", .string("jobs.tasks.UnsupportedImageFormat")),
                Attribute("exception.message", .string("cannot decode img-1.heic: no decoder for 'heic'")),
                Attribute("exception.stacktrace", .string("Traceback (most recent call last):\n  File \"tasks.py\", line 9, in decode\n")),
            ])]))
        // Job 2 failed with no exception event: its worker logged the traceback.
        let other = jobs[2][1]
        jobs[2][1].status = .error
        jobs[2][1].statusMessage = "boom"
        let store = try Evidence.store(jobs, kind)
        let traceback = """
            Task jobs.tasks.resize_image[message-2] raised unexpected: KeyError('width')
            Traceback (most recent call last):
              File "/srv/app/tasks.py", line 41, in resize_image
                width = params["width"]
            KeyError: 'width'
            """
        _ = try store.insert(logs: [LogRecord(
            source: SourceLocation(file: "worker.log", line: 7), lines: 5, timestamp: other.end, traceID: other.traceID,
            spanID: other.spanID, severity: .error, service: "worker", message: traceback)])
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Self.alert([("alertname", "TaskFailures"), ("queue", "images")],
                               expression: "sum(rate(celery_task_failed_total{queue=\"images\"}[5m])) > 0")
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        #expect(bundle.measure == .errors)
        let top = bundle.traces.prefix(2).map(\.analysis.traceID.description)
        #expect(Set(top) == [Self.trace(1), Self.trace(2)])
        let one = try #require(bundle.traces.first { $0.analysis.traceID == consumer.traceID })
        #expect(one.analysis.culprit == Culprit(kind: .error, spanID: failing, name: "image.decode", selfTimeMilliseconds: 40))
        #expect(one.analysis.failure?.exceptionType == "jobs.tasks.UnsupportedImageFormat")
        #expect(one.analysis.failure?.exceptionMessage == "cannot decode img-1.heic: no decoder for 'heic'")
        #expect(one.analysis.failure?.source == .spanEvent)
        #expect(one.explanation.contains("failed in image.decode: jobs.tasks.UnsupportedImageFormat: cannot decode img-1.heic: no decoder for 'heic'"))
        let two = try #require(bundle.traces.first { $0.analysis.traceID == other.traceID })
        #expect(two.analysis.culprit?.kind == .error)
        #expect(two.analysis.culprit?.spanID == other.spanID)
        #expect(two.analysis.failure?.exceptionType == "KeyError")
        #expect(two.analysis.failure?.exceptionMessage == "'width'")
        #expect(two.analysis.failure?.source == .log)
        #expect(two.analysis.failure?.logSource == SourceLocation(file: "worker.log", line: 7))
        #expect(two.analysis.failure?.stacktrace?.contains("line 41, in resize_image") == true)
        // The reasons say what the log line says, not the status message read before it.
        #expect(two.explanation.contains("failed in images process: KeyError: 'width'"), "\(two.explanation)")
        let json = BundleJSON.string(bundle)
        #expect(try JSONSchema.bundle().validate(json).isEmpty)
        #expect(json.contains("\"culprit\":{\"kind\":\"error\",\"span_id\":\"00000000000fa11d\""))
        let markdown = BundleMarkdown.render(bundle)
        #expect(markdown.contains("**failed in** `image.decode`: jobs.tasks.UnsupportedImageFormat: cannot decode"))
    }
}
