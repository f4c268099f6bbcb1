import ArgumentParser
import CorrelateClickHouse
import CorrelateModel
import CorrelatePipeline

extension Correlate {
    /// `correlate store init`: the tables of a ClickHouse store.
    struct Store: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Prepare a store: create the ClickHouse tables correlate reads and writes.",
            subcommands: [Init.self])

        struct Init: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "init",
                abstract: "Create the missing tables of a ClickHouse store (never altering one that exists).",
                usage: """
                    correlate store init --store clickhouse://[user[:password]@]host:8123/DATABASE [--retain 7d]
                    """,
                discussion: """
                    Creates, when they are missing, the tables the OpenTelemetry Collector's \
                    clickhouseexporter creates (otel_traces, otel_traces_trace_id_ts and the \
                    materialized view that fills it, otel_logs in its current layout), with the \
                    exporter's columns, sort keys and indexes, so that the Collector, Grafana's \
                    ClickHouse data source and ClickStack read what correlate writes; and correlate's \
                    own correlate_alerts, correlate_raw_alerts and correlate_bundles. --retain sets the tables' TTL \
                    (whole days or hours; ClickHouse drops whole parts). A table that exists is left \
                    as it is, whatever its layout: correlate reads the exporter's older layouts too. \
                    Prints each table it created. An SQLite store needs no init: it is created by \
                    the first command that writes it.

                    EXAMPLES:
                      correlate store init --store clickhouse://localhost:8123/otel --retain 7d
                      correlate store init --store https://ch.example:8443/otel \\
                        --store-password-file ~/.ch-password
                    """)

            @OptionGroup var storeOptions: StoreOptions

            @Option(help: ArgumentHelp("The tables' TTL (7d, 2w, 12h): rows older than this are dropped by ClickHouse.", valueName: "duration"))
            var retain: String?

            @OptionGroup var global: GlobalOptions

            func validate() throws {
                if let retain, StoreLimitText.retain(retain) == nil {
                    throw ValidationError("--retain '\(retain)' is not a duration: \(StoreLimitText.retainHelp).")
                }
                // Here, not in run(): a usage error said there would come with the root's usage.
                guard case .clickhouse = try storeOptions.address else {
                    throw ValidationError("correlate store init prepares a ClickHouse store: give --store clickhouse://host:8123/DATABASE (an SQLite store is created by the first command that writes it).")
                }
            }

            func run() throws {
                guard case .clickhouse(let endpoint) = try storeOptions.address else { return }
                let created = try ClickHouseEventStore.initialize(endpoint: endpoint, retain: retain.flatMap(StoreLimitText.retain))
                for table in created { print("created \(endpoint.database).\(table)") }
                if created.isEmpty { print("every table is there already in \(endpoint.database)") }
            }
        }
    }
}
