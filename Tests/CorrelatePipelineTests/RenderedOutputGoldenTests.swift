import Foundation
import Testing
import CorrelateEngine
import CorrelateExtract
import CorrelateModel
import CorrelatePipeline
import CorrelateRender
import CorrelateTestSupport
import CorrelateDecode
import CorrelateJSON

/// Golden files of the renderers' output for the shipped Celery sample (see below).
@Suite struct RenderedOutputGoldenTests {
    // Golden files of what the renderers write, for people and for machines, made from the
    // shipped Celery sample the way `CelerySampleBundleTests` and `CelerySampleTraceTests` make
    // their bundles and traces: the terminal waterfall (colour off, 80 and 120 columns) of a slow
    // job and of a failed job, a trace as JSON, the JobLatencyHigh bundle as JSON, Markdown and
    // HTML, and the sample's queue table and queue JSON. The goldens are in `Snapshots/` beside
    // this file. (This note is here, not on the suite, so that a failure does not print it.)
    //
    // A golden that differs fails the test; `RECORD_SNAPSHOTS=1` rewrites them all (and fails, so
    // a re-record never passes unseen): run again without it, and read the change with `git diff`.
    //
    // Normalised before comparing, and nothing else:
    // - the package root (`Fixtures.packageRoot`, where this checkout is) becomes `<root>`: log
    //   records name the file they were read from by its absolute path (the bundle's unlinked
    //   log lines, the JSON `source.file`), which differs from one checkout or machine to the next;
    // - compact JSON is laid out one member per line (a newline and two spaces a level, inserted
    //   only outside strings, every byte of the renderer's output kept in order; see `laidOut`),
    //   so that a change shows in `git diff` as the lines it touches. The test checks that taking
    //   the layout out again gives the renderer's exact bytes.
    // Nothing else varies: `bundle(for:now:)` is given a fixed `now` (the sample's alerts are
    // resolved, so it decides nothing today, but a wall clock must not reach a golden), the queue
    // range is derived from the sample (as `correlate queues` does with no --since/--until), no
    // renderer writes a generation time, and the store is filled by one ingest thread. The
    // store's temporary folder must not reach any output (checked).

    /// A fixed "now", after the sample's alerts resolved.
    static let now = Timestamp.parse("2026-11-25T09:00:00Z")!

    static func bundle(named name: String) throws -> IncidentBundle {
        let store = try CelerySampleTraceTests.openStore(.sqlite)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let decoded = try AlertFiles.read(Fixtures.celery("alerts/alertmanager-webhook-resolved.json"))
        // Three traces keep the goldens readable; the ranking is tested elsewhere.
        let builder = BundleBuilder(store: store, rules: rules, limit: 3, lookback: nil)
        let alert = try #require(decoded.alerts.first { $0.name == name }, "no \(name) in the sample's alerts")
        return try builder.bundle(for: alert, now: now)
    }

    /// The trace of the first job of the sample's truth with the given property.
    static func analysis(of job: (CelerySampleTraceTests.Job) -> Bool, _ what: String) throws -> TraceAnalysis {
        let chosen = try #require(try CelerySampleTraceTests.jobs().first(where: job), "no \(what) job in truth.json")
        return try #require(try TraceQuery(store: CelerySampleTraceTests.openStore(.sqlite)).analyze(chosen.traceID), "job \(chosen.number)")
    }

    /// The checkout's absolute path as `<root>`.
    static func normalised(_ text: String) -> String {
        text.replacingOccurrences(of: Fixtures.packageRoot.path, with: "<root>")
    }

