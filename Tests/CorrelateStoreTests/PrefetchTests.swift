import Foundation
import Testing
import CorrelateModel
@testable import CorrelateStore
import CorrelateTestSupport

private let second: Int64 = 1_000_000_000

private func temporaryStore(_ limits: StoreLimits) throws -> (SQLiteEventStore, String) {
    let path = try Fixtures.temporaryDirectory("prefetch").appendingPathComponent("store.db").path
    return (try SQLiteEventStore(path: path, limits: limits), path)
}

private func span(_ trace: TraceID, _ id: UInt64, start: Int64, kind: Span.Kind = .internal, job: String? = nil,
                  links: [TraceID] = []) -> Span {
    Span(traceID: trace, spanID: SpanID(id), name: "s\(id)", kind: kind, start: Timestamp(nanoseconds: start),
         end: Timestamp(nanoseconds: start + 10), service: "svc",
         attributes: job.map { [Attribute("messaging.message.id", .string($0))] } ?? [],
         links: links.map { Span.Link(traceID: $0, spanID: SpanID(0xaa)) })
}

private func log(_ line: Int, at time: Int64, trace: TraceID? = nil, job: String? = nil) -> LogRecord {
    LogRecord(source: SourceLocation(file: "worker.log", line: line), timestamp: Timestamp(nanoseconds: time),
              traceID: trace, jobID: job, message: "line \(line)")
}

/// Everything the analysis of these traces reads, as `store` answers it.
private struct Answers: Equatable {
    var spans: [TraceID: [Span]] = [:]
    var byMessage: [String: [Span]] = [:]
    var everyMessage: [Span] = []
    var linking: [TraceID: [TraceID]] = [:]
    var linkingFew: [TraceID: [TraceID]] = [:]
    var logs: [TraceID: [LogRecord]] = [:]
    var jobLogs: [String: [LogRecord]] = [:]
    var everyJob: [LogRecord] = []

    init(_ store: SQLiteEventStore, traces: [TraceID], jobs: [String]) throws {
        for trace in traces {
            spans[trace] = try store.spans(inTrace: trace)
            linking[trace] = try store.traceIDs(linkingTo: trace, limit: SQLiteEventStore.prefetchedLinks)
            linkingFew[trace] = try store.traceIDs(linkingTo: trace, limit: 1)
            logs[trace] = try store.logs(inTrace: trace)
        }
        for job in jobs {
            byMessage[job] = try store.spans(withMessageIDs: [job])
            jobLogs[job] = try store.logs(withJobIDs: [job])
        }
        everyMessage = try store.spans(withMessageIDs: Set(jobs))
        everyJob = try store.logs(withJobIDs: Set(jobs))
    }
}

/// `prefetch(traces:)` and `prefetchLogs(traces:)` of the SQLite store: what a one-shot reader
/// answers after them is what it answers without them.
@Suite struct SQLitePrefetchTests {
    /// Twelve jobs, each enqueued by trace i and run in trace i + 1 (which links to trace i),
    /// their spans, log lines and job log lines spread over segments of 40 rows.
    private func jobsAcrossSegments() throws -> (path: String, traces: [TraceID], jobs: [String]) {
        let (writer, path) = try temporaryStore(StoreLimits(segmentRows: 40))
        let traces = (1...12).map { TraceID(high: 0xab, low: UInt64($0)) }
        // Another trace with the low half of trace 1: a 64-bit id on a log line names both.
        let twin = TraceID(high: 0xcd, low: 1)
        var line = 0
        for (index, trace) in traces.enumerated() {
            let start = Int64(index) * 10 * second
            let job = "job-\(index + 1)"
            var spans = [span(trace, 1, start: start), span(trace, 2, start: start + second, kind: .producer, job: job)]
            if index > 0 {
                // Runs the previous trace's job: same start as its sibling (ties are ordered by
                // trace and span id).
                spans.append(span(trace, 3, start: start + 2 * second, kind: .consumer, job: "job-\(index)", links: [traces[index - 1]]))
                spans.append(span(trace, 4, start: start + 2 * second, kind: .consumer, job: "job-\(index)"))
            }
            _ = try writer.insert(spans: spans)
            var records: [LogRecord] = []
            for offset in 0..<4 {
                line += 1
                records.append(log(line, at: start + Int64(offset) * second, trace: trace))
            }
            line += 1
            records.append(log(line, at: start + 5 * second, trace: TraceID(high: 0, low: trace.low)))
            line += 1
            records.append(log(line, at: start + 6 * second, job: job))
            line += 1
            records.append(log(line, at: start + 6 * second, job: job))
            _ = try writer.insert(logs: records)
        }
        _ = try writer.insert(spans: [span(twin, 1, start: 3 * second)])
        // A trace whose id has a zero high half (its own 64-bit id), and a span of another trace
        // that runs job 1 at the same moment as trace 2's (a tie across traces).
        let zero = TraceID(high: 0, low: 99)
        _ = try writer.insert(spans: [span(zero, 1, start: 4 * second), span(TraceID(high: 1, low: 7), 1, start: 12 * second, kind: .consumer, job: "job-1")])
        _ = try writer.insert(logs: [log(line + 1, at: 4 * second, trace: zero), log(line + 2, at: 4 * second, trace: zero)])
        line += 2
        // A trace whose spans in two segments link to trace 1: its id is in both segments'
        // links, and is said once.
        let linker = TraceID(high: 0xef, low: 1)
        _ = try writer.insert(spans: [span(linker, 1, start: 0, links: [traces[0]])])
        _ = try writer.insert(logs: (0..<45).map { offset in line += 1; return log(line, at: 200 * second + Int64(offset), job: "filler") })
        // In the last segment, the linker again and a trace with a smaller id than both that
        // link to trace 1: the traces linking to it come ascending, each once, as from one
        // segment.
        _ = try writer.insert(spans: [span(linker, 2, start: 300 * second, links: [traces[0]]),
                                      span(TraceID(high: 1, low: 5), 1, start: 301 * second, links: [traces[0]])])
        #expect(try writer.segmentSummary().filter(\.sealed).count >= 4)
        return (path, traces + [twin, zero], (1...12).map { "job-\($0)" })
    }

