public import ArgumentParser
public import CorrelateDecode
import CorrelatePipeline

extension LogFormat: ExpressibleByArgument {}

extension Correlate {
    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extract",
            abstract: "Pull trace, span and job ids out of log lines; one NDJSON record per log record.",
            usage: """
                correlate extract [<file>|- ...] [--only-linked]
                                  [--input-format <format>] [<options>]
                """,
            discussion: """
                Reads each FILE in turn (- or none: standard input), detects each line's format \
                (journalctl -o json, JSON lines, logfmt, plain text with a leading timestamp), \
                and writes one JSON object per log record to stdout, with the fields ts, \
                trace_id, span_id, job_id, severity, service, host, rule, message and \
                source {file, line, lines}. Ids are lowercase hex; a missing one is null.

                A traceback or indented continuation stays one record with its first line's \
                ids. Lines without ids are kept unless --only-linked (which also skips reading \
                lines no rule can match; of those it checks only the JSON framing). Malformed \
                lines are counted and still searched. A summary goes to stderr.

                Works on a never-ending stream: journalctl -o json -f | correlate extract. \
                Large files are cut at record boundaries and read on all cores; the output is \
                the same as line by line.

                A directory is read recursively: its files whose name matches --glob, in name \
                order. Input compressed with gzip or zstd is decompressed as it is read, whatever \
                its name (the content tells), also on standard input; a damaged one keeps the \
                records before the damage, which is reported with the file and line (exit 1).

                EXAMPLES:
                  correlate extract samples/celery-redis/logs/worker.otel.log
                  correlate extract --only-linked samples/celery-redis/logs/journal.json
                  correlate extract --glob '*.log*' samples/celery-redis/logs/
                  journalctl -o json -u celery-worker -f | correlate extract --only-linked
                """)

        @Argument(help: ArgumentHelp("Log files or directories to read; - or none for standard input.", valueName: "file"))
        var files: [String] = []

        @Flag(name: .customLong("only-linked"), help: "Write only records that carry a trace id or a job id.")
        var onlyLinked = false

        @Option(name: .customLong("input-format"), help: "Force the log format instead of detecting it per line: auto, journald, json, logfmt, plain.")
        var inputFormat: LogFormat = .auto

        @Option(name: .customLong("max-line-bytes"), help: "Cut longer lines to this many bytes, 64 to 1073741824 (they are counted).")
        var maxLineBytes = 1 << 20

        @Option(help: "Threads for large regular files (cut into chunks at record boundaries); 1 reads line by line. (default: one per core)")
        var threads: Int?

        @Option(name: .customLong("chunk-bytes"), help: ArgumentHelp("Size of the chunks a large file is cut into.", visibility: .hidden))
        var chunkBytes = 4 << 20

        @Flag(name: .shortAndLong, help: "No summary on stderr.")
        var quiet = false

        @OptionGroup var input: InputOptions

        @OptionGroup var logTime: LogTimeOptions

        @OptionGroup var ruleOptions: RuleOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let problem = ExtractConfiguration.maxLineBytesProblem(maxLineBytes) { throw ValidationError(problem) }
            guard (1...ExtractConfiguration.maximumThreads).contains(threads ?? 1) else {
                throw ValidationError("--threads must be from 1 to \(ExtractConfiguration.maximumThreads).")
            }
            guard ExtractConfiguration.chunkBytesRange.contains(chunkBytes) else {
                throw ValidationError("--chunk-bytes must be from \(ExtractConfiguration.chunkBytesRange.lowerBound) to \(ExtractConfiguration.chunkBytesRange.upperBound) (1 GiB).")
            }
        }

        func run() throws {
            _ = try logTime.apply()  // extract has no spans to measure the clocks by
            let rules = try ruleOptions.selection.load()
            if global.verbose { rules.notes.forEach(DiagnosticPrinter.print) }
            var configuration = ExtractConfiguration(
                inputs: files, inputFormat: inputFormat, onlyLinked: onlyLinked,
                maxLineBytes: maxLineBytes, threads: threads ?? ExtractConfiguration.defaultThreads, chunkBytes: chunkBytes)
            configuration.globs = input.effectiveGlobs
            let pipeline = ExtractPipeline(ruleSet: rules.ruleSet, configuration: configuration)
            let summary = try pipeline.run()
            for problem in summary.unreadable {
                DiagnosticPrinter.printError("correlate: error: \(problem)")
            }
            if !quiet { DiagnosticPrinter.printError("correlate extract: \(summary.description)") }
            if !summary.unreadable.isEmpty { throw ExitCode(ExitStatus.badInput.rawValue) }
        }
    }
}
