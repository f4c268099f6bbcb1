import Foundation
import Testing
import CorrelateTestSupport

private let good1 = #"{"level":"INFO","message":"before","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}"#
private let good2 = "2026-11-25 08:32:27,054 INFO [x] [trace_id=cddaa145622ea1854204e01d78b04e0d span_id=e116d5a2f2dc2eaf resource.service.name=api trace_sampled=True] - after"

private func write(_ bytes: [UInt8]) throws -> String {
    let file = try Fixtures.temporaryDirectory().appendingPathComponent("bad.log")
    try Data(bytes).write(to: file)
    return file.path
}

@Suite struct BadInputTests {
    @Test func invalidUTF8AndNULBytesComeOutAsValidJSON() throws {
        let bad: [UInt8] = Array("level=info msg=\"".utf8) + [0xFF, 0xC3, 0x28, 0x00, 0xE2, 0x82] + Array("\" trace_id=0af7651916cd43dd8448eb211c80319c".utf8)
        let path = try write(Array(good1.utf8) + [0x0A] + bad + [0x0A] + Array(good2.utf8) + [0x0A])
        let (records, summary, raw) = try runExtract([path])
        #expect(records.count == 3)  // every output line parsed as JSON
        #expect(records[1].string("trace_id") == "0af7651916cd43dd8448eb211c80319c")
        #expect(records[1].string("message") == "\u{FFFD}\u{FFFD}(\u{0}\u{FFFD}")
        #expect(records[2].string("trace_id") == "cddaa145622ea1854204e01d78b04e0d")
        #expect(summary.lines == 3)
        #expect(String(data: raw, encoding: .utf8) != nil)
    }

    @Test func truncatedAndBrokenJSONIsCountedAndTheRestGoesOn() throws {
        let lines = [
            good1,
            #"{"level": "INFO", "message": "cut here", "trace_id": "a70c294f3db28ecf6014a846ccc2df6d", "span"#,
            "{'python': 'repr', 'task_id': 'a03365b1-579a-40b7-93e0-4230f253a321'}",
            #"{"unterminated": "string}"#,
            good2,
        ]
        let path = try write(Array(lines.joined(separator: "\n").utf8) + [0x0A])
        let (records, summary, _) = try runExtract([path])
        #expect(records.count == 5)
        #expect(summary.malformed == 3)
        #expect(summary.firstMalformed == .init(file: path, line: 2))
        #expect(records[1].string("trace_id") == "a70c294f3db28ecf6014a846ccc2df6d")
        #expect(records[1].string("message") == "cut here")
        #expect(records[2].string("job_id") == "a03365b1-579a-40b7-93e0-4230f253a321")
        #expect(records[4].string("message") == "after")
    }

    @Test func tenMegabyteLineIsCutAndItsNeighboursSurvive() throws {
        var bytes = Array((good1 + "\n").utf8)
        bytes += Array("trace_id=0af7651916cd43dd8448eb211c80319c ".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024)
        bytes += Array(("\n" + good2 + "\n").utf8)
        let path = try write(bytes)
        let (records, summary, _) = try runExtract([path])
        #expect(records.count == 3)
        #expect(summary.truncated == 1)
        #expect(records[1].string("trace_id") == "0af7651916cd43dd8448eb211c80319c")
        #expect((records[1].string("message") ?? "").utf8.count == 1 << 20)
        #expect(records[2].sourceLine == 3)
    }

    @Test func emptyFileYieldsNothing() throws {
        let path = try write([])
        let (records, summary, _) = try runExtract([path])
        #expect(records.isEmpty)
        #expect(summary.lines == 0)
        #expect(summary.unreadable.isEmpty)
    }

    @Test func missingFileIsReportedAndTheOtherInputsAreRead() throws {
        let path = try write(Array((good1 + "\n").utf8))
        let (records, summary, _) = try runExtract(["/nonexistent/missing.log", path])
        #expect(records.count == 1)
        #expect(summary.unreadable.count == 1)
        #expect(summary.unreadable.first?.description.contains("/nonexistent/missing.log") == true)
        #expect(summary.inputs == 2)
    }

    @Test func lastLineWithoutNewlineIsARecord() throws {
        let path = try write(Array((good1 + "\n" + good2).utf8))
        #expect(try runExtract([path]).records.count == 2)
    }
}

@Suite struct OnlyLinkedSkipTests {
    @Test func skippedLinesStillCountTheirBrokenFraming() throws {
        let lines = [
            #"{"level":"INFO","message":"no ids here"}"#,
            #"{"level":"INFO","message":"cut off"#,
            "{'python': 'repr without ids'}",
            #"{"level":"INFO","message":"linked","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}"#,
        ]
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("skip.log")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let (records, summary, _) = try runExtract([file.path], onlyLinked: true)
        #expect(records.count == 1)
        #expect(records[0].sourceLine == 4)
        #expect(summary.lines == 4)
        #expect(summary.malformed == 2)
        #expect(summary.firstMalformed == .init(file: file.path, line: 2))
    }

    @Test func aContinuationOfALinkedRecordIsNeverSkipped() throws {
        let lines = [
            "2026-11-25 08:00:00 ERROR boom trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
            "Traceback (most recent call last):",
            "  File \"a.py\", line 1, in f",
            "ValueError: bad",
            "2026-11-25 08:00:01 INFO unrelated",
            "  indented detail of the unrelated line",
        ]
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("tb.log")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let (records, _, _) = try runExtract([file.path], onlyLinked: true)
        #expect(records.count == 1)
        #expect(records[0].sourceLines == 4)
        #expect(records[0].string("message")?.hasSuffix("ValueError: bad") == true)
    }
}
