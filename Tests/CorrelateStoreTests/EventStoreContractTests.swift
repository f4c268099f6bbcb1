import Foundation
import Testing
import CorrelateModel
@testable import CorrelateStore
import CorrelateTestSupport

func makeSpan(
    _ trace: String, _ span: String, parent: String? = nil, name: String = "s", kind: Span.Kind = .internal,
    start: Int64 = 0, end: Int64 = 1_000_000, messageID: String? = nil, status: Span.Status = .unset
) -> Span {
    Span(traceID: TraceID(hex: trace)!, spanID: SpanID(hex: span)!, parentSpanID: parent.flatMap { SpanID(hex: $0) },
         name: name, kind: kind, start: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: end),
         status: status, service: "svc",
         attributes: messageID.map { [Attribute("messaging.message.id", .string($0))] } ?? [Attribute("n", .int(1))],
         resource: [Attribute("service.name", .string("svc"))],
         events: [Span.Event(name: "exception", time: Timestamp(nanoseconds: 5), attributes: [Attribute("exception.message", .string("x"))])],
         links: [Span.Link(traceID: TraceID(hex: trace)!, spanID: SpanID(hex: "00000000000000aa")!)])
}

private let traceA = "4bf92f3577b34da6a3ce929d0e0e4736"

/// A trace id from its two halves.
private func trace(_ high: UInt64, _ low: UInt64) -> TraceID { TraceID(high: high, low: low) }

/// A span of `trace` starting at `start` ns, linking to `links` (other traces' spans).
private func span(_ trace: TraceID, _ id: UInt64, start: Int64, links: [TraceID] = [], messageID: String? = nil) -> Span {
    Span(traceID: trace, spanID: SpanID(id), name: "s\(id)", start: Timestamp(nanoseconds: start),
         end: Timestamp(nanoseconds: start + 10), service: "svc",
         attributes: messageID.map { [Attribute("messaging.message.id", .string($0))] } ?? [],
         links: links.map { Span.Link(traceID: $0, spanID: SpanID(0xaa)) })
}

private func record(_ file: String, _ line: Int, at time: Int64?, trace: TraceID? = nil, job: String? = nil,
                    service: String? = nil, message: String = "line") -> LogRecord {
    LogRecord(source: SourceLocation(file: file, line: line), timestamp: time.map(Timestamp.init(nanoseconds:)),
              traceID: trace, jobID: job, service: service, message: message)
}

private func alert(_ fingerprint: String, name: String = "HighLatency", _ status: Alert.Status, startsAt: Int64, endsAt: Int64? = nil,
                   labels: [(String, String)] = [("queue", "emails")], annotations: [(String, String)] = [],
                   source: String = "alertmanager") -> Alert {
    Alert(name: name, fingerprint: fingerprint, status: status, labels: labels, annotations: annotations,
          startsAt: Timestamp(nanoseconds: startsAt), endsAt: endsAt.map(Timestamp.init(nanoseconds:)), source: source)
}

/// What every ``EventStore`` does, checked against each implementation: the idempotent keys,
/// the order of results, the 64-bit matching of trace ids, the alert merge.
@Suite struct EventStoreContractTests {
    @Test(arguments: StoreKind.allCases)
    func aNewStoreIsEmpty(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        #expect(try store.statistics() == StoreStatistics())
        // The protocol says nil (once SQLite's store read `max(start)` of no rows as the epoch).
        #expect(try store.latestSpanStart() == nil)
        #expect(try store.spans(inTrace: TraceID(hex: traceA)!).isEmpty)
        #expect(try store.traceIDs(withPrefix: "4bf9", limit: 10).isEmpty)
        #expect(try store.alerts(overlapping: Timestamp(nanoseconds: .min), Timestamp(nanoseconds: .max)).isEmpty)
    }

    // MARK: - Spans

    @Test(arguments: StoreKind.allCases)
    func spansRoundTripAndInsertsAreIdempotent(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let spans = [makeSpan(traceA, "00f067aa0ba902b7", name: "root"),
                     makeSpan(traceA, "1111111111111111", parent: "00f067aa0ba902b7", kind: .producer, messageID: "job-1")]
        #expect(try store.insert(spans: spans) == InsertResult(stored: 2, duplicates: 0))
        #expect(try store.insert(spans: spans) == InsertResult(stored: 0, duplicates: 2))
        let read = try store.spans(inTrace: TraceID(hex: traceA)!)
        #expect(read == spans)
        #expect(try store.spans(withMessageIDs: ["job-1"]).map(\.name) == ["s"])
        #expect(try store.statistics() == StoreStatistics(spans: 2, traces: 1))
    }

    /// A batch of more traces than one duplicate check takes (ClickHouse: 7,000 ids a
    /// statement), of which some are stored, some stored only in part and some new: exactly
    /// the new spans are stored, whichever statement asked for their trace.
    @Test(arguments: StoreKind.allCases)
    func aBatchOfManyTracesIsStoredOnceAcrossItsChecks(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let traces = (1...16_000).map { trace(0xd0, UInt64($0)) }
        // Every third trace is stored before, and every fifth only its first span.
        let before = traces.indices.filter { $0 % 3 == 0 || $0 % 5 == 0 }.map { span(traces[$0], 1, start: 1_000 + Int64($0)) }
            + traces.indices.filter { $0 % 3 == 0 }.map { span(traces[$0], 2, start: 1_000 + Int64($0)) }
        #expect(try store.insert(spans: before) == InsertResult(stored: before.count, duplicates: 0))
        let all = traces.indices.flatMap { [span(traces[$0], 1, start: 1_000 + Int64($0)), span(traces[$0], 2, start: 1_000 + Int64($0))] }
        #expect(try store.insert(spans: all) == InsertResult(stored: all.count - before.count, duplicates: before.count))
        #expect(try store.insert(spans: all) == InsertResult(stored: 0, duplicates: all.count))
        #expect(try store.statistics() == StoreStatistics(spans: all.count, traces: traces.count))
    }

