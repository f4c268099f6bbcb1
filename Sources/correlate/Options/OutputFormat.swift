import ArgumentParser
import CorrelateSinks

/// `--format`: one vocabulary for every command — `text`, `json` (with `ndjson` a synonym:
/// where several objects are written, json is one per line), `markdown`, `html` — of which
/// each command takes the names that make sense for it (``check(_:)``) and says which.
enum OutputFormat: String, ExpressibleByArgument {
    case text, json, markdown, html

    init?(argument: String) {
        switch argument.lowercased() {
        case "ndjson", "jsonl": self = .json
        case "md": self = .markdown
        default: self.init(rawValue: argument.lowercased())
        }
    }

    // Each command names the formats it writes in its help (and completes them, see
    // ``completion(_:)``); the vocabulary as a whole is not listed there.
    static var allValueStrings: [String] { [] }

    /// `text|json` for the value name in help: the formats a command writes.
    static func valueName(_ formats: [OutputFormat]) -> String {
        formats.map(\.rawValue).joined(separator: "|")
    }

    /// What shell completion offers: the command's formats, and ndjson beside json.
    static func completion(_ formats: [OutputFormat]) -> CompletionKind {
        .list(formats.flatMap { $0 == .json ? ["json", "ndjson"] : [$0.rawValue] })
    }

    /// - Throws: `ValidationError` naming the formats `command` writes, when this is not one.
    func check(_ accepted: [OutputFormat], command: String) throws {
        guard !accepted.contains(self) else { return }
        let names = accepted.map { $0 == .json ? "json (or ndjson)" : $0.rawValue }
        throw ValidationError("correlate \(command) does not write \(rawValue): --format takes \(names.dropLast().joined(separator: ", ")) or \(names.last!).")
    }
}

extension BundleOutput.Format {
    /// The bundles' format of `--format` (every bundle format is one of them).
    init(_ format: OutputFormat) {
        switch format {
        case .text: self = .text
        case .json: self = .json
        case .markdown: self = .markdown
        case .html: self = .html
        }
    }
}

extension BundleStream.Format {
    /// `run`'s format of `--format`: JSON is one object per line.
    init(_ format: OutputFormat) {
        switch format {
        case .text: self = .text
        case .json: self = .ndjson
        case .markdown: self = .markdown
        case .html: self = .html
        }
    }
}