    @Test func aOneShotReaderAnswersTheSameAfterAPrefetch() throws {
        let (path, traces, jobs) = try jobsAcrossSegments()
        let cold = try SQLiteEventStore(path: path, access: .snapshot)
        let expected = try Answers(cold, traces: traces, jobs: jobs)
        // What the data gives: trace 1's spans in order, its job's producer and consumers,
        // the traces linking to it (trace 2, the linker once), its lines and the 64-bit ones.
        #expect(expected.spans[traces[0]]?.map(\.spanID.value) == [1, 2])
        #expect(expected.byMessage["job-1"]?.map { [$0.traceID.high, $0.traceID.low, $0.spanID.value] }
            == [[0xab, 1, 2], [1, 7, 1], [0xab, 2, 3], [0xab, 2, 4]])
        #expect(expected.linking[traces[0]] == [TraceID(high: 1, low: 5), TraceID(high: 0xab, low: 2), TraceID(high: 0xef, low: 1)])
        #expect(expected.logs[traces[0]]?.count == 5)
        #expect(expected.logs[traces[12]]?.count == 1, "the twin's 64-bit line")
        #expect(expected.logs[traces[13]]?.count == 2, "the lines of a trace whose id is 64 bits")
        #expect(expected.jobLogs["job-3"]?.count == 2)

        for batch in [256, 5, 1] {
            let warm = try SQLiteEventStore(path: path, access: .snapshot)
            warm.prefetchBatch = batch
            try warm.prefetch(traces: Set(traces))
            try warm.prefetchLogs(traces: Set(traces))
            // Everything asked was read by the prefetch…
            #expect(Set(warm.prefetched.spans.keys) == Set(traces))
            #expect(Set(warm.prefetched.linking.keys) == Set(traces))
            #expect(Set(warm.prefetched.logs.keys) == Set(traces))
            #expect(Set(jobs).isSubset(of: Set(warm.prefetched.byMessage.keys)))
            #expect(Set(jobs).isSubset(of: Set(warm.prefetched.jobLogs.keys)))
            // …and answers as the statements per key do.
            #expect(try Answers(warm, traces: traces, jobs: jobs) == expected, "batches of \(batch)")
        }
    }

    @Test func aBatchThatFindsTooManyRowsIsReadKeyByKey() throws {
        let (writer, path) = try temporaryStore(StoreLimits(segmentRows: 100_000))
        let trace = TraceID(high: 1, low: 1)
        // A job id on more spans than are read of one (a misconfigured id), and one on more
        // log lines than are read of one.
        let heavy = (0..<(SQLiteEventStore.spansPerMessageID + 6)).map {
            span(TraceID(high: 2, low: UInt64($0)), 1, start: Int64(100 - $0) * second, kind: .consumer, job: "same")
        }
        _ = try writer.insert(spans: heavy + [span(trace, 1, start: 0, kind: .producer, job: "same"),
                                              span(trace, 2, start: 0, kind: .producer, job: "own")])
        _ = try writer.insert(logs: (0...SQLiteEventStore.logsPerJobID).map { log($0 + 1, at: Int64($0), job: "same") }
            + [log(SQLiteEventStore.logsPerJobID + 2, at: 0, job: "own")])
        let cold = try SQLiteEventStore(path: path, access: .snapshot)
        let traces = [trace, TraceID(high: 2, low: 0)]
        let expected = try Answers(cold, traces: traces, jobs: ["same", "own"])
        #expect(expected.byMessage["same"]?.count == SQLiteEventStore.spansPerMessageID)
        #expect(expected.jobLogs["same"]?.count == SQLiteEventStore.logsPerJobID)

        let warm = try SQLiteEventStore(path: path, access: .snapshot)
        warm.prefetchBatch = 1
        try warm.prefetch(traces: Set(traces))
        try warm.prefetchLogs(traces: Set(traces))
        #expect(warm.prefetched.byMessage["same"] == nil && warm.prefetched.byMessage["own"] != nil)
        #expect(warm.prefetched.jobLogs["same"] == nil && warm.prefetched.jobLogs["own"] != nil)
        #expect(try Answers(warm, traces: traces, jobs: ["same", "own"]) == expected)

        // Within the bound, the job id on too many spans is read whole and its first kept.
        let roomy = try SQLiteEventStore(path: path, access: .snapshot)
        roomy.prefetchBatch = 4
        try roomy.prefetch(traces: Set(traces))
        #expect(roomy.prefetched.byMessage["same"]?.count == SQLiteEventStore.spansPerMessageID)
        #expect(try Answers(roomy, traces: traces, jobs: ["same", "own"]) == expected)
    }

    @Test func onlyAOneShotReaderKeepsWhatItPrefetched() throws {
        let (path, traces, _) = try jobsAcrossSegments()
        for access in [SQLiteEventStore.Access.readOnly, .readWrite] {
            let store = try SQLiteEventStore(path: path, access: access)
            try store.prefetch(traces: Set(traces))
            try store.prefetchLogs(traces: Set(traces))
            #expect(store.prefetched.spans.isEmpty && store.prefetched.logs.isEmpty, "\(access)")
        }
    }
}
