import Foundation
import Testing
import CorrelateTestSupport

/// One `--format` vocabulary (text, json = ndjson, markdown, html), and the rendering options
/// of trace, lookup, report and run (`--width`, `--full`, `--logs`, `--service`, `--level`,
/// `--all-logs`, `--trace-url`).
@Suite struct OutputOptionsTests {
    private static let trace = "6e5bbfb43e75ba84fca988cb58246552"
    /// The span of that trace's slow database query.
    private static let querySpan = "1c135647d741ce04"

    /// The Celery sample (spans, worker logs, the firing webhook), and `extraLogs` lines.
    private func sampleStore(extraLogs: String? = nil) throws -> String {
        let folder = try Fixtures.temporaryDirectory()
        let db = folder.appendingPathComponent("c.db").path
        var arguments = ["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl",
                         "--logs", "samples/celery-redis/logs/celery-worker.log", "--logs", "samples/celery-redis/logs/worker.otel.log",
                         "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"]
        if let extraLogs {
            let file = folder.appendingPathComponent("extra.log")
            try Data(extraLogs.utf8).write(to: file)
            arguments += ["--logs", file.path]
        }
        let result = try CommandRunner.run(arguments)
        try #require(result.status == 0, "\(result.stderr)")
        return db
    }

    // MARK: --format

