import Foundation
import Testing
import CorrelateTestSupport

/// `correlate.yaml`: where it is found, what it sets, that the command line overrides it, and
/// that a bad one stops every command with its file, key and line:column (exit 2).
@Suite struct ConfigFileTests {
    private func folder(config: String? = nil) throws -> URL {
        let folder = try Fixtures.temporaryDirectory()
        if let config { try Data(config.utf8).write(to: folder.appendingPathComponent("correlate.yaml")) }
        return folder
    }

    /// The Celery sample's spans and worker logs, in `c.db` of `folder`.
    private func ingestSample(into folder: URL) throws {
        let result = try CommandRunner.run(
            ["ingest", "--db", folder.appendingPathComponent("c.db").path, "--spans", Fixtures.celery("traces.otlp.jsonl"),
             "--logs", Fixtures.celery("logs/worker.otel.log")])
        try #require(result.status == 0, "\(result.stderr)")
    }

    @Test(arguments: [
        ("rule:\n  - x\n", "unknown key 'rule'; did you mean 'rules'?", "correlate.yaml:1:1"),
        ("db: ./c.db\ntrace_url: []\n", "unknown key 'trace_url'; did you mean 'trace_urls'?", "correlate.yaml:2:1"),
        ("db: [a, b]\n", "db must be a path, not a list", "correlate.yaml:1:5"),
        ("rules:\n  folder: x\n", "rules must be a folder or a list of folders, not a mapping", "correlate.yaml:2:3"),
        ("color: sometimes\n", "color must be auto, always or never, not 'sometimes'", "correlate.yaml:1:8"),
        ("trace_urls:\n  - Jaeger=http://jaeger/trace/{trace}\n", "trace_urls: unknown placeholder {trace}", "correlate.yaml:2:32"),
        ("trace_urls:\n  - 'ftp://x/{trace_id}'\n", "trace_urls: a link must start with http:// or https://", "correlate.yaml:2:6"),
        ("db: [\n", "the configuration file is not YAML", "correlate.yaml:2:1"),
        ("- rules\n", "the configuration file must be a mapping", "correlate.yaml:1:1"),
        ("db: a\ncolor: never\ndb: b\n", "'db' is given twice", "correlate.yaml:3:1"),
        ("log_tz: Mars/Olympus\n", "log_tz 'Mars/Olympus' is not a time zone", "correlate.yaml:1:9"),
        ("retain: 5s\n", "retain '5s' is not a duration: give a duration of at least a minute", "correlate.yaml:1:9"),
        // Past Int64's nanoseconds (292 years), in weeks and in a sum of parts: once a crash.
        ("retain: 15251w\n", "retain '15251w' is not a duration", "correlate.yaml:1:9"),
        ("retain: 106751d48h\n", "retain '106751d48h' is not a duration", "correlate.yaml:1:9"),
        ("max_size: lots\n", "max_size 'lots' is not a size: give a size of at least 1 MiB", "correlate.yaml:1:11"),
    ])
    func aBadFileStopsEveryCommandWithWhereAndWhat(text: String, message: String, location: String) throws {
        let folder = try folder(config: text)
        for arguments in [["trace", "6e5bbfb4"], ["extract", "-"], ["run", "-"], ["rules", "list"]] {
            let result = try CommandRunner.run(arguments, stdin: Data(), directory: folder.path)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("error: \(message)"), "\(result.stderr)")
            #expect(result.stderr.contains("--> \(location)"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["correlate.yaml"], "no store created")
    }

    @Test func aFileNamedByOptionOrVariableMustExist() throws {
        for (arguments, environment) in [(["--config", "none.yaml"], [String: String]()), ([], ["CORRELATE_CONFIG": "none.yaml"])] {
            let result = try CommandRunner.run(arguments + ["rules", "list"], environment: environment)
            #expect(result.status == 2)
            #expect(result.stderr.contains("cannot read the configuration file 'none.yaml': No such file or directory"))
        }
    }