    /// A job id is read from every job id attribute, in their order, not only
    /// `messaging.message.id`: Celery's `celery.task_id`, Temporal's `temporalWorkflowID`.
    @Test(arguments: StoreKind.allCases)
    func jobIDsAreFoundUnderEveryJobIDAttribute(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        var celery = span(trace(1, 1), 1, start: 100)
        celery.attributes = [Attribute("celery.task_id", .string("task-1"))]
        var temporal = span(trace(1, 2), 2, start: 200)
        temporal.attributes = [Attribute("temporalWorkflowID", .string("signup-42"))]
        var both = span(trace(1, 3), 3, start: 300)
        both.attributes = [Attribute("celery.task_id", .string("task-3")), Attribute("messaging.message.id", .string("message-3"))]
        _ = try store.insert(spans: [celery, temporal, both])
        #expect(try store.spans(withMessageIDs: ["task-1"]) == [celery])
        #expect(try store.spans(withMessageIDs: ["signup-42"]) == [temporal])
        // The first attribute in `Span.jobIDAttributes` is the span's job id.
        #expect(try store.spans(withMessageIDs: ["message-3"]) == [both])
        #expect(try store.spans(withMessageIDs: ["task-3"]).isEmpty)
    }

    /// A span written again under its key changes nothing, even when the rest of it differs.
    @Test(arguments: StoreKind.allCases)
    func theFirstSpanWrittenUnderAKeyStays(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let first = span(trace(1, 1), 7, start: 100, messageID: "job-1")
        var again = first
        again.name = "renamed"
        again.start = Timestamp(nanoseconds: 900)
        again.attributes = [Attribute("messaging.message.id", .string("job-2"))]
        #expect(try store.insert(spans: [first, again]) == InsertResult(stored: 1, duplicates: 1))
        #expect(try store.spans(inTrace: trace(1, 1)) == [first])
        #expect(try store.spans(withMessageIDs: ["job-2"]).isEmpty)
        #expect(try store.latestSpanStart() == Timestamp(nanoseconds: 100))
    }

    @Test(arguments: StoreKind.allCases)
    func spansOfATraceComeByStartThenSpanID(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let id = trace(0xab, 1)
        _ = try store.insert(spans: [span(id, 4, start: 30), span(id, 9, start: 10), span(id, 2, start: 10), span(trace(0xab, 2), 1, start: 0),
                                     span(id, 3, start: 20)])
        #expect(try store.spans(inTrace: id).map(\.spanID.value) == [2, 9, 3, 4])
        #expect(try store.spans(inTrace: trace(0xab, 3)).isEmpty)
    }

    /// Each span keeps its own resource, attributes, events and links, whether consecutive
    /// spans share one resource array, alternate between two whose texts have the same length,
    /// or share one across batches prepared apart (on the decoding threads, as `serve` and
    /// `ingest` prepare them).
    @Test(arguments: StoreKind.allCases)
    func spansKeepTheirOwnResourcesInAndAcrossPreparedBatches(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        // Same length as JSON text: only the bytes tell them apart.
        let api: [Attribute] = [Attribute("service.name", .string("api")), Attribute("host.name", .string("h1"))]
        let web: [Attribute] = [Attribute("service.name", .string("web")), Attribute("host.name", .string("h1"))]
        var written: [Span] = []
        for index in 1...7 {
            var one = span(trace(7, 7), UInt64(index), start: Int64(index),
                           links: index == 3 ? [trace(8, 8)] : [])
            // api, api, web, api, api | api, web: shared, alternating, shared across the batches.
            one.resource = [1, 2, 4, 5, 6].contains(index) ? api : web
            one.attributes = [Attribute("n", .int(Int64(index)))]
            one.events = index.isMultiple(of: 2)
                ? [Span.Event(name: "e\(index)", time: Timestamp(nanoseconds: Int64(index)), attributes: [])] : []
            written.append(one)
        }
        let prepare = store.spanPreparation
        let result = try store.insert(prepared: [prepare(Array(written[0..<5])), prepare(Array(written[5...]))])
        #expect(result.stored == 7)
        let read = try store.spans(inTrace: trace(7, 7)).sorted { $0.spanID.value < $1.spanID.value }
        #expect(read.map(\.resource) == written.map(\.resource))
        #expect(read.map(\.attributes) == written.map(\.attributes))
        #expect(read.map(\.events) == written.map(\.events))
        #expect(read.map(\.links) == written.map(\.links))
    }

