#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CorrelateEngine
import CorrelateModel
import CorrelatePipeline
import CorrelateRender
import CorrelateSinks
import CorrelateJSON

extension Correlate {
    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trace",
            abstract: "Show one trace from the store: a waterfall with the queue wait, the culprit and its log lines.",
            usage: """
                correlate trace <trace-id> [--format text|json] [--width <n>] [--full]
                                [--logs none|linked|all] [<options>]
                """,
            discussion: """
                TRACE_ID is 32 hex digits, a prefix of at least 8 that names one trace, or a \
                64-bit id as Datadog or B3 logs write it (16 hex digits, or decimal): the trace \
                whose low 64 bits it is. The \
                waterfall shows each span indented under its parent, the time a job waited in the \
                queue between its enqueue and execute spans, the culprit (the span, or the queue \
                wait, with the most own time on the critical path), error spans, and the trace's \
                log lines under their span — including the lines that carry only the job id. \
                When the job's context was lost between the request and the worker, it says so and \
                names the other trace. Colour as --color says (by default on a terminal, unless \
                NO_COLOR is set). \
                --format json prints the trace object of the bundle schema.

                EXAMPLES:
                  # in samples/celery-redis, after the examples of correlate help ingest
                  correlate trace 6e5bbfb4
                  correlate trace 6e5bbfb4 --full --width 100 --level warn
                  correlate trace 6e5bbfb43e75ba84fca988cb58246552 --format json
                  correlate trace 6e5bbfb4 --trace-url 'http://jaeger:16686/trace/{trace_id}'
                """)

        @Argument(help: ArgumentHelp("The trace id, a unique prefix of it, or its low 64 bits.", valueName: "trace-id"))
        var traceID: String

        static let formats: [OutputFormat] = [.text, .json]

        @Option(help: ArgumentHelp("text (a waterfall) or json (the bundle's trace object).", valueName: OutputFormat.valueName(formats)),
                completion: OutputFormat.completion(formats))
        var format: OutputFormat = .text

        @OptionGroup(title: "Rendering options") var rendering: RenderingOptions

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            try format.check(Self.formats, command: "trace")
        }

        func run() throws {
            let store = try storeOptions.openExisting()
            let query = TraceQuery(store: store)
            let analysis: TraceAnalysis
            do {
                analysis = try query.trace(named: traceID, storeName: storeOptions.path)
            } catch let notFound as TraceQuery.NotFound {
                DiagnosticPrinter.printError("correlate: error: \(notFound)")
                // What is not an id at all is a usage error; an id the store lacks, bad input.
                if case .notAnID = notFound { throw ExitCode(ExitStatus.usage.rawValue) }
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
            switch format {
            case .json:
                let out = JSONWriter()
                TraceJSON.write(analysis, to: out)
                out.byte(0x0A)
                out.withBytes(upTo: out.count) { _ = ByteOutput.standardOutput.write($0) }
            default:
                let options = rendering.options()
                var text = TerminalWaterfall(options: options).render(analysis, links: BundleText.links(analysis, options: options))
                text.withUTF8 { _ = ByteOutput.standardOutput.write(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}
