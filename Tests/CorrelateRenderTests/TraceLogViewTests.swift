import Testing
import CorrelateModel
import CorrelateRender

/// The log events a rendering shows: folded across sources, filtered, capped with the errors
/// kept; and the layout and links that keep a text rendering in its width.
@Suite struct TraceLogViewTests {
    static let trace = TraceID(high: 1, low: 2)
    static let start = Timestamp(nanoseconds: 1_795_595_549_000_000_000)

    static func record(_ file: String, _ line: Int, at millisecond: Int64, _ severity: Severity?, _ message: String, service: String? = nil) -> PlacedLog {
        PlacedLog(
            record: LogRecord(source: SourceLocation(file: file, line: line), timestamp: start.advanced(by: millisecond * 1_000_000),
                              traceID: trace, spanID: SpanID(7), severity: severity, service: service, message: message),
            spanID: SpanID(7), via: .traceID)
    }

    static func analysis(_ logs: [PlacedLog]) -> TraceAnalysis {
        let span = Span(traceID: trace, spanID: SpanID(7), name: "run/jobs.tasks.export_report", kind: .consumer,
                        start: start, end: start.advanced(by: 1_000_000_000), service: "celery-worker")
        return TraceAnalysis(
            traceID: trace, spans: [AnalyzedSpan(span: span, depth: 0, missingParent: false, selfTimeMilliseconds: 1000, onCriticalPath: true)],
            start: span.start, end: span.end, hasError: false, hops: [], queueWaitMilliseconds: nil, culprit: nil, logs: logs, diagnostics: [])
    }

    @Test func theSameEventFromThreeFilesIsShownOnceWithItsSources() {
        let logs = [
            Self.record("/var/log/celery-worker.log", 78, at: 5, .warn,
                        "jobs.tasks.export_report[c4f43205-10bc-4621-92d1-00ea826c6f80]: slow query on reports db"),
            Self.record("/var/log/worker.otel.log", 35, at: 5, .warn, "slow query on reports db"),
            Self.record("/var/log/journal.json", 60, at: 5, .warn, "slow query on reports db"),
            // Same text, other level: another event.
            Self.record("/var/log/worker.otel.log", 36, at: 5, .info, "slow query on reports db"),
        ]
        let view = TraceLogView(Self.analysis(logs), options: RenderOptions())
        #expect(view.records == 4)
        #expect(view.events == 2)
        let shown = view.group(SpanID(7)).shown
        #expect(shown.map(\.message) == ["slow query on reports db", "slow query on reports db"])
        #expect(shown[0].sources.map(\.line) == [78, 35, 60])
    }

    /// A message with CR LF line ends (a .NET exception in a JSON field, written on Windows)
    /// shows its first line as its first line, not the whole text.
    @Test func aCRLFMessageHasAFirstLine() {
        let logs = [Self.record("w.json", 1, at: 5, .error, "Invoice failed\r\nSystem.InvalidOperationException: no lines\r\n   at Run()")]
        let shown = TraceLogView(Self.analysis(logs), options: RenderOptions()).group(SpanID(7)).shown
        #expect(shown.map { String($0.firstLine) } == ["Invoice failed"])
    }

    @Test func theCapKeepsErrorsAndWarningsAndSaysHowManyMore() {
        var logs = (0..<30).map { Self.record("w.log", $0 + 1, at: Int64($0), .info, "step \($0)") }
        logs.insert(Self.record("w.log", 100, at: 29, .error, "boom"), at: 29)
        logs.insert(Self.record("w.log", 101, at: 2, .warn, "slow"), at: 2)
        let group = TraceLogView(Self.analysis(logs), options: RenderOptions(logsPerSpan: 5)).group(SpanID(7))
        #expect(group.shown.count == 5)
        #expect(group.hidden == 27)
        #expect(group.shown.contains { $0.message == "boom" })
        #expect(group.shown.contains { $0.message == "slow" })
        // Still in time order.
        #expect(group.shown.map { $0.record.timestamp! } == group.shown.map { $0.record.timestamp! }.sorted())
        #expect(TraceLogView(Self.analysis(logs), options: RenderOptions(logsPerSpan: nil)).group(SpanID(7)).hidden == 0)
    }

    @Test func filtersByServiceCaseInsensitivelyAndByLevel() {
        let logs = [
            Self.record("a.log", 1, at: 1, .debug, "debug line"),
            Self.record("a.log", 2, at: 2, .error, "error line", service: "export-api"),
            Self.record("a.log", 3, at: 3, nil, "no level"),
        ]
        let byLevel = TraceLogView(Self.analysis(logs), options: RenderOptions(minimumSeverity: .info)).group(SpanID(7))
        #expect(byLevel.shown.map(\.message) == ["error line", "no level"])
        // A record without its own service takes its span's.
        let byService = TraceLogView(Self.analysis(logs), options: RenderOptions(services: ["Celery-Worker"])).group(SpanID(7))
        #expect(byService.shown.map(\.message) == ["debug line", "no level"])
        #expect(TraceLogView(Self.analysis(logs), options: RenderOptions(logs: .none)).events == 0)
    }

