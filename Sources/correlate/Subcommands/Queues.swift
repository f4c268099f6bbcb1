import ArgumentParser
import CorrelateEngine
import CorrelateModel
import CorrelatePipeline
import CorrelateRender

extension Correlate {
    struct Queues: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-queue statistics of the jobs in a time range: waits, run times, failures.",
            discussion: """
                A job is an outermost consumer span (the execute side of a producer→consumer \
                hop; a receive span and the process span under it are one job) that started in \
                [--since, --until). Its queue is named by the span attributes the queue label \
                maps to in rules/alerts.yaml (messaging.destination.name, the older \
                messaging.destination, RabbitMQ's routing key), of the consumer, else of its \
                producer. Its wait is the time from the producer span's end to the consumer's \
                start, the producer found by parent, span links, or job id \
                (messaging.message.id and the other job id attributes), also when it started \
                before the range; a batch receive linked to several producers waits as long as \
                its oldest message. Per queue: jobs, wait p50/p95/p99/max (over the jobs whose \
                producer is known; a consumer that started before its producer, clock skew, is \
                counted apart), execution p50/p95/p99 (the consumer span's duration), failures \
                (an error in the consumer span or under it, not in a job it enqueued), and the \
                three jobs that waited longest. Percentiles are nearest-rank.

                --since and --until take RFC 3339 times (2026-11-25T08:00:00Z) or durations back \
                from now (1h, 30m). With neither, the hour up to the newest span in the store \
                (so a store of last week's data answers for its own last hour).
                """)

        @Option(help: ArgumentHelp("Start of the range: an RFC 3339 time, or a duration back from now (default: 1h before --until).", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("End of the range: an RFC 3339 time, or a duration back from now (default: now with --since, else the newest span's start).", valueName: "time"))
        var until: String?

        @Option(help: ArgumentHelp("Only this queue (repeatable).", valueName: "name"))
        var queue: [String] = []

        static let formats: [OutputFormat] = [.text, .json]

        @Option(help: ArgumentHelp("text (a table) or json.", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .text

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "queues")
            for (name, value) in [("--since", since), ("--until", until)] {
                if let value, TimeArgument.parse(value, now: .now) == nil {
                    throw ValidationError("\(name) '\(value)' is neither an RFC 3339 time nor a duration such as 1h.")
                }
            }
            let now = Timestamp.now
            if let since, let start = TimeArgument.parse(since, now: now) {
                let end = until.flatMap { TimeArgument.parse($0, now: now) } ?? now
                if start > end { throw ValidationError("--since \(start) is after --until \(until == nil ? "(now) " : "")\(end).") }
            }
        }

        func run() throws {
            let rules = try ruleOptions.selection.loadAlertRules()
            let store = try storeOptions.openExisting()
            let now = Timestamp.now
            let end: Timestamp
            if let until {
                end = TimeArgument.parse(until, now: now)!
            } else if since != nil {
                end = now
            } else {
                // One past the newest span, so that it is in the range.
                end = (try store.latestSpanStart() ?? now).advanced(by: 1)
            }
            let start = since.flatMap { TimeArgument.parse($0, now: now) } ?? end.advanced(by: -3_600_000_000_000)
            guard start <= end else { throw ValidationError("--since is after --until.") }
            let queueAttributes = BundleBuilder(store: store, rules: rules, limit: 1, lookback: nil).lookup.matcher.queueAttributes
            let statistics = try QueueReport(store: store, queueAttributes: queueAttributes).statistics(from: start, to: end, queues: queue.isEmpty ? nil : Set(queue))
            switch format {
            case .text:
                let others = statistics.isEmpty && !queue.isEmpty
                    ? try QueueReport(store: store, queueAttributes: queueAttributes).statistics(from: start, to: end).map(\.queue) : []
                print(QueueText.table(statistics, start: start, end: end, others: others), terminator: "")
            default: print(QueueJSON.string(statistics, start: start, end: end))
            }
        }
    }
}
