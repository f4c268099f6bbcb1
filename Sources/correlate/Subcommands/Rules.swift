import ArgumentParser
import CorrelateExtract
import CorrelatePipeline

extension Correlate {
    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check and inspect the extraction rules.",
            subcommands: [Test.self, List.self])
    }
}

extension Correlate.Rules {
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every rule's own test cases.",
            discussion: """
                With DIR, tests the rule files of that folder alone; without, the rules in force \
                (shipped, $CORRELATE_RULES, --rules), and the alert mappings of alerts.yaml. \
                Prints a line per failure and a closing \
                'N passed, N failed' line; exits 1 when any case fails, 2 when a rule does not load.
                """)

        @Argument(help: ArgumentHelp("A folder of rule files.", valueName: "dir"))
        var directory: String?

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let selection = directory.map {
                RuleSelection(directories: [$0], includeShipped: false, includeEnvironment: false)
            } ?? global.ruleSelection
            let rules = try selection.load()
            if global.verbose { rules.notes.forEach(DiagnosticPrinter.print) }
            var report = RuleTestRunner().run(rules.ruleSet)
            // The alert mappings, when the folder has them.
            if let alertRules = try? selection.loadAlertRules() {
                let alertReport = alertRules.runTests()
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
            abstract: "List the rules in force, highest priority first.",
            discussion: "With --verbose, also the literals a line must contain (ASCII case ignored) before each rule is tried.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print the combined pattern the rules are searched with (for grep -P).")
        var combined = false

        func run() throws {
            let rules = try global.ruleSelection.load()
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
                    print("\tprefilter: " + (literals.isEmpty ? "(none: tried on every line)" : literals.joined(separator: " | ")))
                }
            }
        }
    }
}
