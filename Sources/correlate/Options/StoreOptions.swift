import ArgumentParser
import CorrelateModel
import CorrelatePipeline

/// `--db`: the commands that use the store.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The store (an SQLite file). (default: $CORRELATE_DB, else the configuration file's db, else ./correlate.db)", valueName: "path"))
    var db: String?

    var path: String { StoreLocation.path(option: db, configured: GlobalOptions.configuration.db) }

    /// The store, to read; when there is none, says so and exits with status 1.
    func openExisting() throws -> EventStore {
        guard let store = try StoreLocation.openExisting(path) else {
            DiagnosticPrinter.printError("correlate: error: no store at '\(path)'; run correlate ingest first, or give --db")
            throw ExitCode(ExitStatus.badInput.rawValue)
        }
        return store
    }
}
