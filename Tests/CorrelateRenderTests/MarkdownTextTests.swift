import CorrelateModel
import CorrelateRender
import Testing

/// Issue 9, failure 3: every value from input is written for its Markdown context.
@Suite struct MarkdownTextTests {
    @Test func inlineTextHasEveryMarkupCharacterEscapedAndNoLineBreak() {
        let text = MarkdownText.inline("a\n# heading <img src=x> *b* [l](u) `c` 1. x | y & z")
        #expect(!text.contains("\n"))
        #expect(text == ##"a\\n\# heading \<img src=x\> \*b\* \[l\](u) \`c\` 1. x \| y \& z"##)
    }

    @Test(arguments: [
        ("plain", "`plain`"),
        ("a`b", "``a`b``"),
        ("``x```", "```` ``x``` ````"),
        ("`", "`` ` ``"),
        ("new\nline", "`new\\nline`"),
    ])
    func codeSpansUseAFenceLongerThanAnyBacktickRunInside(text: String, expected: String) {
        #expect(MarkdownText.code(text) == expected)
    }

    @Test func codeInATableEscapesThePipe() {
        #expect(MarkdownText.code("x|y", inTable: true) == #"`x\|y`"#)
    }

    @Test(arguments: [
        ("https://runbooks.example.com/a b<c>", "<https://runbooks.example.com/a%20b%3Cc%3E>"),
        ("HTTP://x.org/", "<HTTP://x.org/>"),
        ("javascript:alert(2)", "`javascript:alert(2)`"),
        ("data:text/html,<script>", "`data:text/html,<script>`"),
        ("http://", "`http://`"),
    ])
    func onlyHTTPLinksAreLinks(url: String, expected: String) {
        #expect(MarkdownText.link(url) == expected)
    }

    @Test func aFencedBlockCannotBeClosedByItsContent() {
        let block = MarkdownText.fencedBlock("op\n````\nafter")
        #expect(block.hasPrefix("`````text\n"))
        #expect(block.hasSuffix("\n`````\n"))
        #expect(MarkdownText.fencedBlock("plain").hasPrefix("```text\n"))
    }

    @Test func controlCharactersAreShownEscaped() {
        #expect("\u{1B}]0;t\u{07}\r\u{1B}[K\u{9B}2J\u{202E}x\tz\u{7F}".escapingControlCharacters
                == "\\x1b]0;t\\x07\\r\\x1b[K\\u{9b}2J\\u{202e}x\\tz\\x7f")
        let plain = "naïve café ✓"
        #expect(plain.escapingControlCharacters == plain)
    }
}
