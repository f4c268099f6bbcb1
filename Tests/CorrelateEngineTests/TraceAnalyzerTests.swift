import Testing
import CorrelateEngine
import CorrelateModel

private let ms: Int64 = 1_000_000
private let trace = TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!

private func span(
    _ id: String, parent: String? = nil, _ name: String, _ kind: Span.Kind = .internal, from start: Int64, to end: Int64,
    job: String? = nil, error: Bool = false, in traceID: TraceID = trace, links: [Span.Link] = []
) -> Span {
    Span(traceID: traceID, spanID: SpanID(hex: id)!, parentSpanID: parent.flatMap { SpanID(hex: $0) }, name: name,
         kind: kind, start: Timestamp(nanoseconds: start * ms), end: Timestamp(nanoseconds: end * ms),
         status: error ? .error : .unset, service: kind == .consumer || parent == "c000000000000003" ? "worker" : "api",
         attributes: job.map { [Attribute("messaging.message.id", .string($0))] } ?? [], links: links)
}

/// request 0–20 ms → enqueue 10–12 → [queue] → execute at `executeStart` for `executeMs`, with a
/// db query of `dbMs` inside.
private func job(executeStart: Int64, executeMs: Int64, dbMs: Int64, error: Bool = false) -> [Span] {
    [
        span("c000000000000001", "POST /export", .server, from: 0, to: 20),
        span("c000000000000002", parent: "c000000000000001", "apply_async/export", .producer, from: 10, to: 12, job: "job-1"),
        span("c000000000000003", parent: "c000000000000002", "run/export", .consumer, from: executeStart, to: executeStart + executeMs, job: "job-1", error: error),
        span("c000000000000004", parent: "c000000000000003", "db.query", .client, from: executeStart + 1, to: executeStart + 1 + dbMs),
    ]
}

private func analyze(_ spans: [Span], related: [Span] = [], logs: [LogRecord] = [], jobLogs: [LogRecord] = []) -> TraceAnalysis {
    TraceAnalyzer.analyze(.init(traceID: trace, spans: spans, relatedSpans: related, traceLogs: logs, jobLogs: jobLogs))
}

@Suite struct TraceAnalyzerTests {
    @Test func queueBoundJobHasTheQueueAsCulprit() throws {
        let analysis = analyze(job(executeStart: 12_012, executeMs: 100, dbMs: 50))
        #expect(analysis.hops.count == 1)
        #expect(analysis.hops[0].connection == .parent)
        #expect(analysis.hops[0].waitMilliseconds == 12_000)
        #expect(analysis.queueWaitMilliseconds == 12_000)
        let culprit = try #require(analysis.culprit)
        #expect(culprit.kind == .queueWait)
        #expect(culprit.spanID == SpanID(hex: "c000000000000003"))
        #expect(culprit.selfTimeMilliseconds == 12_000)
        #expect(analysis.durationMilliseconds == 12_112)
    }

    @Test func dbBoundJobHasTheQueryAsCulprit() throws {
        let analysis = analyze(job(executeStart: 15, executeMs: 6_000, dbMs: 5_990))
        let culprit = try #require(analysis.culprit)
        #expect(culprit.kind == .span)
        #expect(culprit.name == "db.query")
        #expect(culprit.selfTimeMilliseconds == 5_990)
        #expect(analysis.queueWaitMilliseconds == 3)
        // The execute span's own time is what the query does not cover.
        let execute = try #require(analysis.spans.first { $0.span.name == "run/export" })
        #expect(execute.selfTimeMilliseconds == 10)
        #expect(execute.onCriticalPath)
        #expect(analysis.spans.map(\.depth) == [0, 1, 2, 3])
    }

    @Test func errorsComeFromStatusAndExceptionEvents() {
        #expect(analyze(job(executeStart: 15, executeMs: 10, dbMs: 5, error: true)).hasError)
        var spans = job(executeStart: 15, executeMs: 10, dbMs: 5)
        spans[3].events = [Span.Event(name: "exception", time: Timestamp(nanoseconds: 17 * ms))]
        #expect(analyze(spans).hasError)
        #expect(!analyze(job(executeStart: 15, executeMs: 10, dbMs: 5)).hasError)
    }

