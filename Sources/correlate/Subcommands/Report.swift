import ArgumentParser
import CorrelateModel
import CorrelatePipeline
import CorrelateRender
import CorrelateSinks

extension Correlate {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "An incident report of every alert in a time range: Markdown, HTML or JSON.",
            usage: """
                correlate report [--since <time>] [--until <time>]
                                 [--format text|json|markdown|html] [<options>]
                """,
            discussion: """
                Every alert in the store whose window overlaps [--since, --until] gets its bundle \
                (as correlate lookup builds it); by default those of the last 24 hours. --since \
                and --until take what journalctl --since takes: a date and time (2026-11-25, \
                "2026-11-25 08:00"), a time of today (08:00), yesterday, today, now, a time span \
                before or after now (-1h, +30min, "2 days ago", or a span alone: 1w, 30min, \
                1h30m, 90s), or an RFC 3339 time (2026-11-25T08:00:00Z). A date or time without \
                a zone is local time (add UTC or +01:00 for another). HTML is one self-contained page (no external asset, works offline) with \
                a waterfall per trace; Markdown pastes into a ticket; JSON is one bundle per line.

                EXAMPLES:
                  # in samples/celery-redis, after the examples of correlate help ingest
                  correlate report --since 2026-11-25 --until 2026-11-26 --format text
                  correlate report --since '2026-11-25 08:00' --format html -o incident.html
                  correlate report --since yesterday --format json
                """)

        @Option(help: ArgumentHelp("Start of the range: \(TimeOptions.forms).", valueName: "time"))
        var since = "24h"

        @Option(help: ArgumentHelp("End of the range, as --since. (default: now)", valueName: "time"))
        var until: String?

        static let formats: [OutputFormat] = [.text, .json, .markdown, .html]

        @Option(help: ArgumentHelp("markdown, html (one page), json (one bundle per line) or text (for a terminal).", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .markdown

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
        var output: String?

        @Option(help: "Keep the top N traces of each bundle.")
        var limit = 10

        @OptionGroup(title: "Rendering options") var rendering: RenderingOptions

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "report")
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
            let now = Timestamp.now
            let start = try TimeOptions.parse(since, option: "--since", now: now)
            let end = try until.map { try TimeOptions.parse($0, option: "--until", now: now) } ?? now
            try TimeOptions.checkOrder(start, end, untilGiven: until != nil)
        }

        func run() throws {
            let now = Timestamp.now
            let start = try TimeOptions.parse(since, option: "--since", now: now)
            let end = try until.map { try TimeOptions.parse($0, option: "--until", now: now) } ?? now
            let rules = try ruleOptions.selection.loadAlertRules()
            let store = try storeOptions.openExisting()
            let alerts = try store.alerts(overlapping: start, end)
            if alerts.isEmpty { DiagnosticPrinter.printError("correlate report: no alert between \(TimeText.dateTime(start)) and \(TimeText.dateTime(end))") }
            // Each bundle's queue figures read on a second handle, on the other core (as lookup).
            let builder = BundleBuilder(store: store, secondStore: storeOptions.secondHandle(besides: store), rules: rules, limit: limit, lookback: nil)
            let bundles = try alerts.map { try builder.bundle(for: $0, now: now) }
            try BundleOutput.write(bundles, format: BundleOutput.Format(format), title: "Incident report \(TimeText.dateTime(start)) … \(TimeText.dateTime(end))",
                                    options: rendering.options(toFile: output != nil, defaultWidth: format == .markdown ? 100 : nil), to: output)
        }
    }
}