    @Test(arguments: StoreKind.allCases)
    func attributeValuesComeBackAsJSONHoldsThem(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let nested: [Attribute] = [Attribute("k", .keyValues([Attribute("inner", .array([.int(1), .string("a"), .bool(false)]))]))]
        var written = span(trace(5, 5), 1, start: 1)
        written.attributes = [Attribute("int", .int(-7)), Attribute("double", .double(2)), Attribute("fraction", .double(2.5)),
                              Attribute("flag", .bool(true)), Attribute("bytes", .bytes([0xab, 0x01])),
                              Attribute("infinite", .double(.infinity))] + nested
        written.resource = [Attribute("service.name", .string("svc")), Attribute("host.id", .bytes([0xff]))]
        written.events = [Span.Event(name: "exception", time: Timestamp(nanoseconds: 3), attributes: nested)]
        written.links = [Span.Link(traceID: trace(6, 6), spanID: SpanID(9), attributes: [Attribute("b", .bytes([0x10]))])]
        written.statusMessage = ""
        _ = try store.insert(spans: [written])
        var expected = written
        expected.attributes[4] = Attribute("bytes", .string("ab01"))
        expected.attributes[5] = Attribute("infinite", .string("inf"))
        expected.resource[1] = Attribute("host.id", .string("ff"))
        expected.links[0].attributes = [Attribute("b", .string("10"))]
        if kind == .clickhouse {
            // The exporter's maps hold text: integers and booleans are read back as such, the
            // rest as the text written (doubles; bytes in base64, as pdata's AsString writes
            // them; arrays and maps as JSON).
            let json = Attribute("k", .string(#"{"inner":[1,"a",false]}"#))
            expected.attributes[1] = Attribute("double", .string("2.0"))
            expected.attributes[2] = Attribute("fraction", .string("2.5"))
            expected.attributes[4] = Attribute("bytes", .string("qwE="))
            expected.attributes[6] = json
            expected.resource[1] = Attribute("host.id", .string("/w=="))
            expected.events[0].attributes = [json]
            expected.links[0].attributes = [Attribute("b", .string("EA=="))]
            // An empty status message is no status message (one column, "" when there is none).
            expected.statusMessage = nil
        }
        let read = try #require(try store.spans(inTrace: trace(5, 5)).first)
        #expect(read.attributes == expected.attributes)
        #expect(read.resource == expected.resource)
        #expect(read.events == expected.events)
        #expect(read.links == expected.links)
        #expect(try store.spans(inTrace: trace(5, 5)) == [expected])
    }

    /// Batches prepared by the store itself and batches not prepared go in together in one
    /// call; what each holds is stored, indexed and read back alike. A store's own preparation
    /// keeps its form alone (the spans are released where they were prepared, not by the writer).
    @Test(arguments: StoreKind.allCases)
    func preparedAndUnpreparedBatchesAreStoredTogether(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let producer = trace(0xa1, 1)
        let own = [span(producer, 1, start: 10), span(producer, 2, start: 20, messageID: "job-1"), span(trace(0xa1, 2), 1, start: 5)]
        let plain = [span(producer, 1, start: 10), span(trace(0xa1, 3), 4, start: 30, links: [producer])]
        let later = [span(trace(0xa1, 4), 5, start: 40, links: [producer], messageID: "job-2")]
        let prepared = [store.spanPreparation(own), PreparedSpans(spans: plain), store.spanPreparation(later)]
        #expect(prepared.map(\.count) == [3, 2, 1])
        if store.spanPreparation(own).form != nil {
            #expect(prepared[0].spans.isEmpty && prepared[2].spans.isEmpty, "the store's own form alone")
        }
        let result = try store.insert(prepared: prepared)
        #expect(result == InsertResult(stored: 5, duplicates: 1))
        #expect(try store.spans(inTrace: producer) == Array(own.prefix(2)))
        #expect(try store.spans(inTrace: trace(0xa1, 3)) == [plain[1]])
        #expect(try store.spans(inTrace: trace(0xa1, 4)) == later)
        #expect(try store.spans(withMessageIDs: ["job-1", "job-2"]).map(\.spanID.value) == [2, 5])
        #expect(try store.traceIDs(linkingTo: producer, limit: 10) == [trace(0xa1, 3), trace(0xa1, 4)])
        #expect(try store.statistics() == StoreStatistics(spans: 5, traces: 4))
        #expect(try store.latestSpanStart() == Timestamp(nanoseconds: 40))
        // The same batches again: all duplicates.
        let again = try store.insert(prepared: [store.spanPreparation(own), PreparedSpans(spans: plain), store.spanPreparation(later)])
        #expect(again == InsertResult(stored: 0, duplicates: 6))
        #expect(try store.insert(prepared: []) == InsertResult())
    }

    /// Spans by message id: the ids in order, each one's spans by start (then trace id and span
    /// id), at most 64 of them (the earliest).
    @Test(arguments: StoreKind.allCases)
    func spansByMessageIDComeByIDThenStartAtMost64Each(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        var spans = [span(trace(2, 1), 1, start: 20, messageID: "job-b"), span(trace(2, 2), 2, start: 30, messageID: "job-a"),
                     span(trace(2, 3), 3, start: 10, messageID: "job-b"), span(trace(2, 4), 4, start: 5)]
        for number in 0..<70 { spans.append(span(trace(3, UInt64(number + 1)), 1, start: Int64(1_000 - number), messageID: "job-c")) }
        _ = try store.insert(spans: spans)
        #expect(try store.spans(withMessageIDs: ["job-b", "job-a"]).map(\.spanID.value) == [2, 3, 1])
        let many = try store.spans(withMessageIDs: ["job-c"])
        #expect(many.map(\.start.nanoseconds) == Array(931...994).map(Int64.init))
        #expect(try store.spans(withMessageIDs: []).isEmpty)
        #expect(try store.spans(withMessageIDs: ["job-z"]).isEmpty)
        // Spans of one job that start together: by trace id, then span id (written the other way).
        _ = try store.insert(spans: [span(trace(5, 2), 1, start: 40, messageID: "job-t"), span(trace(5, 1), 2, start: 40, messageID: "job-t"),
                                     span(trace(5, 1), 1, start: 40, messageID: "job-t")])
        #expect(try store.spans(withMessageIDs: ["job-t"]).map { [$0.traceID.low, $0.spanID.value] } == [[1, 1], [1, 2], [2, 1]])
    }

    /// A job's spans asked right after its trace's, as an analysis asks them (which the
    /// ClickHouse store reads ahead), include spans written in between; other ids get their own.
    @Test(arguments: StoreKind.allCases)
    func aJobsSpansAskedAfterItsTraceIncludeWhatWasWrittenBetween(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let consumer = makeSpan("a1000000000000000000000000000001", "00000000000000b1", kind: .consumer, start: 1_000, end: 2_000, messageID: "job-r")
        let producer = makeSpan("a1000000000000000000000000000002", "00000000000000b2", kind: .producer, start: 500, end: 600, messageID: "job-s")
        _ = try store.insert(spans: [consumer, producer])
        store.willAnalyse(trace: consumer.traceID)
        #expect(try store.spans(inTrace: consumer.traceID).map(\.spanID) == [consumer.spanID])
        let retry = makeSpan("a1000000000000000000000000000003", "00000000000000b3", kind: .consumer, start: 3_000, end: 4_000, messageID: "job-r")
        _ = try store.insert(spans: [retry])
        #expect(try store.spans(withMessageIDs: ["job-r"]).map(\.spanID) == [consumer.spanID, retry.spanID])
        #expect(try store.spans(inTrace: consumer.traceID).map(\.spanID) == [consumer.spanID])
        #expect(try store.spans(withMessageIDs: ["job-s"]).map(\.spanID) == [producer.spanID])
        store.willAnalyse(trace: consumer.traceID)
        #expect(try store.spans(inTrace: consumer.traceID).count == 1)
        #expect(try store.spans(withMessageIDs: ["job-r"]).map(\.spanID) == [consumer.spanID, retry.spanID])
    }

    /// A window includes both ends; spans come by start, and those that start together in the
    /// order they were written.
    @Test(arguments: StoreKind.allCases)
    func spansStartingInAWindowComeByStartThenAsWritten(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(spans: [span(trace(4, 1), 1, start: 25), span(trace(4, 1), 2, start: 15), span(trace(4, 2), 9, start: 10),
                                     span(trace(4, 3), 8, start: 5)])
        // Starts at 15 too, with a lower trace id and span id than the one written before it.
        _ = try store.insert(spans: [span(trace(4, 4), 7, start: 20), span(trace(3, 9), 1, start: 15)])
        let window = try store.spans(startingBetween: Timestamp(nanoseconds: 10), and: Timestamp(nanoseconds: 20))
        #expect(window.map(\.start.nanoseconds) == [10, 15, 15, 20])
        // ClickHouse keeps no order of writing (a block is sorted by the table's key): ties come
        // by trace id, then span id.
        #expect(window.map(\.spanID.value) == (kind == .clickhouse ? [9, 1, 2, 7] : [9, 2, 1, 7]))
        #expect(try store.spans(startingBetween: Timestamp(nanoseconds: 20), and: Timestamp(nanoseconds: 10)).isEmpty)
        #expect(try store.spans(startingBetween: Timestamp(nanoseconds: 26), and: Timestamp(nanoseconds: .max)).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func latestSpanStartIsTheNewestStart(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(spans: [span(trace(8, 1), 1, start: 5), span(trace(8, 1), 2, start: 30), span(trace(8, 2), 1, start: 10)])
        #expect(try store.latestSpanStart() == Timestamp(nanoseconds: 30))
        _ = try store.insert(spans: [span(trace(8, 3), 1, start: 20)])
        #expect(try store.latestSpanStart() == Timestamp(nanoseconds: 30))
        _ = try store.insert(spans: [span(trace(8, 3), 2, start: -4_000_000_000_000_000_000), span(trace(8, 4), 1, start: 31)])
        #expect(try store.latestSpanStart() == Timestamp(nanoseconds: 31))
    }

    // MARK: - Trace ids

    @Test(arguments: StoreKind.allCases)
    func traceIDPrefixes(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(spans: [makeSpan(traceA, "00f067aa0ba902b7"), makeSpan("4bf92f35ffffffffffffffffffffffff", "00f067aa0ba902b7")])
        #expect(try store.traceIDs(withPrefix: "4bf92f35", limit: 10).count == 2)
        #expect(try store.traceIDs(withPrefix: "4bf92f3577", limit: 10) == [TraceID(hex: traceA)!])
        #expect(try store.traceIDs(withPrefix: "ffff", limit: 10).isEmpty)
    }

    /// Ids with a prefix come in ascending order, each once, up to the limit; the prefix's
    /// letters in either case; an id in full finds itself.
    @Test(arguments: StoreKind.allCases)
    func traceIDsWithAPrefixAreAscendingAndLimited(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let ids = [0xabcd_0003, 0xabcd_0001, 0xabce_0000, 0xabcd_0002].map { trace(UInt64($0) << 32, 1) }
        _ = try store.insert(spans: ids.map { span($0, 1, start: 0) } + [span(ids[0], 2, start: 1)])
        #expect(try store.traceIDs(withPrefix: "ABCD", limit: 10) == [ids[1], ids[3], ids[0]])
        #expect(try store.traceIDs(withPrefix: "abcd", limit: 2) == [ids[1], ids[3]])
        #expect(try store.traceIDs(withPrefix: "abc", limit: 10) == [ids[1], ids[3], ids[0], ids[2]])
        #expect(try store.traceIDs(withPrefix: ids[2].description, limit: 10) == [ids[2]])
        #expect(try store.traceIDs(withPrefix: ids[2].description + "0", limit: 10).isEmpty)
        #expect(try store.traceIDs(withPrefix: "", limit: 10).isEmpty)
        #expect(try store.traceIDs(withPrefix: "abcd", limit: 0).isEmpty)
    }

    /// A 64-bit id finds the full traces with that low half: near the log lines that carry it
    /// when there are any (two minutes either side, in the order their spans started), else
    /// anywhere (ascending). A trace stored with the 64-bit id itself is not one of them.
    @Test(arguments: StoreKind.allCases)
    func a64BitIDFindsTheFullTracesWithItsLowHalf(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let second: Int64 = 1_000_000_000
        let low: UInt64 = 0x00f0_67aa_0ba9_02b7
        let near = trace(9, low), far = trace(2, low), narrow = trace(0, low)
        _ = try store.insert(spans: [span(far, 1, start: 5_000 * second), span(near, 1, start: 1_000 * second), span(narrow, 1, start: 1_000 * second),
                                     span(trace(3, low + 1), 1, start: 1_000 * second)])
        #expect(try store.traceIDs(withLow64: low, limit: 10) == [far, near])
        #expect(try store.traceIDs(withLow64: low + 2, limit: 10).isEmpty)
        // A log line 90 s after `near`'s span: only `near`.
        _ = try store.insert(logs: [record("app.log", 1, at: 1_090 * second, trace: narrow)])
        #expect(try store.traceIDs(withLow64: low, limit: 10) == [near])
        // A second line makes `far` near too: the spans by start, not the ids by value.
        _ = try store.insert(logs: [record("app.log", 2, at: 4_900 * second, trace: narrow)])
        #expect(try store.traceIDs(withLow64: low, limit: 10) == [near, far])
        // Lines far from every span of the id: the whole store.
        let other: UInt64 = 0x1234
        _ = try store.insert(spans: [span(trace(7, other), 1, start: 0), span(trace(6, other), 1, start: 10)])
        _ = try store.insert(logs: [record("app.log", 3, at: 9_000 * second, trace: trace(0, other))])
        #expect(try store.traceIDs(withLow64: other, limit: 10) == [trace(6, other), trace(7, other)])
        #expect(try store.traceIDs(withLow64: other, limit: 1) == [trace(6, other)])
    }

    /// The traces whose spans link to a trace: each once, ascending, up to the limit; a link
    /// within a trace is not one.
    @Test(arguments: StoreKind.allCases)
    func traceIDsLinkingToATrace(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let producer = trace(0xb0, 1)
        let consumers = [trace(0xc2, 1), trace(0xc1, 1), trace(0xc3, 1)]
        _ = try store.insert(spans: [
            span(producer, 1, start: 0, links: [producer]),
            span(consumers[0], 1, start: 5, links: [producer]),
            span(consumers[0], 2, start: 6, links: [producer, trace(0xd0, 1)]),
            span(consumers[1], 1, start: 7, links: [trace(0xd0, 1), producer]),
            span(consumers[2], 1, start: 8),
        ])
        #expect(try store.traceIDs(linkingTo: producer, limit: 10) == [consumers[1], consumers[0]])
        #expect(try store.traceIDs(linkingTo: producer, limit: 1) == [consumers[1]])
        #expect(try store.traceIDs(linkingTo: trace(0xd0, 1), limit: 10) == [consumers[1], consumers[0]])
        #expect(try store.traceIDs(linkingTo: consumers[0], limit: 10).isEmpty)
    }

    /// The same answers when the spans came in several batches (a segmented store holds them in
    /// several segments): the linking traces ascending, the full ids of a 64-bit id by their
    /// spans' start near its lines, else ascending, and never the 64-bit id itself, even first.
    @Test(arguments: StoreKind.allCases)
    func idsFromSeveralBatchesComeInOrder(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let second: Int64 = 1_000_000_000
        let producer = trace(0xb0, 1), low: UInt64 = 0xabc
        func filler(_ n: UInt64) -> [Span] { [span(trace(0xe0, n), 1, start: 0), span(trace(0xe0, n), 2, start: 0)] }
        _ = try store.insert(spans: [span(trace(0xc2, 1), 1, start: 5, links: [producer])] + filler(1))
        _ = try store.insert(spans: [span(trace(0xc1, 1), 1, start: 7, links: [producer])] + filler(2))
        #expect(try store.traceIDs(linkingTo: producer, limit: 10) == [trace(0xc1, 1), trace(0xc2, 1)])
        #expect(try store.traceIDs(linkingTo: producer, limit: 1) == [trace(0xc1, 1)])
        // Trace 7 starts first, trace 6 has the smaller id; the 64-bit id's own span starts
        // before both, near the lines.
        _ = try store.insert(spans: [span(trace(6, low), 1, start: 5_000 * second), span(trace(0, low), 1, start: 950 * second)] + filler(3))
        _ = try store.insert(spans: [span(trace(7, low), 1, start: 1_000 * second)] + filler(4))
        #expect(try store.traceIDs(withLow64: low, limit: 1) == [trace(6, low)])
        #expect(try store.traceIDs(withLow64: low, limit: 10) == [trace(6, low), trace(7, low)])
        _ = try store.insert(logs: [record("app.log", 1, at: 1_050 * second, trace: trace(0, low)), record("app.log", 2, at: 4_950 * second, trace: trace(0, low))])
        #expect(try store.traceIDs(withLow64: low, limit: 10) == [trace(7, low), trace(6, low)])
        #expect(try store.traceIDs(withLow64: low, limit: 1) == [trace(7, low)])
    }

    // MARK: - Log records

    @Test(arguments: StoreKind.allCases)
    func logsByTraceByLow64AndByJob(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let trace = TraceID(hex: traceA)!
        let records = [
            LogRecord(source: .init(file: "/var/log/a.log", line: 1), timestamp: Timestamp(nanoseconds: 2), traceID: trace, message: "full id"),
            LogRecord(source: .init(file: "/var/log/a.log", line: 2), timestamp: Timestamp(nanoseconds: 1),
                      traceID: TraceID(high: 0, low: trace.low), rule: "dd-trace-id", message: "datadog's low 64 bits"),
            LogRecord(source: .init(file: "/var/log/b.log", line: 7), lines: 3, jobID: "job-1", severity: .error, service: "worker", message: "Task x[job-1] raised\nTraceback…"),
        ]
        #expect(try store.insert(logs: records) == InsertResult(stored: 3))
        #expect(try store.insert(logs: records) == InsertResult(duplicates: 3))
        let byTrace = try store.logs(inTrace: trace)
        #expect(byTrace.map(\.message) == ["datadog's low 64 bits", "full id"])
        let byJob = try store.logs(withJobIDs: ["job-1"])
        #expect(byJob == [records[2]])
    }

    /// A 64-bit id matches only full ids with its low half; a full id with another high half
    /// is another trace.
    @Test(arguments: StoreKind.allCases)
    func logsOfA64BitIDAreOnlyItsOwn(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(logs: [record("a.log", 1, at: 1, trace: trace(1, 42)), record("a.log", 2, at: 2, trace: trace(0, 42)),
                                    record("a.log", 3, at: 3, trace: trace(2, 42))])
        #expect(try store.logs(inTrace: trace(0, 42)).map(\.source.line) == [2])
        #expect(try store.logs(inTrace: trace(2, 42)).map(\.source.line) == [2, 3])
        #expect(try store.logs(inTrace: trace(1, 43)).isEmpty)
    }

    /// Log records are keyed by file and line: the first written under a key stays; the
    /// column is not kept.
    @Test(arguments: StoreKind.allCases)
    func logRecordsAreKeyedByFileAndLine(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        var first = record("a.log", 3, at: 10, job: "j", message: "first")
        first.source.column = 5
        let sameLine = record("b.log", 3, at: 10, job: "j", message: "other file")
        let again = record("a.log", 3, at: 99, job: "j", message: "rewritten")
        #expect(try store.insert(logs: [first, sameLine, again]) == InsertResult(stored: 2, duplicates: 1))
        var kept = first
        kept.source.column = nil
        #expect(try store.logs(withJobIDs: ["j"]) == [kept, sameLine])
        #expect(try store.statistics().logs == 2)
    }

    /// Records come by time (records without one first), then by file in the order the store
    /// first saw it, then by line.
    @Test(arguments: StoreKind.allCases)
    func logsOfATraceComeByTimeThenFileThenLine(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let id = trace(0x11, 1)
        _ = try store.insert(logs: [record("z.log", 9, at: 50, trace: id), record("z.log", 2, at: 50, trace: id)])
        _ = try store.insert(logs: [record("a.log", 1, at: 50, trace: id), record("a.log", 5, at: nil, trace: id),
                                    record("m.log", 4, at: 20, trace: id), record("a.log", 7, at: 20, trace: trace(0x11, 2))])
        let read = try store.logs(inTrace: id)
        // ClickHouse has no order of first sight: files come by name.
        #expect(read.map(\.source.description) == (kind == .clickhouse ? ["a.log:5", "m.log:4", "a.log:1", "z.log:2", "z.log:9"]
                                                                          : ["a.log:5", "m.log:4", "z.log:2", "z.log:9", "a.log:1"]))
    }

