/// Text from input made safe to print on a terminal or in a Markdown code block.
///
/// A span name, a log message or an alert label can hold bytes a terminal acts on: `ESC ] 0;…
/// BEL` sets the window title, `ESC [2J` clears the screen, `\r` followed by `ESC [K` overwrites
/// what was printed before, and the C1 control U+009B is a one-character `ESC [` on some
/// terminals. Bidirectional overrides (U+202A–U+202E, U+2066–U+2069) reorder what is shown.
/// correlate never lets input reach the terminal raw: each of these is shown as an escape —
/// `\x1b`, `\r`, `\n`, `\t`, `\x7f`, `\u{9b}`, `\u{202e}` — and only correlate's own colour
/// codes are written as control sequences.
extension String {
    /// This text with every control character (C0, DEL, C1) and bidirectional control written
    /// as a visible escape; the text itself when it has none (no copy).
    public var escapingControlCharacters: String {
        guard utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for scalar in unicodeScalars {
            if let escape = Self.visibleEscape(scalar) {
                out += escape
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The same, keeping line feeds as they are when `keepingNewlines` (for text of several
    /// lines that correlate composed itself).
    public func escapingControlCharacters(keepingNewlines: Bool) -> String {
        guard keepingNewlines else { return escapingControlCharacters }
        return split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).escapingControlCharacters }.joined(separator: "\n")
    }

    /// The escape shown for `scalar`, or nil when it prints as itself.
    static func visibleEscape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00..<0x20, 0x7F: return "\\x" + hexDigits(scalar.value, width: 2)
        case 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069: return "\\u{" + hexDigits(scalar.value, width: 1) + "}"
        default: return nil
        }
    }

    private static func hexDigits(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}