    @Test func aWaterfallOfLongMessagesFitsEveryWidth() {
        let long = String(repeating: "word ", count: 60) + "宽字符宽字符 end"
        let logs = [Self.record("/very/long/path/to/a/file/worker-with-a-long-name.log", 123_456, at: 3, .error, long)]
        for width in stride(from: RenderOptions.minimumWidth, through: 220, by: 9) {
            for full in [false, true] {
                let text = TerminalWaterfall(options: RenderOptions(width: width, full: full)).render(Self.analysis(logs))
                for line in text.split(separator: "\n") {
                    #expect(TextLayout.cells(line) <= width, "width \(width) full \(full): \(line)")
                }
                #expect(text.contains(full ? "end" : "word"))
            }
        }
    }

    /// A span whose times lie far outside the trace's drawn window (clock skew, a bad exporter)
    /// is drawn at the bar's edge: the cell of its time once overflowed an Int (fuzz-trace-analysis).
    @Test func aSpanFarOutsideTheWindowIsDrawnAtTheEdge() {
        var analysis = Self.analysis([])
        let far = Span(traceID: Self.trace, spanID: SpanID(8), parentSpanID: SpanID(7), name: "far", start: Timestamp(nanoseconds: .max - 10),
                       end: Timestamp(nanoseconds: .max), service: "celery-worker")
        analysis.spans.append(AnalyzedSpan(span: far, depth: 1, missingParent: false, selfTimeMilliseconds: 0, onCriticalPath: false))
        let text = TerminalWaterfall(width: 80).render(analysis)
        #expect(text.contains("far"))
        for line in text.split(separator: "\n") { #expect(TextLayout.cells(line) <= 80) }
    }

    @Test func layoutCountsWideCharactersAndCutsWithAnEllipsis() {
        #expect(TextLayout.cells("宽a") == 3)
        #expect(TextLayout.fit("abcdef", 4) == "abc…")
        #expect(TextLayout.fit("宽宽宽", 5) == "宽宽…")
        #expect(TextLayout.fitMiddle("run/jobs.tasks.export_report", 16) == "run/jo…rt_report")
        #expect(TextLayout.wrap("  a bb ccc dddd eeeee", 12, hanging: 2) == ["  a bb ccc", "    dddd", "    eeeee"])
        // Indentation wider than the line is cut to half of it (fuzz-trace-analysis: a traceback
        // line of 84 spaces and a word overflowed 83 columns).
        for line in TextLayout.wrap(String(repeating: " ", count: 84) + "File \"x.py\"", 83, hanging: 4) {
            #expect(TextLayout.cells(line) <= 83)
        }
        // A wide character on a line of one cell is a line of its own (this looped once).
        #expect(TextLayout.wrap("宽宽", 1) == ["宽", "宽"])
    }

    @Test func traceLinksExpandAndBadTemplatesSayWhere() throws {
        let jaeger = try TraceLinkTemplate(parsing: "https://jaeger.example/trace/{trace_id}?start={start_us}")
        #expect(jaeger.label == "jaeger.example")
        let url = jaeger.url(traceID: Self.trace, start: Self.start, end: Self.start)
        #expect(url == "https://jaeger.example/trace/\(Self.trace)?start=\((Self.start.nanoseconds - 60_000_000_000) / 1_000)")
        let grafana = try TraceLinkTemplate(parsing: #"Tempo=https://grafana.example/explore?left={"queries":[{"query":"{trace_id}"}]}"#)
        #expect(grafana.label == "Tempo")
        #expect(grafana.url(traceID: Self.trace, start: Self.start, end: Self.start).contains(#""query":"\#(Self.trace)""#))
        #expect(throws: TraceLinkTemplate.Invalid(text: "https://x/{traceid}", position: 11, reason: "unknown placeholder {traceid}; known: {trace_id}, {start_ms}, {end_ms}, {start_us}, {end_us}, {start}, {end}")) {
            try TraceLinkTemplate(parsing: "https://x/{traceid}")
        }
        #expect(throws: TraceLinkTemplate.Invalid.self) { try TraceLinkTemplate(parsing: "javascript:alert(1)/{trace_id}") }
        #expect(throws: TraceLinkTemplate.Invalid.self) { try TraceLinkTemplate(parsing: "https://jaeger.example/search") }
    }
}
