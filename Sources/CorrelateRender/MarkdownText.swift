import CorrelateModel

/// Text from input written into Markdown so that it shows as the text it is, whatever it holds,
/// in every context a bundle uses (CommonMark 0.31 with GitHub's tables and autolinks, and HTML
/// passed through, as ticket systems render it):
///
/// - running text (``inline(_:)``) and table cells: every character that can start markup
///   inside a line (`` \ ` * _ [ ] < > # ! | ~ & $ ``) gets a backslash, so no emphasis, code,
///   link, image, raw HTML, entity, table cell, strikethrough or math can start (what would
///   need the start of a line cannot: a value never starts one). Autolinks of bare `http(s)://`
///   and `www.` URLs and e-mail addresses stay, as GitHub makes them: http(s) and mailto only;
/// - inline code (``code(_:inTable:)``): a backtick fence longer than the longest run of
///   backticks inside, padded when the text starts or ends with one; `|` escaped in a table;
/// - links (``link(_:)``): only `http` and `https` URLs, as autolinks with the characters an
///   autolink cannot hold percent-encoded; anything else (`javascript:…`) is shown as code;
/// - fenced blocks (``fencedBlock(_:info:)``): a fence longer than any run of backticks in the
///   content, so no line inside can close it.
///
/// Everywhere, line breaks and other control characters become visible escapes (`\n`, `\x1b`),
/// so a value can never start a line of its own — no `# heading`, no list, no closing fence.
public enum MarkdownText {
    public static func inline(_ text: String) -> String {
        var out = ""
        for character in text.escapingControlCharacters {
            if character.isASCII, let byte = character.asciiValue, escaped.contains(byte) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    private static let escaped = Set("\\`*_[]<>#!|~&$".utf8)

    public static func code(_ text: String, inTable: Bool = false) -> String {
        var content = text.escapingControlCharacters
        if inTable { content = content.replacingOccurrences(of: "|", with: "\\|") }
        let fence = String(repeating: "`", count: longestBacktickRun(content) + 1)
        let pad = content.hasPrefix("`") || content.hasSuffix("`") || content.isEmpty ? " " : ""
        return fence + pad + content + pad + fence
    }

    /// `<url>` for an http or https URL, else the text as code.
    public static func link(_ url: String) -> String {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.utf8.count > 8 else { return code(url) }
        var out = "<"
        for byte in url.utf8 {
            if allowedInAutolink.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out + ">"
    }

    private static let allowedInAutolink = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%".utf8)

    /// A fenced code block around `content` (lines already made safe for a terminal).
    public static func fencedBlock(_ content: String, info: String = "text") -> String {
        let fence = String(repeating: "`", count: max(3, longestBacktickRun(content) + 1))
        return fence + info + "\n" + content + (content.hasSuffix("\n") || content.isEmpty ? "" : "\n") + fence + "\n"
    }

    static func longestBacktickRun(_ text: String) -> Int {
        var longest = 0
        var run = 0
        for byte in text.utf8 {
            run = byte == UInt8(ascii: "`") ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