    @Test(.enabled(if: TestStore.sqliteOnly, "db: paths of the configuration file")) func theStoreOfTheFileInTheCurrentFolderIsUsedAndTheOptionOverridesIt() throws {
        let folder = try folder(config: "db: c.db\n")
        try ingestSample(into: folder)
        let found = try CommandRunner.run(["trace", "6e5bbfb4"], directory: folder.path)
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("trace 6e5bbfb43e75ba84fca988cb58246552"))
        let overridden = try CommandRunner.run(["trace", "--db", "other.db", "6e5bbfb4"], directory: folder.path)
        #expect(overridden.status == 1)
        #expect(overridden.stderr.contains("no store at 'other.db'"))
    }

    /// Three runs, two hours apart, each sealed into a segment of its own: `retain: 1h` keeps
    /// only the last; `--retain 3h` overrides it and drops only the first.
    @Test(.enabled(if: TestStore.sqliteOnly, "SQLite retention")) func retainIsTheDefaultOfRetainAndTheOptionOverridesIt() throws {
        func lines(_ hour: Int) -> Data {
            let hh = String(format: "%02d", hour)
            return Data((1...3).map { "2026-11-25T\(hh):00:0\($0)Z INFO trace_id=4bf92f3577b34da6a3ce929d0e0e47\(hh) step \($0)\n" }.joined().utf8)
        }
        // The streaming path may write a run's lines in more than one batch, each a segment here.
        for (options, kept) in [([String](), 3), (["--retain", "3h"], 6)] {
            let folder = try folder(config: "retain: 1h\n")
            var summaries = ""
            for hour in [8, 10, 12] {
                let run = try CommandRunner.run(["--db", "c.db"] + options, stdin: lines(hour), directory: folder.path,
                                                environment: ["CORRELATE_SEGMENT_ROWS": "1"])
                #expect(run.status == 0, "\(run.stderr)")
                summaries += run.stderr
            }
            #expect(summaries.contains("retention: dropped"), "\(options): \(summaries)")
            let sources = try CommandRunner.run(["sources", "--db", "c.db", "--format", "json"], directory: folder.path)
            let records = sources.stdout.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["records"] as? Int
            }
            #expect(records.reduce(0, +) == kept, "\(options): \(sources.stdout)")
        }
    }

    @Test func logTZIsTheDefaultOfLogTZ() throws {
        let line = Data("2026-11-25 09:32:29,032 INFO trace_id=4bf92f3577b34da6a3ce929d0e0e4736 received\n".utf8)
        let folder = try folder(config: "log_tz: Europe/Berlin\n")
        let configured = try CommandRunner.run(["extract", "-q"], stdin: line, directory: folder.path)
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(configured.stdout.contains(#""ts":"2026-11-25T08:32:29.032000Z""#), "\(configured.stdout)")
        let overridden = try CommandRunner.run(["extract", "-q", "--log-tz", "UTC"], stdin: line, directory: folder.path)
        #expect(overridden.stdout.contains(#""ts":"2026-11-25T09:32:29.032000Z""#), "\(overridden.stdout)")
    }

    @Test(.enabled(if: TestStore.sqliteOnly, "db: paths of the configuration file")) func relativePathsAreRelativeToTheFilesFolder() throws {
        let folder = try folder()
        try ingestSample(into: folder)
        let config = folder.appendingPathComponent("elsewhere.yaml")
        try Data("db: c.db\n".utf8).write(to: config)
        let result = try CommandRunner.run(["--config", config.path, "trace", "6e5bbfb4"])  // run from the package root
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(.enabled(if: TestStore.sqliteOnly, "db: paths of the configuration file")) func xdgConfigHomeAndTheVariableAreSearchedAndTheFileTakesColourLinksAndRules() throws {
        let folder = try folder()
        try ingestSample(into: folder)
        let xdg = folder.appendingPathComponent("xdg")
        try FileManager.default.createDirectory(at: xdg.appendingPathComponent("correlate"), withIntermediateDirectories: true)
        try Data("""
            db: \(folder.appendingPathComponent("c.db").path)
            color: always
            trace_urls: ['Jaeger=http://jaeger.example/trace/{trace_id}']
            rules: \(Fixtures.fixture("override-rules"))
            log_tz: Europe/Berlin

            """.utf8).write(to: xdg.appendingPathComponent("correlate/correlate.yaml"))
        let environment = ["XDG_CONFIG_HOME": xdg.path]
        let trace = try CommandRunner.run(
            ["trace", "6e5bbfb4", "--trace-url", "Tempo=https://grafana.example/explore?trace={trace_id}"], environment: environment)
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdout.contains("\u{1B}["), "color: always")
        #expect(trace.stdout.contains("http://jaeger.example/trace/6e5bbfb43e75ba84fca988cb58246552"))
        #expect(trace.stdout.contains("https://grafana.example/explore?trace=6e5bbfb43e75ba84fca988cb58246552"), "--trace-url adds to the file's")
        let never = try CommandRunner.run(["trace", "6e5bbfb4", "--color", "never"], environment: environment)
        #expect(!never.stdout.contains("\u{1B}["), "--color overrides color:")
        let rules = try CommandRunner.run(["rules", "list"], environment: ["CORRELATE_CONFIG": xdg.appendingPathComponent("correlate/correlate.yaml").path])
        #expect(rules.stdout.contains("60\tcelery-task\thex\t\(Fixtures.fixture("override-rules"))/celery.yaml"), "\(rules.stdout)")
    }
}
