import ArgumentParser
import CorrelateModel
import CorrelateRender
import CorrelateSinks

extension Correlate {
    struct Traces: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "traces",
            abstract: "List the traces in the store: start, id, root span, duration, spans, errors, log records.",
            usage: """
                correlate traces [--since <time>] [--until <time>] [--service <name>]
                                 [--slow <duration>] [--errors] [--limit <n>]
                                 [--format text|json] [<options>]
                """,
            discussion: """
                Lists the traces whose first span started in [--since, --until], the newest first, \
                at most --limit: the start time, the trace id, the root span's name and service, \
                the duration (first span's start to last span's end), the number of spans, \
                whether a span failed, and its log records (as correlate trace shows them: by \
                trace id, or by the job id of one of its spans). --service \
                keeps traces with a span of that service, --slow those that lasted at least that \
                long, --errors those with a failed span. With neither --since nor --until, the 24 \
                hours up to the newest span in the store (a store of last week's data lists its \
                own last day). --since and --until take what journalctl --since takes (see \
                correlate help report). --format json writes one object per line.

                EXAMPLES:
                  correlate traces --since '1 hour ago' --errors
                  correlate traces --service celery-worker --slow 2s --limit 10
                  correlate traces --errors --format json | jq -r .trace_id
                """)

        @Option(help: ArgumentHelp("Start of the range: \(TimeOptions.forms). (default: 24h before --until)", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("End of the range, as --since. (default: now with --since, else the newest span's start)", valueName: "time"))
        var until: String?

        @Option(help: ArgumentHelp("Only traces with a span of this service.", valueName: "name"))
        var service: String?

        @Option(help: ArgumentHelp("Only traces that lasted at least this long (500ms, 2s, 1m).", valueName: "duration"))
        var slow: String?

        @Flag(help: "Only traces with a failed span.")
        var errors = false

        @Option(help: "List at most N traces.")
        var limit = 50

        static let formats: [OutputFormat] = [.text, .json]

        @Option(help: ArgumentHelp("text (a table) or json (one object per line).", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .text

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "traces")
            let now = Timestamp.now
            for (option, value) in [("--since", since), ("--until", until)] {
                if let value { _ = try TimeOptions.parse(value, option: option, now: now) }
            }
            if let slow, DurationText.nanoseconds(slow) == nil {
                throw ValidationError("--slow '\(slow)' is not a duration (such as 500ms, 2s, 1m).")
            }
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
        }

        func run() throws {
            let store = try storeOptions.openExisting()
            let (start, end) = try TimeOptions.range(since: since, until: until, store: store, length: 86_400_000_000_000)
            let traces = try store.traces(TraceListQuery(
                since: start, until: end, service: service, minimumDurationNanoseconds: slow.flatMap(DurationText.nanoseconds),
                errorsOnly: errors, limit: limit))
            let text = format == .json ? ListingJSON.traces(traces) : ListingText.traces(traces, since: start, until: end, limit: limit)
            ByteOutput.standardOutput.write(Array(text.utf8))
        }
    }
}
