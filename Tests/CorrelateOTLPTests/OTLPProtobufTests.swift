import Foundation
import Testing
import CorrelateDecode
import CorrelateModel
import CorrelateOTLP
import CorrelateTestSupport
import CorrelateJSON

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

    /// Every kind of attribute value, events, links, status, a rejected span and fields this
    /// decoder does not know, encoded by the generated message types, read back by the wire
    /// decoder.
    @Test func everyValueKindAndUnknownFieldsSurviveTheWireDecoder() throws {
        let trace = TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!
        let nested: [Attribute] = [
            Attribute("s", .string("tëxt \"quoted\"")), Attribute("b", .bool(true)), Attribute("i", .int(-42)),
            Attribute("d", .double(2.5)), Attribute("raw", .bytes([0, 1, 255])),
            Attribute("list", .array([.int(1), .string("two"), .array([.bool(false)])])),
            Attribute("map", .keyValues([Attribute("k", .string("v")), Attribute("deeper", .keyValues([Attribute("x", .int(1))]))])),
        ]
        let span = Span(
            traceID: trace, spanID: SpanID(hex: "00f067aa0ba902b7")!, parentSpanID: SpanID(hex: "00f067aa0ba902b6")!,
            name: "run job", kind: .consumer, start: Timestamp(nanoseconds: 1_764_059_549_000_000_001),
            end: Timestamp(nanoseconds: 1_764_059_550_000_000_002), status: .error, statusMessage: "boom", service: "worker",
            attributes: nested, resource: [Attribute("service.name", .string("worker")), Attribute("host.name", .string("h1"))],
            events: [Span.Event(name: "exception", time: Timestamp(nanoseconds: 1_764_059_549_500_000_000),
                                attributes: [Attribute("exception.type", .string("ValueError"))])],
            links: [Span.Link(traceID: trace, spanID: SpanID(hex: "00000000000000aa")!, attributes: [Attribute("l", .int(1))])])
        var invalid = span
        invalid.traceID = TraceID(high: 0, low: 0)
        var data = try OTLPProtobufEncoder.encodeTraces([span, invalid])
        // An unknown field of every wire type at the request's top level: skipped.
        data += Data([0xA0, 0x06, 0x96, 0x01])                    // field 100, varint
        data += Data([0xA9, 0x06] + Array(repeating: 0, count: 8))  // field 101, fixed64
        data += Data([0xB2, 0x06, 0x02, 0x41, 0x42])              // field 102, bytes
        data += Data([0xBD, 0x06, 0, 0, 0, 0])                    // field 103, fixed32
        let (decoded, rejected) = try OTLPProtobufDecoder.decodeTraces(data)
        #expect(rejected == 1)
        #expect(decoded == [span])
        let withReason = try data.withUnsafeBytes { try OTLPProtobufDecoder.decode($0) }
        #expect(withReason.firstRejection == #"span 2 ("run job"): all-zero trace id"#)
    }

    @Test func truncatedOrMalformedWireIsAnError() throws {
        let data = try OTLPProtobufEncoder.encodeTraces([Span(
            traceID: TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!, spanID: SpanID(hex: "00f067aa0ba902b7")!, parentSpanID: nil,
            name: "x", kind: .internal, start: Timestamp(nanoseconds: 1), end: Timestamp(nanoseconds: 2), status: .unset,
            service: nil, attributes: [], resource: [], events: [], links: [])])
        for cut in [1, data.count / 2, data.count - 1] {
            #expect(throws: (any Error).self) { _ = try OTLPProtobufDecoder.decodeTraces(data.prefix(cut)) }
        }
        #expect(throws: (any Error).self) { _ = try OTLPProtobufDecoder.decodeTraces(Data([0x0B])) }  // wire type 3
        #expect(throws: (any Error).self) {
            _ = try OTLPProtobufDecoder.decodeTraces(Data([0x08] + Array(repeating: 0xFF, count: 11)))  // an 11-byte varint
        }
    }

    /// The hand-written `google.rpc.Status` of error responses: code and message, lengths past
    /// one varint byte too.
    @Test func errorStatusIsAGoogleRPCStatus() {
        #expect(OTLPResponses.status(code: 3, message: "x") == Data([0x08, 0x03, 0x12, 0x01, 0x78]))
        let long = String(repeating: "m", count: 200)
        #expect(OTLPResponses.status(code: 14, message: long) == Data([0x08, 0x0E, 0x12, 0xC8, 0x01] + Array(long.utf8)))
    }
}

/// Issue 9, failure 1: nesting is bounded in every protobuf decoder (``NestingLimit``).
@Suite struct OTLPNestingLimitTests {
    @Test func anAttributeNested40000DeepIsRefusedNotACrash() {
        let bytes = HostileInputs.deepTraceRequest(depth: 40_000)
        #expect(bytes.count > 500_000)
        do {
            _ = try bytes.withUnsafeBytes { try OTLPProtobufDecoder.decodeTraces($0) }
            Issue.record("a 40,000-deep attribute was accepted")
        } catch {
            #expect("\(error)".contains("nested deeper than \(NestingLimit.maximumDepth) levels"), "\(error)")
        }
    }

    @Test func nestingWithinTheLimitIsRead() throws {
        // Request, resource spans, scope spans, span, key-value: 4 messages above the value;
        // each level of kvlist adds 3.
        let levels = (NestingLimit.maximumDepth - 5) / 3
        let bytes = HostileInputs.deepTraceRequest(depth: levels)
        let (spans, _) = try bytes.withUnsafeBytes { try OTLPProtobufDecoder.decodeTraces($0) }
        var value = try #require(spans.first?.attributes["deep"])
        var depth = 0
        while case .keyValues(let pairs) = value, let next = pairs.first?.value {
            value = next
            depth += 1
        }
        #expect(depth == levels)
        #expect(value == .string("x"))
        #expect(throws: (any Error).self) {
            _ = try HostileInputs.deepTraceRequest(depth: levels + 1).withUnsafeBytes { try OTLPProtobufDecoder.decodeTraces($0) }
        }
    }

    @Test func aLogBodyNested40000DeepIsRefused() {
        do {
            _ = try OTLPProtobufDecoder.decodeLogs(Data(HostileInputs.deepLogsRequest(depth: 40_000)))
            Issue.record("a 40,000-deep log body was accepted")
        } catch {
            #expect("\(error)".contains("nested deeper than"), "\(error)")
        }
        #expect((try? OTLPProtobufDecoder.decodeLogs(Data(HostileInputs.deepLogsRequest(depth: 20))))?.count == 1)
    }

    @Test func jsonNestedPastTheLimitIsRefusedWithinItIsRead() throws {
        #expect(throws: JSONDocument.SyntaxError.self) { try JSONDocument.parse(HostileInputs.deepTraceJSON(depth: 40_000)) }
        let deepest = String(repeating: "[", count: NestingLimit.maximumDepth) + String(repeating: "]", count: NestingLimit.maximumDepth)
        _ = try JSONDocument.parse(deepest)
        do {
            _ = try JSONDocument.parse("[" + deepest + "]")
            Issue.record("129 levels of JSON were accepted")
        } catch {
            #expect(error.reason == "JSON nested deeper than \(NestingLimit.maximumDepth) levels")
        }
    }
}
