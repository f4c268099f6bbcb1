import Foundation
import Testing
import CorrelateModel
@testable import CorrelateStore
import CorrelateTestSupport

private let minute: Int64 = 60_000_000_000

private func store(_ limits: StoreLimits) throws -> (SQLiteEventStore, String) {
    let path = try Fixtures.temporaryDirectory("segments").appendingPathComponent("store.db").path
    return (try SQLiteEventStore(path: path, limits: limits), path)
}

/// `count` records of `file` from line `first`, a minute apart from `start`, each of its own trace.
private func records(_ file: String, from first: Int, count: Int, start: Int64) -> [LogRecord] {
    (0..<count).map { offset in
        LogRecord(source: SourceLocation(file: file, line: first + offset),
                  timestamp: Timestamp(nanoseconds: start + Int64(offset) * minute),
                  traceID: TraceID(high: 1, low: UInt64(first + offset)), message: "line \(first + offset)")
    }
}

private func segmentFiles(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: SQLiteEventStore.segmentFolder(path))) ?? [])
        .filter { $0.hasSuffix(".db") }.sorted()
}

/// The segmented store: what is sealed, what is found across segments, what retention drops.
@Suite struct SegmentedStoreTests {
    @Test func theHeadIsSealedAtItsRowLimitAndEveryRowIsFoundAcrossSegments() throws {
        let (store, path) = try store(StoreLimits(segmentRows: 100))
        for batch in 0..<10 {
            #expect(try store.insert(logs: records("app.log", from: 1 + batch * 50, count: 50, start: Int64(batch) * 50 * minute)) == InsertResult(stored: 50))
        }
        let summary = try store.segmentSummary()
        #expect(summary.filter(\.sealed).map(\.rows).reduce(0, +) == 500, "\(summary.map(\.rows))")
        #expect(segmentFiles(path).count == 5, "\(segmentFiles(path))")
        #expect(try store.statistics().logs == 500)
        for line in [1, 99, 100, 101, 250, 500] {
            let found = try store.logs(inTrace: TraceID(high: 1, low: UInt64(line)))
            #expect(found.map(\.source.line) == [line])
            #expect(found.first?.source.file == "app.log")
        }
        // A window over the boundary of two segments: both are read, in time order.
        let window = try store.logSources()
        #expect(window.map(\.records) == [500])
        #expect(try store.integrityCheck())
    }

    /// A sealed segment asked about many spans answers from a filter of its span keys: a span
    /// it holds is still found (nothing is stored twice), one it does not hold is stored; at
    /// most ``SealedProbes/maximumFilters`` segments keep one.
    @Test func aSealedSegmentsSpanFilterNeverDeniesASpanItHolds() throws {
        let (store, _) = try store(StoreLimits(segmentRows: 50))
        store.spanFilterAfterProbes = 3
        // Starts interleaved, so that each segment's span range covers most of the others'.
        func spans(_ offset: Int) -> [Span] {
            (0..<500).map { (index: Int) -> Span in
                let id: Int = offset + index + 1
                let start: Int64 = Int64((index * 37) % 500) * minute
                return makeSpan(String(format: "%032x", id), String(format: "%016x", id), start: start)
            }
        }
        let first = spans(0)
        for batch in 0..<10 {
            #expect(try store.insert(spans: Array(first[(batch * 50)..<(batch * 50 + 50)])) == InsertResult(stored: 50))
        }
        #expect(try store.insert(spans: first) == InsertResult(duplicates: 500))
        #expect(store.filteredSegments > 0)
        #expect(store.filteredSegments <= SealedProbes.maximumFilters)
        #expect(try store.insert(spans: spans(1_000)) == InsertResult(stored: 500))
        #expect(try store.insert(spans: first + spans(1_000)) == InsertResult(duplicates: 1_000))
        #expect(try store.statistics().spans == 1_000)
    }

    @Test func aSpanKeyFilterHoldsEveryKeyPutInAndFewOthers() {
        let filter = SpanKeyFilter(expected: 10_000)
        for index in 0..<10_000 { filter.insert(TraceID(high: 7, low: UInt64(index)), SpanID(UInt64(index) &* 31 &+ 1)) }
        #expect((0..<10_000).allSatisfy { filter.mayHold(TraceID(high: 7, low: UInt64($0)), SpanID(UInt64($0) &* 31 &+ 1)) })
        let falsePositives = (10_000..<20_000).filter { filter.mayHold(TraceID(high: 7, low: UInt64($0)), SpanID(UInt64($0) &* 31 &+ 1)) }.count
        #expect(falsePositives < 100, "\(falsePositives) of 10,000 keys not put in were said to be held")
    }

