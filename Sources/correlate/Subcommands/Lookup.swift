#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CorrelateModel
import CorrelatePipeline
import CorrelateSinks
import CorrelateEngine

extension Correlate {
    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lookup",
            abstract: "Find the traces that explain an alert: its incident bundle.",
            usage: """
                correlate lookup (--alert <file> | --name <name> | --fingerprint <fp>)
                                 [--format text|json|markdown|html] [<options>]
                """,
            discussion: """
                The alert comes from a payload file (--alert: an Alertmanager or Grafana webhook, \
                or an Alertmanager API v2 list; every alert in it), or from the store by name or \
                fingerprint (the latest firing of it). Candidate traces are those with spans in \
                the alert's window (--lookback before startsAt, to endsAt or now) that match at \
                least one of the alert's labels as rules/alerts.yaml maps them; each label matched \
                adds to a trace's score (Prometheus target labels, job and instance, little), and \
                a label that matches nothing is ignored and named in the bundle. Traces the alert \
                names come first, then those matching the most labels, then by what the alert \
                measures (the measures rules of rules/alerts.yaml, read from the PromQL \
                expression of its generatorURL, else its name and annotations): queue_wait ranks \
                by the wait on the alert's queue, execution by the longest consumer span, \
                end_to_end by the whole trace, errors puts failed traces first with the failing \
                span and its exception as culprit. Each trace says why in words; each queue the \
                alert names gets its statistics during the alert window and during as long a time \
                before. A job whose consumer starts a new trace linked to its producer brings \
                both traces. Output: JSON (one bundle per line, schema correlate.bundle/v1), \
                Markdown, or one self-contained HTML page.

                EXAMPLES:
                  # in samples/celery-redis, after the examples of correlate help ingest
                  correlate lookup --name JobLatencyHigh --format text
                  correlate lookup --alert alerts/alertmanager-webhook.json --format markdown
                  correlate lookup --name joblatencyhigh --format html -o incident.html
                """)

        @Option(name: .customLong("alert"), help: ArgumentHelp("A file with alert payloads (- for standard input).", valueName: "file"))
        var alertFile: String?

        @Option(help: "An alert in the store, by alertname (case ignored).")
        var name: String?

        @Option(help: "An alert in the store, by fingerprint.")
        var fingerprint: String?

        static let formats: [OutputFormat] = [.text, .json, .markdown, .html]

        @Option(help: ArgumentHelp("text (for a terminal), json (one bundle per line), markdown, or html (one page).", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .json

        @Option(help: "Keep the top N traces of each bundle.")
        var limit = 10

        @Option(help: ArgumentHelp("How far before startsAt to search (default from rules/alerts.yaml, 5m).", valueName: "duration"))
        var lookback: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
        var output: String?

        @OptionGroup(title: "Rendering options") var rendering: RenderingOptions

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "lookup")
            let given = [alertFile != nil, name != nil, fingerprint != nil].filter { $0 }.count
            guard given == 1 else { throw ValidationError("Give exactly one of --alert FILE, --name NAME, --fingerprint FP.") }
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
            if let lookback, DurationText.nanoseconds(lookback) == nil {
                throw ValidationError("--lookback '\(lookback)' is not a duration (such as 5m, 90s, 1h).")
            }
        }

        func run() throws {
            // The rules are read while the store opens and the alert is found; a problem with
            // them is still said before any other.
            let loading = ruleOptions.selection.loadAlertRulesInBackground()
            let store = try loading.ahead { try storeOptions.openExisting { _ = try loading.wait() } }
            var alerts: [Alert] = []
            if let alertFile {
                let decoded = try loading.ahead { try AlertSelection.fromPayload(alertFile, store: store) }
                _ = try loading.wait()
                for problem in decoded.problems { DiagnosticPrinter.printError("correlate: warning: \(problem)") }
                alerts = decoded.alerts
                if alerts.isEmpty {
                    DiagnosticPrinter.printError("correlate: error: no usable alert in '\(alertFile)'")
                    throw ExitCode(ExitStatus.badInput.rawValue)
                }
            } else {
                let found = try loading.ahead { try AlertSelection.latest(named: name, fingerprint: fingerprint, store: store) }
                _ = try loading.wait()
                guard let latest = found else {
                    let near = try name.flatMap { Spelling.closest(to: $0, among: try AlertSelection.names(in: store)) }
                    DiagnosticPrinter.printError("correlate: error: no alert \(name.map { "named \($0)" } ?? "with fingerprint \(fingerprint ?? "")") in \(storeOptions.path)"
                        + (near.map { "; did you mean '\($0)'?" } ?? ""))
                    throw ExitCode(ExitStatus.badInput.rawValue)
                }
                alerts = [latest]
            }
            let rules = try loading.wait()
            // A second handle reads the queue figures on the other core; without one (it could not
            // be opened), the same answer comes in turn.
            let lookup = BundleBuilder(store: store, secondStore: storeOptions.secondHandle(besides: store), rules: rules, limit: limit, lookback: lookback.flatMap(DurationText.nanoseconds))
            let bundles = try alerts.map { try lookup.bundle(for: $0) }
            try BundleOutput.write(bundles, format: BundleOutput.Format(format), title: "Incident: " + Set(alerts.map(\.name)).sorted().joined(separator: ", "),
                                    options: rendering.options(toFile: output != nil, defaultWidth: format == .markdown ? 100 : nil), to: output)
        }
    }
}
