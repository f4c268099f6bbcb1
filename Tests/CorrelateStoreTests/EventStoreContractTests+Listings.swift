import Foundation
import Testing
import CorrelateModel
import CorrelateStore
import CorrelateTestSupport

/// A span of trace `trace` (low half; high half 0xab), id `id`, from `start` to `end` ns.
private func listed(_ trace: UInt64, _ id: UInt64, parent: UInt64? = nil, name: String, service: String = "svc",
                    start: Int64, end: Int64, status: Span.Status = .unset, job: String? = nil) -> Span {
    Span(traceID: TraceID(high: 0xab, low: trace), spanID: SpanID(id), parentSpanID: parent.map(SpanID.init),
         name: name, start: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: end), status: status, service: service,
         attributes: job.map { [Attribute("messaging.message.id", .string($0))] } ?? [])
}

private func line(_ file: String, _ number: Int, at time: Int64?, trace: TraceID? = nil, job: String? = nil) -> LogRecord {
    LogRecord(source: SourceLocation(file: file, line: number), timestamp: time.map(Timestamp.init(nanoseconds:)),
              traceID: trace, jobID: job, message: "line \(number)")
}

private func firing(_ fingerprint: String, name: String, startsAt: Int64, endsAt: Int64? = nil, status: Alert.Status = .firing) -> Alert {
    Alert(name: name, fingerprint: fingerprint, status: status, labels: [("alertname", name), ("queue", "q")],
          startsAt: Timestamp(nanoseconds: startsAt), endsAt: endsAt.map(Timestamp.init(nanoseconds:)), source: "alertmanager")
}

private func range(_ since: Int64, _ until: Int64) -> (Timestamp, Timestamp) {
    (Timestamp(nanoseconds: since), Timestamp(nanoseconds: until))
}

/// What `correlate traces`, `alerts` and `sources` ask of every store.
@Suite struct EventStoreListingContractTests {
    /// Three traces: 1 (started at 100, a root and two children, one failed, lasting to 900),
    /// 2 (started at 300, its span without a parent starting after an orphan), 3 (started at
    /// 50, before the range asked, with a span in it).
    static func store(_ kind: StoreKind) throws -> EventStore {
        let store = try kind.makeStore()
        _ = try store.insert(spans: [
            listed(1, 1, name: "POST /export", service: "api", start: 100, end: 400),
            listed(1, 2, parent: 1, name: "run export", service: "worker", start: 200, end: 900, status: .error, job: "task-1"),
            listed(1, 3, parent: 2, name: "db.query", service: "worker", start: 210, end: 800),
            listed(2, 7, parent: 99, name: "orphan", service: "worker", start: 300, end: 320),
            listed(2, 5, name: "resize", service: "api", start: 310, end: 330),
            listed(3, 4, name: "early", service: "api", start: 50, end: 60),
            listed(3, 6, parent: 4, name: "late child", service: "api", start: 150, end: 160),
        ])
        let trace1 = TraceID(high: 0xab, low: 1)
        _ = try store.insert(logs: [
            line("/var/log/b.log", 1, at: 120, trace: trace1), line("/var/log/b.log", 2, at: 130, trace: trace1),
            // A 64-bit id (Datadog, B3) counts for the trace of its low half.
            line("/var/log/a.log", 7, at: 140, trace: TraceID(high: 0, low: 1)),
            line("/var/log/a.log", 8, at: nil), line("/var/log/a.log", 9, at: 90),
            // Lines with the job id of one of its spans count for the trace, once each.
            line("/var/log/c.log", 1, at: 210, job: "task-1"), line("/var/log/c.log", 2, at: 220, trace: trace1, job: "task-1"),
            line("/var/log/c.log", 3, at: 230, job: "task-2"),
        ])
        return store
    }

