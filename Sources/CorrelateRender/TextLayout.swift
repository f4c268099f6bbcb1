/// Measuring, cutting and wrapping text in terminal cells: what keeps every line of the text
/// renderings within their width. A character is one cell, an East Asian wide or fullwidth one
/// (and an emoji) two, a combining mark none (Unicode Standard Annex #11, simplified to the
/// ranges that occur in logs).
public enum TextLayout {
    /// The cells `text` takes.
    public static func cells<S: StringProtocol>(_ text: S) -> Int {
        var total = 0
        for character in text { total += cells(character) }
        return total
    }

    static func cells(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        let value = scalar.value
        if value < 0x1100 { return 1 }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// `text` in at most `width` cells: cut with `…` when longer.
    public static func fit<S: StringProtocol>(_ text: S, _ width: Int) -> String {
        guard width > 0 else { return "" }
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let size = cells(text[index])
            if used + size > width { break }
            used += size
            end = text.index(after: index)
        }
        if end == text.endIndex { return String(text) }
        // Room for the ellipsis: give back characters until one cell is free.
        var cut = text[..<end]
        while !cut.isEmpty, cells(cut) > width - 1 { cut = cut.dropLast() }
        return String(cut) + "…"
    }

    /// `text` in at most `width` cells, cut in the middle when longer (`run/jobs…export_report`):
    /// for names whose end says as much as their start.
    public static func fitMiddle<S: StringProtocol>(_ text: S, _ width: Int) -> String {
        guard cells(text) > width else { return String(text) }
        guard width >= 8 else { return fit(text, width) }
        let head = (width - 1) * 2 / 5
        // The tail walked from the end, each character measured once.
        var start = text.endIndex
        var used = 0
        while start > text.startIndex {
            let previous = text.index(before: start)
            let size = cells(text[previous])
            if used + size > width - 1 - head { break }
            used += size
            start = previous
        }
        return fit(text, head + 1).dropLast() + "…" + text[start...]
    }

    /// `text` wrapped in at most `lines` lines of `width` cells, the last cut with `…`.
    public static func wrap<S: StringProtocol>(_ text: S, _ width: Int, hanging: Int = 0, atMost lines: Int) -> [String] {
        var wrapped = wrap(text, width, hanging: hanging)
        guard wrapped.count > lines else { return wrapped }
        let indent = lines > 1 ? wrapped[lines - 1].prefix { $0 == " " } : ""
        let rest = wrapped[(lines - 1)...].map { $0.drop { $0 == " " } }.joined(separator: " ")
        wrapped.removeSubrange((lines - 1)...)
        wrapped.append(String(indent) + fit(rest, width - indent.count))
        return wrapped
    }

    /// `text` in exactly `width` cells: cut with `…`, or padded with spaces.
    public static func padded<S: StringProtocol>(_ text: S, _ width: Int) -> String {
        let fitted = fit(text, width)
        return fitted + String(repeating: " ", count: max(0, width - cells(fitted)))
    }

    /// `text` right-aligned in exactly `width` cells.
    public static func rightAligned<S: StringProtocol>(_ text: S, _ width: Int) -> String {
        let fitted = fit(text, width)
        return String(repeating: " ", count: max(0, width - cells(fitted))) + fitted
    }

    /// `text` broken into lines of at most `width` cells, at spaces where there are some (a
    /// word longer than a line is broken inside). The text's leading spaces start every line,
    /// and `hanging` more every line but the first.
    public static func wrap<S: StringProtocol>(_ text: S, _ width: Int, hanging: Int = 0) -> [String] {
        // The text's own indentation is kept up to half the width (a line of 80 spaces and a
        // word must still fit).
        let actual = text.prefix { $0 == " " }.count
        let hanging = max(0, min(hanging, width / 4))
        let leading = min(actual, max(0, width / 2 - hanging))
        let body = text.dropFirst(actual)
        let first = String(repeating: " ", count: leading)
        let rest = String(repeating: " ", count: leading + hanging)
        guard hanging > 0 else { return words(body, max(1, width - leading)).map { first + $0 } }
        // The first line may use the hanging indent's cells too.
        let opening = words(body, max(1, width - leading))
        let head = opening[0]
        let remainder = body.dropFirst(head.count).drop { $0 == " " }
        return [first + head] + (remainder.isEmpty ? [] : words(remainder, max(1, width - leading - hanging)).map { rest + $0 })
    }

    private static func words<S: StringProtocol>(_ text: S, _ width: Int) -> [String] {
        let width = max(1, width)
        var lines: [String] = []
        var line = ""
        var lineCells = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = Substring(word)
            var size = cells(word)
            if lineCells > 0, lineCells + 1 + size <= width {
                line += " " + word
                lineCells += 1 + size
                continue
            }
            if lineCells > 0 || !line.isEmpty { lines.append(line) }
            line = ""
            lineCells = 0
            while size > width {
                var head = ""
                var headCells = 0
                var rest = word
                while let first = rest.first, headCells + cells(first) <= width || head.isEmpty {
                    // One character at least, even a wide one on a line of one cell.
                    head.append(first)
                    headCells += cells(first)
                    rest = rest.dropFirst()
                }
                lines.append(head)
                word = rest
                size = cells(word)
            }
            line = String(word)
            lineCells = size
        }
        // A word broken to its end leaves no last line.
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// Parts joined by ` · ` into as few lines of at most `width` cells as they fit; a part
    /// longer than a line is cut.
    public static func packed(_ parts: [String], _ width: Int, separator: String = " · ") -> [String] {
        var lines: [String] = []
        var line = ""
        for part in parts where !part.isEmpty {
            let fitted = fit(part, width)
            if line.isEmpty {
                line = fitted
            } else if cells(line) + cells(separator) + cells(fitted) <= width {
                line += separator + fitted
            } else {
                lines.append(line)
                line = fitted
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
