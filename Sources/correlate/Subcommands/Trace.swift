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
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        static let configuration = CommandConfiguration(
            abstract: "Show one trace from the store: a waterfall with the queue wait, the culprit and its log lines.",
            discussion: """
                TRACE_ID is 32 hex digits, a prefix of at least 8 that names one trace, or a \
                64-bit id as Datadog or B3 logs write it (16 hex digits, or decimal): the trace \
                whose low 64 bits it is. The \
                waterfall shows each span indented under its parent, the time a job waited in the \
                queue between its enqueue and execute spans, the culprit (the span, or the queue \
                wait, with the most own time on the critical path), error spans, and the trace's \
                log lines under their span — including the lines that carry only the job id. \
                When the job's context was lost between the request and the worker, it says so and \
                names the other trace. Colour on a terminal only, never with NO_COLOR. \
                --format json prints the trace object of the bundle schema.
                """)

        @Argument(help: ArgumentHelp("The trace id, a unique prefix of it, or its low 64 bits.", valueName: "trace-id"))
        var traceID: String

        @Option(help: "text (a waterfall) or json (the bundle's trace object).")
        var format: Format = .text

        @Option(help: "Width of the waterfall. Default: the terminal's, else 120.")
        var width: Int?

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try storeOptions.openExisting()
            let query = TraceQuery(store: store)
            let analysis: TraceAnalysis
            do {
                analysis = try query.trace(named: traceID, storeName: storeOptions.path)
            } catch let notFound as TraceQuery.NotFound {
                DiagnosticPrinter.printError("correlate: error: \(notFound)")
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
            switch format {
            case .json:
                let out = JSONWriter()
                TraceJSON.write(analysis, to: out)
                out.byte(0x0A)
                out.withBytes(upTo: out.count) { _ = ByteOutput.standardOutput.write($0) }
            case .text:
                let waterfall = TerminalWaterfall(width: width ?? Terminal.columns(), colour: Terminal.colour(GlobalOptions.colour, descriptor: 1))
                var text = waterfall.render(analysis)
                text.withUTF8 { _ = ByteOutput.standardOutput.write(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}
