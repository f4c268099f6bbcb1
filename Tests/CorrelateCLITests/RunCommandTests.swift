import Foundation
import Testing
import CorrelateTestSupport

/// `correlate [run]`, the streaming pipeline: batch on the Celery sample, and live on files that
/// grow and rotate and on a standard input that stays open.
@Suite struct RunCommandTests {
    private func bundles(_ ndjson: String) throws -> [[String: Any]] {
        try ndjson.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func name(_ bundle: [String: Any]) -> String? { (bundle["alert"] as? [String: Any])?["name"] as? String }

    private func sampleLogs() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("logs/celery-worker.log")))
            + Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("logs/worker.otel.log")))
    }

    @Test func catLogsIntoCorrelateGivesEachAlertItsBundle() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        // cat worker.log | correlate --spans traces.otlp.jsonl --alerts alertmanager.json
        let result = try CommandRunner.run(
            ["--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl", "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"],
            stdin: try sampleLogs())
        #expect(result.status == 0, "\(result.stderr)")
        let all = try bundles(result.stdout)
        #expect(all.compactMap(name).sorted() == ["ErrorRateHigh", "JobLatencyHigh"])
        let schema = try JSONSchema.bundle()
        for line in result.stdout.split(separator: "\n") { #expect(schema.validate(String(line)).isEmpty) }
        #expect(all.allSatisfy { $0["revision"] as? Int == 0 })
        let latency = try #require(all.first { name($0) == "JobLatencyHigh" })
        let traces = latency["traces"] as? [[String: Any]] ?? []
        let slow = traces.filter { ($0["duration_ms"] as? Double ?? 0) > 2_000 }
        #expect(slow.count == 5)
        let culprits = slow.compactMap { ($0["culprit"] as? [String: Any])?["name"] as? String }
        #expect(culprits.filter { $0 == "db.query" }.count == 4)
        #expect(culprits.filter { $0.hasPrefix("queue wait") }.count == 1)
        #expect(slow.allSatisfy { !($0["logs"] as? [Any] ?? []).isEmpty }, "the jobs' log lines came from stdin")
        #expect(result.stderr.contains("logs: read 333 lines"))
        #expect(result.stderr.contains("bundles written 2"))
        // Everything was stored: lookup answers the same afterwards.
        let lookup = try CommandRunner.run(["lookup", "--db", db, "--name", "JobLatencyHigh"])
        let again = try #require(try bundles(lookup.stdout).first)
        #expect((again["traces"] as? [[String: Any]])?.compactMap { $0["trace_id"] as? String }
                == traces.compactMap { $0["trace_id"] as? String })
    }

    @Test func withoutAlertsItStoresEverythingAndWritesNothing() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let result = try CommandRunner.run(["run", "--db", db, "samples/celery-redis/logs/celery-worker.log",
                                            "--spans", "samples/celery-redis/traces.otlp.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("stored 139"))
        let trace = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4"])
        #expect(trace.status == 0)
        #expect(trace.stdout.contains("culprit ◀ db.query"))
    }

    @Test func aMalformedAlertPayloadIsReportedAndTheRestGoesOn() throws {
        let folder = try Fixtures.temporaryDirectory()
        let alerts = folder.appendingPathComponent("alerts.jsonl")
        let good = try String(contentsOfFile: Fixtures.celery("alerts/alertmanager-webhook.json"), encoding: .utf8)
        try ("{\"version\": \"4\", \"alerts\": [tru\n" + good).write(to: alerts, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["--db", folder.appendingPathComponent("c.db").path, "--alerts", alerts.path,
                                            "--spans", "samples/celery-redis/traces.otlp.jsonl", "samples/celery-redis/logs/celery-worker.log"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("alerts.jsonl:1: not JSON"))
        #expect(try bundles(result.stdout).count == 2)
    }

    @Test func badOptionsFailFast() throws {
        let settle = try CommandRunner.run(["run", "--settle", "soon", "--spans", "x"])
        #expect(settle.status == 2)
        #expect(settle.stderr.contains("--settle 'soon' is not a duration"))
        let html = try CommandRunner.run(["run", "--follow", "--format", "html", "--spans", "x"])
        #expect(html.status == 2)
        #expect(html.stderr.contains("--format html"))
        let stdinSpans = try CommandRunner.run(["run", "--spans", "-"])
        #expect(stdinSpans.status == 2)
    }

    // MARK: - Live

    private func append(_ text: String, to url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    private func lines(_ path: String) throws -> [String] {
        // Blank lines too (a traceback holds some): every line, each with its terminator.
        var all = try String(contentsOfFile: Fixtures.celery(path), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        if all.last == "\n" { all.removeLast() }
        return all
    }

    @Test func followRevisesABundleWhenLateSpansArriveAndSurvivesRotation() throws {
        let folder = try Fixtures.temporaryDirectory()
        let spans = folder.appendingPathComponent("spans.jsonl")
        let logs = folder.appendingPathComponent("worker.log")
        let alerts = folder.appendingPathComponent("alerts.jsonl")
        let spanLines = try lines("traces.otlp.jsonl")
        let logLines = try lines("logs/celery-worker.log")
        try append(spanLines.prefix(10).joined(), to: spans)
        try append("", to: logs)
        try append("", to: alerts)
        let run = try BackgroundCommand(["--db", "c.db", "--follow", "--settle", "1s", "worker.log", "--spans", "spans.jsonl", "--alerts", "alerts.jsonl"], folder: folder)
        defer { run.stop() }

        // Nothing before an alert; then its resolution arrives, and settles.
        try append(logLines.prefix(40).joined(), to: logs)
        try append(String(contentsOfFile: Fixtures.celery("alerts/alertmanager-webhook-resolved.json"), encoding: .utf8), to: alerts)
        #expect(run.waitFor(seconds: 15) { $0.split(separator: "\n").count >= 2 }, "first bundles: \(run.stderr)")
        let first = try bundles(run.stdout)
        #expect(first.allSatisfy { $0["revision"] as? Int == 0 })
        let firstLatency = try #require(first.first { name($0) == "JobLatencyHigh" })
        let before = firstLatency["candidates"] as? Int ?? 0

        // Late spans (the exporter's later batches) and a rotated log file.
        try append(spanLines.dropFirst(10).joined(), to: spans)
        try FileManager.default.moveItem(at: logs, to: folder.appendingPathComponent("worker.log.1"))
        try append(logLines.dropFirst(40).joined(), to: logs)
        // The candidates are the jobs of the alert's queue (queue=exports, task=export_report);
        // job=celery-worker, which every job of the sample matches, is too weak to add others.
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("truth.json")))) as? [String: Any]
        let exports = (truth?["jobs"] as? [[String: Any]] ?? []).filter { $0["queue"] as? String == "exports" }.count
        #expect(exports > 0 && exports < truth?["n_jobs"] as? Int ?? 0)
        // The late spans and the rotated log arrive in several commits, so one revision may show
        // part of them (a slow machine settles in between); the last revision shows them all.
        #expect(run.waitFor(seconds: 30) { text in
            (try? bundles(text))?.last { name($0) == "JobLatencyHigh" }.map {
                ($0["revision"] as? Int ?? 0) >= 1 && ($0["candidates"] as? Int) == exports
            } ?? false
        }, "a revision with every job of the queue: \(run.stdout) \(run.stderr)")
        let revised = try #require(try bundles(run.stdout).last { name($0) == "JobLatencyHigh" })
        #expect((revised["revision"] as? Int ?? 0) >= 1)
        #expect((revised["candidates"] as? Int ?? 0) > before)
        #expect((revised["candidates"] as? Int) == exports)

        // SIGTERM: stops, stores what it read, says what it did.
        #expect(run.stop(), "SIGTERM ends the run")
        #expect(run.process.terminationStatus == 0)
        #expect(run.stderr.contains("logs: read 197 lines"), "both generations of worker.log: \(run.stderr)")
        #expect(run.stderr.contains("spans: read 139"))
    }

    @Test func aStandardInputThatStaysOpenStillGetsItsBundles() throws {
        let folder = try Fixtures.temporaryDirectory()
        let alerts = folder.appendingPathComponent("alerts.json")
        try String(contentsOfFile: Fixtures.celery("alerts/alertmanager-webhook-resolved.json"), encoding: .utf8)
            .write(to: alerts, atomically: true, encoding: .utf8)
        let run = try BackgroundCommand(["--db", "c.db", "--settle", "1s", "--spans", Fixtures.celery("traces.otlp.jsonl"), "--alerts", "alerts.json"], folder: folder)
        defer { run.stop() }
        // As journalctl -f: lines arrive, the pipe stays open.
        run.stdin.fileHandleForWriting.write(try sampleLogs())
        #expect(run.waitFor(seconds: 15) { $0.split(separator: "\n").count == 2 }, "bundles while stdin is open: \(run.stderr)")
        #expect(run.process.isRunning)
        let latency = try #require(try bundles(run.stdout).first { name($0) == "JobLatencyHigh" })
        let top = try #require((latency["traces"] as? [[String: Any]])?.first)
        #expect(!(top["logs"] as? [Any] ?? []).isEmpty, "its log lines, read from the open stdin")
        try run.stdin.fileHandleForWriting.close()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0)
    }
}