    /// Records by job id: the ids in order, each one's records by time.
    @Test(arguments: StoreKind.allCases)
    func logsByJobIDComeByIDThenTime(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(logs: [record("w.log", 1, at: 30, job: "job-b"), record("w.log", 2, at: 40, job: "job-a"),
                                    record("w.log", 3, at: 10, job: "job-b"), record("w.log", 4, at: 5)])
        #expect(try store.logs(withJobIDs: ["job-b", "job-a"]).map(\.source.line) == [2, 3, 1])
        #expect(try store.logs(withJobIDs: []).isEmpty)
        #expect(try store.logs(withJobIDs: ["job-z"]).isEmpty)
    }

    /// The trace ids of a window's log lines (both ends included) that no span has: each once,
    /// by time and then id, up to the limit; never a 64-bit id (it may be a stored trace's low
    /// half).
    @Test(arguments: StoreKind.allCases)
    func traceIDsOfLogsWithoutSpans(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let withSpans = trace(1, 1), lonely = trace(2, 2), late = trace(3, 3), outside = trace(4, 4)
        let first = trace(6, 6), second = trace(5, 5)
        _ = try store.insert(spans: [span(withSpans, 1, start: 0)])
        _ = try store.insert(logs: [
            record("a.log", 1, at: 10, trace: lonely), record("a.log", 2, at: 11, trace: withSpans), record("a.log", 3, at: 12, trace: lonely),
            record("a.log", 4, at: 12, trace: first), record("a.log", 5, at: 12, trace: second),
            record("a.log", 6, at: 15, trace: trace(0, 7)), record("a.log", 7, at: 20, trace: late),
            record("a.log", 8, at: 21, trace: outside), record("a.log", 9, at: nil, trace: outside), record("a.log", 10, at: 15),
        ])
        let window = (Timestamp(nanoseconds: 10), Timestamp(nanoseconds: 20))
        #expect(try store.traceIDsOfLogsWithoutSpans(between: window.0, and: window.1, limit: 20) == [lonely, second, first, late])
        #expect(try store.traceIDsOfLogsWithoutSpans(between: window.0, and: window.1, limit: 2) == [lonely, second])
        // The 64-bit id is left out before the limit, not counted in it.
        #expect(try store.traceIDsOfLogsWithoutSpans(between: window.0, and: window.1, limit: 4) == [lonely, second, first, late])
        #expect(try store.traceIDsOfLogsWithoutSpans(between: Timestamp(nanoseconds: 30), and: Timestamp(nanoseconds: 40), limit: 20).isEmpty)
    }

