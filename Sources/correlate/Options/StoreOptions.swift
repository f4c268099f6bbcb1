import ArgumentParser
import CorrelateModel
import CorrelateEngine
import CorrelatePipeline

/// `--db`, `--store`: the commands that use the store.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The store (an SQLite file). (default: $CORRELATE_DB, else the configuration file's db, else ./correlate.db)", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp(
        "The store on ClickHouse: clickhouse://[user[:password]@]host:8123/DATABASE (https://…:8443 for TLS), the OpenTelemetry Collector's otel_traces and otel_logs; or a path, as --db. (default: $CORRELATE_STORE, else the configuration file's store)",
        valueName: "address"))
    var store: String?

    @Option(name: .customLong("store-password-file"), help: ArgumentHelp(
        "A file whose first line is the ClickHouse password (rather than in the address, where ps shows it).", valueName: "path"))
    var storePasswordFile: String?

    func validate() throws {
        if db != nil, store != nil { throw ValidationError("give --db or --store, not both.") }
        do {
            _ = try address
        } catch let error as StoreAddressError {
            throw ValidationError("--store: \(error.description).")
        }
    }

    /// Where the store is (`--store`, `--db`, the environment, the configuration file).
    var address: StoreAddress {
        get throws {
            try StoreLocation.address(store: store, db: db, configuredStore: GlobalOptions.configuration.store,
                                      configuredDB: GlobalOptions.configuration.db, passwordFile: storePasswordFile)
        }
    }

    /// What messages call the store.
    var path: String { (try? address)?.display ?? StoreLocation.path(option: db, configured: GlobalOptions.configuration.db) }

    /// The store, to write (`limits`: an SQLite store's retention).
    func open(limits: StoreLimits) throws -> EventStore {
        try StoreLocation.open(try address, limits: limits)
    }

    /// A second handle for reading, opened when first asked for (``SecondStore``): made from
    /// `store` where it can be (ClickHouse: without reading the schema again), else opened as
    /// `store` was; nil, and nothing said, when there is no store to open.
    func secondHandle(besides store: EventStore) -> SecondStore {
        let address = try? address
        return SecondStore { try store.anotherHandle() ?? address.flatMap { try StoreLocation.openExisting($0) } }
    }

    /// A second connection, to read what the writer wrote.
    func openReader() throws -> EventStore {
        try StoreLocation.openReader(try address)
    }

    /// The store, to read; when there is none, says so and exits with status 1. `first` is
    /// called before that is said (a command's earlier problem, said before it, may throw).
    func openExisting(first: () throws -> Void = {}) throws -> EventStore {
        guard let store = try StoreLocation.openExisting(try address) else {
            try first()
            DiagnosticPrinter.printError("correlate: error: no store at '\(path)'; run correlate ingest first, or give --db")
            throw ExitCode(ExitStatus.badInput.rawValue)
        }
        return store
    }
}

/// `--retain`, `--max-size`: the commands that write the store (`run`, `ingest`, `serve`).
struct RetentionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Keep this much behind the newest record or span in the store (7d, 2w, 12h); older segments are dropped as the store is written. (default: the configuration file's retain, else keep everything)",
        valueName: "duration"))
    var retain: String?

    @Option(name: .customLong("max-size"), help: ArgumentHelp(
        "Drop the oldest segments while the store is larger than this (20GB, 500MiB). (default: the configuration file's max_size, else no limit)",
        valueName: "size"))
    var maxSize: String?

    func validate() throws {
        if let retain, StoreLimitText.retain(retain) == nil {
            throw ValidationError("--retain '\(retain)' is not a duration: \(StoreLimitText.retainHelp).")
        }
        if let maxSize, StoreLimitText.maxSize(maxSize) == nil {
            throw ValidationError("--max-size '\(maxSize)' is not a size: \(StoreLimitText.maxSizeHelp).")
        }
    }

    /// The limits of this run: the options, else the configuration file's.
    var limits: StoreLimits {
        StoreLimits(retain: retain.flatMap(StoreLimitText.retain) ?? GlobalOptions.configuration.retain,
                    maxBytes: maxSize.flatMap(StoreLimitText.maxSize) ?? GlobalOptions.configuration.maxSize)
    }
}