    @Test func writingAgainWhatASealedSegmentHoldsStoresNothing() throws {
        let (store, _) = try store(StoreLimits(segmentRows: 10))
        let first = records("app.log", from: 1, count: 30, start: 0)
        #expect(try store.insert(logs: first) == InsertResult(stored: 30))
        #expect(try store.insert(logs: Array(first[5..<25])) == InsertResult(duplicates: 20))
        // New lines of the same file after the old ones: stored.
        #expect(try store.insert(logs: Array(first[28...]) + records("app.log", from: 31, count: 5, start: 30 * minute))
                == InsertResult(stored: 5, duplicates: 2))
        let spans = (1...12).map { makeSpan(String(format: "%032x", $0), "00f067aa0ba902b7", start: Int64($0) * minute) }
        #expect(try store.insert(spans: spans) == InsertResult(stored: 12))
        _ = try store.insert(logs: records("other.log", from: 1, count: 25, start: 40 * minute))
        #expect(try store.insert(spans: spans) == InsertResult(duplicates: 12))
        #expect(try store.statistics() == StoreStatistics(spans: 12, traces: 12, logs: 60))
    }

    @Test func retentionDropsWholeSegmentsBehindTheNewestTime() throws {
        let (store, path) = try store(StoreLimits(retain: 60 * minute, segmentRows: 20))
        // 100 records a minute apart: the newest is at minute 99; everything before minute 39 may go.
        for batch in 0..<5 {
            _ = try store.insert(logs: records("app.log", from: 1 + batch * 20, count: 20, start: Int64(batch) * 20 * minute))
        }
        _ = try store.insert(logs: records("app.log", from: 101, count: 1, start: 100 * minute))
        let report = store.retention
        let segments = try store.segmentSummary().map(\.rows)
        #expect(report.segments == 2, "\(segments)")
        #expect(report.rows == 40)
        #expect(report.through == Timestamp(nanoseconds: 39 * minute))
        #expect(try store.statistics().logs == 61)
        #expect(try store.logs(inTrace: TraceID(high: 1, low: 5)).isEmpty)
        #expect(try store.logs(inTrace: TraceID(high: 1, low: 41)).count == 1)
        #expect(segmentFiles(path).count == 4, "\(segmentFiles(path))")
        // A reader opened afterwards sees the same.
        let reader = try SQLiteEventStore(path: path, access: .readOnly)
        #expect(try reader.statistics().logs == 61)
    }

    @Test func aStoreAtItsSizeLimitKeepsWritingAndDropsItsOldest() throws {
        let (store, path) = try store(StoreLimits(maxBytes: 4 << 20, segmentRows: 2_000))
        let padding = String(repeating: "x", count: 400)
        var line = 1
        for batch in 0..<40 {
            var batchRecords = records("big.log", from: line, count: 1_000, start: Int64(batch) * 1_000 * minute)
            for index in batchRecords.indices { batchRecords[index].message += padding }
            #expect(try store.insert(logs: batchRecords).stored == 1_000)
            line += 1_000
        }
        #expect(store.retention.segments > 0)
        let summary = try store.segmentSummary().map { "\($0.id):\($0.sealed ? "s" : "h"):\($0.rows)" }
        #expect(store.bytesOnDisk() <= 4 << 20 + 2 << 20, "\(store.bytesOnDisk()) bytes on disk; \(summary)")
        // The newest records are there; the oldest are not.
        #expect(try store.logs(inTrace: TraceID(high: 1, low: UInt64(line - 1))).count == 1, "\(summary)")
        #expect(try store.logs(inTrace: TraceID(high: 1, low: 1)).isEmpty)
        #expect(try SQLiteEventStore(path: path).integrityCheck())
    }

    @Test func aSchemaFiveStoreIsReadAsItIsAndKeepsItsRowsAsSegmentZero() throws {
        // A store as correlate wrote it before segments: migrations 1–5, rows in the file itself.
        let path = try Fixtures.temporaryDirectory("v5").appendingPathComponent("v5.db").path
        let database = try Database(path: path)
        try database.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for migration in Schema.migrations.prefix(5) { try database.execute(migration) }
        try database.execute("INSERT INTO meta VALUES ('schema_version', '5')")
        try database.execute("INSERT INTO sources (id, path) VALUES (1, 'old.log')")
        for line in 1...3 {
            try database.execute("""
                INSERT INTO logs (id, ts, trace_id, message, lines) VALUES (\((1 << 32) | line), \(Int64(line) * minute), x'\(String(format: "%016x%016x", 1, line))', 'old \(line)', 1)
                """)
        }
        // Read as it is (a reader does not migrate).
        let reader = try SQLiteEventStore(path: path, access: .readOnly)
        #expect(try reader.logs(inTrace: TraceID(high: 1, low: 2)).map(\.message) == ["old 2"])
        // A writer migrates it: the old rows stay where they are, new ones go to segments, and
        // writing the old lines again stores nothing.
        let writer = try SQLiteEventStore(path: path, limits: StoreLimits(segmentRows: 2))
        #expect(try writer.schemaVersion() == Schema.version)
        #expect(try writer.insert(logs: records("old.log", from: 1, count: 5, start: minute)) == InsertResult(stored: 2, duplicates: 3))
        #expect(try writer.statistics().logs == 5)
        #expect(try writer.logs(inTrace: TraceID(high: 1, low: 4)).map(\.source) == [SourceLocation(file: "old.log", line: 4)])
        #expect(segmentFiles(path).count == 1)
        // A clock shift of the old source moves its rows in segment 0 (the catalog itself) too.
        #expect(try writer.shiftLogTimes(source: "old.log", by: 60 * minute) == 5)
        #expect(try writer.logs(inTrace: TraceID(high: 1, low: 2)).first?.timestamp == Timestamp(nanoseconds: 62 * minute))
        #expect(try writer.integrityCheck())
    }

    /// Each open segment holds three descriptors: a lookup over more segments than may be
    /// open at once closes those it has read, and finds everything.
    @Test func aQueryOverManySegmentsKeepsFewOpen() throws {
        let (store, path) = try store(StoreLimits(segmentRows: 1))
        for line in 1...(SQLiteEventStore.openSegmentsLimit + 40) {
            var record = records("app.log", from: line, count: 1, start: Int64(line) * minute)
            record[0].traceID = TraceID(high: 7, low: 7)
            _ = try store.insert(logs: record)
        }
        let reader = try SQLiteEventStore(path: path, access: .readOnly)
        #expect(try reader.logs(inTrace: TraceID(high: 7, low: 7)).count == SQLiteEventStore.openSegmentsLimit + 40)
        #expect(reader.openSegmentFiles <= SQLiteEventStore.openSegmentsLimit)
        #expect(try store.logs(inTrace: TraceID(high: 7, low: 7)).count == SQLiteEventStore.openSegmentsLimit + 40)
        #expect(store.openSegmentFiles <= SQLiteEventStore.openSegmentsLimit + 1)
    }

    @Test func aHeadWrittenBeforeCountsTowardsItsSeal() throws {
        let (first, path) = try store(StoreLimits(segmentRows: 10))
        _ = try first.insert(logs: records("app.log", from: 1, count: 7, start: 0))
        let second = try SQLiteEventStore(path: path, limits: StoreLimits(segmentRows: 10))
        _ = try second.insert(logs: records("app.log", from: 8, count: 7, start: 7 * minute))
        let segments = try second.segmentSummary().filter { $0.id > 0 }
        #expect(segments.map(\.sealed) == [true], "\(segments.map(\.rows))")
    }

    @Test func logsWhoseSpansAreInAnotherSegmentAreNotWithoutSpans() throws {
        let (store, _) = try store(StoreLimits(segmentRows: 2))
        let trace = TraceID(high: 1, low: 3)
        _ = try store.insert(logs: records("app.log", from: 3, count: 1, start: minute) + records("app.log", from: 4, count: 1, start: minute))
        _ = try store.insert(spans: [makeSpan(trace.description, "00f067aa0ba902b7", start: minute)])
        let without = try store.traceIDsOfLogsWithoutSpans(between: Timestamp(nanoseconds: 0), and: Timestamp(nanoseconds: 10 * minute), limit: 10)
        #expect(without == [TraceID(high: 1, low: 4)])
    }

    @Test func segmentsOfRecordsWithoutTimesDoNotHoldRetentionBack() throws {
        let (store, _) = try store(StoreLimits(retain: 60 * minute, segmentRows: 5))
        var untimed = records("plain.log", from: 1, count: 5, start: 0)
        for index in untimed.indices { untimed[index].timestamp = nil }
        _ = try store.insert(logs: untimed)
        for batch in 0..<4 {
            _ = try store.insert(logs: records("app.log", from: 1 + batch * 5, count: 5, start: Int64(batch) * 50 * minute))
        }
        let rows = try store.segmentSummary().map(\.rows)
        #expect(store.retention.segments == 2, "\(rows)")
        #expect(try store.statistics().logs == 15)
    }

    @Test func aSegmentFileGivenAsTheStoreIsRefused() throws {
        let (store, path) = try store(StoreLimits(segmentRows: 2))
        _ = try store.insert(logs: records("app.log", from: 1, count: 3, start: 0))
        let segment = SQLiteEventStore.segmentFolder(path) + "/" + segmentFiles(path)[0]
        #expect {
            _ = try SQLiteEventStore(path: segment)
        } throws: { error in
            "\(error)".contains("segment of a correlate store")
        }
    }

    @Test func aFileLeftByACrashBetweenCatalogAndRemovalIsRemovedOnOpen() throws {
        let (store, path) = try store(StoreLimits(segmentRows: 2))
        _ = try store.insert(logs: records("app.log", from: 1, count: 3, start: 0))
        let stray = SQLiteEventStore.segmentFolder(path) + "/00000999.db"
        FileManager.default.createFile(atPath: stray, contents: Data("x".utf8))
        _ = try SQLiteEventStore(path: path)
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(try SQLiteEventStore(path: path).statistics().logs == 3)
    }

    @Test func twoWritersTakeTurnsAndAgreeOnTheHead() throws {
        let (first, path) = try store(StoreLimits(segmentRows: 10))
        let second = try SQLiteEventStore(path: path, limits: StoreLimits(segmentRows: 10))
        for batch in 0..<10 {
            let writer = batch.isMultiple(of: 2) ? first : second
            #expect(try writer.insert(logs: records("app.log", from: 1 + batch * 7, count: 7, start: Int64(batch) * 7 * minute)).stored == 7)
        }
        // Both write the same lines again: nothing is doubled, whichever segment holds them.
        #expect(try first.insert(logs: records("app.log", from: 1, count: 70, start: 0)) == InsertResult(duplicates: 70))
        #expect(try second.insert(logs: records("app.log", from: 1, count: 70, start: 0)) == InsertResult(duplicates: 70))
        #expect(try first.statistics().logs == 70)
        let sealed = try first.segmentSummary().filter { $0.sealed && $0.id > 0 }
        #expect(sealed.allSatisfy { $0.rows >= 10 }, "\(sealed)")
    }
}

