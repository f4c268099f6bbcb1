import ArgumentParser
import CorrelateModel
import CorrelatePipeline

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp(
            "A folder of rule files (*.yaml) to use besides the shipped ones; rules with the same name replace shipped ones. Repeatable; also read from $CORRELATE_RULES (folders separated by ':').",
            valueName: "dir"))
    var ruleDirectories: [String] = []

    @Flag(name: .customLong("no-shipped-rules"), help: "Use only the rules from --rules and $CORRELATE_RULES.")
    var noShippedRules = false

    @Flag(name: .shortAndLong, help: "Say more on stderr: which rules replaced which.")
    var verbose = false

    @Option(help: ArgumentHelp("The store (an SQLite file). Default: $CORRELATE_DB, else ./correlate.db.", valueName: "path"))
    var db: String?

    var databasePath: String { StoreLocation.path(option: db) }

    var ruleSelection: RuleSelection {
        RuleSelection(directories: ruleDirectories, includeShipped: !noShippedRules)
    }

    /// The store of `--db`, to read; when there is none, says so and exits with status 1.
    func openExistingStore() throws -> EventStore {
        guard let store = try StoreLocation.openExisting(databasePath) else {
            DiagnosticPrinter.printError("correlate: error: no store at '\(databasePath)'; run correlate ingest first, or give --db")
            throw ExitCode(ExitStatus.badInput.rawValue)
        }
        return store
    }
}
