import Foundation
import Testing
import CorrelateStore
import CorrelateTestSupport

@Suite struct IngestTraceCommandTests {
    private func sampleIngest(_ db: String) -> [String] {
        ["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl",
         "--logs", "samples/celery-redis/logs/celery-worker.log", "--logs", "samples/celery-redis/logs/worker.otel.log",
         "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"]
    }

    @Test func ingestTwiceAddsNothingTheSecondTime() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let first = try CommandRunner.run(sampleIngest(db))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("spans: read 139 in 33 documents (otlp-json), stored 139, duplicates 0"))
        let second = try CommandRunner.run(sampleIngest(db))
        #expect(second.status == 0)
        #expect(second.stderr.contains("stored 0, duplicates 139"))
        #expect(second.stderr.contains("alerts: read 2, stored 0, duplicates 2"))
    }

    @Test func twoStreamsOnStandardInputAreNotMistakenForTheSameLines() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let first = "2026-11-25T08:00:00Z INFO trace_id=4bf92f3577b34da6a3ce929d0e0e4736 first stream\n"
        let second = "2026-11-25T09:00:00Z INFO trace_id=4bf92f3577b34da6a3ce929d0e0e4736 second stream\n"
        let one = try CommandRunner.run(["ingest", "--db", db, "--logs", "-"], stdin: Data(first.utf8))
        #expect(one.stderr.contains("stored 1, duplicates 0"), "\(one.stderr)")
        // Line 1 of another stream is another line: stored, not dropped as a duplicate.
        let two = try CommandRunner.run(["ingest", "--db", db, "--logs", "-"], stdin: Data(second.utf8))
        #expect(two.stderr.contains("stored 1, duplicates 0"), "\(two.stderr)")
        // The same stream again is recognised: nothing stored twice.
        let again = try CommandRunner.run(["ingest", "--db", db, "--logs", "-"], stdin: Data((first + second).utf8))
        #expect(again.stderr.contains("stored 1, duplicates 1"), "its first line is the first stream's: \(again.stderr)")
    }

    @Test func traceShowsTheJobsWholeLife() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        _ = try CommandRunner.run(sampleIngest(db))
        // Job 6: a slow export, its db query the culprit.
        let result = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", "140"])
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.stdout
        #expect(text.contains("trace 6e5bbfb43e75ba84fca988cb58246552"))
        #expect(text.contains("apply_async/jobs.tasks.export_report"))
        #expect(text.contains("░ queue wait"))
        #expect(text.contains("run/jobs.tasks.export_report"))
        let culpritRow = try #require(text.split(separator: "\n").first { $0.contains("│") && $0.hasSuffix("◀") })
        #expect(culpritRow.contains("db.query"))
        #expect(text.contains("slow query on reports db"))  // a log line of the job, under its span
        #expect(!text.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test func traceJSONIsTheBundlesTraceObject() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        _ = try CommandRunner.run(sampleIngest(db))
        let result = try CommandRunner.run(["trace", "--db", db, "a93220b20a1f6a5045d0b53a8d638cce", "--format", "json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(object["trace_id"] as? String == "a93220b20a1f6a5045d0b53a8d638cce")
        let culprit = try #require(object["culprit"] as? [String: Any])
        #expect(culprit["kind"] as? String == "queue_wait")
        #expect((object["queue_wait_ms"] as? Double ?? 0) > 5_000)
        #expect((object["spans"] as? [Any])?.count == 5)
        #expect(object["status"] as? String == "ok")
        for key in ["root", "start", "duration_ms", "reasons", "score", "logs", "diagnostics"] {
            #expect(object.keys.contains(key), "missing \(key)")
        }
    }

    @Test func unknownTraceAndMissingStoreAreClearErrors() throws {
        let folder = try Fixtures.temporaryDirectory()
        let missing = try CommandRunner.run(["trace", "--db", folder.appendingPathComponent("none.db").path, "4bf92f3577b34da6a3ce929d0e0e4736"],
                                            rewriting: false)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no store at"))
        let db = folder.appendingPathComponent("c.db").path
        _ = try CommandRunner.run(sampleIngest(db))
        let unknown = try CommandRunner.run(["trace", "--db", db, "ffffffffffffffffffffffffffffffff"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no trace ffffffffffffffffffffffffffffffff"))
        // A decimal 64-bit id (Datadog's) of any length is an id the store may lack.
        let decimal = try CommandRunner.run(["trace", "--db", db, "1234567"])
        #expect(decimal.status == 1)
        #expect(decimal.stderr.contains("no trace 1234567"), "\(decimal.stderr)")
        // What is not an id at all is a usage error (2), as a bad option is.
        for text in ["xyz", "6e5b", "6e5bbfb43e75ba84fca988cb5824655200"] {
            let bad = try CommandRunner.run(["trace", "--db", db, text])
            #expect(bad.status == 2, "\(text)")
            #expect(bad.stderr.contains("'\(text)' is not a trace id"), "\(bad.stderr)")
        }
    }

    /// The Collector's file exporter writes OTLP logs requests, many records a line: each
    /// record is stored once (the sample's 43 requests hold 165), a damaged line is counted
    /// with its line number, and the records are the trace's log lines.
    @Test func aFileOfOTLPLogsRequestsStoresEveryRecordOnce() throws {
        let folder = try Fixtures.temporaryDirectory()
        let db = folder.appendingPathComponent("c.db").path
        let lines = try String(contentsOfFile: Fixtures.celery("logs.otlp.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 43)
        let damaged = folder.appendingPathComponent("logs.otlp.jsonl")
        try (lines[0..<10].joined(separator: "\n") + "\n{\"resourceLogs\": [truncated\n" + lines[10...].joined(separator: "\n") + "\n")
            .write(to: damaged, atomically: true, encoding: .utf8)
        let arguments = ["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl", "--logs", damaged.path]
        let first = try CommandRunner.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("logs: read 44 lines, 165 records, stored 165, duplicates 0, malformed 1 (first at \(damaged.path):11: not an OTLP logs request"),
                "\(first.stderr)")
        let again = try CommandRunner.run(arguments)
        #expect(again.stderr.contains("165 records, stored 0, duplicates 165"), "\(again.stderr)")
        let trace = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--width", "200"])
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdout.contains("slow query on reports db: 6.0s for report rpt-76092"), "\(trace.stdout)")
        #expect(trace.stdout.components(separatedBy: "logs.otlp.jsonl:").count - 1 == 6, "the trace's six records, each under the file")
        // `run` reads such a file the same way.
        let ran = try CommandRunner.run(["run", "--db", folder.appendingPathComponent("r.db").path, damaged.path,
                                         "--spans", "samples/celery-redis/traces.otlp.jsonl"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stderr.contains("logs: read 44 lines, 165 records, stored 165, duplicates 0, malformed 1"), "\(ran.stderr)")
    }

    @Test func malformedSpanDocumentsAreReportedWithFileAndLine() throws {
        let folder = try Fixtures.temporaryDirectory()
        let spans = folder.appendingPathComponent("spans.jsonl")
        let good = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8).split(separator: "\n")
        try (String(good[0]) + "\n{\"resourceSpans\": [truncated\n{\"unrelated\": true}\n" + String(good[1]) + "\n").write(to: spans, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["ingest", "--db", folder.appendingPathComponent("c.db").path, "--spans", spans.path])
        #expect(result.status == 0)
        #expect(result.stderr.contains("spans.jsonl:2: not JSON"))
        #expect(result.stderr.contains("spans.jsonl:3: not spans"))
        #expect(result.stderr.contains("malformed documents 2"))
    }

    /// A span or alert file of which nothing could be read still has its part of the summary
    /// ("spans: read 0 …"), for `ingest` and `run` alike: what was asked for is answered.
    @Test(arguments: [["ingest", "--spans", "spans.jsonl", "--alerts", "alerts.json"], ["run", "--spans", "spans.jsonl", "--alerts", "alerts.json"]])
    func filesOfWhichNothingWasReadAreInTheSummary(_ command: [String]) throws {
        let folder = try Fixtures.temporaryDirectory("nothing-read")
        try "{\"resourceSpans\": [truncated\n".write(to: folder.appendingPathComponent("spans.jsonl"), atomically: true, encoding: .utf8)
        try "{\"alerts\": 3}\n".write(to: folder.appendingPathComponent("alerts.json"), atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(command + ["--db", "c.db"], stdin: Data(), directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("spans: read 0 in 0 documents, stored 0"), "\(result.stderr)")
        #expect(result.stderr.contains("alerts: read 0, stored 0"), "\(result.stderr)")
        #expect(result.stderr.contains("malformed documents 2"), "\(result.stderr)")
    }

    @Test(.enabled(if: TestStore.sqliteOnly, "SQLite's transactions")) func ingestKilledMidwayLeavesAStoreThatCompletesOnTheNextRun() throws {
        let folder = try Fixtures.temporaryDirectory()
        // Enough log lines for several batches of 20,000.
        let lineCount = 120_000
        let logs = folder.appendingPathComponent("big.log")
        var text = ""
        text.reserveCapacity(lineCount * 120)
        for index in 0..<lineCount {
            let id = String(index + 1)
            text += "2026-11-25T08:00:00Z INFO step trace_id=" + String(repeating: "0", count: 32 - id.count) + id
                + " task_id=job-" + id + "\n"
        }
        try text.write(to: logs, atomically: true, encoding: .utf8)
        let db = folder.appendingPathComponent("k.db").path

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandRunner.correlate)
        process.arguments = ["ingest", "-q", "--db", db, "--logs", logs.path, "--threads", "1"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill it once some batches are committed (the WAL grows), before it finishes.
        let start = Date()
        while process.isRunning, Date().timeIntervalSince(start) < 30 {
            if StoreFiles.bytes(db) > 1 << 20 { break }
            usleep(5_000)
        }
        let killedEarly = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(killedEarly, "the ingest finished before it could be killed; make the input larger")

        // The store opens, is sound, and holds whole batches only.
        let store = try SQLiteEventStore(path: db)
        #expect(try store.integrityCheck())
        let kept = try store.statistics().logs
        #expect(kept < lineCount && kept % 20_000 == 0, "\(kept) records kept")
        let rerun = try CommandRunner.run(["ingest", "--db", db, "--logs", logs.path, "--threads", "1"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let stored = try #require(Self.number(after: "stored ", in: rerun.stderr))
        let duplicates = try #require(Self.number(after: "duplicates ", in: rerun.stderr))
        #expect(stored + duplicates == lineCount)
        #expect(duplicates == kept)
        #expect(try TestStore.open(path: db).statistics().logs == lineCount)
    }

    static func number(after prefix: String, in text: String) -> Int? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
