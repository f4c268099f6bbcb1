public import CorrelateModel
public import CorrelateRender

/// Writes bundles in an output format, to stdout or a file (written whole, then renamed): what
/// `lookup` and `report` write.
public enum BundleOutput {
    public enum Format: String, Sendable, CaseIterable {
        case text, json, markdown, html
    }

    /// - Parameter options: what the renderings for people (text, Markdown, HTML) show of each
    ///   trace (width, log events, links out); JSON keeps everything.
    public static func render(_ bundles: [IncidentBundle], format: Format, title: String, options: RenderOptions = RenderOptions()) -> String {
        switch format {
        case .text: return BundleText.render(bundles, title: title, options: options)
        case .json: return bundles.map { BundleJSON.string($0) + "\n" }.joined()
        case .markdown: return BundleMarkdown.render(bundles, title: title, options: options)
        case .html: return BundleHTML.render(bundles, title: title, options: options)
        }
    }

    public static func write(_ bundles: [IncidentBundle], format: Format, title: String, options: RenderOptions = RenderOptions(), to path: String?) throws {
        let text = render(bundles, format: format, title: title, options: options)
        guard let path else {
            var copy = text
            copy.withUTF8 { _ = ByteOutput.standardOutput.write(UnsafeRawBufferPointer($0)) }
            return
        }
        try AtomicFile.write(Array(text.utf8), to: path, followingTheUsers: true)
    }
}