/// `Access.snapshot`, what `trace` and `lookup` open: one read transaction per sealed file, held.
@Suite struct SnapshotReaderTests {
    @Test func aSnapshotReadsWhatWasStoredWhenItBeganAndDoesNotHoldTheWriterUp() throws {
        let (writer, path) = try store(StoreLimits(segmentRows: 100))
        for batch in 0..<5 {
            _ = try writer.insert(logs: records("app.log", from: 1 + batch * 50, count: 50, start: Int64(batch) * 50 * minute))
        }
        let snapshot = try SQLiteEventStore(path: path, access: .snapshot)
        #expect(try snapshot.statistics().logs == 250)
        #expect(try snapshot.logs(inTrace: TraceID(high: 1, low: 120)).map(\.source.line) == [120])
        // The writer goes on (more rows, the head the snapshot read sealed and checkpointed)
        // while the snapshot is open, without waiting for it (the seal's checkpoint waits up to
        // 5 s for the head's readers)…
        let started = Date()
        #expect(try writer.insert(logs: records("app.log", from: 251, count: 100, start: 250 * minute)) == InsertResult(stored: 100))
        #expect(Date().timeIntervalSince(started) < 2, "the writer waited for the snapshot")
        #expect(try writer.segmentSummary().filter(\.sealed).count >= 3)
        _ = try writer.insert(logs: records("app.log", from: 351, count: 50, start: 350 * minute))
        // …and the snapshot still answers from the segments it listed at its start: the head it
        // listed (sealed since) is read anew, the head made after it (lines 351–400) is not
        // among them. A reader opened now sees everything.
        #expect(try snapshot.logs(inTrace: TraceID(high: 1, low: 120)).map(\.source.line) == [120])
        #expect(try snapshot.logs(inTrace: TraceID(high: 1, low: 280)).map(\.source.line) == [280])
        #expect(try snapshot.logs(inTrace: TraceID(high: 1, low: 370)).isEmpty)
        #expect(try SQLiteEventStore(path: path, access: .snapshot).logs(inTrace: TraceID(high: 1, low: 370)).map(\.source.line) == [370])
        #expect(try SQLiteEventStore(path: path, access: .readOnly).statistics().logs == 400)
    }
}