    /// Compact JSON with a newline and indentation after `{`, `[` and `,` and before `}` and
    /// `]`, outside strings; an empty `{}` or `[]` stays on its line. Only whitespace is added.
    static func laidOut(_ json: String) -> String {
        let scalars = Array(json.unicodeScalars)
        var out = String.UnicodeScalarView()
        var depth = 0
        var inString = false
        var escaped = false
        func newline() {
            out.append("\n")
            out.append(contentsOf: String(repeating: "  ", count: depth).unicodeScalars)
        }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if inString {
                out.append(scalar)
                if escaped { escaped = false } else if scalar == "\\" { escaped = true } else if scalar == "\"" { inString = false }
            } else {
                switch scalar {
                case "\"":
                    inString = true
                    out.append(scalar)
                case "{", "[":
                    out.append(scalar)
                    if index + 1 < scalars.count, scalars[index + 1] == "}" || scalars[index + 1] == "]" {
                        out.append(scalars[index + 1])
                        index += 1
                    } else {
                        depth += 1
                        newline()
                    }
                case "}", "]":
                    depth -= 1
                    newline()
                    out.append(scalar)
                case ",":
                    out.append(scalar)
                    newline()
                default:
                    out.append(scalar)
                }
            }
            index += 1
        }
        return String(out) + "\n"
    }

    /// Checks one JSON document: one line (bundles are written one per line), valid JSON, laid
    /// out without loss, then against its golden.
    static func checkJSON(_ json: String, named name: String) throws {
        #expect(!json.contains("\n"), "\(name): the JSON spans lines")
        _ = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let laid = laidOut(json)
        let compacted = laid.replacingOccurrences(of: "\n *", with: "", options: .regularExpression)
        #expect(compacted.utf8.elementsEqual(json.utf8), "\(name): the layout changed more than whitespace")
        check(laid, named: name, fileExtension: "json")
    }

    static func check(_ text: String, named name: String, fileExtension: String = "txt") {
        let text = normalised(text)
        let storeFolder = URL(fileURLWithPath: CelerySampleTraceTests.prepared.path).deletingLastPathComponent().path
        #expect(!text.contains(storeFolder), "\(name): the store's temporary path reached the output")
        if let mismatch = snapshotMismatch(text, named: name, fileExtension: fileExtension) {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    // MARK: The terminal waterfall

    @Test(arguments: [80, 120])
    func waterfallOfASlowJob(width: Int) throws {
        let analysis = try Self.analysis(of: \.slow, "slow")
        let text = TerminalWaterfall(width: width, colour: false).render(analysis)
        Self.check(text, named: "waterfall-slow-job-\(width)")
        Self.expectFits(text, width: width)
    }

    @Test(arguments: [80, 120])
    func waterfallOfAFailedJob(width: Int) throws {
        let analysis = try Self.analysis(of: \.error, "failed")
        let text = TerminalWaterfall(width: width, colour: false).render(analysis)
        Self.check(text, named: "waterfall-failed-job-\(width)")
        Self.expectFits(text, width: width)
    }

    // MARK: JSON for machines

    /// A job that waited longer in the queue than it ran: the queue wait is the culprit, with
    /// its queue.
    @Test func waterfallOfAJobThatWaited() throws {
        let analysis = try Self.analysis(of: { $0.waitedInQueue && !$0.error && !$0.slow }, "waited")
        let text = TerminalWaterfall(width: 80, colour: false).render(analysis)
        Self.check(text, named: "waterfall-waited-job-80")
        Self.expectFits(text, width: 80)
        #expect(text.contains("culprit ◀ queue wait before"))
        #expect(text.contains("queue exports"))
    }

    /// `--full`: whole messages wrapped, the traceback opened, every source listed — and still
    /// no line wider than the terminal.
    @Test func waterfallOfAFailedJobInFull() throws {
        let analysis = try Self.analysis(of: \.error, "failed")
        let text = TerminalWaterfall(options: RenderOptions(width: 80, full: true)).render(analysis)
        Self.check(text, named: "waterfall-failed-job-80-full")
        Self.expectFits(text, width: 80)
        #expect(text.contains("Traceback (most recent call last):"), "the traceback is opened")
        #expect(!text.contains("(+10 lines)"))
    }

    @Test(arguments: [80, 120])
    func latencyBundleAsText(width: Int) throws {
        let bundle = try Self.bundle(named: "JobLatencyHigh")
        let links = [try TraceLinkTemplate(parsing: "Jaeger=https://jaeger.example/trace/{trace_id}")]
        let text = BundleText.render([bundle], title: "JobLatencyHigh", options: RenderOptions(width: width, traceLinks: links))
        Self.check(Self.normalised(text), named: "bundle-JobLatencyHigh-\(width)")
        Self.expectFits(text, width: width)
        #expect(text.contains("https://jaeger.example/trace/\(bundle.traces[0].analysis.traceID)"))
        #expect(text.contains("runbook: https://"))
        #expect(text.contains("graph: http"))
    }

    /// No line of `text` is wider than `width` cells, but lines that end in a URL (never cut).
    static func expectFits(_ text: String, width: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for line in text.split(separator: "\n") where !line.contains("://") {
            #expect(TextLayout.cells(line) <= width, "\(TextLayout.cells(line)) cells: \(line)", sourceLocation: sourceLocation)
            #expect(!line.hasSuffix(" "), "trailing space: \(line)", sourceLocation: sourceLocation)
        }
    }

    @Test func traceJSONOfAFailedJob() throws {
        let out = JSONWriter()
        TraceJSON.write(try Self.analysis(of: \.error, "failed"), to: out)
        try Self.checkJSON(String(decoding: out.bytes, as: UTF8.self), named: "trace-failed-job")
    }

    @Test func latencyBundleAsJSON() throws {
        try Self.checkJSON(BundleJSON.string(try Self.bundle(named: "JobLatencyHigh")), named: "bundle-JobLatencyHigh")
    }

    // MARK: Bundles for people

    @Test func latencyBundleAsMarkdown() throws {
        let bundle = try Self.bundle(named: "JobLatencyHigh")
        // The title `correlate run --format markdown` gives a bundle.
        Self.check(BundleMarkdown.render([bundle], title: bundle.alert.name), named: "bundle-JobLatencyHigh", fileExtension: "md")
    }

    @Test func latencyBundleAsHTML() throws {
        let bundle = try Self.bundle(named: "JobLatencyHigh")
        // The title `correlate run --format html` gives a page.
        Self.check(BundleHTML.render([bundle], title: "Incident: " + bundle.alert.name), named: "bundle-JobLatencyHigh", fileExtension: "html")
    }

    // MARK: Queues

    /// The sample's queues over the hour up to one past its newest span, the range
    /// `correlate queues` takes with no --since and --until.
    static func queues() throws -> (statistics: [QueueStatistics], start: Timestamp, end: Timestamp) {
        let store = try CelerySampleTraceTests.openStore(.sqlite)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let end = try #require(try store.latestSpanStart()).advanced(by: 1)
        let start = end.advanced(by: -3_600_000_000_000)
        let attributes = BundleBuilder(store: store, rules: rules, limit: 1, lookback: nil).lookup.matcher.queueAttributes
        return (try QueueReport(store: store, queueAttributes: attributes).statistics(from: start, to: end), start, end)
    }

    @Test func queueTable() throws {
        let (statistics, start, end) = try Self.queues()
        #expect(!statistics.isEmpty)
        Self.check(QueueText.table(statistics, start: start, end: end), named: "queues")
    }

    @Test func queueJSON() throws {
        let (statistics, start, end) = try Self.queues()
        try Self.checkJSON(QueueJSON.string(statistics, start: start, end: end), named: "queues")
    }
}
