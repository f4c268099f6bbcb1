import Foundation
import Testing
import CorrelateSinks
import CorrelateTestSupport

/// `--color auto|always|never`, and what auto means: a terminal, `NO_COLOR` unset or empty
/// (no-color.org), `TERM` not `dumb`.
@Suite struct ColourTests {
    @Test(arguments: [
        // choice, terminal, NO_COLOR, TERM, coloured
        (ColourChoice.auto, true, nil, "xterm-256color", true),
        (.auto, true, nil, nil, true),
        (.auto, false, nil, "xterm", false),
        (.auto, true, "1", "xterm", false),
        (.auto, true, "", "xterm", true),  // set but empty does not disable colour
        (.auto, true, nil, "dumb", false),
        (.always, false, "1", "dumb", true),
        (.never, true, nil, "xterm", false),
    ] as [(ColourChoice, Bool, String?, String?, Bool)])
    func thePolicy(choice: ColourChoice, isTerminal: Bool, noColor: String?, term: String?, coloured: Bool) {
        #expect(Terminal.colour(choice, isTerminal: isTerminal, noColor: noColor, term: term) == coloured)
    }

    private func sampleStore() throws -> String {
        let db = try Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let result = try CommandRunner.run(
            ["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl",
             "--logs", "samples/celery-redis/logs/worker.otel.log"])
        try #require(result.status == 0, "\(result.stderr)")
        return db
    }

    @Test func alwaysColoursAPipeEvenWithNoColorSetAndNeverDoesNot() throws {
        let db = try sampleStore()
        // The runner sets NO_COLOR=1; an explicit --color always overrides it.
        let always = try CommandRunner.run(["trace", "--db", db, "--color", "always", "6e5bbfb4"])
        #expect(always.status == 0, "\(always.stderr)")
        #expect(always.stdout.contains("\u{1B}["))
        let before = try CommandRunner.run(["--color", "always", "trace", "--db", db, "6e5bbfb4"])
        #expect(before.stdout.contains("\u{1B}["), "--color may come before the command")
        let never = try CommandRunner.run(["trace", "--db", db, "--color", "never", "6e5bbfb4"], environment: ["NO_COLOR": ""])
        #expect(never.status == 0)
        #expect(!never.stdout.contains("\u{1B}["))
        let auto = try CommandRunner.run(["trace", "--db", db, "6e5bbfb4"], environment: ["NO_COLOR": ""])
        #expect(!auto.stdout.contains("\u{1B}["), "auto: a pipe is not a terminal")
    }

    @Test func diagnosticsOnStderrFollowTheChoice() throws {
        let arguments = ["extract", "--rules", "Tests/Fixtures/bad-rules/does-not-compile", "samples/celery-redis/logs/worker.otel.log"]
        let always = try CommandRunner.run(arguments + ["--color", "always"])
        #expect(always.status == 2)
        #expect(always.stderr.hasPrefix("\u{1B}[1;31merror\u{1B}[0m"), "\(always.stderr)")
        let auto = try CommandRunner.run(arguments)
        #expect(auto.stderr.hasPrefix("error"))
    }

    @Test func anUnknownChoiceIsAUsageError() throws {
        let result = try CommandRunner.run(["trace", "--color", "sometimes", "6e5bbfb4"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("sometimes"))
    }
}
