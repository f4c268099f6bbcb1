import Foundation
import Testing
import CorrelateTestSupport

/// The parallel path (a large file cut into chunks at record boundaries, assembled on several
/// threads) must write exactly what the line-by-line path writes.
@Suite struct ParallelTests {
    private func sampleFile(repeats: Int) throws -> String {
        var data = Data()
        for _ in 0..<repeats {
            for file in ["celery-worker.log", "journal.json", "producer.json.log", "worker.otel.log"] {
                data.append(try Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("logs/" + file))))
            }
        }
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("all.log").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [1024, 4096, 65_536])
    func chunkedOutputIsIdenticalToLineByLine(chunkBytes: Int) throws {
        let path = try sampleFile(repeats: 2)
        let sequential = try runExtract([path], threads: 1)
        let parallel = try runExtract([path], threads: 3, chunkBytes: chunkBytes)
        #expect(parallel.raw == sequential.raw)
        #expect(parallel.summary.lines == sequential.summary.lines)
        #expect(parallel.summary.records == sequential.summary.records)
        #expect(parallel.summary.linked == sequential.summary.linked)
        #expect(parallel.summary.malformed == sequential.summary.malformed)
        #expect(parallel.summary.firstMalformed == sequential.summary.firstMalformed)
        #expect(parallel.summary.bytes == sequential.summary.bytes)
    }

    @Test func onlyLinkedToo() throws {
        let path = try sampleFile(repeats: 1)
        let sequential = try runExtract([path], onlyLinked: true, threads: 1)
        let parallel = try runExtract([path], onlyLinked: true, threads: 2, chunkBytes: 2048)
        #expect(parallel.raw == sequential.raw)
    }

    @Test func overlongLineInAChunkedFile() throws {
        var bytes = Array("level=info msg=before trace_id=0af7651916cd43dd8448eb211c80319c\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "y"), count: 300_000)
        bytes += Array("\nlevel=info msg=after trace_id=4bf92f3577b34da6a3ce929d0e0e4736\n".utf8)
        for index in 0..<2000 { bytes += Array("level=info msg=\"line \(index)\"\n".utf8) }
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("long.log").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let sequential = try runExtract([path], maxLineBytes: 65_536, threads: 1)
        let parallel = try runExtract([path], maxLineBytes: 65_536, threads: 2, chunkBytes: 4096)
        #expect(parallel.raw == sequential.raw)
        #expect(parallel.summary.truncated == 1)
        #expect(parallel.records.count == 2003)
        #expect(parallel.records[2].string("trace_id") == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parallel.records[2].sourceLine == 3)
    }

    /// Issue 9, failure 9: an over-long line is a record of its own on every path, whatever it
    /// holds (here no timestamp, which would make it continue the line before).
    @Test func anOverlongUntimedLineIsARecordOfItsOwnOnEveryPath() throws {
        var bytes = Array("2026-01-14T10:00:00Z INFO trace_id=0af7651916cd43dd8448eb211c80319c before\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        bytes += Array("\n    indented after it\n2026-01-14T10:00:01Z INFO after\n".utf8)
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("long.log").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let sequential = try runExtract([path], maxLineBytes: 65_536, threads: 1)
        for chunkBytes in [1024, 4096, 200_000] {
            let parallel = try runExtract([path], maxLineBytes: 65_536, threads: 2, chunkBytes: chunkBytes)
            #expect(parallel.raw == sequential.raw, "chunks of \(chunkBytes)")
            #expect(parallel.summary.truncated == 1)
            #expect(parallel.summary.firstTruncated == sequential.summary.firstTruncated)
        }
        #expect(sequential.records.count == 4)
        #expect(sequential.records.map(\.sourceLine) == [1, 2, 3, 4])
        #expect(sequential.summary.firstTruncated?.line == 2)
        #expect(sequential.summary.firstTruncated?.file.hasSuffix("long.log") == true)
    }

    /// A record longer than a chunk may hold is cut between chunks; the next chunk goes on
    /// with it (its ids, its continuation lines) as the line-by-line path does.
    @Test func aRecordLongerThanAChunkGoesOnIntoTheNext() throws {
        var text = ""
        for record in 0..<3 {
            text += "2026-01-14T10:00:0\(record)Z INFO trace_id=0af7651916cd43dd8448eb211c8031\(record)c start\n"
            for frame in 0..<3000 { text += "    at frame \(frame) of record \(record)\n" }
        }
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("records.log").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let sequential = try runExtract([path], threads: 1, maxContinuationLines: 500)
        let parallel = try runExtract([path], threads: 2, chunkBytes: 4096, maxRecordBytes: 8192, maxContinuationLines: 500)
        #expect(parallel.raw == sequential.raw)
        #expect(parallel.summary.records == sequential.summary.records)
        #expect(parallel.summary.linked == sequential.summary.linked)
        #expect(sequential.records.allSatisfy { $0.string("trace_id") != nil }, "lines past the cap carry the ids")
    }
}

/// Inputs the fuzzer (Fuzz/, `fuzz-log-lines`) found on which the two paths differed.
@Suite struct ParallelFuzzFindingTests {
    @Test(arguments: ["log-lines-journald-traceback-cut.log"])
    func chunkedOutputMatchesLineByLine(fixture: String) throws {
        let path = Fixtures.fixture("fuzz/" + fixture)
        let sequential = try runExtract([path], maxLineBytes: 65_536, threads: 1)
        let parallel = try runExtract([path], maxLineBytes: 65_536, threads: 2, chunkBytes: 1024, maxRecordBytes: 1024)
        let a = String(decoding: sequential.raw, as: UTF8.self).split(separator: "\n")
        let b = String(decoding: parallel.raw, as: UTF8.self).split(separator: "\n")
        for (index, (x, y)) in zip(a, b).enumerated() where x != y {
            func brief(_ record: Substring) -> String { String(record.prefix(60)) + " … " + String(record.suffix(60)) }
            let sequentialText = a.map(brief).joined(separator: "\n")
            let parallelText = b.map(brief).joined(separator: "\n")
            Issue.record("record \(index + 1) differs:\n\(sequentialText)\n---\n\(parallelText)")
            break
        }
        #expect(a.count == b.count)
    }
}
