public import CorrelateModel
public import CorrelateRender

/// The bundles of a streaming run (`correlate run`) written as they come: one JSON object per
/// line (NDJSON), or one text or Markdown section each (a revision titled as such), or — HTML
/// being one page — the latest revision of each alert kept and written as one page by
/// ``finish()``.
///
/// ``write(_:)`` is called on the bundle worker's thread, ``finish()`` after it has stopped.
public final class BundleStream: @unchecked Sendable {
    // Unchecked: `page` and `order` are used by one thread at a time (the worker's, then the
    // caller of `finish` once the worker has stopped).
    public enum Format: String, Sendable, CaseIterable {
        case text, ndjson, markdown, html
    }

    public let format: Format
    /// What text, Markdown and the HTML page show of each trace (width, log events, links out).
    public let options: RenderOptions
    private let output: ByteOutput
    private var page: [String: IncidentBundle] = [:]
    private var order: [String] = []

    public init(format: Format, output: ByteOutput = .standardOutput, options: RenderOptions = RenderOptions()) {
        self.format = format
        self.options = options
        self.output = output
    }

    public func write(_ bundle: IncidentBundle) {
        switch format {
        case .ndjson:
            output.write(Array((BundleJSON.string(bundle) + "\n").utf8))
        case .text:
            output.write(Array((BundleText.render([bundle], title: title(bundle), options: options) + "\n").utf8))
        case .markdown:
            output.write(Array((BundleMarkdown.render([bundle], title: title(bundle), options: options) + "\n---\n\n").utf8))
        case .html:
            let key = "\(bundle.alert.fingerprint)@\(bundle.alert.startsAt)"
            if page[key] == nil { order.append(key) }
            page[key] = bundle
        }
    }

    /// A bundle's title: its alert, and its revision after the first.
    private func title(_ bundle: IncidentBundle) -> String {
        bundle.alert.name + (bundle.revision > 0 ? " (revision \(bundle.revision))" : "")
    }

    /// Writes the HTML page (titled after the alerts' names); nothing for the other formats.
    public func finish() {
        guard format == .html else { return }
        let bundles = order.compactMap { page[$0] }
        let title = "Incident: " + Set(bundles.map(\.alert.name)).sorted().joined(separator: ", ")
        output.write(Array(BundleHTML.render(bundles, title: title, options: options).utf8))
    }
}
