import Foundation
import Testing
import CorrelateEngine
import CorrelateModel
import CorrelateExtract
import CorrelateStore
import CorrelatePipeline
import CorrelateRender
import CorrelateTestSupport
@testable import CorrelateClickHouse

/// Jobs joined across span links, and queue statistics (issue 11).
@Suite struct LinkedJobAndQueueTests {
    typealias Evidence = AlertEvidenceTests
    static let base = Evidence.base
    static let second = Evidence.second

    static let producerTrace = TraceID(hex: "ba634a143d1c89db9e2abe586553a831")!
    static let producerSpan = SpanID(hex: "5ae2da6f38c69619")!
    static let consumerTrace = TraceID(hex: "efabe8835c0b4d1e9a7f2c3b4d5e6f70")!
    static let consumerSpan = SpanID(hex: "7c41d0e2b9a85f13")!
    static let querySpan = SpanID(hex: "2b8e6f4a1c3d5e70")!

    /// The example: a PRODUCER span ending at 10:00:00.000; the consumer starts a new
    /// trace at 10:00:03.000 with a link to it and the same message id, and runs a 450 ms
    /// db.query.
    static func linkedJob() -> [Span] {
        let message = [Attribute("messaging.message.id", .string("4f0c6a52-1b7e-4d8a-9c3f-0e5d2a6b7c81")),
                       Attribute("messaging.destination.name", .string("emails"))]
        return [
            Span(traceID: producerTrace, spanID: SpanID(hex: "1111111111111111")!, name: "POST /signup", kind: .server,
                 start: Timestamp(nanoseconds: base - 20_000_000), end: Timestamp(nanoseconds: base + 1_000_000), service: "api"),
            Span(traceID: producerTrace, spanID: producerSpan, parentSpanID: SpanID(hex: "1111111111111111")!, name: "emails publish",
                 kind: .producer, start: Timestamp(nanoseconds: base - 5_000_000), end: Timestamp(nanoseconds: base),
                 service: "api", attributes: message),
            Span(traceID: consumerTrace, spanID: consumerSpan, name: "emails process", kind: .consumer,
                 start: Timestamp(nanoseconds: base + 3 * second), end: Timestamp(nanoseconds: base + 3 * second + 500_000_000),
                 service: "mailer", attributes: message, links: [Span.Link(traceID: producerTrace, spanID: producerSpan)]),
            Span(traceID: consumerTrace, spanID: querySpan, parentSpanID: consumerSpan, name: "db.query", kind: .client,
                 start: Timestamp(nanoseconds: base + 3 * second + 20_000_000), end: Timestamp(nanoseconds: base + 3 * second + 470_000_000),
                 service: "mailer"),
        ]
    }