    /// A window whose first hundreds of traces all have spans still gives the one that has none
    /// after them (the ClickHouse store once asked page by page, two statements a page).
    @Test(arguments: StoreKind.allCases)
    func traceIDsOfLogsWithoutSpansPastManyWithSpans(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let traced = (1...300).map { trace(9, UInt64($0)) }
        _ = try store.insert(spans: traced.enumerated().map { span($1, UInt64($0 + 1), start: 0) })
        let lonely = trace(8, 1)
        _ = try store.insert(logs: traced.enumerated().map { record("b.log", $0 + 1, at: 10 + Int64($0), trace: $1) }
                             + [record("b.log", 301, at: 400, trace: lonely), record("b.log", 302, at: 401, trace: traced[0])])
        #expect(try store.traceIDsOfLogsWithoutSpans(between: Timestamp(nanoseconds: 0), and: Timestamp(nanoseconds: 500), limit: 20) == [lonely])
        #expect(try store.traceIDsOfLogsWithoutSpans(between: Timestamp(nanoseconds: 0), and: Timestamp(nanoseconds: 399), limit: 20).isEmpty)
    }

    /// The lines of a window with neither trace id nor job id: by time, from the services
    /// asked for and from none, all when no service is asked for; up to the limit, none for a
    /// limit below 1.
    @Test(arguments: StoreKind.allCases)
    func unlinkedLogsOfAWindow(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(logs: [
            record("u.log", 1, at: 30, service: "api"), record("u.log", 2, at: 10, service: "worker"), record("u.log", 3, at: 20),
            record("u.log", 4, at: 15, trace: trace(1, 1), service: "api"), record("u.log", 5, at: 16, job: "job-1", service: "api"),
            record("u.log", 6, at: 31, service: "api"), record("u.log", 7, at: nil, service: "api"), record("u.log", 8, at: 10, service: "db"),
        ])
        func lines(_ services: Set<String>, limit: Int = 100) throws -> [Int] {
            try store.unlinkedLogs(between: Timestamp(nanoseconds: 10), and: Timestamp(nanoseconds: 30), services: services, limit: limit).map(\.source.line)
        }
        #expect(try lines([]) == [2, 8, 3, 1])
        #expect(try lines(["api"]) == [3, 1])
        #expect(try lines(["api", "worker"]) == [2, 3, 1])
        #expect(try lines([], limit: 2) == [2, 8])
        #expect(try lines([], limit: 0).isEmpty)
        #expect(try lines([], limit: -1).isEmpty)
    }

