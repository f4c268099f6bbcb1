import Foundation
import Testing
import CorrelateDecode
import CorrelateJSON
import CorrelateModel
import CorrelatePipeline
import CorrelateTestSupport

/// Span files read with their lines decoded ahead on another thread: the same spans in the same
/// order, and every malformed line named by its own number, across the chunks it is read in.
@Suite struct SpanFilesTests {
    /// Files of one line, of fewer lines than a chunk (2,048), of one line more than a chunk and
    /// of several chunks.
    @Test(arguments: [1, 33, 2_049, 3_300])
    func linesDecodedAheadKeepTheirOrderAndTheirNumbers(documents: Int) throws {
        let sample = try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        var lines = Array(Array((0..<100).map { _ in sample }.joined()).prefix(documents))
        // Damage before, at and after a chunk's end, and on the last line.
        var damaged: [Int: String] = [:]
        for (number, text) in [(3, #"{"resourceSpans":[{"scopeSpans"#), (2_049, "not json"), (2_050, #"{"data":7}"#)] where number <= lines.count {
            damaged[number] = text
            lines.insert(text, at: number - 1)
        }
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
        #expect(summary.spanDocuments == documents)
        #expect(summary.malformed.map(\.location.line) == damaged.keys.sorted())
        #expect(summary.malformed.allSatisfy { $0.location.file == "spans.jsonl" })
    }
}
