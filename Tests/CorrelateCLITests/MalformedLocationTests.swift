import Foundation
import Testing
import CorrelateTestSupport

/// Issue 13, item 2: every count of input that could not be used names where the first one is
/// (file:line) and why, in every command's closing line.
@Suite struct MalformedLocationTests {
    /// A span file whose second document holds a span with an all-zero trace id.
    static func spanFile() throws -> URL {
        let folder = try Fixtures.temporaryDirectory("rejected")
        let good = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8).split(separator: "\n")
        let bad = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00000000000000000000000000000000","spanId":"00f067aa0ba902b7","name":"lost","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#
        let file = folder.appendingPathComponent("spans.jsonl")
        try (String(good[0]) + "\n" + bad + "\n").write(to: file, atomically: true, encoding: .utf8)
        return folder
    }

    /// Regression: ingest said "rejected N" of spans without saying where.
    @Test func ingestNamesTheFirstRejectedSpan() throws {
        let folder = try Self.spanFile()
        let result = try CommandRunner.run(["ingest", "--db", "c.db", "--spans", "spans.jsonl"], directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(#"rejected 1 (invalid or all-zero ids; first at spans.jsonl:2: span 1 ("lost"): all-zero trace id)"#),
                "\(result.stderr)")
    }

    @Test func runNamesTheFirstRejectedSpan() throws {
        let folder = try Self.spanFile()
        let result = try CommandRunner.run(["run", "--db", "c.db", "--spans", "spans.jsonl"], directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(#"rejected 1 (invalid or all-zero ids; first at spans.jsonl:2: span 1 ("lost"): all-zero trace id)"#),
                "\(result.stderr)")
    }

    /// All-zero ids, unreadable inputs: each count with its first location; the log file is
    /// named as given, not by the absolute path the store keeps.
    @Test func extractAndIngestNameTheFirstOfEveryCount() throws {
        let extract = try CommandRunner.run(["extract", "samples/celery-redis/logs/producer.json.log", "missing.log"])
        #expect(extract.status == 1)
        #expect(extract.stderr.contains("1 all-zero id ignored (first at samples/celery-redis/logs/producer.json.log:1: an all-zero id means no trace context)"),
                "\(extract.stderr)")
        #expect(extract.stderr.contains("1 unreadable input (first: cannot open 'missing.log': No such file or directory)"), "\(extract.stderr)")

        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let ingest = try CommandRunner.run(["ingest", "--db", db, "--logs", "samples/celery-redis/logs/producer.json.log"])
        #expect(ingest.status == 0)
        #expect(ingest.stderr.contains("malformed 2 (first at samples/celery-redis/logs/producer.json.log:29: malformed JSON"), "\(ingest.stderr)")
        // A file that cannot be opened stops ingest before it reads or stores anything.
        let missing = try CommandRunner.run(["ingest", "--db", db + "2", "--logs", "samples/celery-redis/logs/producer.json.log",
                                             "--spans", "missing.jsonl"])
        #expect(missing.status == 1)
        #expect(!FileManager.default.fileExists(atPath: db + "2"))
        #expect(missing.stderr.contains("cannot open 'missing.jsonl': No such file or directory"), "\(missing.stderr)")
    }

    /// `rules coverage` said nothing of malformed lines; it now says what it read.
    @Test func rulesCoverageNamesTheFirstMalformedLine() throws {
        let result = try CommandRunner.run(["rules", "coverage", "samples/celery-redis/logs/producer.json.log"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("malformed 2 (first at samples/celery-redis/logs/producer.json.log:29: malformed JSON: object key is not a double-quoted string)"),
                "\(result.stderr)")
    }
}
