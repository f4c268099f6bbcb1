import Foundation
import Testing
import CorrelateDecode
import CorrelateModel
import CorrelateOTLP
import CorrelateTestSupport

@Suite struct OTLPProtobufTests {
    /// The sample's `traces.otlp.jsonl` was converted from its `requests/*-traces.pb`: both
    /// decoders must see the very same spans.
    @Test func protobufRequestsDecodeToTheSameSpansAsTheirJSON() throws {
        let folder = Fixtures.celery("requests")
        var fromProtobuf: [Span] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.hasSuffix("-traces.pb") {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            let (spans, rejected) = try OTLPProtobufDecoder.decodeTraces(data)
            #expect(rejected == 0)
            fromProtobuf += spans
        }
        var fromJSON: [Span] = []
        for line in try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8).split(separator: "\n") {
            fromJSON += try SpanDocumentDecoder.decode(try JSONDocument.parse(String(line))).spans
        }
        #expect(fromProtobuf.count == 139)
        let byID = Dictionary(fromJSON.map { ($0.spanID, $0) }, uniquingKeysWith: { a, _ in a })
        for span in fromProtobuf {
            let twin = try #require(byID[span.spanID])
            #expect(span == twin, "span \(span.spanID) differs between protobuf and JSON")
        }
    }

    @Test func garbageIsAnError() {
        #expect(throws: (any Error).self) {
            _ = try OTLPProtobufDecoder.decodeTraces(Data([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]))
        }
    }
}

@Suite struct OTLPProtobufEncoderTests {
    @Test func encodedSpansDecodeBackUnchanged() throws {
        var spans: [Span] = []
        for line in try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8).split(separator: "\n").prefix(5) {
            spans += try SpanDocumentDecoder.decode(try JSONDocument.parse(String(line))).spans
        }
        let data = try OTLPProtobufEncoder.encodeTraces(spans)
        let (decoded, rejected) = try OTLPProtobufDecoder.decodeTraces(data)
        #expect(rejected == 0)
        #expect(Set(decoded.map(\.spanID)) == Set(spans.map(\.spanID)))
        for span in decoded { #expect(spans.contains(span)) }
    }
}
