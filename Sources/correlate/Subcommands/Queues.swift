import ArgumentParser
import CorrelateEngine
import CorrelateModel
import CorrelatePipeline
import CorrelateRender

extension Correlate {
    struct Queues: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "queues",
            abstract: "Per-queue statistics of the jobs in a time range: waits, run times, failures.",
            usage: """
                correlate queues [--since <time>] [--until <time>] [--queue <name>]...
                                 [--format text|json] [<options>]
                """,
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

                --since and --until take what journalctl --since takes: a date and time \
                (2026-11-25, "2026-11-25 08:00"), a time of today (08:00), yesterday, today, now, \
                a time span before or after now (-1h, +30min, "2 days ago", or a span alone: 1w, \
                30min, 1h30m, 90s), or an RFC 3339 time (2026-11-25T08:00:00Z). A date or time \
                without a zone is local time (add UTC or +01:00 for another). With neither, the hour up to the newest span in the store \
                (so a store of last week's data answers for its own last hour).

                EXAMPLES:
                  # in samples/celery-redis, after the examples of correlate help ingest
                  correlate queues
                  correlate queues --since 2026-11-25T08:30:00Z --until 2026-11-25T08:35:00Z
                  correlate queues --queue exports --format json
                """)

        @Option(help: ArgumentHelp("Start of the range: \(TimeOptions.forms). (default: 1h before --until)", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("End of the range, as --since. (default: now with --since, else the newest span's start)", valueName: "time"))
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
            let now = Timestamp.now
            let end = try until.map { try TimeOptions.parse($0, option: "--until", now: now) } ?? now
            if let since { try TimeOptions.checkOrder(try TimeOptions.parse(since, option: "--since", now: now), end, untilGiven: until != nil) }
        }

        func run() throws {
            let rules = try ruleOptions.selection.loadAlertRules()
            let store = try storeOptions.openExisting()
            let (start, end) = try TimeOptions.range(since: since, until: until, store: store, length: 3_600_000_000_000)
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
