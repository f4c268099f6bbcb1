import Foundation
import Testing
import CorrelateTestSupport

/// Issue 13: several files after one flag, directories, gzip and zstd input, for every command
/// that reads logs (`run`, `extract`, `ingest`, `rules coverage`) and for spans and alerts.
@Suite struct InputsCommandTests {
    static let gzipLog = Fixtures.fixture("compressed/worker.otel.log.gz")
    static let zstdLog = Fixtures.fixture("compressed/worker.otel.log.zst")
    static let gzipSpans = Fixtures.fixture("compressed/traces.otlp.jsonl.gz")
    static let zstdAlerts = Fixtures.fixture("compressed/alertmanager-webhook.json.zst")

    /// A folder holding copies of files, by their new relative names.
    static func folder(_ files: [String: String]) throws -> URL {
        let root = try Fixtures.temporaryDirectory("inputs")
        for (name, source) in files {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: source, toPath: url.path)
        }
        return root
    }

    static func sourceFiles(_ ndjson: String) -> [String] {
        ndjson.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                .flatMap { $0["source"] as? [String: Any] }?["file"] as? String
        }
    }

    /// `--logs a b c` takes the three files; `--logs` again adds more; the same for `--spans`
    /// and `--alerts`, compressed or not.
    @Test func severalFilesAfterOneFlagAndTheFlagAgain() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let result = try CommandRunner.run([
            "ingest", "--db", db,
            "--logs", "samples/celery-redis/logs/celery-worker.log", "samples/celery-redis/logs/producer.otel.log", Self.gzipLog,
            "--spans", Self.gzipSpans, "samples/celery-redis/traces.otlp.jsonl",
            "--alerts", Self.zstdAlerts, "samples/celery-redis/alerts/alertmanager-webhook-resolved.json",
            "--logs", "samples/celery-redis/logs/producer.json.log",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        // 197 + 59 + 136 + 75 lines.
        #expect(result.stderr.contains("logs: read 467 lines"), "\(result.stderr)")
        #expect(result.stderr.contains("spans: read 278 in 66 documents (otlp-json), stored 139, duplicates 139"), "\(result.stderr)")
        #expect(result.stderr.contains("alerts: read 4, stored 4"), "\(result.stderr)")
    }

    /// Regression: a `.gz` read as text gave 21 garbage records and exit 0. Its content is
    /// decompressed now, whatever its name, also on standard input.
    @Test func aGzipFileGivesTheRecordsOfItsText() throws {
        let plain = try CommandRunner.run(["extract", "samples/celery-redis/logs/worker.otel.log"])
        let folder = try Self.folder(["worker.gz": Self.gzipLog, "worker.log": Self.zstdLog])
        for path in ["worker.gz", "worker.log"] {
            let result = try CommandRunner.run(["extract", path], directory: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == plain.stdout.replacingOccurrences(of: "samples/celery-redis/logs/worker.otel.log", with: path))
            #expect(!result.stderr.contains("invalid UTF-8"))
        }
        let piped = try CommandRunner.run(["extract", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: Self.gzipLog)))
        #expect(piped.status == 0)
        #expect(piped.stdout == plain.stdout.replacingOccurrences(of: "samples/celery-redis/logs/worker.otel.log", with: "<stdin>"))
    }

    /// A truncated gzip file: the records before the cut are written, the cut is said with the
    /// file as given and the line reached, and the exit status is 1; the next input is read.
    @Test func aTruncatedCompressedFileKeepsWhatCameBeforeAndSaysWhere() throws {
        let folder = try Fixtures.temporaryDirectory("cut")
        let gzip = try Data(contentsOf: URL(fileURLWithPath: Self.gzipLog))
        try gzip.prefix(3000).write(to: folder.appendingPathComponent("cut.log.gz"))
        let result = try CommandRunner.run(["extract", "cut.log.gz", Fixtures.celery("logs/producer.otel.log")], directory: folder.path)
        #expect(result.status == 1)
        let files = Self.sourceFiles(result.stdout)
        let kept = files.filter { $0 == "cut.log.gz" }.count
        #expect(kept > 10)
        #expect(files.filter { $0.hasSuffix("producer.otel.log") }.count == 59, "the input after it is read")
        let error = try #require(result.stderr.split(separator: "\n").first { $0.contains("damaged gzip data") })
        #expect(error.hasPrefix("correlate: error: cut.log.gz:"))
        #expect(error.contains("lines before it were read"))
    }

    /// A directory is read recursively in name order, files chosen by the default globs or by
    /// `--glob`; a directory with nothing to read is an error (exit 1) and the rest is read.
    @Test func aDirectoryIsReadWithItsGlobs() throws {
        let folder = try Self.folder([
            "logs/worker.otel.log.gz": Self.gzipLog,
            "logs/b/celery-worker.log": Fixtures.celery("logs/celery-worker.log"),
            "logs/a/producer.otel.txt": Fixtures.celery("logs/producer.otel.log"),
            "logs/README.md": Fixtures.path("README.md"),
            "logs/.hidden.log": Fixtures.celery("logs/producer.otel.log"),
            "empty/notes.md": Fixtures.path("README.md"),
        ])
        let all = try CommandRunner.run(["extract", "logs"], directory: folder.path)
        #expect(all.status == 0, "\(all.stderr)")
        var order: [String] = []
        for file in Self.sourceFiles(all.stdout) where order.last != file { order.append(file) }
        #expect(order == ["logs/a/producer.otel.txt", "logs/b/celery-worker.log", "logs/worker.otel.log.gz"])
        #expect(all.stderr.contains("read 392 lines from 3 inputs"), "\(all.stderr)")

        let chosen = try CommandRunner.run(["extract", "--glob", "*.gz", "--glob", "*.txt", "logs", "empty"], directory: folder.path)
        #expect(chosen.status == 1)
        #expect(Set(Self.sourceFiles(chosen.stdout)) == ["logs/a/producer.otel.txt", "logs/worker.otel.log.gz"])
        #expect(chosen.stderr.contains("correlate: error: cannot read 'empty': no file in this directory or under it matches --glob '*.gz', '*.txt'"))
    }

    /// `run` takes directories and compressed files for logs, spans and alerts, and writes the
    /// sample's bundles from them.
    @Test func runReadsDirectoriesAndCompressedSpansAndAlerts() throws {
        let folder = try Self.folder([
            "logs/worker.otel.log.gz": Self.gzipLog,
            "logs/celery-worker.log.zst": Fixtures.fixture("compressed/worker.otel.log.zst"),
            "spans/traces.otlp.jsonl.gz": Self.gzipSpans,
            "alerts/webhook.json.zst": Self.zstdAlerts,
        ])
        let result = try CommandRunner.run(["run", "--db", "c.db", "logs", "--spans", "spans", "--alerts", "alerts", "--settle", "0s"],
                                           directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("spans: read 139 in 33 documents (otlp-json), stored 139"), "\(result.stderr)")
        #expect(result.stderr.contains("alerts: read 2, stored 2"), "\(result.stderr)")
        #expect(result.stderr.contains("logs: read 272 lines"), "\(result.stderr)")
        #expect(result.stdout.contains("\"name\":\"JobLatencyHigh\""))
    }

    /// Spans in OTLP protobuf, gzip-compressed: decompressed, then told binary by their content.
    @Test func compressedProtobufSpansAreDecodedAsProtobuf() throws {
        let folder = try Fixtures.temporaryDirectory("pb")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -c \"$0\" > \"$1\"", Fixtures.celery("requests/0005-traces.pb"),
                          folder.appendingPathComponent("traces.pb.gz").path]
        try gzip.run()
        gzip.waitUntilExit()
        let result = try CommandRunner.run(["ingest", "--db", "c.db", "--spans", "traces.pb.gz"], directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("(otlp-protobuf), stored"), "\(result.stderr)")
        #expect(result.stderr.contains("malformed documents 0"))
    }

    /// An OTLP protobuf span file with a span that is not a valid message after good ones:
    /// `run` reads it as `ingest` does — the spans before it stored, the bad span named.
    @Test(arguments: [["ingest", "--db", "c.db", "--spans", "bad.pb"], ["run", "--db", "c.db", "--spans", "bad.pb", "--settle", "0s"]])
    func aBadSpanInAProtobufFileKeepsTheSpansBeforeIt(arguments: [String]) throws {
        let folder = try Fixtures.temporaryDirectory("bad-pb")
        let request = try Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("requests/0005-traces.pb")))
        try request.write(to: folder.appendingPathComponent("good.pb"))
        let good = try CommandRunner.run(["ingest", "--db", "g.db", "--spans", "good.pb"], directory: folder.path)
        let spans = try #require(good.stderr.firstMatch(of: /stored (\d+)/).flatMap { Int($0.1) }, "\(good.stderr)")
        #expect(spans > 0)
        // A `ResourceSpans` whose one span's first field has wire type 3, which protobuf no longer allows.
        try (request + Data([0x0A, 0x05, 0x12, 0x03, 0x12, 0x01, 0x0B])).write(to: folder.appendingPathComponent("bad.pb"))
        let result = try CommandRunner.run(arguments, directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("bad.pb:1: not an OTLP protobuf ExportTraceServiceRequest: span \(spans + 1) (at byte \(request.count + 6)): unsupported wire type 3 (the spans before it are stored)"),
                "\(result.stderr)")
        #expect(result.stderr.contains("(otlp-protobuf), stored \(spans)"), "\(result.stderr)")
    }

    /// `rules coverage` reads directories and compressed files too, and says what it read.
    @Test func rulesCoverageReadsADirectory() throws {
        let folder = try Self.folder(["logs/worker.otel.log.gz": Self.gzipLog,
                                      "logs/producer.json.log": Fixtures.celery("logs/producer.json.log")])
        let result = try CommandRunner.run(["rules", "coverage", "logs"], directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("logs/worker.otel.log.gz"))
        #expect(result.stdout.contains("logs/producer.json.log"))
        #expect(result.stderr.contains("read 211 lines from 2 inputs"), "\(result.stderr)")
    }
}
