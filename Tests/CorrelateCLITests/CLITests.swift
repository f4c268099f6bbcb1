import Foundation
import Testing
import CorrelateTestSupport

@Suite struct RulesCommandTests {
    @Test func shippedRulesPassTheirTests() throws {
        let result = try CommandRunner.run(["rules", "test"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasSuffix("passed, 0 failed"))
    }

    @Test func rulesFolderAsCIRunsIt() throws {
        let result = try CommandRunner.run(["rules", "test", "rules/"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(" passed, 0 failed"))
    }

    @Test func failingCaseIsPrintedAndExitsOne() throws {
        let result = try CommandRunner.run(["rules", "test", "Tests/Fixtures/failing-rules"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL Tests/Fixtures/failing-rules/wrong.yaml:5:9: rule 'wrong-expectation': trace_id: expected 0af7651916cd43dd8448eb211c80319c, got 4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(result.stdout.hasSuffix("1 passed, 1 failed\n"))
    }

    /// A broken alert_mappings block in the folder under test is a configuration error with its
    /// file and position, not a folder that passes.
    @Test func brokenAlertMappingsStopRulesTest() throws {
        let result = try CommandRunner.run(["rules", "test", "Tests/Fixtures/bad-rules/alert-measure-unknown"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("'sideways' is not a measure: one of execution, queue_wait, end_to_end, errors"))
        #expect(result.stderr.contains("alert-measure-unknown/alerts.yaml:5:"))
    }

    @Test func ruleThatDoesNotCompileStopsWithExitTwo() throws {
        let result = try CommandRunner.run(
            ["extract", "--rules", "Tests/Fixtures/bad-rules/does-not-compile", "samples/celery-redis/logs/worker.otel.log"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        if let mismatch = snapshotMismatch(result.stderr, named: "ruleThatDoesNotCompileStopsWithExitTwo") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test func rulesFromTheEnvironmentOverrideShippedOnes() throws {
        let result = try CommandRunner.run(
            ["rules", "list", "--verbose"], environment: ["CORRELATE_RULES": "Tests/Fixtures/override-rules"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("60\tcelery-task\thex\tTests/Fixtures/override-rules/celery.yaml"))
        #expect(result.stderr.contains("rule 'celery-task' from rules/celery.yaml is replaced"))
    }
}

@Suite struct ExtractCommandTests {
    @Test func unknownFlagIsAUsageError() throws {
        let result = try CommandRunner.run(["extract", "--no-such-flag"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--no-such-flag"))
    }

    @Test func missingFileExitsOneAfterReadingTheOthers() throws {
        let result = try CommandRunner.run(["extract", "/nonexistent/a.log", "samples/celery-redis/logs/producer.otel.log"])
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").count == 59)
        #expect(result.stderr.contains("cannot open '/nonexistent/a.log': No such file or directory"))
        #expect(result.stderr.contains("read 59 lines from 2 inputs"))
    }

    @Test func summaryNamesTheFirstMalformedLine() throws {
        let result = try CommandRunner.run(["extract", "samples/celery-redis/logs/producer.json.log"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("malformed 2 (first at samples/celery-redis/logs/producer.json.log:29: malformed JSON"))
    }

    @Test func journaldExportFromStdin() throws {
        let input = try Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("logs/journal.json")))
        let result = try CommandRunner.run(["extract", "--only-linked", "-"], stdin: input)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 158)
        #expect(lines.allSatisfy { $0.contains("\"file\":\"<stdin>\"") && $0.contains("\"trace_id\":\"") })
    }

    @Test func closedStdoutIsACleanExit() throws {
        // `correlate extract big.log | head -1`: the reader goes away; no error, no crash.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "'\(CommandRunner.correlate)' extract -q samples/celery-redis/logs/journal.json samples/celery-redis/logs/journal.json | head -1 >/dev/null; echo ${PIPESTATUS:-0}"]
        process.currentDirectoryURL = Fixtures.packageRoot
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(errors.fileHandleForReading.readDataToEndOfFile().isEmpty)
    }
}