    @Test func jsonAndNdjsonAreOneFormatEverywhere() throws {
        let db = try sampleStore()
        let day = ["--since", "2026-11-25T00:00:00Z", "--until", "2026-11-26T00:00:00Z"]
        for command in [["lookup", "--name", "JobLatencyHigh"], ["report"] + day, ["trace", "6e5bbfb4"], ["queues"] + day] {
            let json = try CommandRunner.run(command + ["--db", db, "--format", "json"])
            let ndjson = try CommandRunner.run(command + ["--db", db, "--format", "ndjson"])
            #expect(json.status == 0, "\(command): \(json.stderr)")
            #expect(ndjson.status == 0, "\(command): \(ndjson.stderr)")
            // The same output but for the times that are "now" (a still-firing alert's window).
            let time = #""\d{4}-\d\d-\d\dT[0-9:.]+Z""#
            let same = json.stdout.replacingOccurrences(of: time, with: "T", options: .regularExpression)
                == ndjson.stdout.replacingOccurrences(of: time, with: "T", options: .regularExpression)
            #expect(json.stdout.hasPrefix("{"), "\(command)")
            #expect(same, "\(command)")
        }
        let logs = try Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("logs/worker.otel.log")))
        for format in ["json", "ndjson"] {
            let run = try CommandRunner.run(
                ["--db", try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path, "-q", "--format", format,
                 "--spans", "samples/celery-redis/traces.otlp.jsonl", "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"],
                stdin: logs)
            #expect(run.status == 0, "\(run.stderr)")
            let bundles = run.stdout.split(separator: "\n")
            #expect(bundles.count == 2 && bundles.allSatisfy { $0.hasPrefix("{\"schema\":\"correlate.bundle/v1\"") })
        }
    }

    @Test(arguments: [
        (["trace", "6e5bbfb4", "--format", "markdown"], "correlate trace does not write markdown: --format takes text or json (or ndjson)."),
        (["queues", "--format", "html"], "correlate queues does not write html: --format takes text or json (or ndjson)."),
        (["rules", "coverage", "--format", "markdown", "-"], "correlate rules coverage does not write markdown: --format takes text or json (or ndjson)."),
        (["lookup", "--name", "X", "--format", "yaml"], "The value 'yaml' is invalid for '--format <text|json|markdown|html>'"),
    ])
    func aFormatACommandDoesNotWriteIsAUsageErrorThatSaysWhichItDoes(arguments: [String], message: String) throws {
        let result = try CommandRunner.run(arguments, stdin: Data())
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func bundlesAsTextForATerminal() throws {
        let db = try sampleStore()
        let lookup = try CommandRunner.run(["lookup", "--db", db, "--name", "JobLatencyHigh", "--format", "text", "--width", "100"])
        #expect(lookup.status == 0, "\(lookup.stderr)")
        #expect(lookup.stdout.hasPrefix("FIRING JobLatencyHigh"), "\(lookup.stdout.prefix(200))")
        #expect(lookup.stdout.contains("trace \(Self.trace)"))
        let report = try CommandRunner.run(["report", "--db", db, "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-26T00:00:00Z", "--format", "text"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.hasPrefix("Incident report"), "\(report.stdout.prefix(200))")
        let both = report.stdout.contains("FIRING ErrorRateHigh") && report.stdout.contains("FIRING JobLatencyHigh")
        #expect(both)
        let logs = try Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("logs/worker.otel.log")))
        let run = try CommandRunner.run(
            ["--db", try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path, "-q", "--format", "text",
             "--spans", "samples/celery-redis/traces.otlp.jsonl", "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"],
            stdin: logs)
        #expect(run.status == 0, "\(run.stderr)")
        let streamed = run.stdout.contains("FIRING JobLatencyHigh") && run.stdout.contains("FIRING ErrorRateHigh")
        #expect(streamed)
    }

    // MARK: Rendering options

    @Test func widthIsKeptAndTooNarrowAWidthIsAnError() throws {
        let db = try sampleStore()
        for width in [40, 60, 100] {
            let result = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", String(width)])
            #expect(result.status == 0, "\(result.stderr)")
            let wide = result.stdout.split(separator: "\n").filter { $0.count > width }
            #expect(wide.isEmpty, "\(width): \(wide)")
        }
        for command in [["trace", "6e5bbfb4"], ["lookup", "--name", "JobLatencyHigh"], ["report"], ["run", "-"]] {
            let narrow = try CommandRunner.run(command + ["--db", db, "--width", "39"], stdin: Data())
            #expect(narrow.status == 2, "\(command)")
            #expect(narrow.stderr.contains("--width 39 is too narrow: the waterfall needs at least 40 columns."), "\(command): \(narrow.stderr)")
            // Lines are built whole: a billion columns was allocated (and aborted) or hung.
            let wide = try CommandRunner.run(command + ["--db", db, "--width", "1000000000"], stdin: Data())
            #expect(wide.status == 2, "\(command)")
            #expect(wide.stderr.contains("--width 1000000000 is too wide: the waterfall is drawn in at most 1000 columns."), "\(command): \(wide.stderr)")
        }
        // $COLUMNS is held to the same bounds.
        let columns = try CommandRunner.run(["lookup", "--name", "JobLatencyHigh", "--db", db, "--format", "text"], environment: ["COLUMNS": "9223372036854775807"])
        #expect(columns.status == 0, "\(columns.stderr)")
        #expect(columns.stdout.split(separator: "\n").allSatisfy { $0.count <= 1000 + 40 }, "lines beyond the widest waterfall")
    }

    @Test func logsServiceAndLevelChooseTheLogEventsShown() throws {
        let db = try sampleStore()
        func trace(_ options: [String]) throws -> String {
            let result = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", "160"] + options)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        let linked = try trace([])
        #expect(linked.contains("slow query on reports db"))
        #expect(linked.contains("exporting report rpt-76092"))
        #expect(!(try trace(["--logs", "none"])).contains("slow query on reports db"))
        let warnings = try trace(["--level", "warn"])
        #expect(warnings.contains("slow query on reports db"))
        #expect(!warnings.contains("exporting report rpt-76092"), "an info event is below warn")
        #expect(!(try trace(["--service", "export-api"])).contains("slow query on reports db"), "the worker's events are not export-api's")
        #expect((try trace(["--service", "CELERY-WORKER"])).contains("slow query on reports db"), "case is ignored")
        let bad = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--level", "loud"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("loud"))
        let badLogs = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--logs", "some"])
        #expect(badLogs.status == 2)
    }

    @Test func allLogsLiftsTheCapPerSpan() throws {
        let lines = (1...14).map { String(format: "2026-11-25T08:32:30.%03dZ INFO trace_id=\(Self.trace) span_id=\(Self.querySpan) fetched batch %d", $0, $0) }
        let db = try sampleStore(extraLogs: lines.joined(separator: "\n") + "\n")
        let capped = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", "160"])
        #expect(capped.status == 0, "\(capped.stderr)")
        let said = capped.stdout.contains("more log events under this span (--all-logs shows them)")
        #expect(said)
        #expect(capped.stdout.components(separatedBy: "fetched batch").count - 1 < 14)
        let all = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", "160", "--all-logs"])
        #expect(!all.stdout.contains("more log events under this span"))
        #expect(all.stdout.components(separatedBy: "fetched batch").count - 1 == 14)
    }

    @Test func fullShowsWholeLines() throws {
        let db = try sampleStore()
        let cut = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", "80"])
        #expect(cut.stdout.contains("--full shows every line whole"))
        let full = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", "80", "--full"])
        #expect(full.status == 0)
        #expect(!full.stdout.contains("--full shows every line whole"))
    }

    @Test func traceURLsAreLinksOutAndABadOneSaysWhere() throws {
        let db = try sampleStore()
        let result = try CommandRunner.run(
            ["trace", "--db", db, "6e5bbfb4", "--trace-url", "Jaeger=http://jaeger.example:16686/trace/{trace_id}",
             "--trace-url", "https://tempo.example/t/{trace_id}?from={start_ms}"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Jaeger: http://jaeger.example:16686/trace/\(Self.trace)"))
        #expect(result.stdout.contains("tempo.example: https://tempo.example/t/\(Self.trace)?from="))
        let lookup = try CommandRunner.run(
            ["lookup", "--db", db, "--name", "JobLatencyHigh", "--format", "text", "--trace-url", "J=http://j.example/{trace_id}"])
        #expect(lookup.stdout.contains("http://j.example/\(Self.trace)"))
        let markdown = try CommandRunner.run(
            ["lookup", "--db", db, "--name", "JobLatencyHigh", "--format", "markdown", "--trace-url", "J=http://j.example/{trace_id}", "--logs", "none"])
        #expect(markdown.stdout.contains("**J** <http://j.example/\(Self.trace)>"))
        #expect(!markdown.stdout.contains("slow query on reports db"), "--logs none")
        let html = try CommandRunner.run(
            ["lookup", "--db", db, "--name", "JobLatencyHigh", "--format", "html", "--trace-url", "J=http://j.example/{trace_id}", "--logs", "none"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.contains("http://j.example/\(Self.trace)"))
        #expect(!html.stdout.contains("slow query on reports db"), "--logs none")
        let bad = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--trace-url", "http://j.example/{span_id}"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--trace-url: trace link 'http://j.example/{span_id}', character 18: unknown placeholder {span_id}"), "\(bad.stderr)")
    }
}
