import ArgumentParser
import CorrelateRender
import CorrelateSinks

extension Correlate {
    struct Sources: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sources",
            abstract: "List the log sources in the store: records, how many carry a trace id, first and last time.",
            usage: """
                correlate sources [--format text|json] [<options>]
                """,
            discussion: """
                One line per file (as stored: its absolute path; standard input as <stdin …>, \
                OTLP log records as otlp-http <start>) with log records in the store: how many, \
                how many carry a trace id (and what share), and the times of the first and last \
                record that has a time. A source with few records carrying a trace id is one to \
                look at with correlate rules coverage. --format json writes one object per line.

                EXAMPLES:
                  correlate sources
                  correlate sources --format json | jq 'select(.with_trace_id == 0)'
                """)

        static let formats: [OutputFormat] = [.text, .json]

        @Option(help: ArgumentHelp("text (a table) or json (one object per line).", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .text

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "sources")
        }

        func run() throws {
            let store = try storeOptions.openExisting()
            let sources = try store.logSources()
            let text = format == .json ? ListingJSON.sources(sources) : ListingText.sources(sources)
            ByteOutput.standardOutput.write(Array(text.utf8))
        }
    }
}
