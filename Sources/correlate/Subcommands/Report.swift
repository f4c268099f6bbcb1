import ArgumentParser
import CorrelateModel
import CorrelatePipeline
import CorrelateSinks

extension Correlate {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An incident report of every alert in a time range: Markdown, HTML or JSON.",
            discussion: """
                Every alert in the store whose window overlaps [--since, --until] gets its bundle \
                (as correlate lookup builds it). --since and --until take RFC 3339 times \
                (2026-11-25T08:00:00Z) or durations back from now (2h, 30m); by default the last \
                24 hours. HTML is one self-contained page (no external asset, works offline) with \
                a waterfall per trace; Markdown pastes into a ticket; JSON is one bundle per line.
                """)

        @Option(help: ArgumentHelp("Start of the range: an RFC 3339 time, or a duration back from now.", valueName: "time"))
        var since = "24h"

        @Option(help: ArgumentHelp("End of the range: an RFC 3339 time, or a duration back from now.", valueName: "time"))
        var until: String?

        @Option(help: "markdown, html or json.")
        var format: BundleFormat = .markdown

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
        var output: String?

        @Option(help: "Keep the top N traces of each bundle.")
        var limit = 10

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
            guard TimeArgument.parse(since, now: .now) != nil else {
                throw ValidationError("--since '\(since)' is neither an RFC 3339 time nor a duration such as 2h.")
            }
            if let until, TimeArgument.parse(until, now: .now) == nil {
                throw ValidationError("--until '\(until)' is neither an RFC 3339 time nor a duration such as 30m.")
            }
        }

        func run() throws {
            let now = Timestamp.now
            let start = TimeArgument.parse(since, now: now)!
            let end = until.flatMap { TimeArgument.parse($0, now: now) } ?? now
            guard start <= end else { throw ValidationError("--since is after --until.") }
            let rules = try ruleOptions.selection.loadAlertRules()
            let store = try storeOptions.openExisting()
            let alerts = try store.alerts(overlapping: start, end)
            if alerts.isEmpty { DiagnosticPrinter.printError("correlate report: no alert between \(start) and \(end)") }
            let builder = BundleBuilder(store: store, rules: rules, limit: limit, lookback: nil)
            let bundles = try alerts.map { try builder.bundle(for: $0, now: now) }
            try BundleOutput.write(bundles, format: BundleOutput.Format(rawValue: format.rawValue)!, title: "Incident report \(start) … \(end)", to: output)
        }
    }
}

/// `--since`/`--until`: an RFC 3339 time, or a duration back from now.
enum TimeArgument {
    static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        if let time = Timestamp.parse(text) { return time }
        return DurationText.nanoseconds(text).map { Timestamp(nanoseconds: now.nanoseconds - $0) }
    }
}
