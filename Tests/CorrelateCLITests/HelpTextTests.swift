import Foundation
import Testing
import CorrelateTestSupport

/// Every command's help ends with EXAMPLES, keeps its usage within 80 columns, says each
/// default once, and offers only the options the command uses.
@Suite struct HelpTextTests {
    static let commands = [
        [], ["run"], ["extract"], ["ingest"], ["trace"], ["lookup"], ["report"], ["queues"], ["serve"],
        ["rules"], ["rules", "test"], ["rules", "list"], ["rules", "coverage"], ["version"],
        ["traces"], ["alerts"], ["sources"],
    ]

    private func help(_ command: [String]) throws -> String {
        let result = try CommandRunner.run(command + ["--help"], environment: ["COLUMNS": "80"])
        #expect(result.status == 0, "\(command): \(result.stderr)")
        return result.stdout
    }

    @Test(arguments: commands)
    func helpEndsWithExamplesAndItsUsageFitsEightyColumns(command: [String]) throws {
        let text = try help(command)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let examples = try #require(lines.firstIndex(of: "EXAMPLES:"), "\(command) has no EXAMPLES")
        let after = lines[(examples + 1)...].filter { !$0.isEmpty }
        #expect(!after.isEmpty && after.allSatisfy { $0.hasPrefix("  ") }, "\(command): EXAMPLES is the last section")
        #expect(after.contains { $0.hasPrefix("  correlate ") || $0.contains("| correlate ") }, "\(command)")
        let usage = try #require(lines.firstIndex { $0.hasPrefix("USAGE: correlate") }, "\(command) has a usage")
        let block = lines[usage...].prefix { !$0.isEmpty }
        for line in block { #expect(line.count <= 80, "\(command): \(line.count) columns: \(line)") }
        for line in lines { #expect(line.count <= 80, "\(command): \(line)") }
        if !command.isEmpty {
            let viaHelp = try CommandRunner.run(["help"] + command, environment: ["COLUMNS": "80"])
            #expect(viaHelp.stdout == text, "correlate help \(command) says the same")
        }
    }

    @Test func defaultsAreSaidOnce() throws {
        for command in [["extract"], ["ingest"], ["run"]] {
            let text = try help(command)
            for option in ["--threads <threads>", "--log-tz <zone>"] where text.contains(option) {
                // The option's help: up to the next option's line.
                let said = (text.components(separatedBy: option).last ?? "").components(separatedBy: "\n  -").first ?? ""
                #expect(said.components(separatedBy: "default").count - 1 == 1, "\(command) \(option): \(said)")
            }
        }
    }

    @Test(arguments: [(["extract"], false), (["rules", "test"], false), (["rules", "list"], false), (["rules", "coverage"], false),
                      (["trace"], true), (["lookup"], true), (["report"], true), (["queues"], true), (["ingest"], true),
                      (["run"], true), (["serve"], true)])
    func onlyCommandsThatUseTheStoreOfferDb(command: [String], usesStore: Bool) throws {
        #expect(try help(command).contains("--db <path>") == usesStore)
    }

    @Test func traceTakesNoRules() throws {
        #expect(!(try help(["trace"])).contains("--rules"))
    }

    @Test func theTimeOptionsSayTheFormsAndThatTimesAreLocal() throws {
        for command in [["report"], ["queues"]] {
            let text = try help(command).replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: #" +"#, with: " ", options: .regularExpression)
            #expect(text.contains("yesterday"), "\(command)")
            #expect(text.contains("2 days ago"), "\(command)")
            #expect(text.contains("without a zone is local time"), "\(command)")
        }
    }
}

/// Shell completion scripts, from ArgumentParser.
@Suite struct CompletionTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func aScriptForEachShellNamesTheCommandsAndTheFormats(shell: String) throws {
        let result = try CommandRunner.run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        for word in ["lookup", "trace", "report", "format", "since", "color", "trace-url"] {
            #expect(result.stdout.contains(word), "\(shell): \(word)")
        }
        #expect(result.stdout.contains("ndjson"), "\(shell): the formats are completed")
    }
}
