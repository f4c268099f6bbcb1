import Foundation
import Testing
@testable import CorrelateClickHouse
import CorrelateModel
import CorrelateTestSupport

/// The ClickHouse store on the exporter's own tables (its DDL applied verbatim, in the layouts
/// real installations have), rows written as the exporter writes them, and its failures. The
/// contract every store keeps is `EventStoreContractTests`, which runs on ClickHouse too.
@Suite struct ClickHouseStoreTests {
    static let second: Int64 = 1_000_000_000
    /// 2026-11-25T08:32:39Z.
    static let base: Int64 = 1_764_059_559 * second

    /// A fresh database with the fixture DDL files applied (`{db}` replaced).
    static func database(_ files: [String], edit: (String) -> String = { $0 }) throws -> (front: ClickHouseFront, database: String) {
        let front = try ClickHouseFront.shared.get()
        let database = ClickHouseFront.freshDatabase("exporter")
        _ = try front.query("CREATE DATABASE \(database)")
        for file in files {
            let ddl = try String(contentsOfFile: Fixtures.fixture("clickhouse/" + file), encoding: .utf8)
            _ = try front.query(edit(ddl.replacingOccurrences(of: "{db}", with: database)))
        }
        return (front, database)
    }

    static func insert(_ front: ClickHouseFront, _ table: String, _ rows: [String]) throws {
        _ = try front.query("INSERT INTO \(table) FORMAT JSONEachRow\n" + rows.joined(separator: "\n"))
    }

    static let producer = "5b8efff798038103d269b633813fc60c", consumer = "0af7651916cd43dd8448eb211c80319c"

    /// Spans as an older exporter wrote them: `SPAN_KIND_*`/`STATUS_CODE_*`, `Duration` Int64.
    static func olderSpans(_ front: ClickHouseFront, _ database: String) throws {
        try insert(front, "\(database).otel_traces", [
            #"{"Timestamp":"\#(base / second).000000000","TraceId":"\#(producer)","SpanId":"00f067aa0ba902b7","ParentSpanId":"","SpanName":"POST /export","SpanKind":"SPAN_KIND_SERVER","ServiceName":"api","ResourceAttributes":{"service.name":"api","k8s.pod.name":"api-1"},"SpanAttributes":{"http.response.status_code":"202"},"Duration":40000000,"StatusCode":"STATUS_CODE_UNSET","StatusMessage":""}"#,
            #"{"Timestamp":"\#(base / second).010000000","TraceId":"\#(producer)","SpanId":"00f067aa0ba902b8","ParentSpanId":"00f067aa0ba902b7","SpanName":"send export","SpanKind":"SPAN_KIND_PRODUCER","ServiceName":"api","SpanAttributes":{"messaging.message.id":"task-77","messaging.destination.name":"exports"},"Duration":5000000,"StatusCode":"STATUS_CODE_UNSET","StatusMessage":""}"#,
            #"{"Timestamp":"\#(base / second + 3).000000000","TraceId":"\#(consumer)","SpanId":"b7ad6b7169203331","ParentSpanId":"","SpanName":"run export","SpanKind":"SPAN_KIND_CONSUMER","ServiceName":"worker","SpanAttributes":{"messaging.message.id":"task-77"},"Duration":2500000000,"StatusCode":"STATUS_CODE_ERROR","StatusMessage":"boom","Links.TraceId":["\#(producer)"],"Links.SpanId":["00f067aa0ba902b8"],"Links.TraceState":[""],"Links.Attributes":[{}]}"#,
        ])
    }

    /// The queue statement turns two analyzer rewrites off only on servers that have the
    /// settings: a setting a server does not know fails the whole statement.
    @Test func theQueueStatementsSettingsAreOnlyThoseTheServerKnows() {
        for (version, major, minor) in [("26.9.2.1", 26, 9), ("24.12.1.1", 24, 12), ("dev", 0, 0)] {
            let release = ClickHouseEventStore.release(version: version)
            #expect(release.0 == major && release.1 == minor, "\(version)")
        }
        #expect(ClickHouseEventStore.runsRecursiveQueries(version: "24.4.1.2"))
        #expect(!ClickHouseEventStore.runsRecursiveQueries(version: "24.3.9.1"))
        #expect(ClickHouseEventStore.analysisSettings(release: (24, 4)) == "")
        #expect(ClickHouseEventStore.analysisSettings(release: (25, 1)) == ", optimize_extract_common_expressions = 0")
        #expect(ClickHouseEventStore.analysisSettings(release: (25, 2)) == ", optimize_extract_common_expressions = 0, optimize_and_compare_chain = 0")
        #expect(ClickHouseEventStore.analysisSettings(release: (26, 9)).contains("optimize_and_compare_chain = 0"))
    }

