#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel
import CorrelatePipeline
import CorrelateSinks

/// Renders diagnostics and other messages to standard error, in the one fixed shape of
/// ``Diagnostic/description``; the level word is coloured as `--color` says (by default on a terminal).
/// Control characters in what is printed (file names, alert names, reasons quoting input) are
/// shown escaped: only the colour codes written here reach the terminal as such.
enum DiagnosticPrinter {
    /// Whether stderr is coloured (`--color`; by default on a terminal).
    static var useColour: Bool { Terminal.colour(GlobalOptions.colour, descriptor: 2) }

    static func print(_ diagnostic: Diagnostic) {
        var text = diagnostic.description
        if useColour {
            let colour: String
            switch diagnostic.level {
            case .error: colour = "\u{1B}[1;31m"
            case .warning: colour = "\u{1B}[1;33m"
            case .note: colour = "\u{1B}[1;36m"
            }
            let word = diagnostic.level.rawValue
            text = colour + word + "\u{1B}[0m" + text.dropFirst(word.count)
        }
        writeAll(text)
    }

    /// Rewrites the current stderr line (a progress line on a terminal); "" clears it.
    static func printProgress(_ text: String) {
        var line = "\r\u{1B}[K" + text.escapingControlCharacters
        line.withUTF8 { bytes in _ = write(2, bytes.baseAddress!, bytes.count) }
    }

    /// Prints `text` (lines separated by `\n`) with control characters escaped.
    static func printError(_ text: String) {
        writeAll(text.escapingControlCharacters(keepingNewlines: true))
    }

    private static func writeAll(_ text: String) {
        var line = text
        if !line.hasSuffix("\n") { line += "\n" }
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if count <= 0 { return }
                offset += count
            }
        }
    }

    /// What an ingest could not read (errors), what it read otherwise than asked (notes), and
    /// the first five malformed documents (warnings, each with file and line), then how many
    /// more there were.
    static func printProblems(of summary: IngestSummary) {
        for problem in summary.unreadable { printError("correlate: error: \(problem)") }
        for note in summary.notes { printError("correlate: note: \(note)") }
        for problem in summary.malformed.prefix(5) {
            printError("correlate: warning: \(problem)")
        }
        if summary.malformed.count > 5 {
            printError("correlate: warning: \(summary.malformed.count - 5) more malformed documents")
        }
    }
}
