import Testing
import CorrelateJSON

@Suite struct JSONTests {
    /// Whatever the input, the writer's strings are valid JSON: control characters escaped,
    /// invalid UTF-8 replaced by U+FFFD; and the reader reads them back.
    @Test func writtenStringsReadBackWhateverTheInput() throws {
        let out = JSONWriter()
        out.array(["tab\there", "quote\" back\\", "bell\u{07}", "ünïcödé"]) { out.string($0) }
        let document = try JSONDocument.parse(out.text)
        #expect(document.array?.compactMap(\.string) == ["tab\there", "quote\" back\\", "bell\u{07}", "ünïcödé"])
        let invalid: [UInt8] = [0x61, 0xFF, 0x62]
        let raw = JSONWriter()
        invalid.withUnsafeBufferPointer { raw.string($0) }
        #expect(try JSONDocument.parse(raw.text).string == "a\u{FFFD}b")
    }

    /// The writer passes plain bytes sixteen at a time: a control character, a quote, a
    /// backslash, a character past ASCII or an invalid byte at any place of a long string is
    /// written so that the string reads back as the text (invalid bytes as U+FFFD).
    @Test func writtenStringsReadBackWhereverTheSpecialByteFalls() throws {
        let specials: [[UInt8]] = [[0x0A], [0x01], [0x1F], [0x22], [0x5C], [0x7F], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xFF], [0xC3]]
        var wrong: [String] = []
        for special in specials {
            for length in [15, 16, 17, 33, 48] {
                for position in 0...length {
                    var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                    bytes.insert(contentsOf: special, at: position)
                    let out = JSONWriter()
                    bytes.withUnsafeBufferPointer { out.string($0) }
                    // Valid UTF-8 as written (`text` would repair it), and the text when read.
                    let valid = String(validating: out.bytes, as: UTF8.self) != nil
                    let read = try JSONDocument.parse(out.text).string
                    if !valid || read != String(decoding: bytes, as: UTF8.self) { wrong.append("\(special) at \(position) of \(length): \(out.text)") }
                }
            }
        }
        #expect(wrong.count == 0, "\(wrong.prefix(3))")
    }

    /// The string reader passes sixteen bytes at a time, then eight: a closing quote, an escape
    /// or the end of the text at any offset of any block is found where it is, high bytes never
    /// mistaken.
    @Test func stringsEndAndEscapeAtEveryOffset() throws {
        for length in 0...50 {
            for escapeAt in [-1] + Array(0..<length) {
                // Letters and a two-byte character, a `\"` or `\\` escape at `escapeAt`.
                var text = ""
                var expected = ""
                for position in 0..<length {
                    if position == escapeAt {
                        text += position % 2 == 0 ? #"\""# : #"\\"#
                        expected += position % 2 == 0 ? "\"" : "\\"
                    } else {
                        let piece = position % 5 == 4 ? "é" : String(UnicodeScalar(UInt8(97 + position % 26)))
                        text += piece
                        expected += piece
                    }
                }
                let document = try JSONDocument.parse("[\"\(text)\",1]")
                #expect(document.array?.first?.string == expected, "length \(length), escape at \(escapeAt)")
                #expect(throws: JSONDocument.SyntaxError.self) { try JSONDocument.parse("\"\(text)") }
                #expect(throws: JSONDocument.SyntaxError.self) { try JSONDocument.parse("\"\(text)\\") }
            }
        }
    }

    @Test func pairsAreAnObjectInTheirOrder() throws {
        let out = JSONWriter()
        out.object([("b", "2"), ("a", "1")])
        #expect(out.text == #"{"b":"2","a":"1"}"#)
        #expect(try JSONDocument.parse(out.text).members?.map(\.0) == ["b", "a"])
    }

    @Test func documentsNestedPastTheLimitAreRefused() {
        let deep = String(repeating: "[", count: NestingLimit.maximumDepth + 1) + String(repeating: "]", count: NestingLimit.maximumDepth + 1)
        #expect(throws: JSONDocument.SyntaxError.self) { try JSONDocument.parse(deep) }
        let fine = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(throws: Never.self) { try JSONDocument.parse(fine) }
    }

    @Test func base64InEitherAlphabetWithOrWithoutPadding() {
        #expect(Base64.decode(Array("+/8=".utf8)) == [0xFB, 0xFF])
        #expect(Base64.decode(Array("-_8".utf8)) == [0xFB, 0xFF])
        #expect(Base64.decode(Array("a".utf8)) == nil)
        #expect(Base64.decode(Array("ab=c".utf8)) == nil)
    }
}
