import Foundation
import Testing
import CorrelateDecode
import CorrelateJSON
import CorrelateModel
import CorrelateOTLP
@testable import CorrelatePipeline
import CorrelateTestSupport

/// Span files read with their lines decoded ahead on another thread: the same spans in the same
/// order, and every malformed line named by its own number, across the chunks it is read in.
@Suite struct SpanFilesTests {
    /// Files of one line, of fewer lines than a chunk (512), of one line more than a chunk and
    /// of several chunks.
    @Test(arguments: [1, 33, 513, 3_300])
    func linesDecodedAheadKeepTheirOrderAndTheirNumbers(documents: Int) throws {
        let sample = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        var lines = Array(Array((0..<100).map { _ in sample }.joined()).prefix(documents))
        // Damage before, at and after a chunk's end, and on the last line.
        var damaged: [Int: String] = [:]
        for (number, text) in [(3, #"{"resourceSpans":[{"scopeSpans"#), (513, "not json"), (514, #"{"data":7}"#)] where number <= lines.count {
            damaged[number] = text
            lines.insert(text, at: number - 1)
        }
        // A span with an invalid id, left out and counted, in a chunk read ahead.
        let rejected = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0","spanId":"1"}]}]}]}"#
        if lines.count >= 2_000 { lines.insert(rejected, at: 1_999) }
        damaged[lines.count + 1] = "{"
        lines.append("{")
        let folder = try Fixtures.temporaryDirectory()
        let path = folder.appendingPathComponent("spans.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        var summary = IngestSummary()
        var stored: [Span] = []
        try SpanFiles.readOnce(path: path, name: "spans.jsonl", batch: 1_000, into: &summary) { prepared, _ in stored += prepared.flatMap(\.spans) }

        var expected: [Span] = []
        for (index, line) in lines.enumerated() where damaged[index + 1] == nil {
            expected += try SpanDocumentDecoder.decode(try JSONDocument.parse(line)).spans
        }
        #expect(stored.count == expected.count && stored.count >= documents)
        #expect(stored == expected)
        #expect(summary.spanDocuments == documents + (lines.count > 2_000 ? 1 : 0))
        #expect(summary.malformed.map(\.location.line) == damaged.keys.sorted())
        #expect(summary.malformed.allSatisfy { $0.location.file == "spans.jsonl" })
        // The rejected span's line, in a chunk read ahead.
        #expect(summary.spansRejected == (lines.count > 2_000 ? 1 : 0))
        #expect(summary.firstRejectedSpan?.location.line == (lines.count > 2_000 ? 2_000 : nil))
    }

    /// A pretty-printed document (its first line opens it) is still read whole.
    @Test func aDocumentOverSeveralLinesIsReadWhole() throws {
        let line = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8).split(separator: "\n")[0]
        let document = try JSONSerialization.jsonObject(with: Data(line.utf8))
        let pretty = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted])
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("pretty.json").path
        try (Data("\n".utf8) + pretty).write(to: URL(fileURLWithPath: path))
        var summary = IngestSummary()
        var stored: [Span] = []
        try SpanFiles.readOnce(path: path, name: "pretty.json", into: &summary) { prepared, _ in stored += prepared.flatMap(\.spans) }
        #expect(summary.malformed.isEmpty, "\(summary.malformed)")
        #expect(summary.spanDocuments == 1)
        #expect(stored == (try SpanDocumentDecoder.decode(try JSONDocument.parse(String(line))).spans))
    }

    /// A store that fails mid-file: the error comes out, the threads decoding ahead are waited for.
    @Test func aFailingStoreEndsTheReading() throws {
        struct Refused: Error {}
        let sample = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8)
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("spans.jsonl").path
        try String(repeating: sample, count: 100).write(toFile: path, atomically: true, encoding: .utf8)
        var summary = IngestSummary()
        var calls = 0
        #expect(throws: Refused.self) {
            try SpanFiles.readOnce(path: path, name: "spans.jsonl", batch: 500, into: &summary) { _, _ in
                calls += 1
                if calls == 2 { throw Refused() }
            }
        }
        #expect(calls == 2)
    }

    /// The sample's spans, `copies` times with other trace ids.
    private func sampleSpans(copies: Int) throws -> [Span] {
        let lines = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8).split(separator: "\n")
        var spans: [Span] = []
        for copy in 0..<copies {
            for line in lines {
                spans += try SpanDocumentDecoder.decode(try JSONDocument.parse(String(line))).spans.map { span in
                    var span = span
                    span.traceID = TraceID(high: UInt64(copy), low: span.traceID.low)
                    return span
                }
            }
        }
        return spans
    }

    /// One OTLP protobuf request of many spans: decoded and prepared part by part ahead of the
    /// store, in order, each part by the store's preparation.
    @Test func aLargeProtobufRequestIsPreparedInSlicesInOrder() throws {
        let spans = try sampleSpans(copies: 20)
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("spans.pb").path
        try OTLPProtobufEncoder.encodeTraces(spans).write(to: URL(fileURLWithPath: path))
        var summary = IngestSummary()
        var batches: [[PreparedSpans]] = []
        try SpanFiles.readOnce(path: path, name: "spans.pb", batch: 100, into: &summary,
                               prepare: { PreparedSpans(form: $0, count: $0.count) }) { prepared, _ in batches.append(prepared) }
        let stored = batches.joined().flatMap { $0.form as? [Span] ?? [] }
        #expect(summary.spanDocuments == 1 && summary.spansRead == spans.count)
        #expect(Set(stored.map(\.spanID)) == Set(spans.map(\.spanID)) && stored.count == spans.count)
        let request = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(stored == (try request.withUnsafeBytes { try OTLPProtobufDecoder.decode($0) }).spans, "the request's spans in its order")
        #expect(batches.count == (spans.count + 99) / 100, "one batch of 100 per store call")
        #expect(batches.joined().allSatisfy { ($0.form as? [Span])?.count == $0.count && $0.spans.isEmpty },
                "each slice prepared by the store's preparation, which keeps the store's form alone")
    }

    /// A request decoded in parts counts its spans and its rejected spans as a whole decode
    /// does, the first rejection named by its span's number in the whole request.
    @Test func aProtobufRequestInPartsIsCountedAsAWhole() throws {
        var spans = try sampleSpans(copies: 3)
        for index in [70, 171, 172] { spans[index].traceID = TraceID(high: 0, low: 0) }
        let request = try OTLPProtobufEncoder.encodeTraces(spans)
        let (summary, stored) = try read(request, batch: 40)
        let whole = try request.withUnsafeBytes { try OTLPProtobufDecoder.decode($0) }
        #expect(stored == whole.spans && stored.count == spans.count - 3)
        #expect(summary.spanDocuments == 1 && summary.spansRead == spans.count && summary.spansRejected == 3)
        // Numbered in the whole request, not in its part (of 10 spans: a quarter of the batch).
        let number = whole.firstRejection.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        #expect(number > 10, "\(whole.firstRejection ?? "")")
        #expect(summary.firstRejectedSpan?.reason == whole.firstRejection)
        #expect(summary.malformed.isEmpty)
    }

    /// A span that is not a valid message, deep in a large request: the spans before it are
    /// stored and said, those after it are not, and the file is named as malformed. (`serve`
    /// refuses such a request whole: the client sent it and can be told.)
    @Test func aBadSpanInALargeProtobufRequestKeepsTheSpansBeforeIt() throws {
        let spans = try sampleSpans(copies: 3)
        // Requests concatenated are one request (their `resource_spans` appended); the middle
        // one holds a span whose first field has wire type 3, which protobuf no longer allows.
        let bad = Data([0x0A, 0x05, 0x12, 0x03, 0x12, 0x01, 0x0B])
        let first = try OTLPProtobufEncoder.encodeTraces(Array(spans[..<210]))
        let request = first + bad + (try OTLPProtobufEncoder.encodeTraces(Array(spans[210...])))
        #expect(throws: (any Error).self) { _ = try request.withUnsafeBytes { try OTLPProtobufDecoder.decode($0) } }
        // Parts of 25 spans: the bad span is the 211th, the 11th of the part of spans 201–225.
        let (summary, stored) = try read(request, batch: 100)
        // The request's own order (the encoder groups spans by resource).
        let before = try first.withUnsafeBytes { try OTLPProtobufDecoder.decode($0) }
        #expect(stored == before.spans)
        #expect(summary.malformed.count == 1)
        #expect(summary.malformed.first?.location == SourceLocation(file: "spans.pb", line: 1))
        #expect(summary.malformed.first?.reason == "not an OTLP protobuf ExportTraceServiceRequest: span 211 (at byte \(first.count + 6)): unsupported wire type 3 (the spans before it are stored)")
        #expect(summary.spansRead == 210)
        #expect(summary.spanDocuments == 1, "the file counts as read (its first 210 spans) and as malformed")
    }

    /// A protobuf field of wire type 2 (length-delimited): tag, length, bytes.
    private func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8(number << 3 | 2)]
        var length = bytes.count
        while length >= 0x80 {
            out.append(UInt8(length & 0x7F | 0x80))
            length >>= 7
        }
        return out + [UInt8(length)] + bytes
    }

    /// A `Span` message with ids made of `trace` and `span` repeated.
    private func spanMessage(trace: UInt8, span: UInt8) -> [UInt8] {
        field(1, [UInt8](repeating: trace, count: 16)) + field(2, [UInt8](repeating: span, count: 8)) + field(5, Array("job".utf8))
    }

    /// A `ResourceSpans` whose resource (`service.name`) comes after its one scope's spans.
    private func resourceSpans(service: String, spans: [[UInt8]]) -> [UInt8] {
        let attribute = field(1, Array("service.name".utf8)) + field(2, field(1, Array(service.utf8)))
        return field(1, field(2, Array(spans.map { field(2, $0) }.joined())) + field(1, field(1, attribute)))
    }

    /// What `readOnce` stores and counts of `request`, written to a file `spans.pb`.
    private func read(_ request: Data, batch: Int) throws -> (IngestSummary, [Span]) {
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("spans.pb").path
        try request.write(to: URL(fileURLWithPath: path))
        var summary = IngestSummary()
        var stored: [Span] = []
        try SpanFiles.readOnce(path: path, name: "spans.pb", batch: batch, into: &summary) { prepared, _ in stored += prepared.flatMap(\.spans) }
        return (summary, stored)
    }

    /// Parts of a request whose resources come after their scopes: every span of every part
    /// has its own resource's service, as in the whole decode.
    @Test func partsKeepTheirResourcesWhenTheResourceComesLast() throws {
        let request = resourceSpans(service: "api", spans: (1...7).map { spanMessage(trace: 0x0A, span: $0) })
            + resourceSpans(service: "worker", spans: (1...9).map { spanMessage(trace: 0x0B, span: $0) })
        let (summary, stored) = try read(Data(request), batch: 8)  // parts of 2 spans
        let whole = try request.withUnsafeBytes { try OTLPProtobufDecoder.decode($0) }
        #expect(stored == whole.spans && stored.count == 16)
        #expect(stored.map { $0.service ?? "" } == Array(repeating: "api", count: 7) + Array(repeating: "worker", count: 9))
        #expect(summary.spanDocuments == 1 && summary.spansRead == 16 && summary.malformed.isEmpty)
    }

    /// A request of resources without spans is one document of no spans, not a malformed one.
    @Test func aRequestWithoutSpansIsADocumentOfNone() throws {
        let (summary, stored) = try read(Data(resourceSpans(service: "idle", spans: [])), batch: 8)
        #expect(stored.isEmpty)
        #expect(summary.spanDocuments == 1 && summary.spansRead == 0 && summary.malformed.isEmpty)
    }

    /// Only rejected spans before a bad one: nothing was stored, and the problem does not say
    /// that anything was.
    @Test func aBadSpanAfterOnlyRejectedOnesSaysNothingWasStored() throws {
        let request = resourceSpans(service: "api", spans: (1...3).map { spanMessage(trace: 0, span: $0) } + [[0x0B]])
        let (summary, stored) = try read(Data(request), batch: 100)
        #expect(stored.isEmpty)
        #expect(summary.spansRejected == 3 && summary.spansRead == 3)
        #expect(summary.malformed.count == 1)
        #expect(summary.malformed.first?.reason.hasPrefix("not an OTLP protobuf ExportTraceServiceRequest: span 4 (at byte ") == true)
        #expect(summary.malformed.first?.reason.hasSuffix("): unsupported wire type 3") == true, "\(summary.malformed)")
    }

    /// Lines are decoded up to ten chunks ahead, but never more than 16 MiB of them: with
    /// 4 MiB lines (a chunk each) the oldest is handed back once five are in flight, in order.
    @Test func chunksAheadAreBoundedByBytesAsWellAsByCount() throws {
        let ahead = SpanFiles.DecodingAhead(prepare: { PreparedSpans(spans: $0) })
        // Not a document: each line decodes as malformed, which is all this needs.
        let line = [UInt8](repeating: UInt8(ascii: "x"), count: 4 << 20)
        var handedBack: [Int] = []
        for number in 1...8 {
            let chunk = line.withUnsafeBufferPointer { ahead.add($0, number: number) }
            if let chunk { handedBack.append(chunk.lines[0].number) }
            #expect((chunk != nil) == (number >= 5), "line \(number)")
        }
        #expect(handedBack == [1, 2, 3, 4])
        var rest: [Int] = []
        while let chunk = ahead.drain() { rest += chunk.lines.map(\.number) }
        #expect(rest == [5, 6, 7, 8])
        // Short lines: ten chunks of 512 lines are ahead before the first comes back.
        let small = SpanFiles.DecodingAhead(prepare: { PreparedSpans(spans: $0) })
        var firstBack: Int?
        for number in 1...(11 * 512) where firstBack == nil {
            let chunk = [UInt8]("{}".utf8).withUnsafeBufferPointer { small.add($0, number: number) }
            if chunk != nil { firstBack = number }
        }
        #expect(firstBack == 11 * 512)
        while small.drain() != nil {}
    }
}
