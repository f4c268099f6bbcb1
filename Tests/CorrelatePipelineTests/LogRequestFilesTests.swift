import Foundation
import Testing
import CorrelateExtract
import CorrelateModel
@testable import CorrelatePipeline
import CorrelateTestSupport

/// Files of OTLP logs requests (the Collector's file exporter): told by their first bytes, and
/// read record by record.
@Suite struct LogRequestFilesTests {
    @Test(arguments: [
        (#"{"resourceLogs":[]}"#, true),
        (" \n\t{ \"resource_logs\": [", true),
        (#"{"resourceSpans":[]}"#, false),
        (#"{"__REALTIME_TIMESTAMP":"1","MESSAGE":"resourceLogs"}"#, false),
        (#"{"message":"{\"resourceLogs\":[]}"}"#, false),
        ("resourceLogs", false),
        ("", false),
    ])
    func aRequestFileIsToldByItsFirstBytes(_ head: String, _ expected: Bool) {
        #expect(LogRequestFiles.beginsWithRequest(Array(head.utf8)) == expected)
    }

    /// Each record in its own place, numbered through the file; a line that is not a request
    /// counted where it is; the batches as large as asked.
    @Test func recordsAreNumberedThroughTheFile() throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = folder.appendingPathComponent("logs.otlp.jsonl").path
        let request = { (bodies: [String]) in
            #"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"worker"}}]},"scopeLogs":[{"logRecords":["#
                + bodies.map { #"{"timeUnixNano":"1764059549000000000","traceId":"4bf92f3577b34da6a3ce929d0e0e4736","body":{"stringValue":"\#($0)"}}"# }
                    .joined(separator: ",") + "]}]}]}"
        }
        try ([request(["a", "b"]), "", "not json", request(["c"]), request([])].joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        var summary = ExtractSummary()
        var batches: [[LogRecord]] = []
        let intake = RequestIntake(ruleSet: try RuleSet(rules: []))
        try LogRequestFiles.read(path: path, name: "given.jsonl", file: "/stored/as", intake: intake, batch: 2, into: &summary) { batches.append($0) }
        #expect(batches.map { $0.map(\.message) } == [["a", "b"], ["c"]])
        #expect(batches.joined().map(\.source) == [1, 2, 3].map { SourceLocation(file: "/stored/as", line: $0) })
        #expect(batches.joined().allSatisfy { $0.traceID == TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736") && $0.service == "worker" })
        #expect(summary.lines == 5 && summary.records == 3 && summary.linked == 3)
        #expect(summary.malformed == 1 && summary.firstMalformed == SourceLocation(file: "given.jsonl", line: 3))
    }

    /// Other writers of the kind: protobuf's JSON with the proto field names (`resource_logs`,
    /// `log_records`, as Python's `MessageToJson(preserving_proto_field_name=True)` writes it),
    /// the Collector's file exporter with `compression: zstd`/gzip, and a body that is not
    /// UTF-8 (repaired and counted).
    @Test func snakeCaseCompressedAndRepairedRequestsAreRead() throws {
        let folder = try Fixtures.temporaryDirectory()
        let plain = folder.appendingPathComponent("logs.jsonl").path
        var text = Array(#"{"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":"1764059549000000000","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","body":{"string_value":"#.utf8)
        text += [0x22, 0x6F, 0x6B, 0xFF, 0x21] + Array(#""}}]}]}]}"#.utf8) + [0x0A]
        FileManager.default.createFile(atPath: plain, contents: Data(text))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        try #require(gzip.terminationStatus == 0)
        let (requests, others) = LogRequestFiles.partition([plain + ".gz", folder.path + "/none"])
        #expect(requests == [plain + ".gz"] && others == [folder.path + "/none"])
        var summary = ExtractSummary()
        var records: [LogRecord] = []
        try LogRequestFiles.read(path: plain + ".gz", name: "logs.jsonl.gz", file: "f", intake: RequestIntake(ruleSet: try RuleSet(rules: [])),
                                 into: &summary) { records += $0 }
        #expect(records.map(\.message) == ["ok\u{FFFD}!"])
        #expect(records.first?.traceID == TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(summary.invalidUTF8 == 1 && summary.firstInvalidUTF8 == SourceLocation(file: "logs.jsonl.gz", line: 1))
        // A format the user chose is kept: nothing is looked for.
        #expect(LogRequestFiles.partition([plain], format: .json).requests.isEmpty)
    }
}
