import Testing
import CorrelateModel

@Suite struct IDFormatTests {
    @Test(arguments: [
        ("4bf92f3577b34da6a3ce929d0e0e4736", IDFormat.hex, "4bf92f3577b34da6a3ce929d0e0e4736"),
        ("4BF92F3577B34DA6A3CE929D0E0E4736", .hex, "4bf92f3577b34da6a3ce929d0e0e4736"),
        ("a3ce929d0e0e4736", .hex, "0000000000000000a3ce929d0e0e4736"),
        ("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", .hex, "4bf92f3577b34da6a3ce929d0e0e4736"),
        ("6287283486958226135", .decimal64, "00000000000000005740eb051a530ad7"),
        ("18446744073709551615", .decimal64, "0000000000000000ffffffffffffffff"),
        ("1-5759e988-bd862e3fe1be46a994272793", .xray, "5759e988bd862e3fe1be46a994272793"),
        ("80f198ee56343ba864fe8b2a57d3eff7", .b3, "80f198ee56343ba864fe8b2a57d3eff7"),
        ("S/kvNXezTaajzpKdDg5HNg==", .base64, "4bf92f3577b34da6a3ce929d0e0e4736"),
    ])
    func traceIDsParseToLowercaseHex(text: String, format: IDFormat, expected: String) throws {
        let id = try #require(TraceID.parse(text, format: format))
        #expect(id.description == expected)
        #expect(id.isValid)
    }

    @Test(arguments: [
        ("4bf92f3577b34da6a3ce929d0e0e473", IDFormat.hex),  // 31 digits
        ("4bf92f3577b34da6a3ce929d0e0e4736a", .hex),
        ("4bf92f3577b34da6a3ce929d0e0e473g", .hex),
        ("18446744073709551616", .decimal64),  // 2^64
        ("-1", .decimal64),
        ("2-5759e988-bd862e3fe1be46a994272793", .xray),
        ("1-5759e988bd862e3fe1be46a994272793", .xray),
        ("S/kvNXezTaajzpKdDg5HNg=", .base64),  // 15 bytes
        ("", .hex),
    ])
    func malformedTraceIDsDoNotParse(text: String, format: IDFormat) {
        #expect(TraceID.parse(text, format: format) == nil)
    }

    @Test func allZeroTraceIDNeverLinks() throws {
        let zero = try #require(TraceID.parse("00000000000000000000000000000000", format: .hex))
        #expect(!zero.isValid)
        #expect(!(try #require(TraceID.parse("0", format: .decimal64))).isValid)
        #expect(!(try #require(SpanID.parse("0000000000000000", format: .hex))).isValid)
    }

    @Test(arguments: [
        ("00f067aa0ba902b7", IDFormat.hex, "00f067aa0ba902b7"),
        ("2893463434394719722", .decimal64, "2827a5a9d1add5ea"),
        ("APBnqgupArc=", .base64, "00f067aa0ba902b7"),
        ("53995C3F42CD8AD8", .xray, "53995c3f42cd8ad8"),
    ])
    func spanIDsParse(text: String, format: IDFormat, expected: String) throws {
        #expect(try #require(SpanID.parse(text, format: format)).description == expected)
    }

    @Test func spanIDsOfOtherLengthsDoNotParse() {
        #expect(SpanID.parse("00f067aa0ba902b", format: .hex) == nil)
        #expect(SpanID.parse("00f067aa0ba902b7aa", format: .hex) == nil)
    }
}
