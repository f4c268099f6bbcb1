extension StringProtocol {
    /// The text's lines: split at each line feed, with a carriage return before it dropped, so
    /// that CR LF ends a line as LF does (stack traces and files written on Windows). As
    /// `split(separator: "\n", omittingEmptySubsequences: false)`: a final line feed gives a
    /// last, empty line. Split as bytes: split by `Character`, CR LF is one grapheme, never
    /// equal to "\n", and a CR LF text would be one line.
    public func splitLines() -> [Substring] {
        utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            Substring(String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self))
        }
    }
}
