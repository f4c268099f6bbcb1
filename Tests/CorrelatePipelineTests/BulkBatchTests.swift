import Foundation
import Testing
import CorrelateExtract
import CorrelateModel
@testable import CorrelatePipeline
import CorrelateStore
import CorrelateTestSupport

/// `ingest` gives the store batches of the store's size (``EventStore/bulkBatch``; ClickHouse
/// asks for five times SQLite's): log records read in parallel, a chunk at a time, are gathered
/// across chunks; spans are read in batches of that size; standard input is stored as it comes.
@Suite struct BulkBatchTests {
    /// `lines` lines of the OpenTelemetry Python logging format, each with a trace id.
    static func logFile(lines: Int) throws -> String {
        let text = (1...lines).map { number in
            let trace = String(format: "%032x", number)
            return "2026-11-25 10:00:\(String(format: "%02d", number % 60)),000 INFO [jobs.tasks] [tasks.py:56] "
                + "[trace_id=\(trace) span_id=00f067aa0ba902b7 resource.service.name=worker trace_sampled=True] - step \(number)"
        }.joined(separator: "\n") + "\n"
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("worker.log").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A new FIFO that a thread of its own writes the file at `path` into, once a reader opens it.
    static func fifo(writing path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let fifo = try Fixtures.temporaryDirectory().appendingPathComponent("input.fifo").path
        guard mkfifo(fifo, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        Thread {
            guard let handle = FileHandle(forWritingAtPath: fifo) else { return }
            handle.write(Data(text.utf8))
            try? handle.close()
        }.start()
        return fifo
    }

    /// What each of the store's insert calls took: the summary's count after each, apart.
    static func ingest(_ configuration: IngestConfiguration, into store: EventStore,
                       count: @escaping (IngestSummary) -> Int) throws -> (IngestSummary, [Int]) {
        let rules = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
        let pipeline = IngestPipeline(ruleSet: rules, store: store, configuration: configuration)
        var calls: [Int] = []
        var before = 0
        pipeline.progress = { summary in
            calls.append(count(summary) - before)
            before = count(summary)
        }
        return (try pipeline.run(), calls)
    }

    @Test func logRecordsOfManyChunksAreStoredInBatchesOfTheStoresSize() throws {
        let path = try Self.logFile(lines: 12_000)
        let store = MemoryEventStore()
        store.bulkBatch = BulkBatch(spans: 10_000, logRecords: 5_000)
        // Chunks of 64 KiB: about 300 lines each, 40 chunks.
        let (summary, calls) = try Self.ingest(IngestConfiguration(
            logs: [path], extract: ExtractConfiguration(inputs: [], threads: 2, chunkBytes: 64 << 10)), into: store) { $0.logsStored.stored }
        #expect(summary.logsStored.stored == 12_000)
        #expect(calls.reduce(0, +) == 12_000)
        #expect(calls.count == 3, "\(calls)")
        #expect(calls.dropLast().allSatisfy { $0 >= 5_000 && $0 < 5_500 }, "whole chunks up to the batch's size: \(calls)")
        #expect(summary.logs.records == 12_000)
        for line in [1, 4_999, 5_000, 5_001, 11_999, 12_000] {
            #expect(try store.logs(inTrace: TraceID(hex: String(format: "%032x", line))!).map(\.source.line) == [line])
        }
    }

    /// A FIFO (`<(kubectl logs -f …)`, a named pipe) may be a stream: its records are stored as
    /// they come, not held until a batch fills.
    @Test func logRecordsOfAFIFOAreNotHeldForABatch() throws {
        let fifo = try Self.fifo(writing: try Self.logFile(lines: 12_000))
        let store = MemoryEventStore()
        store.bulkBatch = BulkBatch(spans: 10_000, logRecords: 5_000)
        let (summary, calls) = try Self.ingest(IngestConfiguration(
            logs: [fifo], extract: ExtractConfiguration(inputs: [], threads: 2, chunkBytes: 64 << 10)), into: store) { $0.logsStored.stored }
        #expect(summary.logsStored.stored == 12_000)
        #expect(calls.dropLast().contains { $0 < 5_000 }, "stored as read, not in batches of 5,000: \(calls)")
    }

    /// `lines` OTLP JSON export requests, a span each.
    static func spanFile(lines: Int) throws -> String {
        let text = (1...lines).map { number in
            #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"worker"}}]},"scopeSpans":[{"spans":[{"#
                + #""traceId":"\#(String(format: "%032x", number))","spanId":"\#(String(format: "%016x", number))","name":"run","kind":5,"#
                + #""startTimeUnixNano":"1764064800000000000","endTimeUnixNano":"1764064801000000000"}]}]}]}"#
        }.joined(separator: "\n") + "\n"
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("spans.otlp.jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Spans read from a FIFO, which may be a stream: in SQLite's batches whatever the store's,
    /// and every line stored.
    @Test func spansOfAFIFOAreAllStored() throws {
        let fifo = try Self.fifo(writing: try Self.spanFile(lines: 3_000))
        let store = MemoryEventStore()
        store.bulkBatch = BulkBatch(spans: 700, logRecords: 20_000)
        let (summary, calls) = try Self.ingest(IngestConfiguration(spans: [fifo]), into: store) { $0.spansStored.stored }
        #expect(summary.spansStored.stored == 3_000)
        #expect(calls == [3_000], "a stream's spans in batches of 10,000: \(calls)")
    }

    @Test func spansAreReadInBatchesOfTheStoresSize() throws {
        let path = try Self.spanFile(lines: 3_000)
        let store = MemoryEventStore()
        store.bulkBatch = BulkBatch(spans: 700, logRecords: 20_000)
        let (summary, calls) = try Self.ingest(IngestConfiguration(spans: [path]), into: store) { $0.spansStored.stored }
        #expect(summary.spansStored.stored == 3_000)
        // Batches of 700 or more, up to a chunk of lines (512) more.
        #expect(calls.count >= 2 && calls.count <= 4, "\(calls)")
        #expect(calls.dropLast().allSatisfy { $0 >= 700 && $0 < 700 + 512 }, "\(calls)")
        // SQLite's size: one call.
        let (_, standard) = try Self.ingest(IngestConfiguration(spans: [path]), into: MemoryEventStore()) { $0.spansStored.stored }
        #expect(standard == [3_000])
    }
}
