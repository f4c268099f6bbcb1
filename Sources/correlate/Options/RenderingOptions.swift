public import ArgumentParser
public import CorrelateModel
public import CorrelateRender
import CorrelateSinks

extension LogSelection: ExpressibleByArgument {}

extension Severity: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(text: argument)
    }
}

/// How the formats for people (text, markdown, html) show a trace — its width, its log
/// events, its links out: `trace`, `lookup`, `report` and `run`. JSON keeps everything.
struct RenderingOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Columns of the text waterfall, \(RenderOptions.minimumWidth) to \(RenderOptions.maximumWidth). (default: the terminal's, else $COLUMNS, else 120; 100 in Markdown)",
        valueName: "n"))
    var width: Int?

    @Flag(help: "Whole log messages, wrapped, and tracebacks opened, instead of a line each.")
    var full = false

    @Option(help: ArgumentHelp(
        "Log events shown: none, linked (the trace's own: its trace id, or its jobs' ids), or all (also the alert window's lines with no trace id).",
        valueName: "which"))
    var logs: LogSelection = .linked

    @Option(name: .customLong("service"), help: ArgumentHelp(
        "Only the log events of this service (case ignored; an event without one takes its span's). Repeatable.", valueName: "name"))
    var services: [String] = []

    @Option(help: ArgumentHelp("Only log events at this severity or above (events without one are kept).", valueName: "level"))
    var level: Severity?

    @Flag(name: .customLong("all-logs"), help: "Every log event under a span, instead of the first \(RenderOptions.defaultLogsPerSpan) (errors and warnings first).")
    var allLogs = false

    @Option(name: .customLong("trace-url"), help: ArgumentHelp(
        "A link out for each trace: [LABEL=]URL with {trace_id} and optionally {start_ms} {end_ms} {start_us} {end_us} {start} {end}. Repeatable; added to the configuration file's trace_urls.",
        valueName: "template"))
    var traceURLs: [String] = []

    func validate() throws {
        if let width, width < RenderOptions.minimumWidth {
            throw ValidationError("--width \(width) is too narrow: the waterfall needs at least \(RenderOptions.minimumWidth) columns.")
        }
        if let width, width > RenderOptions.maximumWidth {
            throw ValidationError("--width \(width) is too wide: the waterfall is drawn in at most \(RenderOptions.maximumWidth) columns.")
        }
        for text in traceURLs {
            do {
                _ = try TraceLinkTemplate(parsing: text)
            } catch {
                throw ValidationError("--trace-url: \(error)")
            }
        }
    }

    /// The options for output to stdout (`toFile` false) or to a file; `defaultWidth` when
    /// `--width` is not given (nil: the terminal's).
    func options(toFile: Bool = false, defaultWidth: Int? = nil) -> RenderOptions {
        let choice = GlobalOptions.colour
        return RenderOptions(
            width: width ?? defaultWidth ?? Terminal.columns(),
            colour: toFile ? choice == .always : Terminal.colour(choice, descriptor: 1),
            full: full, logs: logs, services: services, minimumSeverity: level,
            logsPerSpan: allLogs ? nil : RenderOptions.defaultLogsPerSpan,
            traceLinks: GlobalOptions.configuration.traceLinks + traceURLs.compactMap { try? TraceLinkTemplate(parsing: $0) })
    }
}
