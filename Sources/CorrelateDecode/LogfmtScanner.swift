/// Splits a logfmt line (`ts=… level=info msg="hello world" trace_id=…`) into pairs.
enum LogfmtScanner {
    /// A line is taken as logfmt when it starts with `key=`, the key made of letters, digits,
    /// `_`, `.` and `-`, starting with a letter or `_`.
    static func looksLikeLogfmt(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = line.first, isKeyStart(first) else { return false }
        var i = 1
        while i < line.count, isKeyByte(line[i]) { i += 1 }
        return i < line.count && line[i] == UInt8(ascii: "=") && i + 1 < line.count
            && line[i + 1] != UInt8(ascii: " ")
    }

    /// Calls `pair(key, value, quoted)` for every `key=value`; a quoted value's range excludes
    /// the quotes and is still escaped. Bare words are keys without value and are skipped.
    /// - Returns: false when a quoted value is not terminated (the rest of the line is taken as
    ///   its value).
    @discardableResult
    static func scan(
        _ line: UnsafeBufferPointer<UInt8>, _ pair: (Range<Int>, Range<Int>, Bool) -> Void
    ) -> Bool {
        var i = 0
        let n = line.count
        while i < n {
            while i < n, line[i] == UInt8(ascii: " ") || line[i] == UInt8(ascii: "\t") { i += 1 }
            let keyStart = i
            while i < n, line[i] != UInt8(ascii: "="), line[i] != UInt8(ascii: " ") { i += 1 }
            let key = keyStart..<i
            guard i < n, line[i] == UInt8(ascii: "=") else { continue }
            i += 1
            if i < n, line[i] == UInt8(ascii: "\"") {
                let valueStart = i + 1
                var j = valueStart
                var closed = false
                while j < n {
                    if line[j] == UInt8(ascii: "\\") {
                        j += 2
                        continue
                    }
                    if line[j] == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    j += 1
                }
                let valueEnd = min(j, n)
                if !key.isEmpty { pair(key, valueStart..<valueEnd, true) }
                if !closed { return false }
                i = valueEnd + 1
            } else {
                let valueStart = i
                while i < n, line[i] != UInt8(ascii: " "), line[i] != UInt8(ascii: "\t") { i += 1 }
                if !key.isEmpty { pair(key, valueStart..<i, false) }
            }
        }
        return true
    }

    @inline(__always)
    private static func isKeyStart(_ byte: UInt8) -> Bool {
        PlainPrefix.isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "@")
    }

    @inline(__always)
    private static func isKeyByte(_ byte: UInt8) -> Bool {
        isKeyStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }
}
