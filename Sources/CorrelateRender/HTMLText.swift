import CorrelateModel

/// Text from input written into HTML so that it shows as the text it is: markup characters
/// escaped (in element content and in quoted attribute values alike), control characters and
/// bidirectional overrides shown as visible escapes (`\x1b`, `\u{202e}`: they would otherwise
/// vanish or reorder what is shown), and only http(s) URLs made into links — a `javascript:` or
/// `data:` URL from an alert is shown as code, never followed.
enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` escaped: for text correlate composed itself.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// One line of text from input: control characters (line feeds too) as escapes, escaped.
    static func text(_ text: String) -> String {
        escape(text.escapingControlCharacters)
    }

    /// A name from input (a span's, a route) as ``text(_:)`` writes it, with a place to break
    /// the line after each `/` and `.` (`<wbr>`): a long name wraps where it reads well
    /// instead of in the middle of a word.
    static func name(_ text: String) -> String {
        var out = ""
        for character in self.text(text) {
            out.append(character)
            if character == "/" || character == "." { out += "<wbr>" }
        }
        return out
    }

    /// Text of several lines from input (a traceback, a message): line feeds kept, tabs as four
    /// spaces, other control characters as escapes, escaped. For a `white-space: pre-wrap` box.
    static func block(_ text: String) -> String {
        escape(text.replacingOccurrences(of: "\t", with: "    ").escapingControlCharacters(keepingNewlines: true))
    }

    /// The URL as an `href` value when it is an http or https URL (bytes a URL cannot hold
    /// percent-encoded, then escaped for the attribute); nil for any other scheme.
    static func href(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.utf8.count > 8 else { return nil }
        var out = ""
        for byte in url.utf8 {
            if allowedInURL.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return escape(out)
    }

    private static let allowedInURL = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%".utf8)

    /// A link out labelled `label` (HTML already) when `url` is http(s), the URL whole in its
    /// `title`; else the URL shown as code (after `label` when that is not the URL itself).
    static func link(_ url: String, label: String, className: String = "out") -> String {
        guard let href = href(url) else {
            let code = "<code class=\"url\">" + text(url) + "</code>"
            return label == text(url) ? code : label + " " + code
        }
        return "<a class=\"\(className)\" href=\"\(href)\" title=\"\(text(url))\" rel=\"noreferrer\">\(label)</a>"
    }

    /// A percentage of a drawing's width, two decimals, for a `style` value: `12.34%`.
    static func percent(_ fraction: Double) -> String {
        let value = (min(1, max(0, fraction.isFinite ? fraction : 0)) * 10_000).rounded() / 100
        var text = String(value)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + "%"
    }
}
