import ArgumentParser
import CorrelateDecode
import CorrelateExtract
import CorrelateModel
import CorrelateSources
import CorrelatePipeline
import CorrelateSinks

extension Correlate {
    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "Check and inspect the extraction rules.",
            discussion: """
                EXAMPLES:
                  correlate rules test
                  correlate rules list --verbose
                  correlate rules coverage samples/celery-redis/logs/worker.otel.log
                """,
            subcommands: [Test.self, List.self, Coverage.self])
    }
}

extension Correlate.Rules {
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run every rule's own test cases.",
            usage: """
                correlate rules test [<dir>] [--rules <dir>]... [<options>]
                """,
            discussion: """
                With DIR, tests the rule files of that folder alone; without, the rules in force \
                (shipped, $CORRELATE_RULES, --rules), and the alert mappings of alerts.yaml. \
                Prints a line per failure and a closing \
                'N passed, N failed' line; exits 1 when any case fails, 2 when a rule does not load.

                EXAMPLES:
                  correlate rules test
                  correlate rules test rules/
                  correlate rules test --rules ~/my-rules
                """)

        @Argument(help: ArgumentHelp("A folder of rule files.", valueName: "dir"))
        var directory: String?

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let selection = directory.map {
                RuleSelection(directories: [$0], includeShipped: false, includeEnvironment: false)
            } ?? ruleOptions.selection
            let rules = try selection.load()
            if global.verbose { rules.notes.forEach(DiagnosticPrinter.print) }
            var report = RuleTestRunner().run(rules.ruleSet)
            // The alert mappings and their tests (the shipped ones, or the folder's): a mapping
            // that does not load is a configuration error, as a rule that does not compile is.
            // A folder of extraction rules alone has none to test.
            let alertRules: AlertRules?
            do {
                alertRules = try selection.loadAlertRules()
            } catch {
                let missing = error.diagnostics.allSatisfy { $0.code == "alert-rules-missing" }
                guard missing, directory != nil else { throw error }
                alertRules = nil
            }
            if let alertReport = alertRules?.runTests() {
                report.passed += alertReport.passed
                report.failures += alertReport.failures
            }
            for failure in report.failures { print(failure.description.escapingControlCharacters(keepingNewlines: true)) }
            print("\(report.passed) passed, \(report.failed) failed")
            if report.failed > 0 { throw ExitCode(ExitStatus.badInput.rawValue) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the rules in force, highest priority first.",
            usage: """
                correlate rules list [--combined] [--verbose] [<options>]
                """,
            discussion: """
                With --verbose, also the literals a line must contain (ASCII case ignored) before \
                each rule is tried, how selective they are (a line position starts one with a \
                chance of about 2^-bits), how many hex (or base64) digits in a row the line must \
                hold, and for rules tried where their literals start, the hex digits each such \
                place must have and, where the pattern says, how many and what follows them.

                EXAMPLES:
                  correlate rules list
                  correlate rules list --verbose --rules ~/my-rules
                  correlate rules list --combined
                """)

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print the combined pattern the rules are searched with, as one line that grep -P -f takes ((?J) allows the group names the rules share).")
        var combined = false

        func run() throws {
            let rules = try ruleOptions.selection.load()
            if global.verbose { rules.notes.forEach(DiagnosticPrinter.print) }
            if combined {
                print(rules.ruleSet.combinedPattern)
                return
            }
            for (index, compiled) in rules.ruleSet.rules.enumerated() {
                let rule = compiled.rule
                print("\(rule.priority)\t\(rule.name.escapingControlCharacters)\t\(rule.idFormat.rawValue)\t\(rule.location.file.escapingControlCharacters)")
                if global.verbose {
                    let literals = rules.ruleSet.requiredLiterals(ofRule: index)
                    let run = rules.ruleSet.requiredHexRun(ofRule: index)
                    var line = "\tprefilter: "
                    if let ending = rules.ruleSet.ending(ofRule: index) {
                        line += "the text ends with " + ending.strings.joined(separator: " | ")
                        line += ending.length.map { " (tried \($0) bytes before)" } ?? ""
                    } else if let score = rules.ruleSet.literalScore(ofRule: index) {
                        line += literals.joined(separator: " | ") + String(format: " (%.1f bits)", score)
                    } else {
                        line += run > 0 ? "(no literals)" : "(none: tried on every line)"
                    }
                    if run > 0 { line += "; \(run) hex digits in a row" }
                    let base64 = rules.ruleSet.requiredBase64Run(ofRule: index)
                    if base64 > 0 { line += "; \(base64) base64 digits in a row" }
                    if let checked = rules.ruleSet.checkedHexRun(ofRule: index) {
                        line += "; each hit checked for \(checked.length) at +\(checked.offset)"
                        if let end = rules.ruleSet.checkedRunEnd(ofRule: index) {
                            let lengths = end.lengths.map { $0.map(String.init).joined(separator: " or ") + " digits, " } ?? ""
                            let bytes = end.followedBy.map { $0 >= 0x21 && $0 < 0x7F ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }
                            line += " (\(lengths)then \(bytes.joined(separator: " or ")))"
                        }
                    }
                    print(line)
                }
            }
        }
    }

    struct Coverage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coverage",
            abstract: "What do my lines yield? Records linked per source and per rule, and the id-shaped values no rule takes.",
            usage: """
                correlate rules coverage [<file>|- ...] [--format text|json] [<options>]
                """,
            discussion: """
                Reads each FILE (- or none: standard input) through the rules in force, as \
                correlate extract does, and prints per source the records with a trace id, with \
                a job id only and with none, and per rule the records it linked. Then the \
                suspects: records with something shaped like an id (32 or 16 hex digits, a UUID, \
                a traceparent) right after a word such as trace, span, request, job or task that \
                no rule took, grouped by shape (the text before the id, and the id as <hex32>, \
                <hex16>, <uuid> or <traceparent>) with their count and up to three examples \
                (file:line). A suspect is where a rule is missing: write one in a --rules folder \
                (rules/README.md) and run this again. --format json for scripts.

                A directory is read recursively (its files matching --glob); gzip and zstd are \
                decompressed. A summary of what was read (malformed lines with the first one's \
                file, line and reason) goes to stderr.

                EXAMPLES:
                  correlate rules coverage samples/celery-redis/logs/worker.otel.log
                  correlate rules coverage samples/celery-redis/logs/
                  journalctl -o json -n 10000 | correlate rules coverage --format json
                """)

        @Argument(help: ArgumentHelp("Log files or directories to read; - or none for standard input.", valueName: "file"))
        var files: [String] = []

        static let formats: [OutputFormat] = [.text, .json]

        @Option(help: ArgumentHelp("text (tables) or json.", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .text

        @Option(name: .customLong("input-format"), help: "Force the log format: auto, journald, json, logfmt, plain.")
        var inputFormat: LogFormat = .auto

        @Flag(name: .shortAndLong, help: "No summary on stderr.")
        var quiet = false

        @OptionGroup var input: InputOptions

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "rules coverage")
        }

        func run() throws {
            let rules = try ruleOptions.selection.load()
            if global.verbose { rules.notes.forEach(DiagnosticPrinter.print) }
            var reading = ExtractConfiguration(inputs: [], inputFormat: inputFormat)
            reading.globs = input.effectiveGlobs
            let coverage = RuleCoverage.measure(ruleSet: rules.ruleSet, inputs: files.isEmpty ? ["-"] : files, format: reading)
            for problem in coverage.reading.unreadable {
                DiagnosticPrinter.printError("correlate: error: \(problem)")
            }
            let text = format == .json ? coverage.json : coverage.text
            ByteOutput.standardOutput.write(Array(text.utf8))
            if !quiet { DiagnosticPrinter.printError("correlate rules coverage: \(coverage.reading.description)") }
            if !coverage.reading.unreadable.isEmpty { throw ExitCode(ExitStatus.badInput.rawValue) }
        }
    }
}
