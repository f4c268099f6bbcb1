import Foundation
import Testing
import CorrelateTestSupport

/// `correlate lookup` and `correlate report` on the Celery sample, as a user runs them.
@Suite struct LookupReportCommandTests {
    /// A store holding the Celery sample: spans, both log files, the firing webhook.
    private func sampleStore(extraLogs: [String] = [], alerts: [String] = ["samples/celery-redis/alerts/alertmanager-webhook.json"]) throws -> String {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        var arguments = ["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl",
                         "--logs", "samples/celery-redis/logs/celery-worker.log",
                         "--logs", "samples/celery-redis/logs/worker.otel.log"]
        for file in extraLogs { arguments += ["--logs", file] }
        for file in alerts { arguments += ["--alerts", file] }
        let result = try CommandRunner.run(arguments)
        try #require(result.status == 0, "\(result.stderr)")
        return db
    }

    private func bundles(_ ndjson: String) throws -> [[String: Any]] {
        try ndjson.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func traceIDs(_ bundle: [String: Any]) -> [String] {
        (bundle["traces"] as? [[String: Any]] ?? []).compactMap { $0["trace_id"] as? String }
    }

    @Test func lookupByNameGivesASchemaValidBundleWithTheSlowJobsFirst() throws {
        let db = try sampleStore()
        let result = try CommandRunner.run(["lookup", "--db", db, "--name", "JobLatencyHigh", "--limit", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let schema = try JSONSchema.bundle()
        for line in lines { #expect(schema.validate(String(line)).isEmpty, "\(schema.validate(String(line)))") }
        let bundle = try #require(try bundles(result.stdout).first)
        #expect((bundle["alert"] as? [String: Any])?["name"] as? String == "JobLatencyHigh")
        let traces = bundle["traces"] as? [[String: Any]] ?? []
        #expect(traces.count == 3, "--limit 3 keeps three")
        #expect((bundle["candidates"] as? Int ?? 0) > 3, "the total number of candidates is kept")
        // The alert measures the task's runtime: the export jobs that ran longer than 2 s lead,
        // longest run (the CONSUMER span) first.
        #expect(bundle["measure"] as? String == "execution")
        let runs = traces.map { trace in
            (trace["spans"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "CONSUMER" }
                .compactMap { $0["duration_ms"] as? Double }.max() ?? 0
        }
        #expect(runs == runs.sorted(by: >), "\(runs)")
        #expect(runs.allSatisfy { $0 > 2_000 })
    }

    @Test func lookupFromAPayloadFileTakesTheStoredResolutionOfTheSameFiring() throws {
        let db = try sampleStore(alerts: ["samples/celery-redis/alerts/alertmanager-webhook.json",
                                          "samples/celery-redis/alerts/alertmanager-webhook-resolved.json"])
        // The file holds the firing notification; the store knows it resolved at 08:32:52.
        let result = try CommandRunner.run(["lookup", "--db", db, "--alert", "samples/celery-redis/alerts/alertmanager-webhook.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let all = try bundles(result.stdout)
        #expect(all.count == 2, "one bundle per alert of the payload")
        for bundle in all {
            let alert = try #require(bundle["alert"] as? [String: Any])
            #expect(alert["ends_at"] as? String == "2026-11-25T08:32:52.000000Z", "\(alert)")
        }
        let errors = try #require(all.first { ($0["alert"] as? [String: Any])?["name"] as? String == "ErrorRateHigh" })
        let failed = (errors["traces"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "error" }
        #expect(failed.count == 3, "the three failed resize_image jobs")
    }

    @Test func lookupErrorsNameWhatIsWrong() throws {
        let db = try sampleStore()
        let none = try CommandRunner.run(["lookup", "--db", db, "--name", "NoSuchAlert"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no alert named NoSuchAlert"))
        let both = try CommandRunner.run(["lookup", "--db", db, "--name", "A", "--fingerprint", "b"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("exactly one of"))
        let folder = try Fixtures.temporaryDirectory()
        let bad = folder.appendingPathComponent("bad.json")
        try #"{"version":"4","alerts":[{"labels":{"alertname":"X"}}]}"#.write(to: bad, atomically: true, encoding: .utf8)
        let noStart = try CommandRunner.run(["lookup", "--db", db, "--alert", bad.path])
        #expect(noStart.status == 1)
        #expect(noStart.stderr.contains("bad.json"))
        #expect(noStart.stderr.contains("startsAt"))
    }

    @Test func lookupMarkdownIsATicketReadyTable() throws {
        let db = try sampleStore()
        let result = try CommandRunner.run(["lookup", "--db", db, "--name", "JobLatencyHigh", "--format", "markdown", "--limit", "30"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("# Incident: JobLatencyHigh"))
        #expect(result.stdout.contains("| # | trace | root | duration | queue wait | culprit | status | why |"))
        #expect(result.stdout.contains("- **measures** execution (generatorURL expr celery\\_task\\_runtime\\_seconds\\_bucket)"))
        #expect(result.stdout.contains("- **queue** exports: wait p95 "))
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("`") }
        #expect(rows.count > 5)
        // A runtime alert: the four slow queries first, said in words; the job that waited in
        // the broker after them.
        #expect(rows.prefix(4).allSatisfy { $0.contains("db.query") && $0.contains("ran 6") || $0.contains("ran 5") }, "\(rows)")
        let waited = try #require(rows.firstIndex { $0.contains("queue wait before run/jobs.tasks.export\\_report") }, "the job that waited in the broker")
        #expect(waited >= 4)
    }

    /// `correlate queues` on the sample, against the figures of truth.json computed by hand
    /// (nearest-rank percentiles of each job's wait from enqueue end and execution time).
    @Test func queuesMatchTheSamplesTruth() throws {
        let db = try sampleStore()
        let result = try CommandRunner.run(["queues", "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let queues = try #require(object["queues"] as? [[String: Any]])
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("samples/celery-redis/truth.json")))) as! [String: Any]
        var waits: [String: [Double]] = [:], runs: [String: [Double]] = [:], failures: [String: Int] = [:]
        for job in truth["jobs"] as! [[String: Any]] {
            let queue = job["messaging_destination"] as! String
            waits[queue, default: []].append((job["queue_wait_ms"] as! [String: Any])["from_enqueue_end"] as! Double)
            runs[queue, default: []].append(job["execution_ms"] as! Double)
            failures[queue, default: 0] += (job["error"] as! Bool) ? 1 : 0
        }
        func rank(_ values: [Double], _ percent: Int) -> Double {
            let sorted = values.sorted()
            return sorted[Int((Double(percent * sorted.count) / 100).rounded(.up)) - 1]
        }
        #expect(Set(queues.compactMap { $0["queue"] as? String }) == Set(waits.keys))
        for queue in queues {
            let name = queue["queue"] as! String
            let wait = queue["wait_ms"] as! [String: Double], run = queue["execution_ms"] as! [String: Double]
            #expect(queue["jobs"] as? Int == waits[name]!.count, "\(name)")
            for percent in [50, 95, 99] {
                #expect(abs(wait["p\(percent)"]! - rank(waits[name]!, percent)) < 0.001, "\(name) wait p\(percent)")
                #expect(abs(run["p\(percent)"]! - rank(runs[name]!, percent)) < 0.001, "\(name) execution p\(percent)")
            }
            #expect(abs(wait["max"]! - waits[name]!.max()!) < 0.001)
            #expect(queue["failures"] as? Int == failures[name])
            #expect((queue["longest_waits"] as? [[String: Any]])?.count == 3)
        }
        let text = try CommandRunner.run(["queues", "--db", db, "--queue", "exports"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("longest waits in exports:"))
        #expect(!text.stdout.contains("celery "))
        let bad = try CommandRunner.run(["queues", "--db", db, "--since", "last tuesday"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--since 'last tuesday'"))
        let backwards = try CommandRunner.run(["queues", "--db", db, "--since", "2026-11-25T09:00:00Z", "--until", "2026-11-25T08:00:00Z"])
        #expect(backwards.status == 2)
        #expect(backwards.stderr.contains("is after --until"))
        let none = try CommandRunner.run(["queues", "--db", db, "--queue", "nope"])
        #expect(none.stdout.contains("no job on the queues asked for; jobs ran on celery, exports"), "\(none.stdout)")
        // The options every command takes may come before it: no run of a log file named "queues".
        let first = try CommandRunner.run(["--db", db, "queues", "--queue", "exports"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("longest waits in exports:"))
        // A limit below one is refused, not a crash (report had no check).
        let limit = try CommandRunner.run(["report", "--db", db, "--limit=-1"])
        #expect(limit.status == 2)
        #expect(limit.stderr.contains("--limit must be at least 1"))
    }

    /// Issue 11's third failure through the binary: a consumer that starts a new trace with a
    /// span link to its producer is one job whose 3 s queue wait is the culprit, with no
    /// "context was lost" warning from either side.
    @Test func aJobJoinedByASpanLinkThroughTheCommandLine() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let ingest = try CommandRunner.run(["ingest", "--db", db, "--spans", Fixtures.fixture("spans/linked-job.otlp.jsonl")])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let consumer = try CommandRunner.run(["trace", "--db", db, "efabe8835c0b4d1e9a7f2c3b4d5e6f70", "--format", "json"])
        #expect(consumer.status == 0, "\(consumer.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(consumer.stdout.utf8)) as? [String: Any])
        let culprit = try #require(object["culprit"] as? [String: Any])
        #expect(culprit["kind"] as? String == "queue_wait")
        #expect(culprit["self_time_ms"] as? Double == 3000)
        #expect(!consumer.stdout.contains("disconnected_chain"))
        let producer = try CommandRunner.run(["trace", "--db", db, "ba634a143d1c89db9e2abe586553a831"])
        #expect(producer.status == 0)
        #expect(!producer.stdout.contains("context was lost"), "\(producer.stdout)")
        let queues = try CommandRunner.run(["queues", "--db", db])
        #expect(queues.stdout.split(separator: "\n").contains { $0.hasPrefix("emails ") && $0.contains(" 1 ") && $0.contains("3 s") }, "\(queues.stdout)")
    }

    @Test func reportSelectsAlertsByRangeInTimesAndDurations() throws {
        let db = try sampleStore()
        let inRange = try CommandRunner.run(["report", "--db", db, "--format", "json",
                                             "--since", "2026-11-25T08:00:00Z", "--until", "2026-11-25T09:00:00Z"])
        #expect(inRange.status == 0, "\(inRange.stderr)")
        let names = try bundles(inRange.stdout).compactMap { ($0["alert"] as? [String: Any])?["name"] as? String }
        #expect(Set(names) == ["JobLatencyHigh", "ErrorRateHigh"])
        let before = try CommandRunner.run(["report", "--db", db, "--format", "json",
                                            "--since", "2026-11-24T00:00:00Z", "--until", "2026-11-25T08:00:00Z"])
        #expect(before.status == 0)
        #expect(before.stdout.isEmpty)
        #expect(before.stderr.contains("no alert between"))
        // Durations count back from now: a range ending 100000 h ago holds nothing of 2026.
        let durations = try CommandRunner.run(["report", "--db", db, "--format", "json", "--since", "200000h", "--until", "100000h"])
        #expect(durations.status == 0, "\(durations.stderr)")
        #expect(durations.stdout.isEmpty)
        let wide = try CommandRunner.run(["report", "--db", db, "--format", "json", "--since", "100000h"])
        #expect(try bundles(wide.stdout).count == 2)
        let garbage = try CommandRunner.run(["report", "--db", db, "--since", "yesterday-ish"])
        #expect(garbage.status != 0)
        #expect(garbage.stderr.contains("--since 'yesterday-ish'"))
    }

    @Test func reportWritesTheFileItIsGiven() throws {
        let db = try sampleStore()
        let out = try Fixtures.temporaryDirectory().appendingPathComponent("incident.md")
        let result = try CommandRunner.run(["report", "--db", db, "--since", "2026-11-25T08:00:00Z", "--until", "2026-11-25T09:00:00Z", "-o", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.contains("## 🔥 ErrorRateHigh"))
        #expect(text.contains("## 🔥 JobLatencyHigh"))
    }

    /// A log line of a slow job that carries markup, linked to its trace by trace id.
    private func hostileLog() throws -> String {
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("hostile.log")
        let line = "2026-11-25T08:32:30.000Z WARNING trace_id=6e5bbfb43e75ba84fca988cb58246552 span_id=1111111111111111 "
            + "report title <script>document.body.setAttribute('data-pwned','yes')</script><img src=x onerror=\"document.title='pwned'\">\n"
        try line.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func htmlEscapesLogTextAndIsSelfContained() throws {
        let db = try sampleStore(extraLogs: [try hostileLog()])
        let result = try CommandRunner.run(["lookup", "--db", db, "--name", "JobLatencyHigh", "--format", "html"])
        #expect(result.status == 0, "\(result.stderr)")
        let html = result.stdout
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("&lt;script&gt;document.body.setAttribute"), "the markup is shown as text")
        #expect(!html.contains("<script"), "no script at all: the page needs none")
        #expect(!html.contains("<img"))
        for external in ["src=\"", "<link", "<object", "<embed", "<iframe"] {
            #expect(!html.contains(external), "no external asset: \(external)")
        }
        let style = try #require(html.range(of: "<style>").flatMap { open in html.range(of: "</style>", range: open.upperBound..<html.endIndex).map { html[open.upperBound..<$0.lowerBound] } })
        #expect(!style.contains("url(") && !style.contains("@import"), "the style sheet loads nothing")
        // Links out (the runbook, the graph) are links, not assets: each an <a> with an http(s) URL.
        for part in html.components(separatedBy: "href=\"").dropFirst() {
            #expect(part.hasPrefix("#") || part.hasPrefix("http://") || part.hasPrefix("https://"), "\(part.prefix(60))")
        }
        #expect(html.contains("<div class=\"wf\""), "a waterfall per trace")
    }

    @Test func htmlReportRendersInHeadlessChromium() throws {
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "Debian's chromium is needed (scripts/setup.sh installs it)")
        let db = try sampleStore(extraLogs: [try hostileLog()])
        let folder = try Fixtures.temporaryDirectory()
        let page = folder.appendingPathComponent("incident.html")
        let report = try CommandRunner.run(["report", "--db", db, "--format", "html", "-o", page.path,
                                            "--since", "2026-11-25T08:00:00Z", "--until", "2026-11-25T09:00:00Z"])
        #expect(report.status == 0, "\(report.stderr)")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--user-data-dir=\(folder.appendingPathComponent("profile").path)",
                             "--dump-dom", page.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // What the browser rendered: the alerts, the culprits, and the hostile line as inert text.
        #expect(dom.contains("JobLatencyHigh"))
        #expect(dom.contains("ErrorRateHigh"))
        #expect(dom.contains("<b class=\"mark\">◀ culprit</b> <a href=\"#a1-t1-s"), "the culprit named above the waterfall")
        #expect(dom.contains("&lt;script&gt;document.body.setAttribute"))
        #expect(!dom.contains("data-pwned=\"yes\""), "the log line's script did not run")
        #expect(!dom.contains("<title>pwned"), "the log line's handler did not run")
    }
}

/// `--help` of every command reads as prose.
@Suite struct HelpTests {
    @Test(arguments: ["run", "extract", "ingest", "trace", "lookup", "report", "serve", "rules"])
    func helpIsCleanProse(command: String) throws {
        let result = try CommandRunner.run(["help", command])
        #expect(result.status == 0)
        #expect(result.stdout.contains("OVERVIEW:"))
        #expect(result.stdout.contains("USAGE: correlate \(command)"))
        #expect(!result.stdout.contains("\\"), "no line-continuation backslash leaks into the text")
    }

    @Test func theRootHelpNamesTheDefaultCommand() throws {
        let result = try CommandRunner.run(["--help"])
        #expect(result.stdout.contains("run (default)"))
    }
}
