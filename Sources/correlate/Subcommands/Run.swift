#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import ArgumentParser
import CorrelateDecode
import CorrelateModel
import CorrelatePipeline
public import CorrelateSinks

/// Set by SIGINT and SIGTERM: the run stops reading, stores what it has, writes what is due.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

extension Correlate {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Stream logs, spans and alerts into the store and write a bundle for each alert (the default command).",
            usage: """
                correlate run [<logfile>|- ...] [--spans <file>]... [--alerts <file>]...
                              [--follow] [--format text|json|markdown|html] [<options>]
                """,
            discussion: """
                Logs come from the files given, or from standard input (journalctl -o json -f | \
                correlate); spans and alerts from --spans and --alerts files. Everything goes into \
                the store (--db) as it comes, so a later correlate lookup can answer too.

                For each alert read, a bundle (as correlate lookup builds it) is written once the \
                alert's window has closed (its endsAt; for a still-firing alert, its latest \
                notification) and --settle has passed, so spans that exporters hold back in \
                batches are in. While late spans or logs keep coming, a changed bundle is written \
                again with "revision": 1, 2… (a resolved alert is watched for --watch).

                Without --follow, the run ends when every input is read, and every alert's \
                bundle is written then. With --follow, the files are followed as they grow and \
                rotate (one document per line: OTLP JSON as the Collector's file exporter writes \
                it, one alert payload per line), until SIGINT or SIGTERM, on which what was read \
                is stored and the bundles due are written.

                Output: NDJSON (schema correlate.bundle/v1) by default, a Markdown section per \
                bundle, or one HTML page written when the run ends.

                A directory given (logs, --spans, --alerts) stands for its files whose name \
                matches --glob, read recursively in name order, as they are when the run starts. \
                Files compressed with gzip or zstd are decompressed (the content tells, not the \
                name) and read once, also with --follow.

                EXAMPLES:
                  cd samples/celery-redis
                  correlate logs/*.log --spans traces.otlp.jsonl --alerts alerts/*webhook.json
                  correlate logs/worker.otel.log --alerts alerts/*webhook.json --format text
                  journalctl -o json -u celery-worker -f | correlate --follow --format markdown
                """)

        @Argument(help: ArgumentHelp("Log files or directories (- for standard input; the default when it is not a terminal).", valueName: "logfile"))
        var logs: [String] = []

        // One value a flag: the log files are positional (`correlate --spans t.jsonl app.log` must
        // not read app.log as spans).
        @Option(name: .customLong("spans"),
                help: ArgumentHelp("A span file or directory (OTLP JSON, protobuf, Jaeger, Zipkin). Repeatable.", valueName: "file"))
        var spans: [String] = []

        @Option(name: .customLong("alerts"),
                help: ArgumentHelp("An alert file or directory (Alertmanager or Grafana webhook payloads, one per line, or an Alertmanager API list). Repeatable.", valueName: "file"))
        var alerts: [String] = []

        @Flag(name: .shortAndLong, help: "Follow the files as they grow and rotate, until interrupted.")
        var follow = false



        static let formats: [OutputFormat] = [.text, .json, .markdown, .html]

        @Option(help: ArgumentHelp("json (one bundle per line), markdown, html (one page at the end), or text (for a terminal).", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .json

        @Option(name: .customLong("max-line-bytes"), help: "Cut longer log lines to this many bytes, 64 to 1073741824 (they are counted).")
        var maxLineBytes = 1 << 20




        @Option(name: .customLong("input-format"), help: "Force the log format: auto, journald, json, logfmt, plain.")
        var inputFormat: LogFormat = .auto

        @Flag(name: .shortAndLong, help: "No summary on stderr.")
        var quiet = false

        @OptionGroup var bundles: BundleOptions

        @OptionGroup(title: "Rendering options") var rendering: RenderingOptions

        @OptionGroup var input: InputOptions

        @OptionGroup var logTime: LogTimeOptions

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup(title: "Retention") var retentionOptions: RetentionOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let problem = ExtractConfiguration.maxLineBytesProblem(maxLineBytes) { throw ValidationError(problem) }
            guard !(spans + alerts).contains("-") else {
                throw ValidationError("Standard input is for logs: give --spans and --alerts as files.")
            }
            guard logs.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("Standard input can be read once only.") }
            if follow, format == .html {
                throw ValidationError("--format html writes one page when the run ends, which --follow never does: use json, markdown or text, or correlate report.")
            }
            if logs.isEmpty, isatty(0) == 1, spans.isEmpty, alerts.isEmpty {
                throw ValidationError("Nothing to read: give log files, pipe logs in, or give --spans or --alerts.")
            }
        }

        func run() throws {
            try InputCheck.requireReadable(logs + spans + alerts)
            let logClock = try logTime.apply()
            let rules = try ruleOptions.selection.load()
            let alertRules = try ruleOptions.selection.loadAlertRules()
            let store = try storeOptions.open(limits: retentionOptions.limits)
            try store.beginLongRunningWrites()
            let logInputs = logs.isEmpty ? (isatty(0) == 1 ? [] : ["-"]) : logs
            let configuration = RunConfiguration(
                logs: logInputs, spans: spans, alerts: alerts, globs: input.effectiveGlobs, follow: follow,
                bundles: bundles.settings,
                extract: ExtractConfiguration(inputs: [], inputFormat: inputFormat, maxLineBytes: maxLineBytes), logClock: logClock)
            let output = ByteOutput.standardOutput
            let sink = BundleStream(format: BundleStream.Format(format), output: output, options: rendering.options(defaultWidth: format == .markdown ? 100 : nil))
            let pipeline = RunPipeline(ruleSet: rules.ruleSet, alertRules: alertRules, store: store,
                                       reader: try storeOptions.openReader(), configuration: configuration,
                                       warn: { DiagnosticPrinter.printError("correlate: warning: \($0)") }, emit: sink.write)
            StopSignals.unblock()
            signal(SIGINT) { _ in
                stopRequested = 1
                signal(SIGINT, SIG_DFL)  // a second one stops at once
            }
            signal(SIGTERM) { _ in stopRequested = 1 }
            let summary = try pipeline.run(shouldStop: { stopRequested != 0 || output.isClosed })
            sink.finish()
            DiagnosticPrinter.printProblems(of: summary.ingest)
            if !quiet { DiagnosticPrinter.printError("correlate: \(summary.description) → \(storeOptions.path)") }
            if !summary.ingest.unreadable.isEmpty { throw ExitCode(ExitStatus.badInput.rawValue) }
        }
    }
}
