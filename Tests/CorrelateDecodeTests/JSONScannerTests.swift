import Testing
@testable import CorrelateDecode

@Suite struct JSONScannerTests {
    /// The closing quote by the rule itself: a backslash escapes the byte after it.
    private func reference(_ bytes: [UInt8], from: Int) -> (Int, Bool)? {
        var index = from
        var escaped = false
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\"") { return (index, escaped) }
            if bytes[index] == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            index += 1
        }
        return nil
    }

    /// `stringEnd` against the rule, for every string of up to 9
    /// bytes over quotes, backslashes and other bytes, at every offset of a padded line, so
    /// that quotes and escapes fall on every side of the 8-byte words.
    @Test func theClosingQuoteIsFoundWhereverItFalls() {
        let alphabet: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "a"), 0xC3]
        var wrong: [String] = []
        for length in 0...9 {
            var digits = [Int](repeating: 0, count: length)
            while true {
                let body = digits.map { alphabet[$0] }
                for padding in 0..<8 {
                    let line = [UInt8](repeating: UInt8(ascii: " "), count: padding) + body
                    let got = line.withUnsafeBufferPointer { JSONScanner.stringEnd($0, padding) }
                    let want = reference(line, from: padding)
                    if got?.0 != want?.0 || got?.1 != want?.1 {
                        wrong.append("\(String(decoding: body, as: UTF8.self)) at \(padding): \(String(describing: got))")
                    }
                }
                var position = 0
                while position < length {
                    digits[position] += 1
                    if digits[position] < alphabet.count { break }
                    digits[position] = 0
                    position += 1
                }
                if position == length { break }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    /// The same in strings long enough for the sixteen-byte blocks: up to two quotes or
    /// backslashes at every pair of places in 48 bytes of other text (ASCII and bytes past it),
    /// at every offset within a block.
    @Test func theClosingQuoteIsFoundInLongStrings() {
        var wrong: [String] = []
        var compared = 0
        for filler in [UInt8(ascii: "a"), 0xC3, 0xFF] {
            for padding in 0..<16 {
                for first in 0..<48 {
                    for second in first..<48 {
                        for (a, b) in [(UInt8(ascii: "\""), UInt8(ascii: "\"")), (UInt8(ascii: "\\"), UInt8(ascii: "\"")), (UInt8(ascii: "\\"), UInt8(ascii: "\\"))] {
                            var body = [UInt8](repeating: filler, count: 48)
                            body[first] = a
                            body[second] = b
                            let line = [UInt8](repeating: UInt8(ascii: " "), count: padding) + body
                            let got = line.withUnsafeBufferPointer { JSONScanner.stringEnd($0, padding) }
                            let want = reference(line, from: padding)
                            compared += 1
                            if got?.0 != want?.0 || got?.1 != want?.1 {
                                wrong.append("\(first),\(second) at \(padding): \(String(describing: got)) for \(String(describing: want))")
                            }
                        }
                    }
                }
            }
        }
        #expect(compared > 100_000)
        #expect(wrong.count == 0, "\(wrong.prefix(5))")
    }

    @Test func literalsAreTrueFalseAndNullOnly() {
        func problem(_ text: String) -> JSONProblem? {
            var copy = text
            return copy.withUTF8 { JSONScanner.scanObject($0) { _, _, _ in } }
        }
        #expect(problem(#"{"a": true, "b": false, "c": null}"#) == nil)
        #expect(problem(#"{"a": nul}"#) == .badValue)
        #expect(problem(#"{"a": tru"#) == .truncated)
        #expect(problem(#"{"a": falsey}"#) == .badValue)
    }
}