    @Test func readsTheOlderTracesTableWithItsSpellingsAndInt64Durations() throws {
        let (front, database) = try Self.database(["otel_traces.int64-duration.sql", "otel_traces_trace_id_ts.sql", "otel_traces_trace_id_ts_mv.sql",
                                                   "otel_logs.timestamptime.sql"])
        try Self.olderSpans(front, database)
        let store = try ClickHouseEventStore(endpoint: try front.endpoint(database: database), access: .read)
        let spans = try store.spans(inTrace: TraceID(hex: Self.consumer)!)
        #expect(spans.count == 1)
        let run = try #require(spans.first)
        #expect(run.kind == .consumer)
        #expect(run.status == .error)
        #expect(run.statusMessage == "boom")
        #expect(run.end.nanoseconds - run.start.nanoseconds == 2_500_000_000)
        #expect(run.links.map(\.traceID) == [TraceID(hex: Self.producer)!])
        let sent = try store.spans(inTrace: TraceID(hex: Self.producer)!)
        #expect(sent.map(\.kind) == [.server, .producer])
        #expect(sent.first?.attributes["http.response.status_code"] == .int(202))
        #expect(sent.first?.resource["k8s.pod.name"] == .string("api-1"))
        #expect(try store.spans(withMessageIDs: ["task-77"]).map(\.name) == ["send export", "run export"])
        #expect(try store.traceIDs(linkingTo: TraceID(hex: Self.producer)!, limit: 5) == [TraceID(hex: Self.consumer)!])
        #expect(try store.traceIDs(withPrefix: "0af76519", limit: 5) == [TraceID(hex: Self.consumer)!])
    }