    // MARK: - Raw alerts and statistics

    /// Raw alerts are keyed by file and line: the same again is a duplicate, whatever its body.
    @Test(arguments: StoreKind.allCases)
    func rawAlertsAreKeyedByFileAndLine(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let body = #"{"version":"4"}"#
        #expect(try store.insert(rawAlert: body, source: .init(file: "a.json", line: 1)) == InsertResult(stored: 1))
        #expect(try store.insert(rawAlert: body, source: .init(file: "a.json", line: 1)) == InsertResult(duplicates: 1))
        #expect(try store.insert(rawAlert: #"{"version":"5"}"#, source: .init(file: "a.json", line: 1)) == InsertResult(duplicates: 1))
        #expect(try store.insert(rawAlert: body, source: .init(file: "a.json", line: 2)) == InsertResult(stored: 1))
        #expect(try store.insert(rawAlert: body, source: .init(file: "b.json", line: 1)) == InsertResult(stored: 1))
        // A log record of the same file and line is not a raw alert.
        #expect(try store.insert(logs: [record("a.json", 1, at: 1)]) == InsertResult(stored: 1))
        #expect(try store.statistics() == StoreStatistics(logs: 1, rawAlerts: 3))
    }

    @Test(arguments: StoreKind.allCases)
    func statisticsCountWhatIsStored(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(spans: [span(trace(1, 1), 1, start: 0), span(trace(1, 1), 2, start: 0), span(trace(1, 2), 1, start: 0),
                                     span(trace(1, 1), 1, start: 0)])
        _ = try store.insert(logs: [record("a.log", 1, at: 1), record("a.log", 2, at: nil), record("a.log", 1, at: 1)])
        _ = try store.insert(rawAlert: "{}", source: .init(file: "a.json", line: 1))
        _ = try store.insert(alerts: [alert("00000000000000aa", .firing, startsAt: 1)])
        #expect(try store.statistics() == StoreStatistics(spans: 3, traces: 2, logs: 2, rawAlerts: 1))
    }