    @Test(arguments: StoreKind.allCases)
    func aJobJoinedByASpanLinkIsOneJobWithItsQueueWaitAsCulprit(_ kind: StoreKind) throws {
        let store = try Evidence.store([Self.linkedJob()], kind)
        let query = TraceQuery(store: store)
        let consumer = try #require(try query.analyze(Self.consumerTrace))
        #expect(consumer.culprit == Culprit(kind: .queueWait, spanID: Self.consumerSpan, name: "queue wait before emails process", selfTimeMilliseconds: 3000))
        #expect(consumer.queueWaitMilliseconds == 3000)
        #expect(consumer.hops.map(\.connection) == [.link])
        #expect(!consumer.diagnostics.contains { $0.code == "disconnected_chain" || $0.code == "consumer_root" }, "\(consumer.diagnostics)")
        // The producer's side lists the consumer trace that links back to it.
        let producer = try #require(try query.analyze(Self.producerTrace))
        #expect(producer.hops.map(\.consumerTrace) == [Self.consumerTrace])
        #expect(producer.hops.map(\.connection) == [.link])
        #expect(!producer.diagnostics.contains { $0.code == "disconnected_chain" }, "\(producer.diagnostics)")
        // An alert on the queue: the job's bundle holds both traces.
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        var alert = Evidence.alert([("alertname", "EmailsLag"), ("queue", "emails"), ("service", "mailer")])
        alert.startsAt = Timestamp(nanoseconds: Self.base + 10 * Self.second)
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 1, lookback: nil).bundle(for: alert)
        #expect(bundle.measure == .queueWait)
        #expect(Set(bundle.traces.map(\.analysis.traceID)) == [Self.producerTrace, Self.consumerTrace])
        #expect(bundle.traces.contains { $0.reasons == ["linked"] })
        #expect(!bundle.diagnostics.contains { $0.code == "disconnected_chain" })
        #expect(try JSONSchema.bundle().validate(BundleJSON.string(bundle)).isEmpty)
        // And the queue counts it once, with its 3 s wait.
        let queues = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base - Self.second), to: Timestamp(nanoseconds: Self.base + 10 * Self.second))
        #expect(queues.map(\.queue) == ["emails"])
        #expect(queues.first?.jobs == 1)
        #expect(queues.first?.wait == Percentiles(p50: 3000, p95: 3000, p99: 3000, max: 3000))
        #expect(queues.first?.longestWaits.first?.producerTraceID == Self.producerTrace)
    }

    /// The same two traces with only the message id in common (no link): the context was lost,
    /// and that is still said.
    @Test(arguments: StoreKind.allCases)
    func withoutTheLinkTheChainIsStillDisconnected(_ kind: StoreKind) throws {
        var spans = Self.linkedJob()
        spans[2].links = []
        let store = try Evidence.store([spans], kind)
        let consumer = try #require(try TraceQuery(store: store).analyze(Self.consumerTrace))
        #expect(consumer.diagnostics.contains { $0.code == "disconnected_chain" })
    }

    /// 20 jobs on `reports` waiting 1…20 s (less the producer span's 2 ms) and running
    /// 0.1…2 s; two failed (one in its consumer span, one in a span under it). Nearest-rank
    /// percentiles by hand: p50 is the 10th value, p95 the 19th, p99 the 20th.
    @Test(arguments: StoreKind.allCases)
    func queuePercentilesAreTheNearestRankOnes(_ kind: StoreKind) throws {
        var jobs: [[Span]] = []
        for number in 0..<20 {
            jobs.append(Evidence.job(number, queue: "reports", service: "worker", enqueued: 10 + Double(number),
                                     wait: Double(number + 1), run: Double(number + 1) / 10))
        }
        jobs[4][1].status = .error
        let consumer = jobs[7][1]
        jobs[7].append(Span(traceID: consumer.traceID, spanID: SpanID(hex: "0000000000000bad")!, parentSpanID: consumer.spanID,
                            name: "s3.put_object", kind: .client, start: consumer.start, end: consumer.end, status: .error))
        // Another queue, and jobs before the range that do not count.
        jobs.append(Evidence.job(50, queue: "mail", service: "mailer", enqueued: 12, wait: 0.5, run: 0.2))
        jobs.append(Evidence.job(51, queue: "reports", service: "worker", enqueued: -30, wait: 1, run: 1))
        let store = try Evidence.store(jobs, kind)
        let all = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 100 * Self.second))
        #expect(all.map(\.queue) == ["mail", "reports"])
        let reports = try #require(all.last)
        #expect(reports.jobs == 20)
        #expect(reports.waited == 20)
        #expect(reports.wait == Percentiles(p50: 9_998, p95: 18_998, p99: 19_998, max: 19_998))
        #expect(reports.execution == Percentiles(p50: 1_000, p95: 1_900, p99: 2_000, max: 2_000))
        #expect(reports.failures == 2)
        #expect(reports.longestWaits.map(\.traceID.description) == [19, 18, 17].map { String(format: "%032x", 0xabc000 + $0) })
        let only = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 100 * Self.second), queues: ["mail"])
        #expect(only.map(\.queue) == ["mail"])
        let table = QueueText.table(all, start: Timestamp(nanoseconds: Self.base), end: Timestamp(nanoseconds: Self.base + 100 * Self.second))
        let row = try #require(table.split(separator: "\n").first { $0.hasPrefix("reports ") })
        #expect(row.split(separator: " ") == ["reports", "20", "10", "s", "19", "s", "20", "s", "20", "s", "1", "s", "1.9", "s", "2", "s", "2"])
    }

    /// A bundle whose alert names a queue carries its statistics in the window and in as long a
    /// time just before it.
    @Test(arguments: StoreKind.allCases)
    func aBundleComparesTheQueueWithTheTimeBeforeTheAlert(_ kind: StoreKind) throws {
        var jobs: [[Span]] = []
        // Window: 5 minutes before startsAt (Self.base + 60 s) to endsAt (Self.base + 120 s), 360 s long.
        for number in 0..<4 { jobs.append(Evidence.job(number, queue: "emails", service: "mailer", enqueued: 30 + Double(number), wait: 3.4, run: 0.1)) }
        // Baseline: the 360 s before the window.
        for number in 4..<9 { jobs.append(Evidence.job(number, queue: "emails", service: "mailer", enqueued: -400 + Double(number), wait: 0.022, run: 0.1)) }
        let store = try Evidence.store(jobs, kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let alert = Evidence.alert([("alertname", "EmailsBacklog"), ("queue", "emails")])
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil).bundle(for: alert)
        let queue = try #require(bundle.queues.first)
        #expect(queue.queue == "emails")
        #expect(queue.window?.jobs == 4)
        #expect(queue.window?.wait?.p95 == 3_398)
        #expect(queue.baseline?.jobs == 5)
        #expect(queue.baseline?.wait?.p95 == 20)
        #expect(queue.baseline?.start == Timestamp(nanoseconds: Self.base - 600 * Self.second))
        #expect(QueueText.comparison(queue).hasPrefix("emails: wait p95 3.4 s in the window searched (09:56:00–10:02:00, 4 jobs), 20 ms before (5 jobs)"))
        #expect(try JSONSchema.bundle().validate(BundleJSON.string(bundle)).isEmpty)
    }

    /// An alert still firing when the bundle is built days later (a store of last week's data):
    /// its queue figures end with the newest span, and the baseline is as long.
    @Test(arguments: StoreKind.allCases)
    func aStillFiringAlertsQueueWindowEndsWithTheNewestSpan(_ kind: StoreKind) throws {
        var jobs: [[Span]] = []
        for number in 0..<3 { jobs.append(Evidence.job(number, queue: "emails", service: "mailer", enqueued: 30 + Double(number), wait: 1, run: 0.5)) }
        jobs.append(Evidence.job(3, queue: "emails", service: "mailer", enqueued: -400, wait: 0.1, run: 0.5))
        let store = try Evidence.store(jobs, kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        var alert = Evidence.alert([("alertname", "EmailsBacklog"), ("queue", "emails")])
        alert.endsAt = nil
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil)
            .bundle(for: alert, now: Timestamp(nanoseconds: Self.base + 10 * 86_400 * Self.second))
        let queue = try #require(bundle.queues.first)
        // The newest span is job 2's consumer: enqueued at 32 s, started 1 s later.
        let newest = Self.base + 33 * Self.second
        #expect(queue.window?.end == Timestamp(nanoseconds: newest + 1))
        let windowStart = Self.base + 60 * Self.second - 300 * Self.second
        #expect(queue.baseline?.start == Timestamp(nanoseconds: windowStart - (newest + 1 - windowStart)))
        #expect(queue.window?.jobs == 3)
        #expect(queue.baseline?.jobs == 1)
    }

    /// Alert times are input: one that says it started at the start of representable time
    /// (1677) or in 1679 still gets its bundle, with the window and baseline held at the ends of
    /// the range (the baseline's length overflowed and trapped).
    @Test(arguments: StoreKind.allCases)
    func anAlertFromTheEdgeOfTimeDoesNotTrap(_ kind: StoreKind) throws {
        let store = try Evidence.store([Evidence.job(0, queue: "emails", service: "mailer", enqueued: 30, wait: 1, run: 0.5)], kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        for start in [Int64.min, Int64.min + 1, -9_100_000_000_000_000_000] {
            var alert = Evidence.alert([("alertname", "EmailsBacklog"), ("queue", "emails")])
            alert.startsAt = Timestamp(nanoseconds: start)
            alert.endsAt = nil
            let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil)
                .bundle(for: alert, now: Timestamp(nanoseconds: Self.base + 86_400 * Self.second))
            #expect(bundle.queues.first?.window?.jobs == 1)
            let lookback = 300 * Self.second
            #expect(bundle.windowStart.nanoseconds == (start < Int64.min + lookback ? Int64.min : start - lookback))
        }
        #expect(Timestamp(nanoseconds: .min).advanced(by: -1) == Timestamp(nanoseconds: .min))
        #expect(Timestamp(nanoseconds: .max).nanoseconds(since: Timestamp(nanoseconds: .min)) == .max)
    }

    // MARK: - Review findings: each kind as a test

    static func span(_ trace: String, _ id: String, _ name: String, _ kind: Span.Kind, from: Double, to: Double,
                     parent: String? = nil, queue: String? = nil, links: [(String, String)] = [], status: Span.Status = .unset,
                     attributes: [Attribute] = []) -> Span {
        Span(traceID: TraceID(hex: trace)!, spanID: SpanID(hex: id)!, parentSpanID: parent.flatMap(SpanID.init(hex:)), name: name, kind: kind,
             start: Timestamp(nanoseconds: Self.base + Int64(from * 1e9)), end: Timestamp(nanoseconds: Self.base + Int64(to * 1e9)),
             status: status, service: "svc",
             attributes: (queue.map { [Attribute("messaging.destination.name", .string($0))] } ?? []) + attributes,
             links: links.map { Span.Link(traceID: TraceID(hex: $0.0)!, spanID: SpanID(hex: $0.1)!) })
    }

    /// A batch receive: one consumer span linked to three producers whose messages waited 1,
    /// 5 and 10 s. One job; its wait is the oldest message's, and that is its culprit.
    @Test(arguments: StoreKind.allCases)
    func aBatchReceiveWaitsAsLongAsItsOldestMessage(_ kind: StoreKind) throws {
        let p = ["a1000000000000000000000000000001", "a1000000000000000000000000000002", "a1000000000000000000000000000003"]
        var spans: [Span] = []
        for (index, (trace, wait)) in zip(p, [10.0, 5.0, 1.0]).enumerated() {
            spans.append(Self.span(trace, String(format: "%016x", 0xb00 + index), "batchq publish", .producer, from: 20 - wait - 0.01, to: 20 - wait, queue: "batchq"))
        }
        let consumer = "c1000000000000000000000000000001"
        spans.append(Self.span(consumer, "00000000000000c1", "batchq process", .consumer, from: 20, to: 20.2, queue: "batchq",
                               links: p.enumerated().map { ($1, String(format: "%016x", 0xb00 + $0)) }))
        let store = try Evidence.store([spans], kind)
        let analysis = try #require(try TraceQuery(store: store).analyze(TraceID(hex: consumer)!))
        #expect(analysis.hops.count == 3)
        #expect(analysis.culprit?.kind == .queueWait)
        #expect(analysis.queueWaitMilliseconds == 10_000)
        let queues = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 60 * Self.second))
        #expect(queues.first?.jobs == 1)
        #expect(queues.first?.wait?.max == 10_000)
        // Each producer's side lists the consumer that links back to it.
        let producer = try #require(try TraceQuery(store: store).analyze(TraceID(hex: p[1])!))
        #expect(producer.hops.map(\.consumerTrace.description) == [consumer])
    }

    /// RabbitMQ through a direct exchange: the destination is the exchange, the routing key
    /// the queue the alert names. Ranking, the bundle's queue figures and `queues --queue`
    /// agree that the job is on that queue.
    @Test(arguments: StoreKind.allCases)
    func aQueueNamedByTheRoutingKeyIsTheAlertsQueue(_ kind: StoreKind) throws {
        let routing = [Attribute("messaging.rabbitmq.destination.routing_key", .string("emails"))]
        let trace = "d1000000000000000000000000000001"
        let spans = [
            Self.span(trace, "00000000000000d1", "amq.direct publish", .producer, from: 10, to: 10.01, queue: "amq.direct", attributes: routing),
            Self.span(trace, "00000000000000d2", "amq.direct process", .consumer, from: 18.01, to: 18.1, parent: "00000000000000d1",
                      queue: "amq.direct", attributes: routing),
        ]
        let store = try Evidence.store([spans], kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil)
            .bundle(for: Evidence.alert([("alertname", "EmailsBacklog"), ("queue", "emails")]))
        #expect(bundle.traces.first?.explanation.first == "waited 8 s in emails (default threshold 2 s); window p95 8 s")
        #expect(bundle.queues.first?.window?.jobs == 1)
        let named = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 60 * Self.second), queues: ["emails"])
        #expect(named.map(\.queue) == ["emails"])
    }

    /// The older convention: a receive span (CONSUMER, the root of a new trace) and its process
    /// span (CONSUMER) that links to the producer. One job, not a lost context, its wait the
    /// culprit.
    @Test(arguments: StoreKind.allCases)
    func aReceiveAndProcessPairIsOneJob(_ kind: StoreKind) throws {
        var spans = Self.linkedJob()
        let receive = SpanID(hex: "00000000000000ee")!
        spans[2].parentSpanID = receive
        spans.append(Span(traceID: Self.consumerTrace, spanID: receive, name: "emails receive", kind: .consumer,
                          start: Timestamp(nanoseconds: Self.base + 3 * Self.second - 1_000_000),
                          end: Timestamp(nanoseconds: Self.base + 3 * Self.second + 600_000_000), service: "mailer",
                          attributes: [Attribute("messaging.destination.name", .string("emails"))]))
        let store = try Evidence.store([spans], kind)
        let analysis = try #require(try TraceQuery(store: store).analyze(Self.consumerTrace))
        #expect(!analysis.diagnostics.contains { $0.code == "consumer_root" }, "\(analysis.diagnostics)")
        #expect(analysis.culprit?.kind == .queueWait)
        let queues = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base - Self.second), to: Timestamp(nanoseconds: Self.base + 10 * Self.second))
        #expect(queues.first?.jobs == 1)
    }

    /// A job on `outerq` enqueues a job on `innerq`; only the inner one fails. The failure is
    /// the inner queue's, not the outer's.
    @Test(arguments: StoreKind.allCases)
    func aFailureCountsOnTheQueueOfTheJobThatFailed(_ kind: StoreKind) throws {
        let t = "e1000000000000000000000000000001"
        let spans = [
            Self.span(t, "00000000000000e1", "outerq publish", .producer, from: 10, to: 10.01, queue: "outerq"),
            Self.span(t, "00000000000000e2", "outerq process", .consumer, from: 10.02, to: 12, parent: "00000000000000e1", queue: "outerq"),
            Self.span(t, "00000000000000e3", "innerq publish", .producer, from: 10.5, to: 10.51, parent: "00000000000000e2", queue: "innerq"),
            Self.span(t, "00000000000000e4", "innerq process", .consumer, from: 10.6, to: 11, parent: "00000000000000e3", queue: "innerq", status: .error),
        ]
        let store = try Evidence.store([spans], kind)
        let queues = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 60 * Self.second))
        #expect(queues.map(\.queue) == ["innerq", "outerq"])
        #expect(queues.map(\.failures) == [1, 0])
    }

    /// A consumer that starts before its producer (clock skew) has no wait: it is counted apart,
    /// and the ranking says the wait is unknown instead of "no queue wait".
    @Test(arguments: StoreKind.allCases)
    func clockSkewIsNoWait(_ kind: StoreKind) throws {
        let t = "f1000000000000000000000000000001"
        let spans = [
            Self.span(t, "00000000000000f1", "skewq publish", .producer, from: 10, to: 10.3, queue: "skewq"),
            Self.span(t, "00000000000000f2", "skewq process", .consumer, from: 9.9, to: 10.5, parent: "00000000000000f1", queue: "skewq"),
        ]
        let store = try Evidence.store([spans], kind)
        let queues = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 60 * Self.second))
        #expect(queues.first?.waited == 0)
        #expect(queues.first?.clockSkew == 1)
        #expect(queues.first?.wait == nil)
        // The trace has no queue wait either (not a negative one).
        let analysis = try #require(try TraceQuery(store: store).analyze(TraceID(hex: t)!))
        #expect(analysis.queueWaitMilliseconds == nil)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil)
            .bundle(for: Evidence.alert([("alertname", "SkewqBacklog"), ("queue", "skewq")]))
        #expect(bundle.traces.first?.explanation.first?.hasPrefix("wait unknown: the consumer started before its producer") == true)
    }

    /// One producer trace fanning out to 30 linked consumer traces: each job is one entry (the
    /// consumer's side ranked, the producer's side following it once, not ranked itself).
    @Test(arguments: StoreKind.allCases)
    func aFanOutIsRankedByItsJobs(_ kind: StoreKind) throws {
        let producerTrace = "a2000000000000000000000000000001"
        var spans = [Self.span(producerTrace, "0000000000000a00", "POST /fanout", .server, from: 9, to: 10.1)]
        for number in 0..<30 {
            let producer = String(format: "%016x", 0xa01 + number)
            spans.append(Self.span(producerTrace, producer, "fanq publish", .producer, from: 9.5, to: 10, parent: "0000000000000a00", queue: "fanq"))
            spans.append(Self.span(String(format: "%032x", 0xc0000 + number), String(format: "%016x", 0xc01 + number), "fanq process", .consumer,
                                   from: 11 + Double(number) / 10, to: 11.5 + Double(number) / 10, queue: "fanq", links: [(producerTrace, producer)]))
        }
        let store = try Evidence.store([spans], kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 3, lookback: nil)
            .bundle(for: Evidence.alert([("alertname", "FanqLag"), ("queue", "fanq")]))
        // The longest waits first (the last consumers), then the producer's trace once.
        #expect(bundle.traces.map(\.analysis.traceID.description) == [29, 28, 27].map { String(format: "%032x", 0xc0000 + $0) } + [producerTrace])
        #expect(bundle.traces.last?.reasons == ["linked"])
        #expect(try JSONSchema.bundle().validate(BundleJSON.string(bundle)).isEmpty)
    }

    /// A batch receive linked to 30 producers in 30 traces: `--limit 2` keeps at most 2 of the
    /// producers' traces after it, and says how many more it left out.
    @Test(arguments: StoreKind.allCases)
    func linkedTracesFollowUpToTheLimit(_ kind: StoreKind) throws {
        var spans: [Span] = []
        var links: [(String, String)] = []
        for number in 0..<30 {
            let trace = String(format: "%032x", 0xd0000 + number), producer = String(format: "%016x", 0xd01 + number)
            spans.append(Self.span(trace, producer, "batchq publish", .producer, from: 9 + Double(number) / 100, to: 9.5, queue: "batchq"))
            links.append((trace, producer))
        }
        spans.append(Self.span("c2000000000000000000000000000001", "00000000000000c2", "batchq process", .consumer, from: 20, to: 21,
                               queue: "batchq", links: links))
        let store = try Evidence.store([spans], kind)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let bundle = try BundleBuilder(store: store, rules: rules, limit: 2, lookback: nil)
            .bundle(for: Evidence.alert([("alertname", "BatchqLag"), ("queue", "batchq")]))
        #expect(bundle.traces.first?.analysis.traceID.description == "c2000000000000000000000000000001")
        #expect(bundle.traces.filter { $0.reasons == ["linked"] }.count == 2)
        #expect(bundle.traces.count == 3)
        #expect(bundle.diagnostics.contains { $0.code == "linked_traces_left_out" && $0.message.hasPrefix("at least 28 more traces") })
        #expect(try JSONSchema.bundle().validate(BundleJSON.string(bundle)).isEmpty)
    }

    /// Temporal's interceptors: the client's CLIENT `StartWorkflow` span and the worker's SERVER
    /// `RunWorkflow` span under it, both with `temporalWorkflowID`; the time between them is the
    /// workflow task's schedule-to-start wait. An HTTP CLIENT → SERVER pair (no job id) is no job.
    @Test(arguments: StoreKind.allCases)
    func aTemporalWorkflowIsAJob(_ kind: StoreKind) throws {
        let t = "a3000000000000000000000000000001"
        let workflow = [Attribute("temporalWorkflowID", .string("signup-42"))]
        let spans = [
            Self.span(t, "00000000000000b1", "POST /signup", .server, from: 10, to: 10.1),
            Self.span(t, "00000000000000b2", "StartWorkflow:Signup", .client, from: 10.01, to: 10.05, parent: "00000000000000b1", attributes: workflow),
            Self.span(t, "00000000000000b3", "RunWorkflow:Signup", .server, from: 12.05, to: 12.3, parent: "00000000000000b2", attributes: workflow),
            Self.span(t, "00000000000000b4", "GET /profile", .client, from: 12.1, to: 12.2, parent: "00000000000000b3"),
            Self.span(t, "00000000000000b5", "GET /profile", .server, from: 12.11, to: 12.19, parent: "00000000000000b4"),
        ]
        let store = try Evidence.store([spans], kind)
        let analysis = try #require(try TraceQuery(store: store).analyze(TraceID(hex: t)!))
        #expect(analysis.hops.map(\.consumer.description) == ["00000000000000b3"])
        #expect(analysis.queueWaitMilliseconds == 2000)
        #expect(analysis.culprit?.kind == .queueWait)
        let queues = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 60 * Self.second))
        #expect(queues.map(\.queue) == [QueueReport.noQueue])
        #expect(queues.first?.jobs == 1)
        #expect(queues.first?.wait?.max == 2000)
    }

    /// ClickHouse computes queue statistics in SQL; on a store holding every kind of job above
    /// (parent, link, batch, job id only, receive/process, nested failure, skew, Temporal,
    /// routing keys, SQS URLs, Laravel's `queues:`, placeholders, producers before the window)
    /// its answer is the one `QueueReport` computes from the same store's spans, for every window
    /// and queue filter.
    @Test func theStoresSQLGivesWhatTheSpansGive() throws {
        var spans: [Span] = []
        for number in 0..<20 {
            spans += Evidence.job(number, queue: number % 3 == 0 ? "reports" : "emails", service: "worker", enqueued: 10 + Double(number),
                                  wait: Double(number % 7) + 0.25, run: Double(number + 1) / 10)
        }
        spans[9].status = .error
        spans.append(Self.span(String(format: "%032x", 0xabc000 + 6), "0000000000000bad", "s3.put_object", .client, from: 30, to: 30.1,
                               parent: String(format: "%016x", 0x2000 + 6), status: .error))
        spans += Self.linkedJob()
        // The same job id, no link, no parent: joined by the id alone.
        var byID = Self.linkedJob()[2]
        byID.traceID = TraceID(hex: "efabe8835c0b4d1e9a7f2c3b4d5e6f71")!
        byID.links = []
        spans.append(byID)
        let p = ["a1000000000000000000000000000001", "a1000000000000000000000000000002", "a1000000000000000000000000000003"]
        for (index, (trace, wait)) in zip(p, [10.0, 5.0, 1.0]).enumerated() {
            spans.append(Self.span(trace, String(format: "%016x", 0xb00 + index), "batchq publish", .producer, from: 20 - wait - 0.01, to: 20 - wait, queue: "batchq"))
        }
        spans.append(Self.span("c1000000000000000000000000000001", "00000000000000c1", "batchq process", .consumer, from: 20, to: 20.2, queue: "batchq",
                               links: p.enumerated().map { ($1, String(format: "%016x", 0xb00 + $0)) }))
        let routing = [Attribute("messaging.rabbitmq.destination.routing_key", .string("emails")), Attribute("messaging.system", .string("rabbitmq"))]
        spans.append(Self.span("d1000000000000000000000000000001", "00000000000000d1", "publish", .producer, from: 10, to: 10.01, queue: "amq.direct", attributes: routing))
        spans.append(Self.span("d1000000000000000000000000000001", "00000000000000d2", "process", .consumer, from: 18.01, to: 18.1, parent: "00000000000000d1",
                               queue: "amq.direct", attributes: routing))
        // A receive span over a process span, the failure two spans under the process span.
        let r = "d2000000000000000000000000000001"
        spans.append(Self.span(r, "00000000000000a0", "publish", .producer, from: 11, to: 11.5, queue: " https://sqs.eu-west-1.amazonaws.com/123456789012/orders "))
        spans.append(Self.span(r, "00000000000000a1", "receive", .consumer, from: 14, to: 16, parent: "00000000000000a0", queue: "<default>"))
        spans.append(Self.span(r, "00000000000000a2", "process", .consumer, from: 14.1, to: 15.9, parent: "00000000000000a1"))
        spans.append(Self.span(r, "00000000000000a3", "handler", .internal, from: 14.2, to: 15, parent: "00000000000000a2"))
        spans.append(Self.span(r, "00000000000000a4", "db", .client, from: 14.3, to: 14.9, parent: "00000000000000a3", status: .error))
        let t = "e1000000000000000000000000000001"
        spans.append(Self.span(t, "00000000000000e1", "outerq publish", .producer, from: 10, to: 10.01, queue: "queues:outerq"))
        spans.append(Self.span(t, "00000000000000e2", "outerq process", .consumer, from: 10.02, to: 12, parent: "00000000000000e1", queue: "queues:outerq"))
        spans.append(Self.span(t, "00000000000000e3", "innerq publish", .producer, from: 10.5, to: 10.51, parent: "00000000000000e2", queue: "innerq"))
        spans.append(Self.span(t, "00000000000000e4", "innerq process", .consumer, from: 10.6, to: 11, parent: "00000000000000e3", queue: "innerq", status: .error))
        let f = "f1000000000000000000000000000001"
        spans.append(Self.span(f, "00000000000000f1", "skewq publish", .producer, from: 10, to: 10.3, queue: "skewq"))
        spans.append(Self.span(f, "00000000000000f2", "skewq process", .consumer, from: 9.9, to: 10.5, parent: "00000000000000f1", queue: "amqp://broker:5672/vhost"))
        let w = "a3000000000000000000000000000001"
        let workflow = [Attribute("temporalWorkflowID", .string("signup-42"))]
        spans.append(Self.span(w, "00000000000000b1", "POST /signup", .server, from: 10, to: 10.1))
        spans.append(Self.span(w, "00000000000000b2", "StartWorkflow", .client, from: 10.01, to: 10.05, parent: "00000000000000b1", attributes: workflow))
        spans.append(Self.span(w, "00000000000000b3", "RunWorkflow", .server, from: 12.05, to: 12.3, parent: "00000000000000b2", attributes: workflow))
        spans.append(Self.span(w, "00000000000000b4", "GET /profile", .client, from: 12.1, to: 12.2, parent: "00000000000000b3", status: .error))
        spans.append(Self.span(w, "00000000000000b5", "GET /profile", .server, from: 12.11, to: 12.19, parent: "00000000000000b4"))
        // A producer ten minutes before the windows below, its consumer in them.
        let o = "a4000000000000000000000000000001"
        spans.append(Self.span(o, "00000000000000c8", "late publish", .producer, from: -600, to: -599.9, queue: "late"))
        spans.append(Self.span(o, "00000000000000c9", "late process", .consumer, from: 5, to: 6, parent: "00000000000000c8", queue: "late"))
        let store = try StoreKind.clickhouse.makeStore()
        _ = try store.insert(spans: spans)
        var fromSpans = QueueReport(store: store)
        fromSpans.computedByStore = false
        var compared = 0
        // Both forms of the statement: the window's spans kept in a temporary table (26.3 and
        // later, this engine) and read again at each level of the walk (older servers).
        let clickhouse = try #require(store as? ClickHouseEventStore)
        for release in [clickhouse.release, (26, 2)] {
            clickhouse.release = release
            for (from, to) in [(0.0, 60.0), (4.0, 15.0), (10.0, 10.6), (-700, 100), (100, 200)] {
                for queues: Set<String>? in [nil, ["emails", "batchq"], ["orders", "innerq", "outerq", "late"], ["nothing"]] {
                    let start = Timestamp(nanoseconds: Self.base + Int64(from * 1e9)), end = Timestamp(nanoseconds: Self.base + Int64(to * 1e9))
                    let sql = try #require(try store.queueStatistics(in: [(start, end)], queues: queues, queueAttributes: Span.queueAttributes)?.first)
                    let swift = try fromSpans.statistics(from: start, to: end, queues: queues)
                    #expect(sql == swift, "\(release) \(from)…\(to) \(queues ?? [])")
                    compared += swift.count
                }
            }
        }
        #expect(clickhouse.queueSQL.contains("MATERIALIZED") == false)
        clickhouse.release = (26, 3)
        #expect(clickhouse.queueSQL.contains("w AS MATERIALIZED ("))
        // Two windows in one statement (a bundle's window and its baseline), each as on its own.
        for (from, to) in [(15.0, 60.0), (10.02, 14.0)] {
            let start = Timestamp(nanoseconds: Self.base + Int64(from * 1e9)), end = Timestamp(nanoseconds: Self.base + Int64(to * 1e9))
            let names = ["emails", "orders", "outerq", "innerq", "skewq", "late"]
            let both = try QueueReport(store: store).comparison(of: names, window: start, end)
            let apart = try fromSpans.comparison(of: names, window: start, end)
            #expect(both.map(\.window) == apart.map(\.window))
            #expect(both.map(\.baseline) == apart.map(\.baseline))
            #expect(both.contains { $0.window != nil } && both.contains { $0.baseline != nil })
        }
        let all = try QueueReport(store: store).statistics(from: Timestamp(nanoseconds: Self.base), to: Timestamp(nanoseconds: Self.base + 60 * Self.second))
        #expect(all.map(\.queue) == ["(no queue)", "batchq", "emails", "innerq", "late", "orders", "outerq", "reports", "skewq"])
        #expect(compared > 20)
    }

    /// A parent cycle in damaged data with failing spans still names where it failed.
    @Test func aFailureInAParentCycleIsStillNamed() throws {
        let t = "f2000000000000000000000000000001"
        let spans = [
            Self.span(t, "00000000000000a1", "one", .internal, from: 10, to: 11, parent: "00000000000000a2", status: .error),
            Self.span(t, "00000000000000a2", "two", .internal, from: 10.1, to: 10.5, parent: "00000000000000a1", status: .error),
        ]
        let analysis = TraceAnalyzer.analyze(TraceAnalyzer.Input(traceID: TraceID(hex: t)!, spans: spans))
        #expect(analysis.failure?.spanName == "two")
    }
}
