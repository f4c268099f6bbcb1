import CorrelateStore
import CorrelateTestSupport
import Foundation
import Testing

/// Issue 10 through the built binary: what extraction found joins spans in the store.
@Suite struct LogShapeCommandTests {
    static func otlp(trace: String, span: String, name: String, kind: Int, attributes: String = "") -> String {
        #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"worker"}}]},"scopeSpans":[{"spans":[{"traceId":"\#(trace)","spanId":"\#(span)","name":"\#(name)","kind":\#(kind),"startTimeUnixNano":"1768384800000000000","endTimeUnixNano":"1768384801000000000","attributes":[\#(attributes)]}]}]}]}"#
    }

    @Test func aSidekiqJobIDJoinsTheTraceThroughItsSpan() throws {
        let folder = try Fixtures.temporaryDirectory("sidekiq")
        let spans = Self.otlp(trace: "4bf92f3577b34da6a3ce929d0e0e4736", span: "00f067aa0ba902b7", name: "InvoiceJob process", kind: 5,
                              attributes: #"{"key":"messaging.message.id","value":{"stringValue":"7c1e9a4b2d3f5e6a8b9c0d1e"}}"#)
        try Data((spans + "\n").utf8).write(to: folder.appendingPathComponent("spans.jsonl"))
        try Data("Jan 14 10:00:00 worker-7 sidekiq[5921]: 2026-01-14T10:00:00.042Z pid=5921 tid=b8q4 class=InvoiceJob jid=7c1e9a4b2d3f5e6a8b9c0d1e INFO: start\n".utf8)
            .write(to: folder.appendingPathComponent("sidekiq.log"))
        let ingest = try CommandRunner.run(["ingest", "--spans", "spans.jsonl", "--logs", "sidekiq.log", "--db", "c.db"], directory: folder.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let trace = try CommandRunner.run(["trace", "4bf92f3577b34da6a3ce929d0e0e4736", "--db", "c.db", "--width", "160"], directory: folder.path)
        #expect(trace.stdout.contains("1 log event"), "\(trace.stdout)")
        #expect(trace.stdout.contains("class=InvoiceJob jid=7c1e9a4b2d3f5e6a8b9c0d1e"), "\(trace.stdout)")
    }

    @Test func aDatadog64BitIDLinksToTheTraceWhoseLowHalfItIs() throws {
        let folder = try Fixtures.temporaryDirectory("dd64")
        // The trace's low 64 bits are 0x490bc005b4ac2402 = 5263511720251106306.
        let spans = Self.otlp(trace: "6790c1a400000000490bc005b4ac2402", span: "c8a1ce82564d4125", name: "GET /orders", kind: 2)
        try Data((spans + "\n").utf8).write(to: folder.appendingPathComponent("spans.jsonl"))
        try Data((#"{"dd":{"env":"prod","service":"orders-api","span_id":"14457063338024976677","trace_id":"5263511720251106306"},"level":"warn","message":"stock low for sku-77"}"# + "\n").utf8)
            .write(to: folder.appendingPathComponent("app.log"))
        let ingest = try CommandRunner.run(["ingest", "--spans", "spans.jsonl", "--logs", "app.log", "--db", "c.db"], directory: folder.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        for id in ["6790c1a400000000490bc005b4ac2402", "490bc005b4ac2402", "5263511720251106306"] {
            let trace = try CommandRunner.run(["trace", id, "--db", "c.db", "--width", "160"], directory: folder.path)
            #expect(trace.status == 0, "\(id): \(trace.stderr)")
            #expect(trace.stdout.hasPrefix("trace 6790c1a400000000490bc005b4ac2402"), "\(id): \(trace.stdout)")
            #expect(trace.stdout.contains("stock low for sku-77"), "\(id): \(trace.stdout)")
        }
    }

    @Test func tempoTraceByIDIngestsAsTheSameSpansAsItsOTLPForm() throws {
        let folder = try Fixtures.temporaryDirectory("tempo")
        let tempo = #"{"batches":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"invoice-api"}}]},"scopeSpans":[{"scope":{"name":"flask"},"spans":[{"traceId":"umNKFD0cidueKr5YZVOoMQ==","spanId":"qZJCQ4gpWcQ=","name":"POST /invoices","kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1768384800000000000","endTimeUnixNano":"1768384800350000000","attributes":[],"status":{}}]}]}]}"#
        try Data(tempo.utf8).write(to: folder.appendingPathComponent("tempo.json"))
        let ingest = try CommandRunner.run(["ingest", "--spans", "tempo.json", "--db", "tempo.db"], directory: folder.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("stored 1"), "\(ingest.stderr)")
        let otlpForm = Self.otlp(trace: "ba634a143d1c89db9e2abe586553a831", span: "a9924243882959c4", name: "POST /invoices", kind: 2)
            .replacingOccurrences(of: "\"worker\"", with: "\"invoice-api\"")
            .replacingOccurrences(of: "1768384801000000000", with: "1768384800350000000")
        try Data(otlpForm.utf8).write(to: folder.appendingPathComponent("otlp.json"))
        #expect(try CommandRunner.run(["ingest", "--spans", "otlp.json", "--db", "otlp.db"], directory: folder.path).status == 0)
        let fromTempo = try CommandRunner.run(["trace", "ba634a143d1c89db9e2abe586553a831", "--db", "tempo.db", "--format", "json"], directory: folder.path)
        let fromOTLP = try CommandRunner.run(["trace", "ba634a143d1c89db9e2abe586553a831", "--db", "otlp.db", "--format", "json"], directory: folder.path)
        #expect(fromTempo.status == 0, "\(fromTempo.stderr)")
        #expect(!fromTempo.stdout.isEmpty)
        #expect(fromTempo.stdout == fromOTLP.stdout)
    }
}

/// `correlate rules coverage`: what a user's lines yield, and what no rule takes.
@Suite struct RuleCoverageCommandTests {
    @Test func theSamplesHaveNoSuspects() throws {
        let logs = ["celery-worker.log", "producer.json.log", "producer.otel.log", "worker.json.log", "worker.otel.log", "journal.json"]
            .map { Fixtures.celery("logs/" + $0) }
        let result = try CommandRunner.run(["rules", "coverage", "--format", "json"] + logs)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((report["suspects"] as? [Any])?.isEmpty == true, "\(result.stdout)")
        let sources = try #require(report["sources"] as? [[String: Any]])
        #expect(sources.count == logs.count)
        let total = try #require(report["records"] as? [String: Int])
        #expect(total["trace"]! > 400 && total["job_only"]! > 100)
    }

    @Test func aShapeWhoseRuleIsRemovedIsNamedAsASuspect() throws {
        let folder = try Fixtures.temporaryDirectory("coverage")
        let rules = folder.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.packageRoot.appendingPathComponent("rules").path)
        where name.hasSuffix(".yaml") && name != "google_cloud.yaml" {
            try FileManager.default.copyItem(atPath: Fixtures.packageRoot.appendingPathComponent("rules/" + name).path,
                                             toPath: rules.appendingPathComponent(name).path)
        }
        let shape = try String(contentsOfFile: Fixtures.fixture("shapes/vendor-gcp-cloud-logging-structured.log"), encoding: .utf8)
        let body = shape.components(separatedBy: "\n# ---\n")[1]
        try Data(body.utf8).write(to: folder.appendingPathComponent("gcp.log"))
        let without = try CommandRunner.run(["rules", "coverage", "gcp.log", "--no-shipped-rules", "--rules", "rules"], directory: folder.path)
        #expect(without.status == 0, "\(without.stderr)")
        #expect(without.stdout.contains(#""logging.googleapis.com/trace":"projects/acme-prod-123/traces/<hex32>"#), "\(without.stdout)")
        #expect(without.stdout.contains("gcp.log:1"), "\(without.stdout)")
        let with = try CommandRunner.run(["rules", "coverage", "gcp.log"], directory: folder.path)
        #expect(with.stdout.contains("suspects: none"), "\(with.stdout)")
        #expect(with.stdout.contains("gcp-trace"), "\(with.stdout)")
    }
}