    @Test(arguments: StoreKind.allCases)
    func tracesComeNewestFirstWithTheirRootDurationErrorsAndLogs(_ kind: StoreKind) throws {
        let store = try Self.store(kind)
        let (since, until) = range(100, 1_000)
        let traces = try store.traces(TraceListQuery(since: since, until: until))
        #expect(traces == [
            TraceListing(traceID: TraceID(high: 0xab, low: 2), start: Timestamp(nanoseconds: 300), end: Timestamp(nanoseconds: 330),
                         rootName: "resize", rootService: "api", spans: 2, errors: 0, logs: 0),
            TraceListing(traceID: TraceID(high: 0xab, low: 1), start: Timestamp(nanoseconds: 100), end: Timestamp(nanoseconds: 900),
                         rootName: "POST /export", rootService: "api", spans: 3, errors: 1, logs: 5),
        ])
        #expect(traces.last?.durationNanoseconds == 800)
        // Trace 3 started at 50, before the range: not listed although a span of it is in it.
        #expect(try store.traces(TraceListQuery(since: Timestamp(nanoseconds: 0), until: until)).map(\.traceID.low) == [2, 1, 3])
    }

    @Test(arguments: StoreKind.allCases)
    func tracesAreFilteredByServiceDurationErrorsAndLimit(_ kind: StoreKind) throws {
        let store = try Self.store(kind)
        let (since, until) = range(0, 1_000)
        func ids(_ query: TraceListQuery) throws -> [UInt64] { try store.traces(query).map(\.traceID.low) }
        // A span of the service, not only the root's.
        #expect(try ids(TraceListQuery(since: since, until: until, service: "worker")) == [2, 1])
        // As `correlate traces --service CELERY-WORKER` finds celery-worker: case ignored.
        #expect(try ids(TraceListQuery(since: since, until: until, service: "WORKER")) == [2, 1])
        #expect(try ids(TraceListQuery(since: since, until: until, service: "nobody")).isEmpty)
        #expect(try ids(TraceListQuery(since: since, until: until, minimumDurationNanoseconds: 111)) == [1])
        #expect(try ids(TraceListQuery(since: since, until: until, minimumDurationNanoseconds: 30)) == [2, 1, 3])
        #expect(try ids(TraceListQuery(since: since, until: until, errorsOnly: true)) == [1])
        #expect(try ids(TraceListQuery(since: since, until: until, limit: 2)) == [2, 1])
        // The range bounds the start: a trace that started after `until` is not listed.
        #expect(try ids(TraceListQuery(since: since, until: Timestamp(nanoseconds: 299))) == [1, 3])
        #expect(try store.traces(TraceListQuery(since: Timestamp(nanoseconds: 2_000), until: Timestamp(nanoseconds: 3_000))).isEmpty)
    }

    /// Traces that start together come by trace id.
    @Test(arguments: StoreKind.allCases)
    func tracesThatStartTogetherComeByTraceID(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(spans: [listed(9, 1, name: "b", start: 10, end: 20), listed(4, 2, name: "a", start: 10, end: 20)])
        let (since, until) = range(0, 100)
        #expect(try store.traces(TraceListQuery(since: since, until: until)).map(\.traceID.low) == [4, 9])
    }

    @Test(arguments: StoreKind.allCases)
    func alertsComeNewestFirstFilteredByWindowNameAndStatus(_ kind: StoreKind) throws {
        let store = try kind.makeStore()
        _ = try store.insert(alerts: [
            firing("bbbb", name: "JobLatencyHigh", startsAt: 100),
            firing("aaaa", name: "JobLatencyHigh", startsAt: 100),
            firing("cccc", name: "QueueBacklog", startsAt: 300, endsAt: 400, status: .resolved),
            firing("dddd", name: "ErrorRateHigh", startsAt: 50, endsAt: 80, status: .resolved),
        ])
        func fingerprints(_ query: AlertListQuery) throws -> [String] { try store.alerts(query).map(\.fingerprint) }
        #expect(try fingerprints(AlertListQuery()) == ["cccc", "aaaa", "bbbb", "dddd"])
        // The window overlaps the time since then: dddd ended before it, the firing ones are open.
        #expect(try fingerprints(AlertListQuery(since: Timestamp(nanoseconds: 90))) == ["cccc", "aaaa", "bbbb"])
        #expect(try fingerprints(AlertListQuery(since: Timestamp(nanoseconds: 500))) == ["aaaa", "bbbb"])
        #expect(try fingerprints(AlertListQuery(until: Timestamp(nanoseconds: 99))) == ["dddd"])
        #expect(try fingerprints(AlertListQuery(name: "joblatencyHIGH")) == ["aaaa", "bbbb"])
        #expect(try fingerprints(AlertListQuery(status: .resolved)) == ["cccc", "dddd"])
        #expect(try fingerprints(AlertListQuery(name: "queuebacklog", status: .firing)).isEmpty)
        #expect(try fingerprints(AlertListQuery(limit: 1)) == ["cccc"])
        let first = try #require(try store.alerts(AlertListQuery(name: "QueueBacklog")).first)
        #expect(first.endsAt == Timestamp(nanoseconds: 400))
        #expect(first.labels.map(\.1) == ["QueueBacklog", "q"])
    }

    @Test(arguments: StoreKind.allCases)
    func logSourcesAreListedByPathWithTheirCountsAndTimes(_ kind: StoreKind) throws {
        let store = try Self.store(kind)
        // A source of raw alerts only is not a log source.
        _ = try store.insert(rawAlert: "{}", source: SourceLocation(file: "/alerts.json", line: 1))
        #expect(try store.logSources() == [
            LogSourceListing(path: "/var/log/a.log", records: 3, first: Timestamp(nanoseconds: 90), last: Timestamp(nanoseconds: 140),
                             withTraceID: 1),
            LogSourceListing(path: "/var/log/b.log", records: 2, first: Timestamp(nanoseconds: 120), last: Timestamp(nanoseconds: 130),
                             withTraceID: 2),
            LogSourceListing(path: "/var/log/c.log", records: 3, first: Timestamp(nanoseconds: 210), last: Timestamp(nanoseconds: 230),
                             withTraceID: 1),
        ])
        let empty = try kind.makeStore()
        _ = try empty.insert(logs: [line("/untimed.log", 1, at: nil)])
        #expect(try empty.logSources() == [LogSourceListing(path: "/untimed.log", records: 1, first: nil, last: nil, withTraceID: 0)])
    }
}
