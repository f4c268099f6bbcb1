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
            try BundleWriting.write(bundles, format: format, title: "Incident report \(start) … \(end)",
                                    options: rendering.options(toFile: output != nil, defaultWidth: format == .markdown ? 100 : nil), to: output)
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