    // MARK: - Alerts

    /// A firing notification, the same again (a duplicate), then the resolved one: one alert,
    /// resolved, its window closed when the resolved notification says, its annotations the
    /// latest.
    @Test(arguments: StoreKind.allCases)
    func aResolvedNotificationClosesTheFiringAlertsWindow(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let firing = alert("00000000000000aa", .firing, startsAt: 100, annotations: [("summary", "slow")])
        #expect(try store.insert(alerts: [firing]) == InsertResult(stored: 1))
        #expect(try store.insert(alerts: [firing]) == InsertResult(duplicates: 1))
        #expect(try store.alerts(withFingerprint: "00000000000000aa") == [firing])
        let resolved = alert("00000000000000aa", .resolved, startsAt: 100, endsAt: 500, annotations: [("summary", "fine again")])
        #expect(try store.insert(alerts: [resolved]) == InsertResult(stored: 1))
        #expect(try store.insert(alerts: [resolved]) == InsertResult(duplicates: 1))
        #expect(try store.alerts(withFingerprint: "00000000000000aa") == [resolved])
        #expect(try store.alerts(named: "HighLatency") == [resolved])
        // New annotations alone are a change.
        var reworded = resolved
        reworded.annotations = [("summary", "fine again, reworded")]
        #expect(try store.insert(alerts: [reworded]) == InsertResult(stored: 1))
        #expect(try store.alerts(withFingerprint: "00000000000000aa") == [reworded])
    }

    /// The resolved notification first, a late firing one after it: the alert stays as the
    /// resolved one left it (status, window, annotations), and the firing one is a duplicate —
    /// so ingesting the same notifications again stores nothing.
    @Test(arguments: StoreKind.allCases)
    func aLateFiringNotificationDoesNotReopenAResolvedAlert(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let resolved = alert("00000000000000bb", .resolved, startsAt: 100, endsAt: 500, annotations: [("summary", "fine again")])
        let firing = alert("00000000000000bb", .firing, startsAt: 100, endsAt: 900, annotations: [("summary", "slow")])
        #expect(try store.insert(alerts: [resolved, firing]) == InsertResult(stored: 1, duplicates: 1))
        #expect(try store.alerts(withFingerprint: "00000000000000bb") == [resolved])
        #expect(try store.insert(alerts: [resolved, firing]) == InsertResult(duplicates: 2))
        // A resolved notification with new words is a change.
        var reworded = resolved
        reworded.annotations = [("summary", "fine again, reworded")]
        #expect(try store.insert(alerts: [reworded]) == InsertResult(stored: 1))
        #expect(try store.alerts(withFingerprint: "00000000000000bb") == [reworded])
        #expect(try store.alerts(overlapping: Timestamp(nanoseconds: 600), Timestamp(nanoseconds: 1_000)).isEmpty)
    }

