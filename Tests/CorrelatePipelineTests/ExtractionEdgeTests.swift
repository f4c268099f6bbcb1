import Foundation
import Testing
import CorrelateTestSupport

/// Extraction where shapes meet: ids on later lines, envelopes that are application lines,
/// lone braces, crash dumps after untimed lines, partial lines across chunks.
@Suite struct ExtractionEdgeTests {
    static func extract(_ text: String, onlyLinked: Bool = false, threads: Int = 1, chunkBytes: Int = 4 << 20)
        throws -> [[String: Any]] {
        let file = try Fixtures.temporaryDirectory("edge").appendingPathComponent("input.log")
        try Data(text.utf8).write(to: file)
        return try runExtract([file.path], onlyLinked: onlyLinked, threads: threads, chunkBytes: chunkBytes).records
    }

    @Test func aJobIDOnALaterLineLeavesTheMessageAsWritten() throws {
        let text = "2026-01-14 10:00:00 ERROR boom\n    at Foo.bar jid=7c1e9a4b2d3f5e6a8b9c0d1e\n    at Baz.qux\n"
        let records = try Self.extract(text)
        #expect(records.count == 1)
        #expect(records[0].string("job_id") == "7c1e9a4b2d3f5e6a8b9c0d1e")
        #expect(records[0].string("message") == "boom\n    at Foo.bar jid=7c1e9a4b2d3f5e6a8b9c0d1e\n    at Baz.qux")
    }

    @Test func onlyLinkedKeepsTheLinesOfARecordLinkedByALaterLine() throws {
        let text = "2026-01-14 10:00:00 ERROR boom\n    at Foo.bar\n    at Baz jid=7c1e9a4b2d3f5e6a8b9c0d1e\n2026-01-14 10:00:01 INFO next\n"
        let records = try Self.extract(text, onlyLinked: true)
        #expect(records.count == 1)
        #expect(records.first?.sourceLines == 3)
        #expect(records.first?.string("job_id") == "7c1e9a4b2d3f5e6a8b9c0d1e")
        #expect(records.first?.string("severity") == "error")
    }

