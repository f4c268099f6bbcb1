#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CorrelateDecode
import CorrelatePipeline
import Foundation

extension Correlate {
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ingest",
            abstract: "Store logs, spans and alerts, for trace, lookup and report.",
            usage: """
                correlate ingest [--logs <file>]... [--spans <file>]...
                                 [--alerts <file>]... [<options>]
                """,
            discussion: """
                Logs go through the extraction rules (as correlate extract reads them); a file of \
                OTLP logs requests (JSON, one a line, as the Collector's file exporter writes \
                them) is read record by record, each stored under the file and its number among \
                the file's records. Spans are \
                read from OTLP JSON (one export request per line, as the Collector's file exporter \
                writes them, or one document), OTLP protobuf (an ExportTraceServiceRequest, as \
                OTLP/HTTP sends it), Jaeger JSON or Zipkin v2 JSON, detected per file; alerts are \
                kept as they are until they are parsed.

                Ingest is idempotent: spans are keyed by (trace id, span id), log records by \
                (file, line), so ingesting the same files again adds nothing. Each batch is one \
                transaction: an interrupted ingest keeps what it committed, and running it again \
                completes it.

                A directory is read recursively: its files whose name matches --glob, in name \
                order. Files compressed with gzip or zstd are decompressed, whatever their name \
                (the content tells); a damaged one keeps what was read before the damage, and \
                the damage is reported with the file and line.

                EXAMPLES:
                  cd samples/celery-redis
                  correlate ingest --spans traces.otlp.jsonl --alerts alerts/*webhook.json
                  correlate ingest --logs logs/celery-worker.log logs/worker.otel.log
                  correlate ingest --logs logs/ --glob '*.log' --spans traces.otlp.jsonl
                  correlate --db /tmp/other.db ingest --spans traces.otlp.jsonl
                """)

        @Option(name: .customLong("logs"), parsing: .upToNextOption,
                help: ArgumentHelp("Log files or directories (- for standard input); several after one --logs, and repeatable.", valueName: "file"))
        var logs: [String] = []

        @Option(name: .customLong("spans"), parsing: .upToNextOption,
                help: ArgumentHelp("Span files or directories; several after one --spans, and repeatable.", valueName: "file"))
        var spans: [String] = []

        @Option(name: .customLong("alerts"), parsing: .upToNextOption,
                help: ArgumentHelp("Alert files (webhook payloads) or directories; several after one --alerts, and repeatable.", valueName: "file"))
        var alerts: [String] = []

        @Option(name: .customLong("input-format"), help: "Force the log format: auto, journald, json, logfmt, plain.")
        var inputFormat: LogFormat = .auto

        @Option(name: .customLong("max-line-bytes"), help: "Cut longer log lines to this many bytes, 64 to 1073741824 (they are counted).")
        var maxLineBytes = 1 << 20

        @Option(help: "Threads for large log files. (default: one per core)")
        var threads: Int?

        @Flag(name: .shortAndLong, help: "No summary on stderr.")
        var quiet = false

        @OptionGroup var input: InputOptions

        @OptionGroup var logTime: LogTimeOptions

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup(title: "Retention") var retentionOptions: RetentionOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let problem = ExtractConfiguration.maxLineBytesProblem(maxLineBytes) { throw ValidationError(problem) }
            guard (1...ExtractConfiguration.maximumThreads).contains(threads ?? 1) else {
                throw ValidationError("--threads must be from 1 to \(ExtractConfiguration.maximumThreads).")
            }
            guard !(logs.isEmpty && spans.isEmpty && alerts.isEmpty) else {
                throw ValidationError("Nothing to ingest: give --logs, --spans or --alerts.")
            }
            guard [logs, spans, alerts].joined().filter({ $0 == "-" }).count <= 1 else {
                throw ValidationError("Standard input can be read once only.")
            }
        }

        func run() throws {
            try InputCheck.requireReadable(logs + spans + alerts)
            let logClock = try logTime.apply()
            let rules = try ruleOptions.selection.load()
            _ = try ruleOptions.selection.loadAlertRules()  // job_id_attributes, for the spans
            let store = try storeOptions.open(limits: retentionOptions.limits)
            let configuration = IngestConfiguration(
                logs: logs, spans: spans, alerts: alerts, globs: input.effectiveGlobs,
                extract: ExtractConfiguration(inputs: [], inputFormat: inputFormat, maxLineBytes: maxLineBytes, threads: threads ?? ExtractConfiguration.defaultThreads),
                logClock: logClock)
            let pipeline = IngestPipeline(ruleSet: rules.ruleSet, store: store, configuration: configuration)
            let showProgress = !quiet && isatty(2) == 1
            var lastProgress = Date.distantPast
            if showProgress {
                pipeline.progress = { summary in
                    guard Date().timeIntervalSince(lastProgress) > 0.5 else { return }
                    lastProgress = Date()
                    DiagnosticPrinter.printProgress(
                        "ingest: \(summary.logsStored.stored + summary.logsStored.duplicates) log records, \(summary.spansStored.stored + summary.spansStored.duplicates) spans…")
                }
            }
            let summary = try pipeline.run()
            if showProgress { DiagnosticPrinter.printProgress("") }
            DiagnosticPrinter.printProblems(of: summary)
            if !quiet { DiagnosticPrinter.printError("correlate ingest: \(summary.description) → \(storeOptions.path)") }
            if !summary.unreadable.isEmpty { throw ExitCode(ExitStatus.badInput.rawValue) }
        }
    }
}
