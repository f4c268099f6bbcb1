import Foundation
import Testing
import CorrelateDecode
import CorrelateEngine
import CorrelateExtract
import CorrelateModel
import CorrelatePipeline
import CorrelateRender
import CorrelateTestSupport

/// Issue 13: the incident page (``BundleHTML``) as Chromium lays it out, at 1400 and at 400 px
/// (and at 768, just above where the phone layout ends).
///
/// The page holds no script, so it cannot measure itself: the test writes a wrapper page into
/// its temporary folder that holds the page in one `<iframe srcdoc>` per width (a srcdoc frame
/// is of the wrapper's origin, so the wrapper's script can read its DOM) and the measuring
/// script `Tests/Fixtures/incident-page/measure.js`, runs `chromium --headless --dump-dom` on it,
/// and reads back what the script wrote into the DOM (JSON, base64, in `<pre id="result">`).
@Suite struct IncidentPageBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let widths = [1400, 768, 400]

    /// Two links out per trace, one with a Grafana URL's JSON braces and quotes.
    static let options = RenderOptions(traceLinks: [
        try! TraceLinkTemplate(parsing: "Jaeger=https://jaeger.acme.example/trace/{trace_id}?start={start_us}&end={end_us}"),
        try! TraceLinkTemplate(parsing: #"Tempo=https://grafana.acme.example/explore?left={"datasource":"tempo","queries":[{"query":"{trace_id}"}],"range":{"from":"{start_ms}","to":"{end_ms}"}}"#),
    ])

    /// The sample's two alerts with their top 10 traces, as `correlate report` builds them (from
    /// the store the Celery sample tests fill: the worker's text and JSON logs and the journal
    /// hold the same events three times).
    static func bundles() throws -> [IncidentBundle] {
        let store = try CelerySampleTraceTests.openStore(.sqlite)
        let rules = try AlertRules.load(RuleLoader.shippedSources())
        let decoded = try AlertFiles.read(Fixtures.celery("alerts/alertmanager-webhook-resolved.json"))
        let builder = BundleBuilder(store: store, rules: rules, limit: 10, lookback: nil)
        return try decoded.alerts.sorted { $0.startsAt < $1.startsAt }.map { try builder.bundle(for: $0, now: RenderedOutputGoldenTests.now) }
    }

    // MARK: What the script measures

    struct Frame: Decodable {
        struct Box: Decodable { var what: String; var left: Double; var right: Double }
        struct Small: Decodable { var what: String; var size: Double }
        struct Source: Decodable { var short: String; var title: String }
        struct Log: Decodable {
            var article: String?
            var span: String?
            var loose: Bool
            var unlinked: Bool
            var time: String?
            var level: String
            var message: String
            var sources: [Source]
            var insideSection: Bool
            var belowRow: Bool
        }
        struct Mark: Decodable { var article: String?; var text: String; var queue: Bool; var inTrack: Bool; var left: Double; var right: Double }
        struct Axis: Decodable { var article: String; var labels: [String]; var overlapping: Bool; var outside: Bool }
        struct SpanSection: Decodable { var article: String; var span: String; var classes: String; var name: String; var error: String? }
        struct Link: Decodable { var href: String; var className: String; var text: String }

        var viewport: Double
        var scrollWidth: Double
        var scrollWidthOpen: Double
        var overflow: [String: [Box]]
        var smallText: [Small]
        var logs: [Log]
        var marks: [Mark]
        var axes: [Axis]
        var spans: [SpanSection]
        var links: [Link]
        var brokenAnchors: [String]
    }

    /// Runs Chromium on the wrapper of `page` and returns what the script measured, per width.
    static func measure(_ page: String, in folder: URL) throws -> [Int: Frame] {
        let script = try String(contentsOfFile: Fixtures.fixture("incident-page/measure.js"), encoding: .utf8)
        var wrapper = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\n"
        for width in widths {
            wrapper += "<iframe id=\"w\(width)\" style=\"width:\(width)px;height:1600px;border:0;display:block\" srcdoc=\"\(BundleHTML.escape(page))\"></iframe>\n"
        }
        wrapper += "<pre id=\"result\"></pre>\n<script>\n\(script)\n</script>\n</body></html>\n"
        let file = folder.appendingPathComponent("measure.html")
        try wrapper.write(to: file, atomically: true, encoding: .utf8)
        let dom = try run(["--window-size=1500,1000", "--virtual-time-budget=10000", "--dump-dom", file.absoluteString], folder: folder)
        let start = try #require(dom.range(of: "<pre id=\"result\">"), "the wrapper's script wrote no result: \(dom.suffix(400))")
        let end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        let data = try #require(Data(base64Encoded: String(dom[start.upperBound..<end.lowerBound])), "the result is not base64")
        let frames = try JSONDecoder().decode([String: Frame].self, from: data)
        return Dictionary(uniqueKeysWithValues: try widths.map { ($0, try #require(frames["w\($0)"], "no frame of \($0) px")) })
    }

    /// A screenshot of `page` (a file) `width` px wide, from its element `fragment` down.
    static func screenshot(_ page: URL, fragment: String?, width: Int, height: Int, to png: URL, folder: URL) throws {
        let frame = folder.appendingPathComponent("screenshot-\(width).html")
        let source = page.absoluteString + (fragment.map { "#" + $0 } ?? "")
        try """
            <!DOCTYPE html><html><body style="margin:0"><iframe src="\(BundleHTML.escape(source))" style="width:\(width)px;height:\(height)px;border:0;display:block"></iframe></body></html>
            """.write(to: frame, atomically: true, encoding: .utf8)
        _ = try run(["--window-size=\(width),\(height)", "--virtual-time-budget=5000", "--screenshot=\(png.path)", frame.absoluteString], folder: folder)
        #expect(FileManager.default.fileExists(atPath: png.path), "no screenshot at \(png.path)")
    }

    static func run(_ arguments: [String], folder: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(chromium))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                             "--allow-file-access-from-files", "--user-data-dir=\(folder.appendingPathComponent("profile").path)"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.currentDirectoryURL = folder
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chromium \(arguments.last ?? "") exited \(process.terminationStatus)")
        return text
    }

    // MARK: The checks

    @Test(.enabled(if: chromium != nil, "chromium is missing: install Debian's chromium (scripts/setup.sh --tests does) to lay the page out"))
    func theSampleReportFitsPhonesAndDesktopsWithEveryLogLineUnderItsSpan() throws {
        let bundles = try Self.bundles()
        #expect(bundles.count == 2)
        let page = BundleHTML.render(bundles, title: "Incident report", options: Self.options)
        #expect(!page.contains("<script"), "the page holds no script")
        let folder = try Fixtures.temporaryDirectory("incident-page")
        let frames = try Self.measure(page, in: folder)

        var articles: [String: TraceAnalysis] = [:]
        for (alert, bundle) in bundles.enumerated() {
            for (rank, trace) in bundle.traces.enumerated() { articles["a\(alert + 1)-t\(rank + 1)"] = trace.analysis }
        }
        for width in Self.widths {
            let frame = try #require(frames[width])
            let at = "at \(width) px"
            // Nothing wider than the viewport, closed or with every <details> open.
            #expect(frame.viewport == Double(width), "\(at): viewport \(frame.viewport)")
            #expect(frame.scrollWidth <= frame.viewport && frame.scrollWidthOpen <= frame.viewport,
                    "\(at): the page is \(frame.scrollWidth) px wide (\(frame.scrollWidthOpen) px opened)")
            for state in ["closed", "open"] {
                let offenders = frame.overflow[state] ?? []
                #expect(offenders.isEmpty, "\(at), details \(state): \(offenders.count) elements past the edge, first \(offenders.prefix(5).map { "\($0.what) [\($0.left), \($0.right)]" })")
            }
            #expect(frame.smallText.isEmpty, "\(at): text under 11 px: \(frame.smallText.prefix(5).map { "\($0.what) \($0.size)px" })")
            checkLogs(frame, articles: articles, at: at)
            checkDrawing(frame, articles: articles, at: at)
            checkLinks(frame, bundles: bundles, at: at)
        }

        // The screenshots of docs/images (scripts/screenshots.sh sets CORRELATE_SCREENSHOTS).
        let file = folder.appendingPathComponent("incident.html")
        try page.write(to: file, atomically: true, encoding: .utf8)
        let shots = ProcessInfo.processInfo.environment["CORRELATE_SCREENSHOTS"].map { URL(fileURLWithPath: $0) } ?? folder
        try Self.screenshot(file, fragment: "a2", width: 1400, height: 1700, to: shots.appendingPathComponent("incident-page.png"), folder: folder)
        try Self.screenshot(file, fragment: "a2-t1", width: 400, height: 1500, to: shots.appendingPathComponent("incident-page-phone.png"), folder: folder)
    }

    /// Every log line sits in its span's section, below the span's row; the lines of each trace
    /// are its placed records, each event once, with all its sources.
    func checkLogs(_ frame: Frame, articles: [String: TraceAnalysis], at: String) {
        let placed = frame.logs.filter { $0.article != nil }
        #expect(placed.count > 50, "\(at): only \(placed.count) log lines in the traces")
        var shown: [String: Set<String>] = [:]
        for log in placed {
            let what = "\(at): \(log.article ?? "") \(log.time ?? "") \(log.message)"
            if log.loose { continue }
            guard let span = log.span else {
                Issue.record("\(what): in no span's section")
                continue
            }
            #expect(log.insideSection, "\(what): outside its span's section")
            #expect(log.belowRow, "\(what): above its span's row")
            shown[log.article!, default: []].insert(span + " " + (log.time ?? "").prefix(23))
        }
        for (article, analysis) in articles {
            let spans = Set(analysis.spans.map(\.span.spanID))
            let expected = Set(analysis.logs.compactMap { placed -> String? in
                guard let span = placed.spanID, spans.contains(span) else { return nil }
                return "\(span) " + (placed.record.timestamp?.description.prefix(23) ?? "")
            })
            #expect(shown[article, default: []] == expected, "\(at): \(article) shows \(shown[article, default: []].subtracting(expected)) not of the trace's spans, misses \(expected.subtracting(shown[article, default: []]))")
        }
        // Folded: an event is shown once, however many files wrote it.
        var seen = Set<String>()
        for log in placed {
            let key = [log.article ?? "", log.span ?? "-", log.time ?? "", log.level, log.message].joined(separator: "|")
            #expect(seen.insert(key).inserted, "\(at): shown twice: \(key)")
        }
        let folded = placed.filter { $0.sources.count >= 3 }
        #expect(!folded.isEmpty, "\(at): no event lists the three files that wrote it")
        for source in placed.flatMap(\.sources) {
            #expect(source.title.hasPrefix("/") && source.title.hasSuffix("/" + source.short), "\(at): source \(source.short) titled \(source.title)")
            #expect(!source.short.contains("/"), "\(at): source \(source.short) is not short")
        }
    }

    /// The time axis, the culprit's label, the error spans.
    func checkDrawing(_ frame: Frame, articles: [String: TraceAnalysis], at: String) {
        #expect(Set(frame.axes.map(\.article)) == Set(articles.keys), "\(at): a time axis over every waterfall")
        for axis in frame.axes {
            #expect(axis.labels.count >= 3 && axis.labels.first == "0", "\(at): \(axis.article) ticks \(axis.labels)")
            #expect(!axis.overlapping && !axis.outside, "\(at): \(axis.article) tick labels overlap or pass the track: \(axis.labels)")
        }
        let withCulprit = Set(articles.filter { $0.value.culprit != nil }.keys)
        #expect(Set(frame.marks.compactMap(\.article)) == withCulprit, "\(at): a culprit label in every trace that has a culprit")
        for mark in frame.marks {
            #expect(mark.inTrack, "\(at): \(mark.article ?? "") label '\(mark.text)' [\(mark.left), \(mark.right)] leaves its track")
            #expect(mark.text.contains("culprit"))
            let analysis = articles[mark.article ?? ""]
            #expect(mark.queue == (analysis?.culprit?.kind == .queueWait), "\(at): \(mark.article ?? "") the label is on the queue wait iff the wait is the culprit")
        }
        #expect(frame.marks.contains { $0.queue }, "\(at): the sample has a queue-wait culprit, labelled")
        for (article, analysis) in articles {
            for analyzed in analysis.spans where analyzed.span.hasError {
                let section = frame.spans.first { $0.article == article && $0.span == analyzed.span.spanID.description }
                #expect(section?.classes.contains("error") == true && section?.name.contains("✗") == true, "\(at): \(article) error span \(analyzed.span.name) unmarked")
                let message = analyzed.span.statusMessage ?? analyzed.span.events.first { $0.name == "exception" }?.attributes["exception.message"]?.text
                if let message { #expect(section?.error?.contains(message) == true, "\(at): \(article) \(analyzed.span.name) without its message") }
            }
        }
        #expect(articles.values.contains { $0.hasError }, "the sample has failed traces")
    }

    /// The runbook, the graph of the firing expression, each trace's links out; anchors resolve.
    func checkLinks(_ frame: Frame, bundles: [IncidentBundle], at: String) {
        let hrefs = frame.links.map { Self.decoded($0.href) }
        for bundle in bundles {
            let runbook = bundle.alert.annotation("runbook_url")
            #expect(runbook != nil && frame.links.contains { $0.className.contains("runbook") && $0.href == runbook }, "\(at): \(bundle.alert.name) runbook")
            let graph = bundle.alert.generatorURL
            #expect(graph != nil && frame.links.contains { $0.className.contains("graph") && $0.href == graph }, "\(at): \(bundle.alert.name) generatorURL")
            for trace in bundle.traces {
                for template in Self.options.traceLinks {
                    let url = template.url(traceID: trace.analysis.traceID, start: trace.analysis.start, end: trace.analysis.end)
                    #expect(hrefs.contains(Self.decoded(url)), "\(at): \(template.label) link of \(trace.analysis.traceID)")
                }
            }
        }
        #expect(frame.brokenAnchors.isEmpty, "\(at): links to nothing: \(frame.brokenAnchors.prefix(5))")
        for link in frame.links {
            #expect(link.href.hasPrefix("#") || link.href.hasPrefix("https://") || link.href.hasPrefix("http://"), "\(at): link \(link.href)")
        }
    }

    /// A URL with its percent-escapes decoded: the page encodes what a URL cannot hold.
    static func decoded(_ url: String) -> String {
        url.removingPercentEncoding ?? url
    }
}