    /// --only-linked skips lines no rule can match, yet writes exactly the linked records of
    /// the full output: on every shape of the corpus and the Celery sample's logs.
    @Test func onlyLinkedWritesTheLinkedRecordsOfTheFullOutput() throws {
        var files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.fixture("shapes"))
            .map { Fixtures.fixture("shapes/" + $0) }
        files += try FileManager.default.contentsOfDirectory(atPath: Fixtures.celery("logs"))
            .map { Fixtures.celery("logs/" + $0) }
        var compared = 0
        for file in files.sorted() {
            let all = try runExtract([file]).records.filter { $0.string("trace_id") != nil || $0.string("job_id") != nil }
            let linked = try runExtract([file], onlyLinked: true).records
            #expect(linked.count == all.count, "\(file)")
            for (a, b) in zip(all, linked) {
                #expect(a.sourceLine == b.sourceLine && a.sourceLines == b.sourceLines && a.string("message") == b.string("message"), "\(file)")
            }
            compared += linked.count
        }
        #expect(compared > 200)
    }

    /// A record whose first lines no rule can match, linked by its third line, keeps all of
    /// them with --only-linked — also when the line after it has no id either.
    @Test func onlyLinkedKeepsTheHeadOfARecordLinkedLater() throws {
        let text = "2026-01-14 10:00:00 worker ready\nTraceback (most recent call last):\n  File \"app.py\", line 3\nValueError: boom job_id=7c1e9a4b2d3f5e6a8b9c0d1e\n2026-01-14 10:00:01 idle\n"
        let records = try Self.extract(text, onlyLinked: true)
        #expect(records.count == 1)
        #expect(records.first?.sourceLine == 1)
        #expect(records.first?.sourceLines == 4)
    }

    /// More lines waiting than --only-linked holds (the record's line cap): they are assembled,
    /// not dropped, so the id line after them still links their record.
    @Test func onlyLinkedKeepsMoreHeldLinesThanItHolds() throws {
        var text = "2026-01-14 10:00:00 INFO payload follows\n"
        for index in 0..<12 { text += "untimed part \(index)\n" }
        text += "end of payload trace_id=4bf92f3577b34da6a3ce929d0e0e4736\n"
        let file = try Fixtures.temporaryDirectory("edge").appendingPathComponent("held.log")
        try Data(text.utf8).write(to: file)
        let all = try runExtract([file.path], maxContinuationLines: 5).records.filter { $0.string("trace_id") != nil }
        let linked = try runExtract([file.path], onlyLinked: true, maxContinuationLines: 5).records
        #expect(linked.map(\.sourceLine) == all.map(\.sourceLine))
        #expect(linked.map(\.sourceLines) == all.map(\.sourceLines))
        #expect(!linked.isEmpty)
    }

    /// A line with a trace id of its own is a record of its own, even where its shape would
    /// continue the record before: after another stream's line (CRI), or a record with another
    /// trace id.
    @Test func aLineWithItsOwnTraceIDStartsItsOwnRecord() throws {
        let interleaved = "2026-01-14T10:00:00.100000000Z stderr F 2026-01-14T10:00:00.100Z INFO request A trace_id=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
            + "2026-01-14T10:00:00.200000000Z stdout F 2026-01-14T10:00:00.200Z INFO other stream\n"
            + "2026-01-14T10:00:00.300000000Z stderr F GET /b 200 trace_id=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
        #expect(try Self.extract(interleaved).compactMap { $0.string("trace_id") }
            == ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"])
        let inOneRecord = "2026-01-14 10:00:00 INFO request A trace_id=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
            + "  detail of A\n"
            + "GET /b 200 trace_id=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
        let records = try Self.extract(inOneRecord)
        #expect(records.map(\.sourceLines) == [2, 1])
        #expect(records.compactMap { $0.string("trace_id") } == ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"])
    }

    /// Python's basicConfig lines and access-log lines have no leading time of the usual kind
    /// but start records: after a timed line they are not swallowed by it.
    @Test func pythonBasicConfigAndAccessLogLinesStartRecords() throws {
        let text = "[2026-01-14 10:00:00 +0000] [7] [INFO] Booting worker with pid: 7\n"
            + "INFO:app:charge ok trace_id=1bf92f3577b34da6a3ce929d0e0e4736\n"
            + "ERROR:app.payments:charge failed\n"
            + "203.0.113.9 - - [14/Jan/2026:10:00:01 +0100] \"GET /b HTTP/1.1\" 200 5 \"-\" \"curl/8.5.0\"\n"
        let records = try Self.extract(text)
        #expect(records.count == 4)
        #expect(records.map { $0.string("severity") } == ["info", "info", "error", nil])
        #expect(records[3].string("ts") == "2026-01-14T09:00:01.000000Z")
    }

    @Test func applicationJSONWithALogOrMessageKeyIsNotAnEnvelope() throws {
        let text = #"{"message":"payment failed","trace_id":"5bf92f3577b34da6a3ce929d0e0e4736","kubernetes":{"pod_name":"api-1"}}"# + "\n"
            + #"{"time":"2026-01-14T10:00:00Z","level":"error","log":"request failed","trace_id":"6bf92f3577b34da6a3ce929d0e0e4736"}"# + "\n"
        let records = try Self.extract(text)
        #expect(records.map { $0.string("trace_id") } == ["5bf92f3577b34da6a3ce929d0e0e4736", "6bf92f3577b34da6a3ce929d0e0e4736"])
        #expect(records[1].string("severity") == "error")
    }

    @Test func aKeyValueAfterATimeIsNotASyslogHost() throws {
        let records = try Self.extract("2026-01-14 10:00:00.123 trace_id=6bf92f3577b34da6a3ce929d0e0e4736 worker[7]: processing\n")
        #expect(records.first?.string("trace_id") == "6bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test func aLoneBraceThatIsNotJSONGivesItsLinesBack() throws {
        let text = "Config dump:\n{\n  name = \"x\"\n2026-01-14T10:00:00Z INFO trace_id=4bf92f3577b34da6a3ce929d0e0e4736 a\n2026-01-14T10:00:01Z INFO trace_id=5bf92f3577b34da6a3ce929d0e0e4736 b\n"
        let records = try Self.extract(text)
        let traces = records.compactMap { $0.string("trace_id") }
        #expect(traces == ["4bf92f3577b34da6a3ce929d0e0e4736", "5bf92f3577b34da6a3ce929d0e0e4736"], "\(records)")
    }

    @Test func untimedLinesAfterACrashDumpAreTheirOwnRecords() throws {
        let text = "fatal error: config file missing\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x1d\nexit status 2\nGET /a 200 trace_id=4bf92f3577b34da6a3ce929d0e0e4736\nGET /b 200 trace_id=5bf92f3577b34da6a3ce929d0e0e4736\n"
        let records = try Self.extract(text)
        #expect(records.count == 3, "\(records)")
        #expect(records.first?.sourceLines == 6)
        #expect(records.compactMap { $0.string("trace_id") } == ["4bf92f3577b34da6a3ce929d0e0e4736", "5bf92f3577b34da6a3ce929d0e0e4736"])
    }

    /// CRI partial lines across chunk boundaries, interleaved streams, a file that ends in a
    /// partial: the parallel path writes what the line-by-line path writes.
    @Test(arguments: [1024, 1500, 2000, 3000])
    func criPartialsAcrossChunksMatchLineByLine(chunkBytes: Int) throws {
        var text = ""
        for index in 0..<60 {
            let trace = String(format: "%032x", index + 1)
            text += "2026-01-14T10:00:0\(index % 10).000000000Z stderr F 2026-01-14 10:00:00 ERROR boom trace_id=\(trace)\n"
            text += "2026-01-14T10:00:0\(index % 10).100000000Z stderr P \tat com.acme.Foo.bar(\n"
            text += "2026-01-14T10:00:0\(index % 10).150000000Z stdout F {\"level\":\"info\",\"msg\":\"tick \(index)\"}\n"
            text += "2026-01-14T10:00:0\(index % 10).200000000Z stderr F 2026-01-14 10:01:00 Foo.java:10)\n"
        }
        text += "2026-01-14T10:00:09.900000000Z stderr P the last line, never finished"
        let sequential = try Self.extract(text)
        let parallel = try Self.extract(text, threads: 2, chunkBytes: chunkBytes)
        #expect(parallel.count == sequential.count)
        for (a, b) in zip(sequential, parallel) {
            #expect(a.sourceLine == b.sourceLine && a.sourceLines == b.sourceLines && a.string("message") == b.string("message"))
        }
        // Each error; its frame, finished after the other stream's tick, keeps the error's
        // trace; each tick; the partial the file ends with, a fragment of its own.
        #expect(sequential.count == 60 * 3 + 1)
        #expect(sequential.last?.string("message") == "the last line, never finished")
        #expect(sequential.filter { $0.string("message") == "\tat com.acme.Foo.bar(2026-01-14 10:01:00 Foo.java:10)" }.count == 60)
    }
}
