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