    /// A firing notification with a new `endsAt` moves the window's end; the name, labels,
    /// source and generator URL stay those of the first notification; another start is
    /// another alert.
    @Test(arguments: StoreKind.allCases)
    func anAlertKeepsWhatItWasFirstStoredWith(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        var first = alert("00000000000000cc", .firing, startsAt: 100, endsAt: 400)
        first.generatorURL = "http://prometheus/graph?g0.expr=up"
        var later = alert("00000000000000cc", name: "Renamed", .firing, startsAt: 100, endsAt: 700, labels: [("queue", "sms")], source: "grafana")
        later.generatorURL = nil
        let nextTime = alert("00000000000000cc", .firing, startsAt: 2_000)
        #expect(try store.insert(alerts: [nextTime, first, later]) == InsertResult(stored: 3))
        var expected = first
        expected.endsAt = Timestamp(nanoseconds: 700)
        #expect(try store.alerts(withFingerprint: "00000000000000cc") == [expected, nextTime])
        #expect(try store.alerts(named: "Renamed").isEmpty)
        #expect(try store.alerts(named: "HighLatency") == [expected, nextTime])
        #expect(try store.alerts(withFingerprint: "00000000000000dd").isEmpty)
    }

    /// Alerts by name, oldest first; alerts that start together by fingerprint.
    @Test(arguments: StoreKind.allCases)
    func alertsByNameAreOldestFirst(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(alerts: [alert("000000000000000b", .firing, startsAt: 50), alert("000000000000000c", .firing, startsAt: 10),
                                      alert("000000000000000a", .firing, startsAt: 50), alert("000000000000000d", name: "Other", .firing, startsAt: 1)])
        #expect(try store.alerts(named: "HighLatency").map(\.fingerprint) == ["000000000000000c", "000000000000000a", "000000000000000b"])
        #expect(try store.alerts(named: "Other").map(\.fingerprint) == ["000000000000000d"])
        #expect(try store.alerts(named: "None").isEmpty)
    }

    /// Alerts whose window overlaps [since, until] (both ends included; a firing alert's window
    /// is open), by start, then name.
    @Test(arguments: StoreKind.allCases)
    func alertsOverlappingAWindow(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(alerts: [
            alert("0000000000000001", name: "Closed", .resolved, startsAt: 10, endsAt: 20),
            alert("0000000000000002", name: "Open", .firing, startsAt: 30),
            alert("0000000000000003", name: "Before", .resolved, startsAt: 0, endsAt: 5),
            alert("0000000000000004", name: "B", .resolved, startsAt: 25, endsAt: 28),
            alert("0000000000000005", name: "A", .resolved, startsAt: 25, endsAt: 26),
            alert("0000000000000006", name: "After", .firing, startsAt: 31),
        ])
        let found = try store.alerts(overlapping: Timestamp(nanoseconds: 20), Timestamp(nanoseconds: 30))
        #expect(found.map(\.name) == ["Closed", "A", "B", "Open"])
        #expect(try store.alerts(overlapping: Timestamp(nanoseconds: 1_000), Timestamp(nanoseconds: 2_000)).map(\.name) == ["Open", "After"])
    }

    // MARK: - Hints

    /// Between the hints of a bulk load, and after them, every lookup finds what was written;
    /// so it does once the store was told it will write for long.
    @Test(arguments: StoreKind.allCases)
    func theHintsChangeNothingThatIsRead(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        try store.beginBulkLoad(expectedRows: 1_000_000)
        _ = try store.insert(spans: [span(trace(1, 1), 1, start: 10, messageID: "job-1")])
        _ = try store.insert(logs: [record("a.log", 1, at: 10, trace: trace(1, 1)), record("a.log", 2, at: 11, job: "job-1")])
        func check() throws {
            #expect(try store.spans(inTrace: trace(1, 1)).count == 1)
            #expect(try store.spans(withMessageIDs: ["job-1"]).count == 1)
            #expect(try store.spans(startingBetween: Timestamp(nanoseconds: 0), and: Timestamp(nanoseconds: 20)).count == 1)
            #expect(try store.logs(inTrace: trace(1, 1)).count == 1)
            #expect(try store.logs(withJobIDs: ["job-1"]).count == 1)
        }
        try check()
        try store.endBulkLoad()
        try check()
        try store.beginLongRunningWrites()
        _ = try store.insert(spans: [span(trace(1, 1), 2, start: 12)])
        #expect(try store.spans(inTrace: trace(1, 1)).count == 2)
    }

    /// A span sent again with other links is a duplicate: its row, and the traces its links
    /// index, stay those of the first write.
    @Test(arguments: StoreKind.allCases)
    func aDuplicateSpanDoesNotAddLinks(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let consumer = trace(1, 1), first = trace(2, 2), other = trace(3, 3)
        #expect(try store.insert(spans: [span(consumer, 1, start: 100, links: [first])]) == InsertResult(stored: 1))
        #expect(try store.insert(spans: [span(consumer, 1, start: 100, links: [other])]) == InsertResult(duplicates: 1))
        #expect(try store.traceIDs(linkingTo: first, limit: 10) == [consumer])
        #expect(try store.traceIDs(linkingTo: other, limit: 10).isEmpty)
    }

    /// Log lines that carry a 64-bit id dated at the very ends of time: finding the trace near
    /// them in time must not overflow.
    @Test(arguments: StoreKind.allCases)
    func a64BitIDOnLinesAtTheEndsOfTime(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        let full = trace(0x4bf9_2f35_77b3_4da6, 0xa3ce_929d_0e0e_4736)
        _ = try store.insert(spans: [span(full, 1, start: .max - 20)])
        _ = try store.insert(logs: [record("late.log", 1, at: .max - 5, trace: trace(0, full.low)),
                                    record("early.log", 1, at: .min + 5, trace: trace(0, full.low))])
        #expect(try store.traceIDs(withLow64: full.low, limit: 10) == [full])
    }
}
