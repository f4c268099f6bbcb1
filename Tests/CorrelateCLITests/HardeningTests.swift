#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel
import CorrelateStore
import CorrelateTestSupport
import Foundation
import Testing

/// Issue 9: what a hostile or unlucky user found, each failure one kind, each kind a test.
@Suite struct HardeningTests {
    typealias Server = ServeCommandTests.Server

    // MARK: 1. Nesting

    @Test func deeplyNestedRequestsGet400AndTheServerStaysUp() throws {
        let server = try Server()
        defer { server.command.stop() }
        let limit = "nested deeper than \(NestingLimit.maximumDepth) levels"
        let traces = try server.post("/v1/traces", Data(HostileInputs.deepTraceRequest(depth: 40_000)))
        #expect(traces.status == 400)
        #expect(traces.text.contains(limit), "\(traces.text)")
        let logs = try server.post("/v1/logs", Data(HostileInputs.deepLogsRequest(depth: 40_000)))
        #expect(logs.status == 400)
        #expect(logs.text.contains(limit), "\(logs.text)")
        let json = try server.post("/v1/traces", Data(HostileInputs.deepTraceJSON(depth: 40_000).utf8), type: "application/json")
        #expect(json.status == 400)
        #expect(json.text.contains(limit), "\(json.text)")
        let alert = try server.post("/api/alerts/alertmanager",
                                    Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8),
                                    type: "application/json")
        #expect(alert.status == 400)
        #expect(alert.text.contains(limit), "\(alert.text)")
        #expect(try Curl.get(server.base + "/healthz").status == 200)
        #expect(try server.post("/v1/traces", Data(HostileInputs.deepTraceRequest(depth: 10))).status == 200)
        #expect(server.command.process.isRunning)
    }

    @Test func ingestCountsADeeplyNestedDocumentAsMalformed() throws {
        let folder = try Fixtures.temporaryDirectory("deep")
        let protobuf = folder.appendingPathComponent("deep.pb")
        try Data(HostileInputs.deepTraceRequest(depth: 40_000)).write(to: protobuf)
        let json = folder.appendingPathComponent("deep.jsonl")
        try Data((HostileInputs.deepTraceJSON(depth: 40_000) + "\n" + HostileInputs.deepTraceJSON(depth: 3) + "\n").utf8).write(to: json)
        let result = try CommandRunner.run(["ingest", "--spans", protobuf.path, "--spans", json.path, "--db", "c.db"], directory: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(protobuf.path):1: not an OTLP protobuf ExportTraceServiceRequest: messages nested deeper than"), "\(result.stderr)")
        #expect(result.stderr.contains("\(json.path):1: not JSON: JSON nested deeper than"), "\(result.stderr)")
        #expect(result.stderr.contains("malformed documents 2"), "\(result.stderr)")
        #expect(try SQLiteEventStore(path: folder.appendingPathComponent("c.db").path).statistics().spans == 1,
                "the good document of the same file is stored")
    }

    @Test func aRuleFileNestedPastTheLimitIsAConfigurationError() throws {
        let folder = try Fixtures.temporaryDirectory("deep-rules")
        let depth = NestingLimit.maximumDepth + 1
        let file = folder.appendingPathComponent("deep.yaml")
        try Data(("rules:\n  - name: deep\n    pattern: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n").utf8).write(to: file)
        let result = try CommandRunner.run(["rules", "test", folder.path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("collections nested deeper than \(NestingLimit.maximumDepth) levels"), "\(result.stderr)")
        #expect(result.stderr.contains("\(file.path):3:"), "\(result.stderr)")
        let past = try Data(("rules:\n  - name: deep\n    pattern: " + String(repeating: "[", count: 100_000) + "\n").utf8)
        try past.write(to: file)
        let again = try CommandRunner.run(["rules", "test", folder.path])
        #expect(again.status == 2, "\(again.stderr)")
        #expect(again.stderr.count < 2_000, "the snippet of a 100 kB line is cut around the caret")
    }
}