    /// Lines the Collector's filelog receiver shipped unparsed: `TraceId` empty, the id in `Body`.
    @Test(arguments: ["otel_logs.sql", "otel_logs.timestamptime.sql"])
    func logsWithTheIDOnlyInTheirBodyAreLinked(_ logsTable: String) throws {
        let (front, database) = try Self.database(["otel_traces.sql", "otel_traces_trace_id_ts.sql", "otel_traces_trace_id_ts_mv.sql", logsTable])
        try Self.olderSpans(front, database)
        let at = { (offset: Double) in String(format: "%d.%09d", Self.base / Self.second + Int64(offset), Int64((offset - offset.rounded(.down)) * 1e9)) }
        try Self.insert(front, "\(database).otel_logs", [
            // Parsed by the Collector: the id in its column.
            #"{"Timestamp":"\#(at(3.1))","TraceId":"\#(Self.consumer)","SpanId":"b7ad6b7169203331","SeverityText":"INFO","SeverityNumber":9,"ServiceName":"worker","Body":"export started","LogAttributes":{}}"#,
            // Shipped as text: the id only in the body.
            #"{"Timestamp":"\#(at(4.2))","TraceId":"","SpanId":"","SeverityText":"","SeverityNumber":0,"ServiceName":"worker","Body":"2026-11-25 08:32:43,200 ERROR [trace_id=\#(Self.consumer) span_id=b7ad6b7169203331] export failed","LogAttributes":{"log.file.path":"/var/log/worker.log"}}"#,
            // The task id only, as Celery's own lines carry it.
            #"{"Timestamp":"\#(at(3.5))","TraceId":"","SpanId":"","SeverityText":"","SeverityNumber":0,"ServiceName":"worker","Body":"[2026-11-25 08:32:42,500: INFO/ForkPoolWorker-1] Task jobs.export[task-77] received","LogAttributes":{}}"#,
            // The task id in its attribute, as correlate writes it.
            #"{"Timestamp":"\#(at(3.6))","TraceId":"","SpanId":"","SeverityText":"","SeverityNumber":0,"ServiceName":"worker","Body":"task done","LogAttributes":{"messaging.message.id":"task-77"}}"#,
            // Another trace's line, and one far outside the trace's time.
            #"{"Timestamp":"\#(at(4.3))","TraceId":"","SpanId":"","SeverityText":"","SeverityNumber":0,"ServiceName":"worker","Body":"trace_id=\#(Self.producer) other","LogAttributes":{}}"#,
            #"{"Timestamp":"\#(at(7200))","TraceId":"","SpanId":"","SeverityText":"","SeverityNumber":0,"ServiceName":"worker","Body":"trace_id=\#(Self.consumer) two hours later","LogAttributes":{}}"#,
        ])
        let store = try ClickHouseEventStore(endpoint: try front.endpoint(database: database), access: .read)
        let trace = TraceID(hex: Self.consumer)!
        _ = try store.spans(inTrace: trace)
        let logs = try store.logs(inTrace: trace)
        #expect(logs.map(\.message) == ["export started", "2026-11-25 08:32:43,200 ERROR [trace_id=\(Self.consumer) span_id=b7ad6b7169203331] export failed"])
        #expect(logs.allSatisfy { $0.traceID == trace })
        #expect(logs.last?.source.file == "/var/log/worker.log")
        let jobLogs = try store.logs(withJobIDs: ["task-77"])
        #expect(jobLogs.map(\.jobID) == ["task-77", "task-77"])
        // More ids than one text search takes (255 on older servers), and an id inside another:
        // the same records, each given the longest id its text holds.
        let many = Set((1000..<1300).map { "task-\($0)" } + ["task-77", "task-7"])
        #expect(try store.logs(withJobIDs: many) == jobLogs)
        #expect(jobLogs.first?.message.hasSuffix("Task jobs.export[task-77] received") == true)
        // Read for several traces at once (an alert's kept traces): the same records, each
        // trace's within its own window.
        let traces = [Self.consumer, Self.producer, "1111111111111111111111111111111a", "2222222222222222222222222222222b"].compactMap(TraceID.init(hex:))
        let alone = try traces.map { trace in
            let store = try ClickHouseEventStore(endpoint: try front.endpoint(database: database), access: .read)
            _ = try store.spans(inTrace: trace)
            return try store.logs(inTrace: trace)
        }
        let batch = try ClickHouseEventStore(endpoint: try front.endpoint(database: database), access: .read)
        try batch.prefetch(traces: Set(traces))
        try batch.prefetchLogs(traces: Set(traces))
        // Answered from what was read: the table is gone meanwhile.
        _ = try front.query("RENAME TABLE \(database).otel_logs TO \(database).otel_logs_away")
        let together = try traces.prefix(2).map { trace in
            _ = try batch.spans(inTrace: trace)
            return try batch.logs(inTrace: trace)
        }
        // The job's records, by its attribute and by its id in the text, from what was read too.
        _ = try batch.spans(inTrace: trace)
        let jobTogether = try batch.logs(withJobIDs: ["task-77"])
        _ = try front.query("RENAME TABLE \(database).otel_logs_away TO \(database).otel_logs")
        #expect(together == Array(alone.prefix(2)))
        #expect(jobTogether == jobLogs)
        #expect(try batch.logs(withJobIDs: ["task-77"]) == jobLogs)
        #expect(alone[1].map(\.message) == ["trace_id=\(Self.producer) other"])
    }

