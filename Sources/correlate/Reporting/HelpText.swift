/// Help as ArgumentParser renders it, with a command's EXAMPLES (the end of its discussion,
/// which ArgumentParser prints before USAGE) moved to the end, where readers look for them.
enum HelpText {
    static func examplesLast(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "EXAMPLES:") else { return text }
        var end = start + 1
        while end < lines.count, lines[end].hasPrefix("  ") { end += 1 }
        let examples = Array(lines[start..<end])
        lines.removeSubrange(start..<end)
        // One blank line where the block was, none at the end before it.
        if start < lines.count, lines[start].isEmpty, start > 0, lines[start - 1].isEmpty { lines.remove(at: start) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return (lines + [""] + examples).joined(separator: "\n")
    }
}
