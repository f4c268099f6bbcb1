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

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try global.openExistingStore()
            let query = TraceQuery(store: store)
            let matches = try query.resolve(traceID)
            guard let id = matches.first else {
                let reason = traceID.count < 8 || !traceID.allSatisfy(\.isHexDigit)
                    ? "'\(traceID)' is not a trace id (32 hex digits, a prefix of at least 8, or a 64-bit id)"
                    : "no trace \(traceID) in \(global.databasePath)"
                DiagnosticPrinter.printError("correlate: error: \(reason)")
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
            guard matches.count == 1 else {
                DiagnosticPrinter.printError("correlate: error: '\(traceID)' names several traces: " + matches.map(\.description).joined(separator: ", "))
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
            guard let analysis = try query.analyze(id) else {
                DiagnosticPrinter.printError("correlate: error: no trace \(id) in \(global.databasePath)")
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
            switch format {
            case .json:
                let out = JSONWriter()
                TraceJSON.write(analysis, to: out)
                out.byte(0x0A)
                out.withBytes(upTo: out.count) { _ = ByteOutput.standardOutput.write($0) }
            case .text:
                let colour = isatty(1) == 1 && getenv("NO_COLOR") == nil
                let waterfall = TerminalWaterfall(width: width ?? Terminal.columns(), colour: colour)
                var text = waterfall.render(analysis)
                text.withUTF8 { _ = ByteOutput.standardOutput.write(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}

enum Terminal {
    /// The terminal's width (stdout, then $COLUMNS), else 120.
    static func columns() -> Int {
        var size = winsize()
        if isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let value = getenv("COLUMNS"), let columns = Int(String(cString: value)), columns > 0 { return columns }
        return 120
    }
}
