import Foundation
import Testing
import CorrelateTestSupport

/// Issue 13, "a command line that forgives": a misspelt command is said as such, with the
/// command meant, and nothing runs; a command that cannot read its inputs creates no store.
@Suite struct CommandLineTests {
    private func files(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test(arguments: [
        (["tarce", "6e5bbfb4"], "unknown command 'tarce'; did you mean 'trace'?"),
        (["lokup", "--name", "X"], "unknown command 'lokup'; did you mean 'lookup'?"),
        (["--db", "c.db", "qeueus"], "unknown command 'qeueus'; did you mean 'queues'?"),
        (["help", "tarce"], "unknown command 'tarce'; did you mean 'trace'?"),
        (["rules", "tset"], "unknown command 'tset'; did you mean 'test'?"),
    ])
    func misspeltCommandIsAUsageErrorThatCreatesNoStore(arguments: [String], message: String) throws {
        let folder = try Fixtures.temporaryDirectory()
        let result = try CommandRunner.run(arguments, directory: folder.path)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr == "correlate: error: \(message)\n")
        #expect(result.stdout.isEmpty)
        #expect(try files(in: folder).isEmpty, "no store created")
    }

    @Test func aWordThatIsNeitherACommandNorAFileNamesTheCommands() throws {
        let folder = try Fixtures.temporaryDirectory()
        let result = try CommandRunner.run(["nosuch.log"], directory: folder.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown command 'nosuch.log' (nor a file to read); commands: run, extract, ingest, trace"))
        #expect(try files(in: folder).isEmpty)
    }

    /// Thousands of threads would only take memory (2 GB for 20,000): a bound, said at once.
    @Test func threadsAreBounded() throws {
        for command in [["extract", "samples/celery-redis/logs/celery-worker.log"],
                        ["ingest", "--db", "/nonexistent/c.db", "--logs", "samples/celery-redis/logs/celery-worker.log"]] {
            for count in ["0", "20000"] {
                let result = try CommandRunner.run(command + ["--threads", count], rewriting: false)
                #expect(result.status == 2, "\(command) \(count)")
                #expect(result.stderr.contains("--threads must be from 1 to 256"), "\(result.stderr)")
            }
        }
    }

    @Test func helpOfAnUnknownCommandExitsTwo() throws {
        let result = try CommandRunner.run(["help", "nosuch"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("correlate: error: unknown command 'nosuch'; commands: run, extract"))
        #expect(result.stdout.isEmpty)
    }

    @Test(.enabled(if: TestStore.sqliteOnly, "looks for the store file")) func anExistingFileIsStillReadByTheDefaultCommand() throws {
        let folder = try Fixtures.temporaryDirectory()
        let result = try CommandRunner.run(
            ["--db", folder.appendingPathComponent("c.db").path, "-q", Fixtures.celery("logs/worker.otel.log")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try files(in: folder).contains("c.db"))
    }

    @Test(arguments: [
        ["run", "missing.log"],
        ["--spans", "missing.jsonl"],
        ["ingest", "--logs", "missing.log"],
        ["ingest", "--spans", "samples-missing.jsonl", "--logs", "present.log"],
    ])
    func aCommandThatCannotOpenItsInputsCreatesNoStore(arguments: [String]) throws {
        let folder = try Fixtures.temporaryDirectory()
        try Data("2026-11-25 08:00:00 INFO hello\n".utf8).write(to: folder.appendingPathComponent("present.log"))
        let result = try CommandRunner.run(arguments, directory: folder.path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("cannot open 'missing") || result.stderr.contains("cannot open 'samples-missing"))
        #expect(try files(in: folder) == ["present.log"], "no store created")
    }

    @Test(arguments: [
        (["run", "--retain", "5s", "present.log"], "--retain '5s' is not a duration"),
        (["ingest", "--retain", "a week", "--logs", "present.log"], "--retain 'a week' is not a duration"),
        (["serve", "--max-size", "10x"], "--max-size '10x' is not a size"),
        (["run", "--max-size", "100KB", "present.log"], "--max-size '100KB' is not a size: give a size of at least 1 MiB"),
        // A line's buffer grows to --max-line-bytes: beyond 1 GiB it was allocated and failed.
        (["extract", "--max-line-bytes", "1000000000000000000", "present.log"], "--max-line-bytes must be from 64 to 1073741824 (1 GiB)."),
        (["ingest", "--max-line-bytes", "63", "--logs", "present.log"], "--max-line-bytes must be from 64 to 1073741824 (1 GiB)."),
        (["run", "--max-line-bytes", "2000000000", "present.log"], "--max-line-bytes must be from 64 to 1073741824 (1 GiB)."),
        (["extract", "--chunk-bytes", "1000000000000000000", "present.log"], "--chunk-bytes must be from 1024 to 1073741824 (1 GiB)."),
    ])
    func aLimitThatIsNotOneIsAUsageErrorThatCreatesNoStore(arguments: [String], message: String) throws {
        let folder = try Fixtures.temporaryDirectory()
        try Data("2026-11-25 08:00:00 INFO hello\n".utf8).write(to: folder.appendingPathComponent("present.log"))
        let result = try CommandRunner.run(arguments, directory: folder.path)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try files(in: folder) == ["present.log"], "no store created")
    }

    /// A negative value given as an option's own argument is the option's value, not a missing
    /// one: `--since -1h` (a form the help gives) is a time, and `--limit -3` is refused by the
    /// option's own check; an option whose value is forgotten still says so.
    @Test(arguments: [
        (["traces", "--limit", "-1"], 2, "--limit must be at least 1."),
        (["lookup", "--name", "X", "--limit", "-3"], 2, "--limit must be at least 1."),
        (["report", "--limit", "-3"], 2, "--limit must be at least 1."),
        (["extract", "--threads", "-2", "present.log"], 2, "--threads must be from 1 to"),
        (["ingest", "--threads", "-2", "--logs", "present.log"], 2, "--threads must be from 1 to"),
        (["serve", "--queue", "-5"], 2, "--queue must be at least 1."),
        (["run", "--max-watched", "-1", "present.log"], 2, "--max-watched must be at least 1."),
        (["report", "--since", "-1h", "--until", "-2h"], 2, "is after --until"),
        (["queues", "--since", "-1h", "--until", "-2h"], 2, "is after --until"),
        (["traces", "--since", "-1h", "--db", "none.db"], 1, "no store at 'none.db'"),
        (["--db", "none.db", "alerts", "--since", "-1h"], 1, "no store at 'none.db'"),
        (["report", "--since", "--format", "json"], 2, "Missing value for '--since <time>'"),
    ])
    func aNegativeValueIsTheOptionsValue(arguments: [String], status: Int32, message: String) throws {
        let folder = try Fixtures.temporaryDirectory()
        try Data("2026-11-25 08:00:00 INFO hello\n".utf8).write(to: folder.appendingPathComponent("present.log"))
        // A store path stays a path (no store is read here): "no store at" is what it says.
        let result = try CommandRunner.run(arguments, directory: folder.path, rewriting: false)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// A usage error found when a command's options are checked comes with that command's
    /// usage, not the root's (these two were found in run(), where ArgumentParser gives the
    /// root's).
    @Test(arguments: [
        (["serve", "--token-file", "missing-token"], "--token-file 'missing-token' cannot be read: No such file or directory.", "Usage: correlate serve"),
        (["store", "init"], "correlate store init prepares a ClickHouse store", "Usage: correlate store init"),
    ])
    func aUsageErrorComesWithItsCommandsUsage(arguments: [String], message: String, usage: String) throws {
        let result = try CommandRunner.run(arguments, directory: try Fixtures.temporaryDirectory().path, rewriting: false)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains(usage) && !result.stderr.contains("correlate <subcommand>"), "\(result.stderr)")
    }

    @Test func lookupByNameIgnoresCaseAndSuggestsANameNearlyRight() throws {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let ingest = try CommandRunner.run(
            ["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl", "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"])
        try #require(ingest.status == 0, "\(ingest.stderr)")
        for name in ["jobLatencyHigh", "JOBLATENCYHIGH"] {
            let result = try CommandRunner.run(["lookup", "--db", db, "--name", name])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix(#"{"schema":"correlate.bundle/v1","revision":0,"alert":{"name":"JobLatencyHigh""#))
        }
        let misspelt = try CommandRunner.run(["lookup", "--db", db, "--name", "JobLatencyHgh"])
        #expect(misspelt.status == 1)
        // The store is named as the commands name it (the file, or ClickHouse's address).
        let store = TestStore.clickhouse ? "ClickHouse http://" : db
        #expect(misspelt.stderr.hasPrefix("correlate: error: no alert named JobLatencyHgh in \(store)"), "\(misspelt.stderr)")
        #expect(misspelt.stderr.hasSuffix("; did you mean 'JobLatencyHigh'?\n"))
    }

    @Test(arguments: [["--version"], ["-V"], ["version"]])
    func versionIsPrintedAndExitsZero(arguments: [String]) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(result.stdout)")
        #expect(result.stderr.isEmpty)
    }
}