    @Test func missingParentIsKeptAndFlagged() throws {
        var spans = job(executeStart: 15, executeMs: 10, dbMs: 5)
        spans.remove(at: 1)  // the enqueue span never arrived
        let analysis = analyze(spans)
        #expect(analysis.spans.count == 3)
        let orphan = try #require(analysis.spans.first { $0.span.name == "run/export" })
        #expect(orphan.missingParent)
        #expect(orphan.depth == 0)
        #expect(analysis.diagnostics.contains { $0.code == "missing_parent" })
    }

    @Test func consumerStartingBeforeItsProducerIsClockSkew() throws {
        var spans = job(executeStart: 15, executeMs: 10, dbMs: 5)
        spans[2].start = Timestamp(nanoseconds: 8 * ms)  // before the enqueue span started at 10
        let analysis = analyze(spans)
        #expect(analysis.hops.first?.clockSkew == true)
        #expect(analysis.hops.first?.waitMilliseconds == -4)
        #expect(analysis.diagnostics.contains { $0.code == "clock_skew" })
    }

    @Test func consumerStartingInsideItsProducerWaitedZero() {
        var spans = job(executeStart: 15, executeMs: 10, dbMs: 5)
        spans[2].start = Timestamp(nanoseconds: 11_500_000)  // the message was published before the span closed
        let analysis = analyze(spans)
        #expect(analysis.hops.first?.waitMilliseconds == 0)
        #expect(analysis.hops.first?.clockSkew == false)
        #expect(!analysis.diagnostics.contains { $0.code == "clock_skew" })
    }

    @Test func consumerLinkedToItsProducer() {
        let producer = span("c000000000000002", "enqueue", .producer, from: 10, to: 12, job: "job-9")
        let consumer = span("c000000000000003", "execute", .consumer, from: 112, to: 150,
                            links: [Span.Link(traceID: trace, spanID: SpanID(hex: "c000000000000002")!)])
        let analysis = analyze([producer, consumer])
        #expect(analysis.hops.first?.connection == .link)
        #expect(analysis.hops.first?.waitMilliseconds == 100)
        #expect(!analysis.diagnostics.contains { $0.code == "consumer_root" })
    }

    @Test func disconnectedChainNamesTheOtherTrace() throws {
        let other = TraceID(hex: "be1bc0665e9fc6c76432f2c7283a5169")!
        // The request's trace: no enqueue span of its own, but it logged the job it enqueued.
        let request = [span("a000000000000001", "POST /export", .server, from: 0, to: 20)]
        let jobSpans = [
            span("b000000000000001", "apply_async/export", .producer, from: 10, to: 12, job: "job-15", in: other),
            span("b000000000000002", parent: "b000000000000001", "run/export", .consumer, from: 15, to: 70, job: "job-15", in: other),
        ]
        let logged = LogRecord(source: .init(file: "producer.log", line: 41), timestamp: Timestamp(nanoseconds: 11 * ms),
                               traceID: trace, jobID: "job-15", message: "enqueued task_id=job-15")
        let analysis = TraceAnalyzer.analyze(.init(traceID: trace, spans: request, relatedSpans: jobSpans, traceLogs: [logged]))
        let diagnostic = try #require(analysis.diagnostics.first { $0.code == "disconnected_chain" })
        #expect(diagnostic.relatedTraceID == other)
        #expect(diagnostic.message.contains("job-15"))
        // And the job's trace, seen from the other side.
        let reverse = TraceAnalyzer.analyze(.init(traceID: other, spans: jobSpans, relatedSpans: [], traceLogs: [], jobLogs: [logged]))
        #expect(reverse.diagnostics.contains { $0.code == "disconnected_chain" && $0.relatedTraceID == trace })
        #expect(!reverse.logs.contains { $0.record.source.line == 41 })
    }

