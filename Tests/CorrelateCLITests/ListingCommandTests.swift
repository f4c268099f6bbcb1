import Foundation
import Testing
import CorrelateTestSupport

/// `correlate traces`, `alerts` and `sources` on a store of the Celery sample.
@Suite struct ListingCommandTests {
    /// A store of the sample's spans, three log files and both alert notifications.
    static func sampleStore() throws -> String {
        let db = try Fixtures.temporaryDirectory("listing").appendingPathComponent("c.db").path
        let ingest = try CommandRunner.run([
            "ingest", "-q", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl",
            "--logs", "samples/celery-redis/logs/celery-worker.log", "samples/celery-redis/logs/worker.otel.log",
            "samples/celery-redis/logs/producer.otel.log",
            "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json", "samples/celery-redis/alerts/alertmanager-webhook-resolved.json",
        ])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return db
    }

    static func objects(_ ndjson: String) -> [[String: Any]] {
        ndjson.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func tracesAreListedNewestFirstAndFiltered() throws {
        let db = try Self.sampleStore()
        let all = try CommandRunner.run(["traces", "--db", db, "--format", "json"])
        #expect(all.status == 0, "\(all.stderr)")
        let traces = Self.objects(all.stdout)
        #expect(traces.count == 29)
        let starts = traces.compactMap { $0["start"] as? String }
        #expect(starts == starts.sorted(by: >), "newest first")
        let slowest = try #require(traces.first { $0["trace_id"] as? String == "6e5bbfb43e75ba84fca988cb58246552" })
        #expect((slowest["root"] as? [String: Any])?["service"] as? String == "export-api")
        #expect(slowest["spans"] as? Int == 5)
        // The records correlate trace shows: by trace id, and Celery's lines by the task id.
        #expect(slowest["logs"] as? Int == 11)
        let shown = try CommandRunner.run(["trace", "--db", db, "6e5bbfb43e75ba84fca988cb58246552"])
        #expect(shown.stdout.contains("5 spans · ") && (shown.stdout.contains("· 11 log events") || shown.stdout.contains("(11 records)")), "\(shown.stdout)")
        #expect((slowest["duration_ms"] as? Double).map { $0 > 6_000 } == true)

        let failed = Self.objects(try CommandRunner.run(["traces", "--db", db, "--errors", "--format", "json"]).stdout)
        #expect(!failed.isEmpty && failed.count < traces.count)
        #expect(failed.allSatisfy { $0["error"] as? Bool == true })
        let slow = Self.objects(try CommandRunner.run(["traces", "--db", db, "--slow", "5s", "--format", "json"]).stdout)
        #expect(!slow.isEmpty && slow.count < traces.count)
        #expect(slow.allSatisfy { ($0["duration_ms"] as? Double ?? 0) >= 5_000 })
        let limited = Self.objects(try CommandRunner.run(["traces", "--db", db, "--limit", "3", "--format", "json"]).stdout)
        #expect(limited.map { $0["trace_id"] as? String } == traces.prefix(3).map { $0["trace_id"] as? String })
        // A limit near the end of the integers is no limit (it once overflowed a multiplication).
        let huge = try CommandRunner.run(["traces", "--db", db, "--limit", "1000000000000000000", "--format", "json"])
        #expect(huge.status == 0, "\(huge.stderr)")
        #expect(Self.objects(huge.stdout).count == traces.count)
        let nobody = try CommandRunner.run(["traces", "--db", db, "--service", "nobody"])
        #expect(nobody.status == 0)
        #expect(nobody.stdout.contains("no trace started in this time"))

        let window = try CommandRunner.run(["traces", "--db", db, "--since", "2026-11-25T08:32:40Z", "--until", "2026-11-25T08:32:45Z"])
        let rows = window.stdout.split(separator: "\n")
        #expect(rows.first == "traces that started 2026-11-25 08:32:40 UTC … 2026-11-25 08:32:45 UTC: 3")
        #expect(rows.dropFirst().first?.hasPrefix("start                        trace                             root (service)") == true)
        #expect(rows.count == 5)
        #expect(rows.last?.contains("69b0ff59053748a1f275a422407085f0  POST /api/v1/reports/{report_id}/export (export-api)") == true)
    }

    @Test func alertsAreListedAndFilteredByNameAndStatus() throws {
        let db = try Self.sampleStore()
        let all = try CommandRunner.run(["alerts", "--db", db])
        #expect(all.status == 0, "\(all.stderr)")
        let rows = all.stdout.split(separator: "\n")
        #expect(rows.count == 3)
        #expect(rows[1].contains("2026-11-25 08:32:37 UTC  2026-11-25 08:32:52 UTC  resolved  ErrorRateHigh   9a7e0af7cb7e7cc2"))
        #expect(rows[2].contains("JobLatencyHigh  11d7c3d7e168b8e8  instance=celery-exporter:9808 job=celery-worker queue=exports"))

        let named = Self.objects(try CommandRunner.run(["alerts", "--db", db, "--name", "joblatencyhigh", "--format", "json"]).stdout)
        #expect(named.map { $0["fingerprint"] as? String } == ["11d7c3d7e168b8e8"])
        #expect((named.first?["labels"] as? [String: String])?["queue"] == "exports")
        #expect(named.first?["ends_at"] as? String == "2026-11-25T08:32:52.000000Z")
        let firing = try CommandRunner.run(["alerts", "--db", db, "--status", "firing"])
        #expect(firing.stdout == "no alert in the store (with these filters)\n")
        let recent = try CommandRunner.run(["alerts", "--db", db, "--since", "2026-11-25T08:33:00Z"])
        #expect(recent.stdout == "no alert in the store (with these filters)\n")
        let bad = try CommandRunner.run(["alerts", "--db", db, "--status", "pending"])
        #expect(bad.status == 2)
    }

    @Test func sourcesSayWhatEachFileGave() throws {
        let db = try Self.sampleStore()
        let result = try CommandRunner.run(["sources", "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let sources = Self.objects(result.stdout)
        #expect(sources.map { ($0["source"] as? String).map { ($0 as NSString).lastPathComponent } }
                == ["celery-worker.log", "producer.otel.log", "worker.otel.log"])
        #expect(sources.map { $0["records"] as? Int } == [159, 59, 106])
        #expect(sources.map { $0["with_trace_id"] as? Int } == [0, 56, 102])
        #expect(sources.first?["first"] as? String == "2026-11-25T08:32:26.245000Z")
        let text = try CommandRunner.run(["sources", "--db", db])
        let header = try #require(text.stdout.split(separator: "\n").first)
        #expect(header.hasPrefix("source "))
        #expect(header.hasSuffix("  records  with trace id  first                        last"), "\(header)")
        #expect(text.stdout.contains("       106      102 (96%)  2026-11-25 08:32:26.478 UTC  2026-11-25 08:32:48.292 UTC"), "\(text.stdout)")
    }

    /// No store, bad options: the usual exit statuses; every listing's help has examples.
    @Test(.enabled(if: TestStore.sqliteOnly, "a missing store file")) func missingStoreAndBadOptionsAreClearErrors() throws {
        for command in ["traces", "alerts", "sources"] {
            let missing = try CommandRunner.run([command, "--db", "/nonexistent/c.db"])
            #expect(missing.status == 1, "\(command)")
            #expect(missing.stderr.contains("no store at '/nonexistent/c.db'"))
            let help = try CommandRunner.run(["help", command])
            #expect(help.stdout.contains("EXAMPLES:\n  correlate \(command)"), "\(help.stdout)")
        }
        #expect(try CommandRunner.run(["traces", "--slow", "fast"]).status == 2)
        #expect(try CommandRunner.run(["traces", "--limit", "0"]).status == 2)
        #expect(try CommandRunner.run(["traces", "--since", "the day before the outage"]).status == 2)
    }
}
