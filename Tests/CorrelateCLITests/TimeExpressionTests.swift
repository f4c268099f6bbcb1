import Foundation
import Testing
import CorrelateModel
import CorrelateTestSupport

/// `--since`/`--until` take what `journalctl --since` takes, and RFC 3339; a time without a
/// zone is local. "Now" is fixed: Wednesday 2026-11-25 10:30:00 UTC, 11:30 in Berlin (UTC+1).
@Suite struct TimeExpressionTests {
    static let now = Timestamp.parse("2026-11-25T10:30:00Z")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    @Test(arguments: [
        ("2026-11-25", "2026-11-24T23:00:00Z"),
        ("2026-11-25 08:00", "2026-11-25T07:00:00Z"),
        ("2026-11-25 08:00:30", "2026-11-25T07:00:30Z"),
        ("2026-11-25 08:00:30.250", "2026-11-25T07:00:30.25Z"),
        ("Wed 2026-11-25 08:00", "2026-11-25T07:00:00Z"),
        ("2026-11-25 08:00 UTC", "2026-11-25T08:00:00Z"),
        ("2026-11-25 08:00 +05:30", "2026-11-25T02:30:00Z"),
        ("2026-11-25 08:00 America/New_York", "2026-11-25T13:00:00Z"),
        ("2026-07-01 08:00", "2026-07-01T06:00:00Z"),  // summer time: UTC+2
        ("08:00", "2026-11-25T07:00:00Z"),
        ("08:00:15", "2026-11-25T07:00:15Z"),
        ("today", "2026-11-24T23:00:00Z"),
        ("yesterday", "2026-11-23T23:00:00Z"),
        ("tomorrow", "2026-11-25T23:00:00Z"),
        ("yesterday 08:00", "2026-11-24T07:00:00Z"),
        ("now", "2026-11-25T10:30:00Z"),
        ("-1h", "2026-11-25T09:30:00Z"),
        ("+1h", "2026-11-25T11:30:00Z"),
        ("+30min", "2026-11-25T11:00:00Z"),
        ("1 hour ago", "2026-11-25T09:30:00Z"),
        ("2 days ago", "2026-11-23T10:30:00Z"),
        ("1w", "2026-11-18T10:30:00Z"),
        ("30min", "2026-11-25T10:00:00Z"),
        ("1h30m", "2026-11-25T09:00:00Z"),
        ("1h 30min", "2026-11-25T09:00:00Z"),
        ("90s", "2026-11-25T10:28:30Z"),
        ("1.5h", "2026-11-25T09:00:00Z"),
        ("500ms", "2026-11-25T10:29:59.5Z"),
        ("2026-11-25T08:00:00Z", "2026-11-25T08:00:00Z"),
        ("2026-11-25T09:00:00.5+01:00", "2026-11-25T08:00:00.5Z"),
        ("2026-11-25t08:00:00z", "2026-11-25T08:00:00Z"),
        ("@1795595400", "2026-11-25T08:30:00Z"),
    ])
    func eachFormNamesItsTime(text: String, expected: String) throws {
        let time = try #require(TimeExpression.parse(text, now: Self.now, timeZone: Self.berlin), "\(text)")
        #expect(time == Timestamp.parse(expected)!, "\(text) → \(time)")
    }

    @Test(arguments: ["", "soon", "2026-13-01", "2026-02-30", "25:00", "08:60", "8:00", "1 fortnight ago",
                      "08:00:00.5.5", "2026-11-25 08:00 Mars/Olympus", "-", "1h ago ago", "yesterday today",
                      // Outside the nanoseconds an Int64 holds (1677-09-21 to 2262-04-11): once a crash.
                      "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2262-04-13", "2262-04-11 23:00 -12:00", "1677-09-21T00:12:42Z"])
    func whatIsNotATimeIsNone(text: String) {
        #expect(TimeExpression.parse(text, now: Self.now, timeZone: Self.berlin) == nil, "\(text)")
    }

    @Test func theCommandsTakeTheFormsAndSayWhichWhenOneIsWrong() throws {
        let day = ["--since", "2026-11-25", "--until", "2026-11-26 00:00 UTC"]
        let report = try CommandRunner.run(["report", "--db", "none.db", "--format", "json"] + day, environment: ["TZ": "UTC"], rewriting: false)
        #expect(report.status == 1, "parsed, then no store: \(report.stderr)")
        #expect(report.stderr.contains("no store at 'none.db'"))
        for command in ["report", "queues"] {
            let bad = try CommandRunner.run([command, "--since", "last tuesday"])
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("--since 'last tuesday' is not a time: give one such as 2026-11-25, '2026-11-25 08:00', 08:00, yesterday"), "\(bad.stderr)")
            let backwards = try CommandRunner.run([command, "--since", "today", "--until", "yesterday"])
            #expect(backwards.status == 2)
            #expect(backwards.stderr.contains("is after --until"))
        }
    }

    @Test func aLocalDayFindsTheAlertsOfThatDay() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let ingest = try CommandRunner.run(
            ["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl", "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"])
        try #require(ingest.status == 0, "\(ingest.stderr)")
        // The alerts fired at 08:32 UTC: 03:32 in New York.
        let window = ["--since", "2026-11-25 03:00", "--until", "2026-11-25 03:40"]
        let newYork = try CommandRunner.run(["report", "--db", db, "--format", "json"] + window, environment: ["TZ": "America/New_York"])
        #expect(newYork.status == 0, "\(newYork.stderr)")
        #expect(newYork.stdout.split(separator: "\n").count == 2)
        let utc = try CommandRunner.run(["report", "--db", db, "--format", "json"] + window, environment: ["TZ": "UTC"])
        #expect(utc.status == 0)
        #expect(utc.stdout.isEmpty, "03:40 UTC is before the alerts")
        let queues = try CommandRunner.run(["queues", "--db", db, "--format", "json", "--since", "2026-11-25 03:00", "--until", "2026-11-25 04:00"],
                                           environment: ["TZ": "America/New_York"])
        #expect(queues.status == 0, "\(queues.stderr)")
        #expect(queues.stdout.contains("\"queue\":\"exports\""))
    }
}
