import Foundation
import Testing
import CorrelateDecode
import CorrelateModel
import CorrelateTestSupport
import CorrelateJSON

private let span = #""traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174""#
private func document(_ spans: String, resource: String = #"{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]}"#) -> String {
    #"{"resourceSpans":[{"resource":\#(resource),"scopeSpans":[{"scope":{"name":"s"},"spans":[\#(spans)]}]}]}"#
}

/// The direct OTLP JSON reader against the tree decoder: the same spans whenever it reads a
/// document, and nil (the tree decoder then reads it) for every shape it leaves alone.
@Suite struct OTLPJSONDirectDecoderTests {
    private func direct(_ text: String) -> DecodedSpans? {
        Array(text.utf8).withUnsafeBufferPointer { OTLPJSONDirectDecoder.decode($0) }
    }

    private func tree(_ text: String) throws -> DecodedSpans {
        try SpanDocumentDecoder.decode(try JSONDocument.parse(text))
    }

    private func sampleLines() throws -> [String] {
        try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func theCollectorsExportRequestsGiveTheTreesSpans() throws {
        var count = 0
        for line in try sampleLines() {
            let read = try #require(direct(line), "the Collector's shape is read directly: \(line.prefix(120))")
            let expected = try tree(line)
            #expect(read.spans == expected.spans)
            #expect(read.format == .otlpJSON && read.rejected == 0)
            count += read.spans.count
        }
        #expect(count == 139)
    }

    /// Forms the SDKs and the Collector write, each read directly and the same as the tree.
    @Test(arguments: [
        document(#"{\#(span),"name":"job","kind":5,"startTimeUnixNano":"1795595546478776000","endTimeUnixNano":"1795595546578776000"}"#),
        // Members in another order, numbers as numbers, names for the enums.
        document(#"{"endTimeUnixNano":1795595546578776000,"kind":"SPAN_KIND_CONSUMER","startTimeUnixNano":1795595546478776000,\#(span),"name":"job","status":{"message":"boom","code":"STATUS_CODE_ERROR"}}"#),
        document(#"{\#(span),"kind":"Consumer","status":{"code":2},"parentSpanId":"","traceState":"k=v","flags":257,"droppedAttributesCount":0}"#),
        document(#"{\#(span),"status":{"code":1,"message":""},"parentSpanId":"00000000000000ff"}"#),
        // Every scalar AnyValue; escapes; members the reader passes over.
        document(#"{\#(span),"attributes":[{"key":"s","value":{"stringValue":"a \"quoted\" \u00e9 \n line"}},{"key":"i","value":{"intValue":"-42"}},{"key":"n","value":{"intValue":7}},{"key":"d","value":{"doubleValue":1.5}},{"key":"ds","value":{"doubleValue":"2.5e3"}},{"key":"b","value":{"boolValue":false}},{"key":"t","value":{"boolValue":true}},{"key":"y","value":{"bytesValue":"AQID"}},{"value":{"stringValue":"v"},"key":"valueFirst"}]}"#),
        document(#"{\#(span),"events":[{"timeUnixNano":"1795595546500000000","name":"exception","attributes":[{"key":"exception.type","value":{"stringValue":"ValueError"}}],"droppedAttributesCount":0},{"name":"no time"}],"links":[{"traceId":"cddaa145622ea1854204e01d78b04e0d","spanId":"e9af532a59bc6a9d","attributes":[{"key":"l","value":{"intValue":"1"}}],"flags":0}]}"#),
        // Two resources, two scopes; an empty resource; a span without a name or times.
        #"{"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[{\#(span)}]},{"scope":{},"spans":[]}]},{"scopeSpans":[{"spans":[{"traceId":"cddaa145622ea1854204e01d78b04e0d","spanId":"e9af532a59bc6a9d"}]}],"schemaUrl":"x","extra":[1,{"a":null}]}]}"#,
        " \n" + document("") + " \n",
        #"{"resourceSpans":[]}"#,
        // 16-digit (Jaeger-style) and base64 ids.
        document(#"{"traceId":"d269b633813fc60c","spanId":"7u4befDDsXQ="}"#),
        // Ids and times with an escaped digit, upper-case hex: those read in place and those
        // read through their text give the same.
        document(#"{"traceId":"5B8EFFF798038103D269B633813FC6\u0030C","spanId":"eee19b7ec3c1b1\u00374","parentSpanId":"EEE19B7EC3C1B175","startTimeUnixNano":"179559554647877600\u0030","endTimeUnixNano":"1795595546578776000"}"#),
        document(#"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"\u0030\u0030","startTimeUnixNano":"-5","endTimeUnixNano":"00000000000000000000001795595546578776000"}"#),
    ])
    func commonFormsAreReadDirectlyAsTheTreeReadsThem(_ text: String) throws {
        let read = try #require(direct(text), "read directly")
        let expected = try tree(text)
        #expect(read.spans == expected.spans)
        #expect(read.rejected == expected.rejected && read.format == expected.format)
    }

    /// Other spellings, values and damage: left to the tree decoder, which reads them or says
    /// what is wrong.
    @Test(arguments: [
        #"{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174"}]}]}]}"#,
        #"{"resourceSpans":[{"instrumentationLibrarySpans":[{"spans":[{\#(span)}]}]}]}"#,
        #"{"batches":[{"scopeSpans":[{"spans":[{\#(span)}]}]}]}"#,
        document(#"{\#(span),"attributes":[{"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"}]}}}]}"#),
        document(#"{\#(span),"attributes":[{"key":"a","value":{}}]}"#),
        document(#"{\#(span),"attributes":[{"key":"a","value":{"intValue":"many"}}]}"#),
        document(#"{"traceId":"00000000000000000000000000000000","spanId":"eee19b7ec3c1b174"}"#),
        document(#"{"traceId":"not an id","spanId":"eee19b7ec3c1b174"}"#),
        document(#"{\#(span),"links":[{"traceId":"","spanId":""}]}"#),
        document(#"{\#(span),"name":"a","name":"b"}"#),
        document(#"{\#(span),"name":7}"#),
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[{\#(span)}]}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late"}}]}}]}"#,
        #"{"resourceSpans":[{"scopeSpans":[]}]} trailing"#,
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[{\#(span)"#,
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spa\u006eId":"eee19b7ec3c1b174"}]}]}]}"#,
        #"[{"traceId":"5b8efff798038103d269b633813fc60c","id":"eee19b7ec3c1b174"}]"#,
        #"{"data":[]}"#,
        // Found in review: the tree takes the first of two resource attribute lists.
        #"{"resourceSpans":[{"resource":{"attributes":[],"attributes":[{"key":"service.name","value":{"stringValue":"x"}}]},"scopeSpans":[{"spans":[{\#(span)}]}]}]}"#,
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[{\#(span)}],"spans":[]}]}]}"#,
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[{\#(span)}]}],"scopeSpans":[]}]}"#,
        #"{"resourceSpans":[],"resourceSpans":[]}"#,
        // Nulls and other types where the tree reads a default.
        #"{"resourceSpans":null}"#,
        #"{"resourceSpans":[{"resource":null,"scopeSpans":[{"spans":[{\#(span)}]}]}]}"#,
        #"{"resourceSpans":[{"scopeSpans":[{"spans":null}]}]}"#,
        document(#"{\#(span),"status":null}"#),
        document(#"{\#(span),"status":{"code":true}}"#),
        document(#"{\#(span),"events":null}"#),
        document(#"{\#(span),"links":[null]}"#),
        document(#"{\#(span),"kind":null}"#),
        document(#"{\#(span),"startTimeUnixNano":"soon"}"#),
        // Envelopes and members beside resourceSpans.
        #"{"trace":{"resourceSpans":[]}}"#,
        #"{"resourceSpans":[],"batches":[{"scopeSpans":[{"spans":[{\#(span)}]}]}]}"#,
        #"{}"#,
        "",
        "  ",
    ])
    func otherShapesAreLeftToTheTree(_ text: String) throws {
        #expect(direct(text) == nil)
    }

    /// The sample's requests with their members shuffled, int64 strings turned into numbers and
    /// unknown members added, at random: whatever the direct reader reads is what the tree gives.
    @Test func shuffledAndPaddedRequestsGiveTheTreesSpans() throws {
        var random = SystemRandomNumberGenerator()
        let lines = try sampleLines()
        var readDirectly = 0
        for round in 0..<400 {
            let document = try JSONDocument.parse(lines[round % lines.count])
            let text = Self.write(Self.mutate(document, &random))
            guard let expected = try? tree(text) else {
                #expect(direct(text) == nil, "what the tree refuses is not read directly: \(text)")
                continue
            }
            if let read = direct(text) {
                readDirectly += 1
                #expect(read.spans == expected.spans, "\(text)")
                #expect(read.rejected == expected.rejected && read.firstRejection == expected.firstRejection)
            }
        }
        #expect(readDirectly > 150, "most mutations keep the common shape")
    }

    private static func mutate(_ document: JSONDocument, key: String = "", _ random: inout SystemRandomNumberGenerator) -> JSONDocument {
        switch document {
        case .object(var members):
            members = members.map { ($0.0, mutate($0.1, key: $0.0, &random)) }
            members.shuffle(using: &random)
            // A resource after its spans is left to the tree (tested above).
            if let resource = members.firstIndex(where: { $0.0 == "resource" }) { members.insert(members.remove(at: resource), at: 0) }
            // A member given twice (the first counts), or null (the tree's default).
            if !members.isEmpty, Int.random(in: 0..<200, using: &random) == 0 {
                let copy = members[Int.random(in: 0..<members.count, using: &random)]
                let values: [JSONDocument] = [.null, .array([]), .object([]), copy.1, .string("x")]
                members.insert((copy.0, values.randomElement(using: &random)!), at: Int.random(in: 0...members.count, using: &random))
            }
            // (Not into an AnyValue: its first member names its type; nor beside resourceSpans.)
            if key != "value", !key.isEmpty, Int.random(in: 0..<8, using: &random) == 0 {
                members.insert(("unknownMember", .array([.number("1"), .object([("a", .null), ("b", .string("x\"y"))])])),
                               at: Int.random(in: 0...members.count, using: &random))
            }
            return .object(members)
        case .array(let values):
            return .array(values.map { mutate($0, key: key, &random) })
        case .string(let text) where (key.hasSuffix("UnixNano") || key == "intValue") && Bool.random(using: &random):
            return .number(text)
        default:
            return document
        }
    }

    private static func write(_ document: JSONDocument) -> String {
        switch document {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text): return text
        case .string(let text):
            let data = try! JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed)
            return String(decoding: data, as: UTF8.self)
        case .array(let values): return "[" + values.map(write).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { write(.string($0.0)) + ":" + write($0.1) }.joined(separator: ",") + "}"
        }
    }
}
