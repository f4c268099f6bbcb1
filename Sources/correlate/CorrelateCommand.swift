#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CorrelateExtract
import CorrelateModel
import CorrelateSinks

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

            Defaults for every command (rules, db, store, trace_urls, log_tz, retain, max_size, \
            color) may be set in \
            correlate.yaml: --config PATH, else $CORRELATE_CONFIG, else \
            $XDG_CONFIG_HOME/correlate/correlate.yaml (~/.config/correlate/correlate.yaml), else \
            ./correlate.yaml. Shell completion: correlate --generate-completion-script bash|zsh|fish.

            EXAMPLES:
              cd samples/celery-redis
              correlate ingest --spans traces.otlp.jsonl --alerts alerts/*webhook.json
              correlate ingest --logs logs/celery-worker.log --logs logs/worker.otel.log
              correlate lookup --name JobLatencyHigh --format text
              correlate trace 6e5bbfb4
              correlate report --since 2026-11-25 --format html -o incident.html
            """,
        version: "0.1.0",
        subcommands: [
            Run.self, Extract.self, Ingest.self, Trace.self, Lookup.self, Report.self, Queues.self, Serve.self, Rules.self,
            Traces.self, Alerts.self, Sources.self, Store.self, Version.self,
        ],
        defaultSubcommand: Run.self
    )
}

extension Correlate {
    /// The command `arguments` (subcommand first, see ``commandFirst(_:exists:)``) ask for.
    ///
    /// A subcommand's arguments are parsed by the subcommand alone first: parsing from the root
    /// reflects over the root's and the default subcommand's options too (several milliseconds
    /// of a `trace`). Whatever that parse cannot take — help, a usage error, a completion
    /// script — is parsed again from the root, which says it as always.
    static func parsed(_ arguments: [String]) throws -> ParsableCommand {
        // Help is always made from the root (a subcommand parsed alone first leaves the
        // parser's caches seeing it as the root, and its help would lose the root's options).
        let asksForHelp = arguments.contains { argument in
            ["--help", "help", "--version", "--experimental-dump-help"].contains(argument) || argument.hasPrefix("--generate-completion-script")
                || (argument.hasPrefix("-") && !argument.hasPrefix("--") && argument.contains("h"))  // -h, and -h among short flags (-vh)
        }
        if !asksForHelp, let word = arguments.first, let subcommand = configuration.subcommands.first(where: { $0._commandName == word }) {
            do {
                return try subcommand.parseAsRoot(Array(arguments.dropFirst()))
            } catch {
                // Help and usage errors (exit 0 and 64) are said from the root; any other exit
                // comes from a check that said why already (a bad configuration file).
                let code = exitCode(for: error)
                guard code == .success || code == .validationFailure else { throw error }
            }
        }
        return try parseAsRoot(arguments)
    }
}

/// Entry point: parses, runs, and maps every outcome to DESIGN.md's exit statuses (argument
/// parser's own usage errors, 64, become 2; a closed stdout is a clean exit).
@main
enum Main {
    /// Why writing to standard output failed (a full disk, a closed descriptor), or nil; a
    /// reader that went away (`correlate extract | head`) is a clean end, not a failure.
    static func standardOutputFailure() -> String? {
        var failure = ByteOutput.standardOutput.errorNumber
        // (Every stream: `stdout` itself is not reachable from Swift 6 code.)
        if fflush(nil) != 0, failure == 0 { failure = errno == 0 ? EIO : errno }
        guard failure != 0, failure != EPIPE else { return nil }
        return String(cString: strerror(failure))
    }

    static func main() {
        // A standard descriptor closed by the caller (`>&-`) gets /dev/null, so that no file this
        // process opens later takes its number and receives what is meant for stdout.
        for descriptor in Int32(0)...2 where fcntl(descriptor, F_GETFD) == -1 {
            _ = open("/dev/null", O_RDWR)
        }
        signal(SIGPIPE, SIG_IGN)
        // A file size limit (ulimit -f) reached makes writes fail with EFBIG, which the store
        // reports, instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        let arguments: [String]
        do {
            arguments = try Correlate.commandFirst(Correlate.negativeValuesJoined(Array(CommandLine.arguments.dropFirst())))
        } catch {
            DiagnosticPrinter.printError("correlate: error: \(error)")
            exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try Correlate.parsed(arguments)
            try command.run()
            if let failure = standardOutputFailure() {
                DiagnosticPrinter.printError("correlate: error: cannot write to standard output: \(failure)")
                exit(ExitStatus.badInput.rawValue)
            }
            exit(ExitStatus.success.rawValue)
        } catch let error as RuleLoadError {
            for diagnostic in error.diagnostics { DiagnosticPrinter.print(diagnostic) }
            exit(ExitStatus.usage.rawValue)
        } catch let diagnostic as Diagnostic {
            DiagnosticPrinter.print(diagnostic)
            exit(ExitStatus.usage.rawValue)
        } catch let error as StoreError {
            // The store could not be opened, read or written (SQLite or ClickHouse): its words.
            DiagnosticPrinter.printError("correlate: error: \(error.description)")
            exit(ExitStatus.badInput.rawValue)
        } catch {
            let code = Correlate.exitCode(for: error)
            let message = Correlate.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(HelpText.examplesLast(message)) }
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

