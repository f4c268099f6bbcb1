import CorrelateModel
import CorrelateRender
import CorrelateSinks

// TODO(issue 13): `BundleOutput` and `BundleStream` (CorrelateSinks) take `options:` for HTML
// only, and have no text format. Once they write text and Markdown with the options too,
// lookup, report and run call them directly and this file goes; until then text and Markdown
// are written here (as BundleStream writes Markdown: a section per bundle).

/// Bundles in the format asked for, all at once: what `lookup` and `report` write.
enum BundleWriting {
    static func write(_ bundles: [IncidentBundle], format: OutputFormat, title: String, options: RenderOptions, to path: String?) throws {
        let text: String
        switch format {
        case .text: text = BundleText.render(bundles, title: title, options: options)
        case .markdown: text = BundleMarkdown.render(bundles, title: title, options: options)
        case .json, .html:
            try BundleOutput.write(bundles, format: BundleOutput.Format(rawValue: format.rawValue)!, title: title, options: options, to: path)
            return
        }
        if let path {
            try AtomicFile.write(Array(text.utf8), to: path)
        } else {
            ByteOutput.standardOutput.write(Array(text.utf8))
        }
    }
}

/// Bundles in the format asked for, as they come: what `run` writes.
final class BundleSink: @unchecked Sendable {
    // Unchecked: used by one thread at a time (the bundle worker's, then the caller of
    // `finish` once the worker has stopped), as BundleStream is.
    private let format: OutputFormat
    private let stream: BundleStream?
    private let options: RenderOptions
    private let output: ByteOutput

    init(format: OutputFormat, options: RenderOptions, output: ByteOutput) {
        switch format {
        case .text, .markdown: stream = nil
        case .json: stream = BundleStream(format: .ndjson, output: output)
        case .html: stream = BundleStream(format: .html, output: output, options: options)
        }
        self.format = format
        self.options = options
        self.output = output
    }

    func write(_ bundle: IncidentBundle) {
        guard let stream else {
            // As BundleStream writes Markdown: a section per bundle, a revision titled as such.
            let title = bundle.alert.name + (bundle.revision > 0 ? " (revision \(bundle.revision))" : "")
            let text = format == .text
                ? BundleText.render([bundle], title: title, options: options) + "\n"
                : BundleMarkdown.render([bundle], title: title, options: options) + "\n---\n\n"
            output.write(Array(text.utf8))
            return
        }
        stream.write(bundle)
    }

    func finish() {
        stream?.finish()
    }
}
