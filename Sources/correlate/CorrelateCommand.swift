#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CorrelateExtract
import CorrelateModel

/// The `correlate` command: subcommands as nested types in `Subcommands/`, one file each.
struct Correlate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlate",
        abstract: "Join worker logs, OpenTelemetry traces and alerts on the trace id.",
        discussion: """
            correlate reads logs (journalctl -o json, JSON lines, logfmt, plain text), pulls the \
            trace, span and job ids out of every line with the rules in rules/, and joins them \
            with traces and alerts into incident bundles.

            Data goes to stdout, diagnostics to stderr. Exit status: 0 success, 1 bad input that \
            stopped the command, 2 bad usage or configuration.
            """,
        version: "0.1.0",
        subcommands: [Run.self, Extract.self, Ingest.self, Trace.self, Lookup.self, Report.self, Queues.self, Serve.self, Rules.self,
                      Traces.self,
                      Alerts.self,
                      Sources.self],
        defaultSubcommand: Run.self
    )
}

/// Entry point: parses, runs, and maps every outcome to DESIGN.md's exit statuses (argument
/// parser's own usage errors, 64, become 2; a closed stdout is a clean exit).
@main
enum Main {
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        // A file size limit (ulimit -f) reached makes writes fail with EFBIG, which the store
        // reports, instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try Correlate.parseAsRoot(Correlate.subcommandFirst(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            exit(ExitStatus.success.rawValue)
        } catch let error as RuleLoadError {
            for diagnostic in error.diagnostics { DiagnosticPrinter.print(diagnostic) }
            exit(ExitStatus.usage.rawValue)
        } catch let diagnostic as Diagnostic {
            DiagnosticPrinter.print(diagnostic)
            exit(ExitStatus.usage.rawValue)
        } catch {
            let code = Correlate.exitCode(for: error)
            let message = Correlate.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(ExitStatus.success.rawValue)
            }
            if !message.isEmpty { DiagnosticPrinter.printError(message) }
            switch code {
            case .validationFailure: exit(ExitStatus.usage.rawValue)
            default: exit(code.rawValue)
            }
        }
    }
}

extension Correlate {
    /// The arguments with a subcommand named after the options every command takes moved to
    /// the front: `correlate --db c.db queues` is `correlate queues --db c.db` (without this the
    /// default subcommand, run, would read a log file named "queues" and create the store).
    static func subcommandFirst(_ arguments: [String]) -> [String] {
        let names = Set(configuration.subcommands.map { $0._commandName })
        let takesValue: Set<String> = ["--db", "--rules"]
        let flags: Set<String> = ["--no-shipped-rules", "--verbose", "-v"]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if names.contains(argument) {
                guard index > 0 else { return arguments }
                var moved = arguments
                moved.remove(at: index)
                return [argument] + moved
            }
            if takesValue.contains(argument) {
                index += 2
            } else if flags.contains(argument) || takesValue.contains(where: { argument.hasPrefix($0 + "=") }) {
                index += 1
            } else {
                return arguments
            }
        }
        return arguments
    }
}