    @Test func consumerWithoutContextIsARootAndSaidSo() {
        let consumer = span("c000000000000003", "run/export", .consumer, from: 15, to: 25, job: "job-3")
        let analysis = analyze([consumer])
        #expect(analysis.diagnostics.contains { $0.code == "consumer_root" })
    }

    @Test func logsGoUnderTheirSpanOrTheJobsConsumer() throws {
        let spans = job(executeStart: 15, executeMs: 10, dbMs: 5)
        let bySpan = LogRecord(source: .init(file: "w.log", line: 2), timestamp: Timestamp(nanoseconds: 17 * ms), traceID: trace,
                               spanID: SpanID(hex: "c000000000000004"), message: "query")
        let byJob = LogRecord(source: .init(file: "celery.log", line: 9), timestamp: Timestamp(nanoseconds: 14 * ms),
                              jobID: "job-1", message: "Task export[job-1] received")
        let analysis = analyze(spans, logs: [bySpan], jobLogs: [byJob])
        #expect(analysis.logs.map(\.record.message) == ["Task export[job-1] received", "query"])
        #expect(analysis.logs[0].spanID == SpanID(hex: "c000000000000003"))
        #expect(analysis.logs[0].via == .jobID)
        #expect(analysis.logs[1].spanID == SpanID(hex: "c000000000000004"))
    }

    @Test func parentCycleInDamagedDataDoesNotHang() {
        let a = span("d000000000000001", parent: "d000000000000002", "a", from: 0, to: 10)
        let b = span("d000000000000002", parent: "d000000000000001", "b", from: 1, to: 5)
        let analysis = analyze([a, b])
        #expect(analysis.spans.count == 2)
    }

    /// Where a job failed, read from each runtime's error lines when the span has no exception
    /// event: the failing span (the origin, not its parent) and the exception with its root cause.
    @Test(arguments: [
        ("2026-01-14 10:00:02.950 ERROR [mailer] c.a.MailJob : send failed\njava.lang.IllegalStateException: mail not sent\n\tat com.acme.Mail.send(Mail.java:42)\nCaused by: java.net.SocketTimeoutException: connect timed out\n\tat java.net.Socket.connect(Socket.java:633)",
         "java.lang.IllegalStateException", "mail not sent (caused by java.net.SocketTimeoutException: connect timed out)"),
        ("fail: Billing.InvoiceJob[0]\nSystem.InvalidOperationException: Invoice 42 has no lines\n   at Billing.InvoiceJob.Run() in /src/InvoiceJob.cs:line 18",
         "System.InvalidOperationException", "Invoice 42 has no lines"),
        // The same exception as Serilog writes it on Windows into a JSON field: CR LF line ends.
        ("Invoice failed\r\nSystem.InvalidOperationException: Invoice 42 has no lines\r\n   at Billing.InvoiceJob.Run() in C:\\src\\InvoiceJob.cs:line 18",
         "System.InvalidOperationException", "Invoice 42 has no lines"),
        ("panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 7 [running]:\nmain.process(0x0)",
         "panic", "runtime error: invalid memory address or nil pointer dereference"),
        ("Traceback (most recent call last):\n  File \"/srv/app/tasks.py\", line 41, in resize\n    width = params[\"width\"]\nKeyError: 'width'",
         "KeyError", "'width'"),
    ])
    func theExceptionOfAFailureIsReadFromItsLogLine(text: String, type: String, message: String) throws {
        let spans = job(executeStart: 15, executeMs: 100, dbMs: 50, error: true)
        let record = LogRecord(source: SourceLocation(file: "worker.log", line: 3), lines: 4, timestamp: Timestamp(nanoseconds: 100 * ms),
                               traceID: trace, spanID: SpanID(hex: "c000000000000003"), severity: .error, message: text)
        let failure = try #require(analyze(spans, logs: [record]).failure)
        #expect(failure.spanName == "run/export")
        #expect(failure.exceptionType == type)
        #expect(failure.exceptionMessage == message)
        #expect(failure.source == .log)
    }
}
