import Foundation
import Testing
import CorrelateModel
import CorrelateTestSupport

/// `--log-tz`: a Celery worker in Berlin writes `[2026-11-25 09:32:29,032: …]` for 08:32:29 UTC
/// (Celery's text format has no zone).
@Suite struct LogTimeZoneCommandTests {
    /// The sample's Celery text log as a worker on Berlin time (CET, +01:00 in November) wrote it.
    static func berlinLog(in folder: URL) throws -> String {
        let text = try String(contentsOfFile: Fixtures.celery("logs/celery-worker.log"), encoding: .utf8)
        let moved = text.replacingOccurrences(of: "[2026-11-25 08:", with: "[2026-11-25 09:")
        #expect(moved != text)
        let path = folder.appendingPathComponent("celery-worker.log").path
        try moved.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func receivedTime(_ db: String, in folder: URL) throws -> String? {
        // Job 6's "received" line, through the trace of job 6.
        let trace = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4", "--format", "json"], directory: folder.path)
        guard let object = try JSONSerialization.jsonObject(with: Data(trace.stdout.utf8)) as? [String: Any],
              let logs = object["logs"] as? [[String: Any]] else { return nil }
        return logs.first { ($0["message"] as? String)?.hasSuffix("] received") == true }?["ts"] as? String
    }

    @Test(arguments: ["Europe/Berlin", "+01:00", "UTC+1"])
    func aZoneGivenReadsTheLinesInIt(zone: String) throws {
        let folder = try Fixtures.temporaryDirectory()
        let log = try Self.berlinLog(in: folder)
        let ingest = try CommandRunner.run(["ingest", "--db", "c.db", "--log-tz", zone, "--logs", log,
                                            "--spans", Fixtures.celery("traces.otlp.jsonl")], directory: folder.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(!ingest.stderr.contains("from their spans"), "nothing to say: \(ingest.stderr)")
        #expect(try Self.receivedTime("c.db", in: folder)?.hasPrefix("2026-11-25T08:32:29.032") == true)
    }

    @Test func autoMovesTheSourceBackAndSaysSo() throws {
        let folder = try Fixtures.temporaryDirectory()
        let log = try Self.berlinLog(in: folder)
        let ingest = try CommandRunner.run(["ingest", "--db", "c.db", "--logs", log, "--spans", Fixtures.celery("traces.otlp.jsonl")],
                                           directory: folder.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("celery-worker.log: its times sat +1h from their spans"), "\(ingest.stderr)")
        #expect(try Self.receivedTime("c.db", in: folder)?.hasPrefix("2026-11-25T08:32:29.032") == true)
    }

    @Test func aWrongZoneIsMeasuredAndNamedNotMoved() throws {
        let folder = try Fixtures.temporaryDirectory()
        let log = try Self.berlinLog(in: folder)
        // Read as New York time (−5 h), the lines land 6 h late.
        let ingest = try CommandRunner.run(["ingest", "--db", "c.db", "--log-tz", "America/New_York", "--logs", log,
                                            "--spans", Fixtures.celery("traces.otlp.jsonl")], directory: folder.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("its times sit +6h from their spans"), "\(ingest.stderr)")
        #expect(ingest.stderr.contains("not moved (--log-tz was given)"))
    }

    @Test func streamingMovesTheSourceToo() throws {
        let folder = try Fixtures.temporaryDirectory()
        let log = try Self.berlinLog(in: folder)
        // The log file after --spans is a log file (run's --spans takes one file).
        let run = try CommandRunner.run(["--db", "c.db", "--spans", Fixtures.celery("traces.otlp.jsonl"), log], directory: folder.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("its times sat +1h from their spans"), "\(run.stderr)")
        #expect(try Self.receivedTime("c.db", in: folder)?.hasPrefix("2026-11-25T08:32:29.032") == true)
    }

    @Test func aZoneThatIsNoneIsAUsageErrorNamingIt() throws {
        let folder = try Fixtures.temporaryDirectory()
        let result = try CommandRunner.run(["ingest", "--db", "c.db", "--log-tz", "Europe/Berln", "--logs", Fixtures.celery("logs/celery-worker.log")],
                                           directory: folder.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("'Europe/Berln' is not a time zone"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("c.db").path), "no store made")
    }

    @Test func fixedOffsetsAreRead() {
        #expect(ZonelessTime.fixedOffset("+01:00") == 3600)
        #expect(ZonelessTime.fixedOffset("-0530") == -19800)
        #expect(ZonelessTime.fixedOffset("UTC+2") == 7200)
        #expect(ZonelessTime.fixedOffset("Z") == 0)
        #expect(ZonelessTime.fixedOffset("+15") == nil)
        #expect(ZonelessTime.fixedOffset("Europe/Berlin") == nil)
    }
}
