import Foundation
import Testing
import CorrelateTestSupport

/// `correlate rules list --combined` prints a pattern that `grep -P -f` takes as it is.
@Suite struct RulesListCommandTests {
    /// GNU grep, run through `sh` so that its output goes through a pipe (`| cat`): writing to
    /// /dev/null, grep stops at the first match.
    static func grep(patternFile: String, _ file: String) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "grep -P -f \"$0\" \"$1\" | cat", patternFile, file]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                             stderr: String(decoding: err, as: UTF8.self))
    }

    @Test func theCombinedPatternIsOneThatGrepPTakes() throws {
        let folder = try Fixtures.temporaryDirectory("combined")
        defer { try? FileManager.default.removeItem(at: folder) }
        let listed = try CommandRunner.run(["rules", "list", "--combined"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.hasPrefix("(?J)"))
        #expect(listed.stdout.split(separator: "\n").count == 1, "grep -f reads one pattern per line")
        let patternFile = folder.appendingPathComponent("combined.pcre").path
        try listed.stdout.write(toFile: patternFile, atomically: true, encoding: .utf8)
        let sample = folder.appendingPathComponent("sample.log").path
        try """
            2026-11-25 08:32:27,333 INFO [export_api] [producer.py:136] [trace_id=cddaa145622ea1854204e01d78b04e0d span_id=e116d5a2f2dc2eaf resource.service.name=export-api trace_sampled=True] - enqueued
            a line with no id at all
            job done traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01

            """.write(toFile: sample, atomically: true, encoding: .utf8)
        let grep = try Self.grep(patternFile: patternFile, sample)
        #expect(grep.stderr.isEmpty, "\(grep.stderr)")
        let lines = grep.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(grep.stdout)")
        #expect(lines.first?.contains("cddaa145622ea1854204e01d78b04e0d") == true)
        #expect(lines.last?.contains("traceparent=00-4bf92f") == true)
    }

    /// A rule in extended mode without a `#` comment needs no newline after it: the pattern
    /// stays one line, and grep still takes it.
    @Test func aRuleInExtendedModeKeepsThePatternOneLine() throws {
        let folder = try Fixtures.temporaryDirectory("combined-x")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = folder.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try """
            rules:
              - name: spaced
                priority: 10
                pattern: '(?x) req \\s+ (?<trace_id>[0-9a-f]{32})'
                tests:
                  - line: 'req 4bf92f3577b34da6a3ce929d0e0e4736'
                    expect: { trace_id: 4bf92f3577b34da6a3ce929d0e0e4736 }
                  - line: 'req nothing'
                    expect: none
              - name: plain
                priority: 5
                pattern: 'tid=(?<trace_id>[0-9a-f]{32})'
                tests:
                  - line: 'tid=0af7651916cd43dd8448eb211c80319c'
                    expect: { trace_id: 0af7651916cd43dd8448eb211c80319c }
                  - line: 'tid=x'
                    expect: none

            """.write(to: rules.appendingPathComponent("x.yaml"), atomically: true, encoding: .utf8)
        let listed = try CommandRunner.run(["rules", "list", "--combined", "--no-shipped-rules", "--rules", rules.path])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.split(separator: "\n").count == 1)
        let patternFile = folder.appendingPathComponent("combined.pcre").path
        try listed.stdout.write(toFile: patternFile, atomically: true, encoding: .utf8)
        let sample = folder.appendingPathComponent("sample.log").path
        try "req   4bf92f3577b34da6a3ce929d0e0e4736\nother\ntid=0af7651916cd43dd8448eb211c80319c\n"
            .write(toFile: sample, atomically: true, encoding: .utf8)
        let grep = try Self.grep(patternFile: patternFile, sample)
        #expect(grep.stderr.isEmpty, "\(grep.stderr)")
        #expect(grep.stdout.split(separator: "\n").count == 2, "\(grep.stdout)")
    }
}
