import Testing
import CorrelateModel
@testable import CorrelateRender

/// The incident page (issue 13) on bundles made here: what it shows of a trace, which log
/// events, where the culprit's label goes, the time axis, and that nothing from input becomes
/// markup or a link other than an http(s) one. Its layout in a browser is
/// `CorrelatePipelineTests/IncidentPageBrowserTests`.
@Suite struct BundleHTMLTests {
    static let trace = TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736)
    static let start = Timestamp(nanoseconds: 1_795_595_549_000_000_000)

    static func at(_ milliseconds: Double) -> Timestamp {
        start.advanced(by: Int64(milliseconds * 1_000_000))
    }

    static func span(_ id: UInt64, parent: UInt64?, _ name: String, kind: Span.Kind = .internal, from: Double, to: Double,
                     service: String = "celery-worker", error: String? = nil, attributes: [Attribute] = [], events: [Span.Event] = []) -> Span {
        Span(traceID: trace, spanID: SpanID(id), parentSpanID: parent.map(SpanID.init), name: name, kind: kind, start: at(from), end: at(to),
             status: error == nil ? .unset : .error, statusMessage: error, service: service, attributes: attributes, events: events)
    }

    static func log(_ span: UInt64?, _ file: String, _ line: Int, at milliseconds: Double, _ severity: Severity, _ message: String) -> PlacedLog {
        PlacedLog(record: LogRecord(source: SourceLocation(file: file, line: line), timestamp: at(milliseconds), traceID: trace,
                                    spanID: span.map(SpanID.init), severity: severity, message: message),
                  spanID: span.map(SpanID.init), via: .traceID)
    }

    /// An enqueue (0–2 ms), a wait in the broker to `waitEnd`, a job to 1000 ms whose query
    /// runs `query`.
    static func analysis(culprit: Culprit.Kind = .span, waitEnd: Double = 5, query: ClosedRange<Double> = 10...900,
                         failing: Bool = false, logs: [PlacedLog] = []) -> TraceAnalysis {
        let spans = [
            span(1, parent: nil, "POST /api/v1/reports/{report_id}/export", kind: .server, from: 0, to: 3, service: "export-api"),
            span(2, parent: 1, "apply_async/jobs.tasks.export_report", kind: .producer, from: 1, to: 2, service: "export-api",
                 attributes: [Attribute("messaging.destination.name", .string("exports"))]),
            span(3, parent: 2, "run/jobs.tasks.export_report", kind: .consumer, from: waitEnd, to: 1000,
                 attributes: [Attribute("messaging.destination.name", .string("exports"))]),
            span(4, parent: 3, "db.query", kind: .client, from: query.lowerBound, to: query.upperBound,
                 error: failing ? "deadlock detected" : nil,
                 attributes: [Attribute("db.statement", .string("SELECT * FROM orders WHERE id = $1")), Attribute("db.system", .string("postgresql"))],
                 events: failing ? [Span.Event(name: "exception", time: at(query.upperBound), attributes: [
                     Attribute("exception.type", .string("psycopg.errors.DeadlockDetected")),
                     Attribute("exception.message", .string("deadlock detected")),
                     Attribute("exception.stacktrace", .string("Traceback (most recent call last):\n  File \"jobs/tasks.py\", line 9\npsycopg.errors.DeadlockDetected: deadlock detected")),
                 ])] : []),
        ]
        let depths = [0, 1, 2, 3]
        let analyzed = zip(spans, depths).map { AnalyzedSpan(span: $0, depth: $1, missingParent: false, selfTimeMilliseconds: $0.durationMilliseconds, onCriticalPath: true) }
        let hop = QueueHop(producer: SpanID(2), producerTrace: trace, consumer: SpanID(3), consumerTrace: trace, connection: .parent,
                           waitMilliseconds: waitEnd - 2, clockSkew: false)
        let chosen: Culprit = switch culprit {
        case .span: Culprit(kind: .span, spanID: SpanID(4), name: "db.query", selfTimeMilliseconds: query.upperBound - query.lowerBound)
        case .queueWait: Culprit(kind: .queueWait, spanID: SpanID(3), name: "run/jobs.tasks.export_report", selfTimeMilliseconds: waitEnd - 2)
        case .error: Culprit(kind: .error, spanID: SpanID(4), name: "db.query", selfTimeMilliseconds: query.upperBound - query.lowerBound)
        }
        let failure = failing ? Failure(spanID: SpanID(4), spanName: "db.query", durationMilliseconds: query.upperBound - query.lowerBound,
                                        exceptionType: "psycopg.errors.DeadlockDetected", exceptionMessage: "deadlock detected",
                                        stacktrace: "Traceback (most recent call last):\n  File \"jobs/tasks.py\", line 9", source: .spanEvent) : nil
        return TraceAnalysis(traceID: trace, spans: analyzed, start: start, end: at(1000), hasError: failing, hops: [hop],
                             queueWaitMilliseconds: waitEnd - 2, culprit: chosen, failure: failure, logs: logs, diagnostics: [])
    }

    static func bundle(_ analysis: TraceAnalysis, runbook: String = "https://runbooks.example/job-latency",
                       generatorURL: String = "http://prometheus:9090/graph?g0.expr=rate(x[5m]) > 1&g0.tab=1", unlinked: [LogRecord] = []) -> IncidentBundle {
        let alert = Alert(name: "JobLatencyHigh", fingerprint: "11d7c3d7e168b8e8", status: .firing,
                          labels: [("alertname", "JobLatencyHigh"), ("queue", "exports")],
                          annotations: [("summary", "export jobs slow"), ("runbook_url", runbook)],
                          startsAt: at(500), source: "alertmanager", generatorURL: generatorURL)
        return IncidentBundle(alert: alert, windowStart: start, windowEnd: at(60_000), traces: [RankedTrace(analysis: analysis, reasons: ["slow"], score: 1)],
                              candidates: 1, unlinkedLogs: unlinked, diagnostics: [], measure: .execution)
    }

    static func page(_ analysis: TraceAnalysis, options: RenderOptions = RenderOptions()) -> String {
        BundleHTML.render([bundle(analysis)], title: "Incident", options: options)
    }

    static func count(_ text: String, in page: String) -> Int {
        page.components(separatedBy: text).count - 1
    }

    // MARK: Log events

    @Test func theSameEventFromThreeFilesIsOneLineUnderItsSpanWithEverySource() {
        let logs = [
            Self.log(4, "/var/log/celery-worker.log", 78, at: 500, .warn, "jobs.tasks.export_report[c4f43205-10bc-4621-92d1-00ea826c6f80]: slow query on reports db"),
            Self.log(4, "/var/log/worker.json.log", 35, at: 500, .warn, "slow query on reports db"),
            Self.log(4, "/var/log/journal.json", 60, at: 500, .warn, "slow query on reports db"),
        ]
        let page = Self.page(Self.analysis(logs: logs))
        #expect(Self.count("<li class=\"log warn\">", in: page) == 1)
        #expect(page.contains("<span title=\"/var/log/celery-worker.log:78\">celery-worker.log:78</span>, <span title=\"/var/log/worker.json.log:35\">worker.json.log:35</span>, <span title=\"/var/log/journal.json:60\">journal.json:60</span>"))
        #expect(page.contains("<time datetime=\"2026-11-25T08:32:29.500000Z\">08:32:29.500</time>"), "the time of day, the full time in datetime")
        // Under db.query's row, in its section, and a tick on its bar.
        let section = page.range(of: "data-span=\"0000000000000004\"")!
        let item = page.range(of: "<li class=\"log warn\">")!
        #expect(section.lowerBound < item.lowerBound)
        #expect(page[section.upperBound..<item.lowerBound].contains("<i class=\"ev warn\" style=\"left:50%\""))
        #expect(!page[section.upperBound..<item.lowerBound].contains("data-span="), "no other span's section between")
    }

    @Test func logOptionsChooseCapAndAddTheUnlinkedLines() {
        var logs = (0..<6).map { Self.log(3, "/w.log", $0 + 1, at: 100 + Double($0), .info, "step \($0)") }
        logs.append(Self.log(3, "/w.log", 50, at: 200, .error, "boom"))
        let analysis = Self.analysis(logs: logs)
        let capped = Self.page(analysis, options: RenderOptions(logsPerSpan: 3))
        #expect(Self.count("<li class=\"log", in: capped) == 3)
        #expect(capped.contains("… 4 more log events (use --all-logs)"))
        #expect(capped.contains(">boom</span>"), "the error kept first")
        let none = Self.page(analysis, options: RenderOptions(logs: .none))
        #expect(!none.contains("<li class=\"log") && !none.contains("class=\"ev"))
        let warnings = Self.page(analysis, options: RenderOptions(minimumSeverity: .warn))
        #expect(Self.count("<li class=\"log", in: warnings) == 1)
        let otherService = Self.page(analysis, options: RenderOptions(services: ["export-api"]))
        #expect(!otherService.contains("<li class=\"log"))

        let unlinked = [LogRecord(source: SourceLocation(file: "/a.log", line: 1), timestamp: Self.at(10), severity: .info, message: "no trace here"),
                        LogRecord(source: SourceLocation(file: "/b.log", line: 7), timestamp: Self.at(10), severity: .info, message: "no trace here")]
        let linkedOnly = BundleHTML.render([Self.bundle(analysis, unlinked: unlinked)], title: "t")
        #expect(linkedOnly.contains("2 log lines of the window carry no trace id (--logs all shows them)."))
        #expect(!linkedOnly.contains("no trace here"))
        let all = BundleHTML.render([Self.bundle(analysis, unlinked: unlinked)], title: "t", options: RenderOptions(logs: .all))
        #expect(Self.count(">no trace here</span>", in: all) == 1, "folded")
        #expect(all.contains("a.log:1</span>, <span title=\"/b.log:7\">b.log:7</span>"))
    }

    @Test func aTracebackShowsItsFirstLineAndOpensOnTheRest() {
        let logs = [Self.log(4, "/w.log", 9, at: 899, .error, "Task failed\nTraceback (most recent call last):\n  File \"x.py\", line 1\nValueError: <bad>")]
        let page = Self.page(Self.analysis(logs: logs))
        #expect(page.contains("<span class=\"msg\">Task failed<details class=\"more\"><summary>3 more lines</summary><pre>Traceback (most recent call last):\n  File &quot;x.py&quot;, line 1\nValueError: &lt;bad&gt;</pre></details></span>"))
    }

    // MARK: The drawing

    @Test func theCulpritLabelGoesWhereThereIsRoom() {
        // A bar ending early: the label after it.
        #expect(Self.page(Self.analysis(query: 10...300)).contains("<b class=\"mark after\" style=\"left:30%\">◀ culprit</b>"))
        // A bar ending at the right edge that starts late: before it.
        #expect(Self.page(Self.analysis(query: 600...1000)).contains("<b class=\"mark before\" style=\"right:40%\">culprit ▶</b>"))
        // A bar across the track: inside.
        #expect(Self.page(Self.analysis(query: 10...990)).contains("<b class=\"mark inside\" style=\"left:1%;width:98%\"><span>◀ culprit</span></b>"))
        // A queue wait that is the culprit: on the queue row, named with its queue.
        let queue = Self.page(Self.analysis(culprit: .queueWait, waitEnd: 500, query: 510...990))
        #expect(queue.contains("<div class=\"span queue culprit\" style=\"--d:2\"><div class=\"row\"><span class=\"name\">queue wait <span class=\"meta\">on exports</span>"))
        #expect(queue.contains("<b class=\"mark after\" style=\"left:50%\">◀ culprit</b>"))
        #expect(queue.contains("<b>queue wait</b> before <a href=\"#a1-t1-s0000000000000003\">run/jobs.tasks.export_report</a>"))
        #expect(queue.contains("on queue <code>exports</code> · <b>498 ms</b>"))
    }

    @Test func aFailedTraceSaysItsExceptionFirstThenItsCulpritAndMarksTheSpan() {
        let page = Self.page(Self.analysis(culprit: .error, failing: true))
        let failure = page.range(of: "<div class=\"failure\"><p><span class=\"x\">✗</span> <b>psycopg.errors.DeadlockDetected</b>: deadlock detected")
        let culprit = page.range(of: "<div class=\"culprit-box\">")
        #expect(failure != nil && culprit != nil && failure!.lowerBound < culprit!.lowerBound)
        #expect(page.contains("<details class=\"stack\"><summary>stack trace · 2 lines</summary><pre>Traceback"))
        #expect(page.contains("<span class=\"name\"><span class=\"x\" title=\"error\">✗</span> db.<wbr>query</span>"))
        #expect(page.contains("<p class=\"err-msg\"><span class=\"x\">✗</span> deadlock detected</p>"))
        // The span's details: its exception event with the stack, its attributes.
        #expect(page.contains("<b>exception</b> <b>psycopg.errors.DeadlockDetected</b>: deadlock detected<pre class=\"stack\">"))
        #expect(page.contains("<dt>db.statement</dt><dd>SELECT * FROM orders WHERE id = $1</dd>"))
        #expect(page.contains("<span class=\"st error\">✗ error</span>"))
    }

    @Test func theHeaderSaysWhenHowLongAndTheCulpritsKeyAttributes() {
        let page = Self.page(Self.analysis())
        #expect(page.contains("started <b><time datetime=\"2026-11-25T08:32:29.000000Z\">2026-11-25 08:32:29 UTC</time></b> · took <b>1 s</b>"))
        #expect(page.contains("<b class=\"mark\">◀ culprit</b> <a href=\"#a1-t1-s0000000000000004\">db.query</a> <span class=\"svc\">celery-worker</span> · <b>890 ms</b> of its own"))
        #expect(page.contains("<dl class=\"kv\"><dt>db.statement</dt><dd>SELECT * FROM orders WHERE id = $1</dd><dt>db.system</dt><dd>postgresql</dd></dl>"))
        #expect(!page.contains(".000000Z<"), "no machine time shown as text")
    }

    @Test func spanDetailsLinkToWhatIsOnThePage() {
        var consumer = Self.analysis()
        let other = TraceID(high: 7, low: 7)
        consumer.spans[2].span.links = [Span.Link(traceID: other, spanID: SpanID(9)), Span.Link(traceID: Self.trace, spanID: SpanID(2))]
        var producer = Self.analysis()
        producer.traceID = other
        let page = BundleHTML.render([Self.bundle(consumer), Self.bundle(producer)], title: "t")
        #expect(page.contains("span <code>0000000000000009</code> of trace <a href=\"#a2-t1\"><code class=\"id\">\(other)</code></a>"), "a trace on the page is a link to it")
        #expect(page.contains("span <a href=\"#a1-t1-s0000000000000002\"><code>0000000000000002</code></a> of this trace"))
        #expect(page.contains("parent <a href=\"#a1-t1-s0000000000000002\"><code>0000000000000002</code></a>"))
        #expect(page.contains("<nav><ol><li><a href=\"#a1\">"), "two alerts: a table of contents")
    }

    @Test(arguments: [0.3, 2.7, 14, 480, 6_050, 59_000, 61_000, 70_000, 100_000, 3_700_000, 5_000_000, 700_000_000])
    func theTimeAxisHasRoundExactTicks(total: Double) {
        let axis = TimeAxis(total: total)
        let ticks = axis.ticks
        #expect(ticks.count >= 3 && ticks.count <= TimeAxis.maximumIntervals + 1, "\(total): \(ticks.map(\.label))")
        #expect(ticks.first?.label == "0")
        for (index, tick) in ticks.enumerated().dropFirst() {
            let value = Double(index) * axis.step
            #expect(TimeAxis.saysExactly(value) && tick.label == Milliseconds.spoken(value), "\(total): \(tick.label)")
            #expect(tick.fraction <= 1.000001)
        }
    }

    @Test func theTimeAxisOfTheSampleJobsCountsSeconds() {
        #expect(TimeAxis(total: 6_050).ticks.map(\.label) == ["0", "1 s", "2 s", "3 s", "4 s", "5 s", "6 s"])
        // 10 s steps would end on 70 s, which is "1.2 min" rounded: 30 s steps instead.
        #expect(TimeAxis(total: 70_000).ticks.map(\.label) == ["0", "30 s", "1 min"])
    }

    // MARK: Input stays text

    @Test func nothingFromInputBecomesMarkupOrAnUnsafeLink() {
        var analysis = Self.analysis(logs: [Self.log(3, "/w.log", 1, at: 50, .info, "title <script>alert(1)</script> \u{202E}evil")])
        analysis.spans[3].span.name = "<img src=x onerror=alert(2)>"
        analysis.spans[3].span.attributes.append(Attribute("note\"><b>", .string("</dd><script>")))
        let links = [try! TraceLinkTemplate(parsing: #"Tempo=https://grafana.example/explore?left={"queries":[{"query":"{trace_id}"}]}"#)]
        let page = BundleHTML.render([Self.bundle(analysis, runbook: "javascript:alert(3)")], title: "<t>", options: RenderOptions(traceLinks: links))
        #expect(!page.contains("<script") && !page.contains("<img") && !page.contains("href=\"javascript"))
        #expect(page.contains("title &lt;script&gt;alert(1)&lt;/script&gt; \\u{202e}evil"), "markup as text, a bidi override shown")
        #expect(page.contains("<dt>runbook</dt><dd><code class=\"url\">javascript:alert(3)</code></dd>"), "not a link")
        #expect(page.contains("<a class=\"out graph\" href=\"http://prometheus:9090/graph?g0.expr=rate(x[5m])%20%3E%201&amp;g0.tab=1\""))
        #expect(page.contains("<code class=\"expr\">rate(x[5m]) &gt; 1</code>"), "the firing expression, decoded")
        #expect(page.contains("href=\"https://grafana.example/explore?left=%7B%22queries%22:[%7B%22query%22:%22\(Self.trace)%22%7D]%7D\""))
        #expect(page.contains("<dt>note&quot;&gt;&lt;b&gt;</dt><dd>&lt;/dd&gt;&lt;script&gt;</dd>"))
        #expect(page.contains("<title>&lt;t&gt;</title>"))
    }
}