    @Test func aTableWithoutAColumnCorrelateReadsIsAnErrorNamingBoth() throws {
        let (front, database) = try Self.database(["otel_traces.sql"])
        _ = try front.query("CREATE TABLE \(database).otel_logs (Timestamp DateTime64(9), TraceId String) ENGINE = MergeTree ORDER BY Timestamp")
        let error = try #require(throws: ClickHouseError.self) {
            try ClickHouseEventStore(endpoint: try front.endpoint(database: database), access: .read)
        }
        #expect(error.reason.contains("\(database).otel_logs"))
        #expect(error.reason.contains("no column SpanId"))
        let missing = try #require(throws: ClickHouseError.self) {
            try ClickHouseEventStore(endpoint: try front.endpoint(database: ClickHouseFront.freshDatabase("empty")), access: .read)
        }
        #expect(missing.reason.contains("has no table otel_traces"))
        #expect(missing.reason.contains("correlate store init"))
    }

    /// `store init` creates what is missing and leaves what exists as it is.
    @Test func initCreatesOnlyTheMissingTablesWithTheirTTL() throws {
        let (front, database) = try Self.database(["otel_logs.timestamptime.sql"])
        let endpoint = try front.endpoint(database: database)
        let created = try ClickHouseEventStore.initialize(endpoint: endpoint, retain: 7 * 86_400 * Self.second)
        #expect(created == ["otel_traces", "otel_traces_trace_id_ts", "otel_traces_trace_id_ts_mv", "correlate_alerts", "correlate_raw_alerts",
                           "correlate_bundles"])
        let columns = try front.query("SELECT name FROM system.columns WHERE database = '\(database)' AND table = 'otel_logs' AND name = 'TimestampTime'")
        #expect(columns.contains("TimestampTime"), "the older otel_logs is kept")
        let ttl = try front.query("SELECT engine_full FROM system.tables WHERE database = '\(database)' AND name = 'otel_traces'")
        #expect(ttl.contains("TTL toDateTime(Timestamp) + toIntervalDay(7)"))
        #expect(try ClickHouseEventStore.initialize(endpoint: endpoint, retain: nil).isEmpty)
    }

    /// `store init` makes the tables the exporter makes: the same columns and types, keys,
    /// partitions and indexes as the exporter's DDL (the fixtures) applied as it is.
    @Test func initMakesTheExportersTables() throws {
        let (front, exporter) = try Self.database(["otel_traces.sql", "otel_traces_trace_id_ts.sql", "otel_traces_trace_id_ts_mv.sql", "otel_logs.sql"])
        let ours = ClickHouseFront.freshDatabase("init")
        _ = try ClickHouseEventStore.initialize(endpoint: try front.endpoint(database: ours), retain: nil)
        for table in ["otel_traces", "otel_traces_trace_id_ts", "otel_logs"] {
            func shape(_ database: String) throws -> String {
                try front.query("""
                    SELECT name, type, default_kind, default_expression, compression_codec FROM system.columns
                    WHERE database = '\(database)' AND table = '\(table)' ORDER BY position
                    """)
                    + front.query("SELECT partition_key, sorting_key, primary_key FROM system.tables WHERE database = '\(database)' AND name = '\(table)'")
                    + front.query("SELECT name, type_full, expr, granularity FROM system.data_skipping_indices WHERE database = '\(database)' AND table = '\(table)' ORDER BY name")
            }
            let expected = try shape(exporter)
            #expect(!expected.isEmpty)
            #expect(try shape(ours) == expected, "\(table)")
        }
    }

    /// What correlate writes is what the exporter writes: read back by plain SQL as Grafana's
    /// data source reads it.
    @Test func writtenRowsAreTheExportersShape() throws {
        let store = try StoreKind.clickhouseStore()
        let front = try ClickHouseFront.shared.get()
        let trace = TraceID(hex: Self.consumer)!
        let span = Span(traceID: trace, spanID: SpanID(7), name: "run export", kind: .consumer, start: Timestamp(nanoseconds: Self.base),
                        end: Timestamp(nanoseconds: Self.base + 1_500_000), status: .error, service: "worker",
                        attributes: [Attribute("messaging.message.id", .string("task-1")), Attribute("retries", .int(2)),
                                     Attribute("payload.digest", .bytes([0xde, 0xad, 0xbe, 0xef, 0x01]))],
                        resource: [Attribute("service.name", .string("worker"))])
        #expect(try store.insert(spans: [span, span]) == InsertResult(stored: 1, duplicates: 1))
        let record = LogRecord(source: SourceLocation(file: "/var/log/w.log", line: 12), timestamp: Timestamp(nanoseconds: Self.base + 1),
                               traceID: trace, jobID: "task-1", severity: .error, service: "worker", message: "failed")
        #expect(try store.insert(logs: [record]) == InsertResult(stored: 1))
        #expect(try store.insert(logs: [record]) == InsertResult(duplicates: 1))
        let database = store.endpoint.database
        let row = try front.query("SELECT SpanKind, StatusCode, Duration, SpanAttributes['retries'] AS r, SpanAttributes['payload.digest'] AS d, toUnixTimestamp64Nano(Timestamp) AS t FROM \(database).otel_traces")
        // Bytes as pdata's AsString writes them: standard base64.
        #expect(row.contains(#""SpanKind":"Consumer","StatusCode":"Error","Duration":1500000,"r":"2","d":"3q2+7wE=","t":\#(Self.base)"#), "\(row)")
        let times = try front.query("SELECT TraceId, toUnixTimestamp(Start) AS s FROM \(database).otel_traces_trace_id_ts")
        #expect(times.contains(#""TraceId":"\#(Self.consumer)","s":\#(Self.base / Self.second)"#), "the exporter's view fills the lookup table")
        let log = try front.query("SELECT SeverityText, SeverityNumber, LogAttributes['messaging.message.id'] AS job, LogAttributes['log.file.path'] AS file FROM \(database).otel_logs")
        #expect(log.contains(#""SeverityText":"ERROR","SeverityNumber":17,"job":"task-1","file":"\/var\/log\/w.log""#))
    }

    /// Spans and log records written in Native blocks (ClickHouse 23.3 and later) are the rows
    /// the JSONEachRow of older servers makes, column for column, in the exporter's current
    /// layouts and in the older ones (`Duration` Int64, `otel_logs` with `TimestampTime`, whose
    /// default the Native insert leaves to the table; `TraceFlags` UInt32 and `SeverityNumber`
    /// Int32) and with a column the table computes (`ServiceName MATERIALIZED`, which an INSERT
    /// must not name): events, links, attributes of every kind, a key given twice, more than 32
    /// attributes, empty and missing values; one call of three prepared batches — one holding a
    /// stored span (encoded again without it), one a span of the first (nothing of it sent), one
    /// new (its block sent as it was made).
    @Test(arguments: [["otel_traces.sql", "otel_logs.sql", ""], ["otel_traces.int64-duration.sql", "otel_logs.timestamptime.sql", ""],
                      ["otel_traces.sql", "otel_logs.sql", "older integers, a computed ServiceName"]])
    func nativeBlocksStoreWhatJSONRowsStore(_ tables: [String]) throws {
        let files = [tables[0], "otel_traces_trace_id_ts.sql", "otel_traces_trace_id_ts_mv.sql", tables[1]]
        let edit: (String) -> String = tables[2].isEmpty ? { $0 } : { ddl in
            ddl.replacingOccurrences(of: "TraceFlags UInt8", with: "TraceFlags UInt32")
                .replacingOccurrences(of: "SeverityNumber UInt8", with: "SeverityNumber Int32")
                .replacingOccurrences(of: "ServiceName LowCardinality(String) CODEC",
                                      with: "ServiceName LowCardinality(String) MATERIALIZED ResourceAttributes['service.name'] CODEC")
        }
        let trace = TraceID(hex: Self.consumer)!, producer = TraceID(hex: Self.producer)!
        var many = (0..<40).map { Attribute("k\($0)", .int(Int64($0))) }
        many.append(Attribute("k3", .string("again")))
        let spans = [
            Span(traceID: trace, spanID: SpanID(7), parentSpanID: SpanID(6), name: "run export ✓", kind: .consumer, start: Timestamp(nanoseconds: Self.base),
                 end: Timestamp(nanoseconds: Self.base + 1_500_000), status: .error, statusMessage: "boom\n\t\"quoted\"", service: "worker",
                 attributes: [Attribute("messaging.message.id", .string("task-1")), Attribute("retries", .int(2)), Attribute("ok", .bool(true)),
                              Attribute("ratio", .double(0.5)), Attribute("payload.digest", .bytes([0xde, 0xad, 0xbe, 0xef, 0x01])),
                              Attribute("tags", .array([.string("a"), .int(1)])), Attribute("retries", .int(3))],
                 resource: [Attribute("service.name", .string("worker")), Attribute("host.name", .string(""))],
                 events: [Span.Event(name: "exception", time: Timestamp(nanoseconds: Self.base + 10),
                                     attributes: [Attribute("exception.type", .string("ValueError"))]),
                          Span.Event(name: "retry", time: Timestamp(nanoseconds: Self.base + 20))],
                 links: [Span.Link(traceID: producer, spanID: SpanID(0x00f0_67aa_0ba9_02b8), attributes: [Attribute("k", .string("v"))])]),
            Span(traceID: producer, spanID: SpanID(8), name: "", kind: .producer, start: Timestamp(nanoseconds: Self.base - Self.second),
                 end: Timestamp(nanoseconds: Self.base - Self.second), attributes: many),
            Span(traceID: producer, spanID: SpanID(9), parentSpanID: SpanID(8), name: "retry", kind: .client,
                 start: Timestamp(nanoseconds: Self.base + 5 * Self.second), end: Timestamp(nanoseconds: Self.base + 6 * Self.second),
                 service: "api", resource: [Attribute("service.name", .string("api"))],
                 events: [Span.Event(name: "sent", time: Timestamp(nanoseconds: Self.base + 5 * Self.second + 1), attributes: many)],
                 links: [Span.Link(traceID: trace, spanID: SpanID(7)), Span.Link(traceID: producer, spanID: SpanID(8))]),
        ]
        let records = [
            LogRecord(source: SourceLocation(file: "/var/log/w.log", line: 12), lines: 3, timestamp: Timestamp(nanoseconds: Self.base + 1),
                      traceID: trace, spanID: SpanID(7), jobID: "task-1", severity: .error, service: "worker", host: "h1", rule: "celery",
                      message: "failed\nTraceback …"),
            LogRecord(source: SourceLocation(file: "/var/log/w.log", line: 15), timestamp: Timestamp(nanoseconds: Self.base + 2), message: ""),
        ]
        var answers: [String] = []
        for native in [false, true] {
            let (front, database) = try Self.database(files, edit: edit)
            let store = try ClickHouseEventStore(endpoint: try front.endpoint(database: database), access: .write)
            if !native { store.release = (23, 2) }
            #expect((store.nativeSpans != nil) == native)
            #expect(try store.insert(spans: [spans[0]]) == InsertResult(stored: 1))
            let prepared = [store.spanPreparation(Array(spans[0...1])), store.spanPreparation([spans[1]]), store.spanPreparation([spans[2]]),
                            store.spanPreparation([])]
            #expect(try store.insert(prepared: prepared) == InsertResult(stored: 2, duplicates: 2))
            #expect(try store.insert(logs: records + [records[0]]) == InsertResult(stored: 2, duplicates: 1))
            let old = tables[1].contains("timestamptime") ? ", TimestampTime" : ""
            answers.append(try front.query("SELECT * FROM \(database).otel_traces ORDER BY SpanId") + "\n"
                + (try front.query("SELECT * FROM \(database).otel_traces_trace_id_ts ORDER BY TraceId")) + "\n"
                + (try front.query("SELECT Timestamp\(old), TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes, LogAttributes FROM \(database).otel_logs ORDER BY Timestamp")))
        }
        #expect(answers[0] == answers[1])
        #expect(answers[1].contains(#""SpanName":"run export ✓""#), "\(answers[1])")
        #expect(answers[1].contains(#""SpanName":"retry""#), "the new batch's block")
        #expect(answers[1].contains(#""Events.Name":["exception","retry"]"#), "\(answers[1])")
        #expect(answers[1].contains(#""k3":"3""#) && !answers[1].contains("again"), "the first of a key given twice")
    }

    /// The log clock check reads the records near what the writer wrote, not the whole table:
    /// after its spans, those within a day of them. Here a file's newest lines, a month later,
    /// name spans that were never stored; the lines beside the spans just written are measured.
    @Test func logClocksAreMeasuredNearTheSpansJustWritten() throws {
        let writer = try StoreKind.clickhouseStore()
        let trace = TraceID(hex: Self.consumer)!
        let month = 30 * 86_400 * Self.second
        var records = (1...10).map { line in
            LogRecord(source: SourceLocation(file: "w.log", line: line), timestamp: Timestamp(nanoseconds: Self.base + Int64(line) * Self.second),
                      traceID: trace, spanID: SpanID(UInt64(line)), message: "step \(line)")
        }
        records += (11...30).map { line in
            LogRecord(source: SourceLocation(file: "w.log", line: line), timestamp: Timestamp(nanoseconds: Self.base + month + Int64(line) * Self.second),
                      traceID: trace, spanID: SpanID(UInt64(1000 + line)), message: "later \(line)")
        }
        _ = try writer.insert(logs: records)
        _ = try writer.insert(spans: (1...10).map { id in
            Span(traceID: trace, spanID: SpanID(UInt64(id)), name: "step", start: Timestamp(nanoseconds: Self.base),
                 end: Timestamp(nanoseconds: Self.base + 20 * Self.second))
        })
        let gaps = try writer.logClockGaps(sources: nil, limit: 2)
        #expect(gaps["w.log"]?.count == 2, "\(gaps)")
        #expect(gaps["w.log"]?.allSatisfy { $0.fromStart > 0 && $0.fromEnd < 0 } == true, "inside their spans")
        // A handle that wrote nothing looks at each file's newest lines, wherever they are.
        let reader = try ClickHouseEventStore(endpoint: writer.endpoint, access: .read)
        #expect(try reader.logClockGaps(sources: nil, limit: 2)["w.log"] == nil)
    }

    /// A trace's records without a time of their own are found by a reader that asked before
    /// they were written (a bundle worker's, beside the ingest's writer) and by a new one (the
    /// store asks whether the table holds any before it looks for a trace's).
    @Test func untimedRecordsWrittenByOneStoreAreReadByAnother() throws {
        let writer = try StoreKind.clickhouseStore()
        let trace = TraceID(hex: Self.consumer)!
        _ = try writer.insert(spans: [Span(traceID: trace, spanID: SpanID(7), name: "run", kind: .consumer, start: Timestamp(nanoseconds: Self.base),
                                           end: Timestamp(nanoseconds: Self.base + Self.second))])
        let timed = LogRecord(source: SourceLocation(file: "w.log", line: 1), timestamp: Timestamp(nanoseconds: Self.base + 1), traceID: trace, message: "timed")
        _ = try writer.insert(logs: [timed])
        let before = try ClickHouseEventStore(endpoint: writer.endpoint, access: .read)
        #expect(try before.logs(inTrace: trace).map(\.message) == ["timed"])
        let untimed = LogRecord(source: SourceLocation(file: "w.log", line: 2), timestamp: nil, traceID: trace, message: "untimed")
        _ = try writer.insert(logs: [untimed])
        #expect(try writer.logs(inTrace: trace).map(\.message) == ["untimed", "timed"])
        #expect(try before.logs(inTrace: trace).map(\.message) == ["untimed", "timed"])
        let after = try ClickHouseEventStore(endpoint: writer.endpoint, access: .read)
        #expect(try after.logs(inTrace: trace).map(\.message) == ["untimed", "timed"])
    }

    /// Paths with a backslash, a tab or a quote reach ClickHouse as they are: a file read again
    /// is found stored (String parameters are read as TabSeparated text, arrays as literals).
    @Test func pathsWithEscapesAreKeysLikeAnyOther() throws {
        let store = try StoreKind.clickhouseStore()
        for path in [#"C:\temp\new.log"#, "/var/log/tab\there.log", #"/var/log/it's "quoted".log"#] {
            let record = LogRecord(source: SourceLocation(file: path, line: 3), timestamp: Timestamp(nanoseconds: Self.base),
                                   message: "line of \(path)")
            #expect(try store.insert(logs: [record]) == InsertResult(stored: 1), "\(path)")
            #expect(try store.insert(logs: [record]) == InsertResult(duplicates: 1), "\(path)")
            #expect(try store.insert(rawAlert: "{}", source: SourceLocation(file: path, line: 1)) == InsertResult(stored: 1), "\(path)")
            #expect(try store.insert(rawAlert: "{}", source: SourceLocation(file: path, line: 1)) == InsertResult(duplicates: 1), "\(path)")
        }
        #expect(try store.logSources().map(\.path).sorted() == [#"/var/log/it's "quoted".log"#, "/var/log/tab\there.log", #"C:\temp\new.log"#].sorted())
    }

    // MARK: - Failures

    @Test func aServerThatIsDownIsUnavailableWithTheAddress() throws {
        // A port nothing listens on: the shared front's, once it is stopped, is not known; bind
        // and close one instead.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(socket)
        let started = Date()
        let error = try #require(throws: ClickHouseError.self) {
            try ClickHouseEventStore(endpoint: try ClickHouseEndpoint.parse("clickhouse://127.0.0.1:\(port)/otel"), access: .read)
        }
        #expect(error.condition == .unavailable)
        #expect(error.reason == "cannot reach ClickHouse at http://127.0.0.1:\(port): connection refused")
        #expect(Date().timeIntervalSince(started) > 2.5, "tried again, with pauses, before giving up")
    }

    @Test func aWrongPasswordIsRefusedByName() throws {
        let front = try ClickHouseFront(user: "correlate", password: "right")
        defer { front.stop() }
        let database = "otel"
        _ = try ClickHouseEventStore.initialize(endpoint: try ClickHouseEndpoint.parse(front.address(database: database)), retain: nil)
        let error = try #require(throws: ClickHouseError.self) {
            try ClickHouseEventStore(endpoint: try ClickHouseEndpoint.parse("clickhouse://correlate:wrong@127.0.0.1:\(front.port)/otel"), access: .read)
        }
        #expect(error.condition == .failed)
        #expect(error.code == 516)
        #expect(error.reason.hasPrefix("ClickHouse at http://127.0.0.1:\(front.port) refused user 'correlate': Code: 516."))
        #expect(!error.reason.contains("wrong"), "the password is never printed")
    }

    @Test func aSlowServerTimesOut() throws {
        let front = try ClickHouseFront(delay: 2)
        defer { front.stop() }
        let endpoint = try ClickHouseEndpoint.parse("clickhouse://127.0.0.1:\(front.port)/otel?timeout=1")
        #expect(endpoint.timeout == 1)
        let error = try #require(throws: ClickHouseError.self) { try ClickHouseEventStore(endpoint: endpoint, access: .read) }
        #expect(error.condition == .unavailable)
        #expect(error.reason == "ClickHouse at http://127.0.0.1:\(front.port) did not answer within 1 s (timeout= in the store address sets it)")
    }

    @Test(arguments: [
        ("clickhouse://ch.example/otel", "http://ch.example:8123", "otel", "default"),
        ("https://reader@ch.example/logs", "https://ch.example:8443", "logs", "reader"),
        ("clickhouse://u:p%40ss@10.0.0.5:9000", "http://10.0.0.5:9000", "default", "u"),
    ])
    func addressesAreRead(_ text: String, _ base: String, _ database: String, _ user: String) throws {
        let endpoint = try ClickHouseEndpoint.parse(text)
        #expect(endpoint.base == base)
        #expect(endpoint.database == database)
        #expect(endpoint.user == user)
    }

    @Test func badAddressesSayWhatIsWrong() throws {
        #expect(throws: ClickHouseEndpoint.AddressError.self) { try ClickHouseEndpoint.parse("clickhouse://host:8123/a/b") }
        #expect(throws: ClickHouseEndpoint.AddressError.self) { try ClickHouseEndpoint.parse("clickhouse://host:8123/otel?timeout=0") }
        #expect(throws: ClickHouseEndpoint.AddressError.self) { try ClickHouseEndpoint.parse("clickhouse://host:8123/otel?speed=1") }
        #expect(throws: ClickHouseEndpoint.AddressError.self) { try ClickHouseEndpoint.parse("clickhouse://host:8123/bad.name") }
        #expect(try ClickHouseEndpoint.parse("clickhouse://u:p%40ss@h/otel").password == "p@ss")
        #expect(try ClickHouseEndpoint.parse("clickhouse://h/otel-prod").database == "otel-prod")
        // The password is never in a message.
        let error = try #require(throws: ClickHouseEndpoint.AddressError.self) { try ClickHouseEndpoint.parse("clickhouse://u:S3cret@h:8123/a/b") }
        #expect(!error.description.contains("S3cret"))
        #expect(error.description.contains("clickhouse://u:***@h:8123/a/b"))
        #expect(try ClickHouseEndpoint.parse("clickhouse://u:inline@h/otel", password: "fromfile").password == "fromfile")
    }
}
