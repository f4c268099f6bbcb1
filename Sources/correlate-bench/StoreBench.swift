import CorrelateDecode
import CorrelateModel
import CorrelateOTLP
import Foundation
import CorrelateJSON

/// `correlate-bench store`: ingest rates into a fresh store and `correlate trace` latency on a
/// large one, for BENCHMARKS.md.
///
///     .build/release/correlate-bench store [--log-lines 10000000] [--traces 200000] [--runs 2]
///
/// 1. Log lines/s: `correlate ingest --logs` of the 100 MB mixed file (the extraction
///    benchmark's, made when missing), and, as the reference, `sqlite3`'s `.import` of the same
///    records as CSV into a table with the same columns and indexes.
/// 2. Spans/s: `correlate ingest --spans` of OTLP JSON (the Celery sample's export requests,
///    repeated with new trace ids) and of the same spans as one OTLP protobuf request.
/// 3. `correlate trace` latency on a store holding `--log-lines` log records and about five
///    spans per trace for `--traces` traces.
enum StoreBench {
    static func run(_ arguments: [String]) throws {
        var logLines = 10_000_000
        var traces = 200_000
        var runs = 2
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--log-lines": logLines = Int(iterator.next() ?? "") ?? logLines
            case "--traces": traces = Int(iterator.next() ?? "") ?? traces
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            default:
                Bench.log("unknown option \(argument)")
                exit(2)
            }
        }
        let root = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let correlate = root.appendingPathComponent("correlate").path
        let data = "bench-data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        var rows: [(String, String, Double, Int)] = []
        func time(_ name: String, _ command: String, count: Int) throws {
            var best = Double.infinity
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                let status = try Bench.shell(command)
                guard status == 0 else { throw BenchError("\(name) failed (\(status)): \(command)") }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            Bench.log(String(format: "%@: %.2f s", name, best))
            rows.append((name, command, best, count))
        }

        // 1. Logs.
        let logs = "\(data)/mixed-100mb.log"
        if !FileManager.default.fileExists(atPath: logs) {
            FileManager.default.createFile(atPath: logs, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logs))
            var generator = LogGenerator(seed: 1)
            try generator.write(bytes: 100 << 20, to: handle)
            try handle.close()
        }
        let records = try countLines(pipe: "'\(correlate)' extract -q '\(logs)'")
        try time("correlate ingest --logs (100 MB mixed)", "rm -rf \(data)/b.db*; '\(correlate)' ingest -q --db \(data)/b.db --logs '\(logs)'", count: records)
        let csv = "\(data)/mixed-100mb.csv"
        if !FileManager.default.fileExists(atPath: csv) { try writeCSV(ndjsonFrom: "'\(correlate)' extract -q '\(logs)'", to: csv) }
        if try Bench.shell("command -v sqlite3 > /dev/null") == 0 {
            let schema = """
                CREATE TABLE logs (ts TEXT, trace_id TEXT, span_id TEXT, job_id TEXT, severity TEXT, service TEXT, host TEXT, rule TEXT, message TEXT, file TEXT, line INTEGER);
                CREATE INDEX logs_trace ON logs (trace_id) WHERE trace_id != '';
                CREATE INDEX logs_job ON logs (job_id) WHERE job_id != '';
                CREATE INDEX logs_ts_trace ON logs (ts, trace_id);
                CREATE INDEX logs_unlinked ON logs (ts) WHERE trace_id = '' AND job_id = '';
                """
            try schema.write(toFile: "\(data)/import.sql", atomically: true, encoding: .utf8)
            try time("sqlite3 .import of the same records as CSV (same indexes)",
                     "rm -f \(data)/i.db*; sqlite3 \(data)/i.db < \(data)/import.sql && sqlite3 \(data)/i.db -cmd 'PRAGMA journal_mode=WAL' -cmd 'PRAGMA synchronous=NORMAL' '.import --csv \(csv) logs' > /dev/null",
                     count: records)
        }

        // 2. Spans.
        let sample = try String(contentsOfFile: "samples/celery-redis/traces.otlp.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let spansJSON = "\(data)/spans-\(traces)t.otlp.jsonl"
        let spansPB = "\(data)/spans-\(traces)t.pb"
        var spanCount = 0
        let repeats = max(1, traces / 28)  // the sample holds 28 jobs
        if !FileManager.default.fileExists(atPath: spansJSON) || !FileManager.default.fileExists(atPath: spansPB) {
            FileManager.default.createFile(atPath: spansJSON, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: spansJSON))
            var all: [Span] = []
            for copy in 0..<repeats {
                var chunk = ""
                for line in sample { chunk += retraced(line, copy) + "\n" }
                try handle.write(contentsOf: Data(chunk.utf8))
                if copy < repeats / 4 {  // the protobuf file: a quarter, to bound memory
                    for line in sample { all += try SpanDocumentDecoder.decode(try JSONDocument.parse(retraced(line, copy))).spans }
                }
            }
            try handle.close()
            try OTLPProtobufEncoder.encodeTraces(all).write(to: URL(fileURLWithPath: spansPB))
        }
        spanCount = repeats * 139
        try time("correlate ingest --spans (OTLP JSON, \(spanCount) spans)",
                 "rm -rf \(data)/s.db*; '\(correlate)' ingest -q --db \(data)/s.db --spans \(spansJSON)", count: spanCount)
        try time("correlate ingest --spans (OTLP protobuf, \(repeats / 4 * 139) spans in one request)",
                 "rm -rf \(data)/p.db*; '\(correlate)' ingest -q --db \(data)/p.db --spans \(spansPB)", count: repeats / 4 * 139)

        // 3. A large store, and trace latency in it.
        let bigLogs = "\(data)/trace-logs-\(logLines).log"
        if !FileManager.default.fileExists(atPath: bigLogs) {
            try writeTraceLogs(bigLogs, lines: logLines, copies: repeats, sampleTraces: sampleTraceIDs(sample))
        }
        let big = "\(data)/big-\(logLines)-\(traces).db"
        if !FileManager.default.fileExists(atPath: big) {
            Bench.log("building \(big)…")
            guard try Bench.shell("'\(correlate)' ingest -q --db \(big) --spans \(spansJSON) --logs \(bigLogs)") == 0 else {
                throw BenchError("could not build \(big)")
            }
        }
        var latencies: [Double] = []
        var random = SplitMix64(state: 7)
        let sampleTraces = sampleTraceIDs(sample)
        for _ in 0..<20 {
            let copy = random.below(repeats)
            let id = String(format: "%08x", copy) + sampleTraces[random.below(sampleTraces.count)].dropFirst(8)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try Bench.shell("'\(correlate)' trace --db \(big) \(id) > /dev/null")
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        latencies.sort()

        // 4. Alerts over the large store: 100 latency alerts, each on one copy's minute.
        let alertsFile = "\(data)/alerts-100.json"
        var fingerprints: [String] = []
        var alertList: [String] = []
        let firstMinute: Int64 = 1_795_595_530_000_000_000
        for index in 0..<100 {
            let copy = random.below(repeats)
            let labels = [("alertname", "JobLatencyHigh"), ("instance", "worker-\(index)"), ("job", "celery-worker"),
                          ("queue", "exports"), ("task", "jobs.tasks.export_report")]
            fingerprints.append(Alert.fingerprint(of: labels))
            let starts = Timestamp(nanoseconds: firstMinute + Int64(copy) * copySpacing + 20_000_000_000)
            let ends = Timestamp(nanoseconds: starts.nanoseconds + 60_000_000_000)
            let labelJSON = labels.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",")
            alertList.append(#"{"labels":{\#(labelJSON)},"annotations":{"description":"p95 runtime above threshold 2s"},"startsAt":"\#(starts)","endsAt":"\#(ends)"}"#)
        }
        try ("[" + alertList.joined(separator: ",\n") + "]\n").write(toFile: alertsFile, atomically: true, encoding: .utf8)
        guard try Bench.shell("'\(correlate)' ingest -q --db \(big) --alerts \(alertsFile)") == 0 else { throw BenchError("could not store the alerts") }
        var lookups: [Double] = []
        for index in 0..<20 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try Bench.shell("'\(correlate)' lookup --db \(big) --fingerprint \(fingerprints[index * 5]) > /dev/null")
            lookups.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        lookups.sort()
        let reportCommand = "'\(correlate)' report --db \(big) --since 2026-11-01T00:00:00Z --until 2027-01-01T00:00:00Z --format json > \(data)/report.ndjson"
        var reportSeconds = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            guard try Bench.shell(reportCommand) == 0 else { throw BenchError("report failed") }
            reportSeconds = min(reportSeconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let reported = try countLines(pipe: "cat \(data)/report.ndjson")

        print("| what | seconds | rows/s |")
        print("|---|---:|---:|")
        for (name, _, seconds, count) in rows {
            print(String(format: "| %@ | %.2f | %.0f |", name, seconds, Double(count) / seconds))
        }
        print("")
        print(String(format: "`correlate trace` on a store of %d log records and %d spans (%d traces), 20 random traces, whole process: median %.1f ms, p90 %.1f ms, max %.1f ms.",
                     logLines, spanCount, repeats * 28, latencies[10], latencies[18], latencies[19]))
        print(String(format: "`correlate lookup --fingerprint` on that store, 20 of 100 latency alerts (each a minute of one copy, 5 min look-back), whole process: median %.1f ms, p90 %.1f ms, max %.1f ms.",
                     lookups[10], lookups[18], lookups[19]))
        print(String(format: "`correlate report --format json` of the 100 alerts (%d bundles): %.2f s.", reported, reportSeconds))
        print("")
        print("Commands:")
        for (name, command, _, _) in rows { print("- \(name): `\(command)`") }
        print("- report: `\(reportCommand)`")
    }

    /// Each copy of the sample is a minute later than the one before.
    static let copySpacing: Int64 = 60_000_000_000

    /// The line as copy `copy` of the sample: the first eight hex digits of every trace id and
    /// job id (`messaging.message.id`) replaced by `copy`, so each copy is a set of jobs of its
    /// own, and every time moved `copy` minutes later, so the copies spread over days as a real
    /// store's traces do.
    static func retraced(_ line: String, _ copy: Int) -> String {
        let bytes = Array(line.utf8)
        let idKeys = [Array(#""traceId":""#.utf8), Array(#""key":"messaging.message.id","value":{"stringValue":""#.utf8)]
        let timeKeys = [Array(#"TimeUnixNano":""#.utf8), Array(#""timeUnixNano":""#.utf8)]
        let prefix = Array(String(format: "%08x", copy).utf8)
        let shift = Int64(copy) * copySpacing
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        func matches(_ key: [UInt8], at index: Int) -> Bool {
            index + key.count <= bytes.count && bytes[index] == key[0] && Array(bytes[index..<index + key.count]) == key
        }
        var index = 0
        scan: while index < bytes.count {
            for key in idKeys where matches(key, at: index) && index + key.count + 8 <= bytes.count {
                out += key + prefix
                index += key.count + 8
                continue scan
            }
            for key in timeKeys where matches(key, at: index) {
                var end = index + key.count
                while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 { end += 1 }
                let value = Int64(String(decoding: bytes[(index + key.count)..<end], as: UTF8.self)) ?? 0
                out += key + Array(String(value + shift).utf8)
                index = end
                continue scan
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The distinct trace ids of the sample's export requests.
    static func sampleTraceIDs(_ sample: [String]) -> [String] {
        var ids: [String] = []
        let key = #""traceId":""#
        for line in sample {
            var rest = Substring(line)
            while let range = rest.range(of: key) {
                let id = String(rest[range.upperBound...].prefix(32))
                if !ids.contains(id) { ids.append(id) }
                rest = rest[range.upperBound...]
            }
        }
        return ids
    }

    /// Log lines in the OpenTelemetry Python format, spread evenly over the traces of every
    /// copy of the sample (about `lines / (copies × traces of the sample)` lines a trace),
    /// each in its copy's minute.
    static func writeTraceLogs(_ path: String, lines: Int, copies: Int, sampleTraces: [String]) throws {
        Bench.log("generating \(path) (\(lines) lines)…")
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var random = SplitMix64(state: 3)
        var chunk = ""
        let start: Int64 = 1_795_595_530_000_000_000  // 2026-11-25T08:32:10Z, as the sample
        for index in 0..<lines {
            let copy = random.below(max(1, copies))
            let trace = String(format: "%08x", copy) + sampleTraces[random.below(sampleTraces.count)].dropFirst(8)
            // Python logging's "2026-11-25 08:32:10,123", in the minute of the trace's copy.
            let time = Timestamp(nanoseconds: start + Int64(copy) * copySpacing + Int64(index % 50_000) * 1_000_000).description
            chunk += time.prefix(10) + " " + time.dropFirst(11).prefix(8) + "," + time.dropFirst(20).prefix(3) + " INFO [jobs.tasks] [tasks.py:56] [trace_id=\(trace) span_id=ec97bc42c6cf425b resource.service.name=celery-worker trace_sampled=True] - step \(index) of the export\n"
            if chunk.utf8.count > 4 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
        try handle.close()
    }

    static func countLines(pipe command: String) throws -> Int {
        let output = try Bench.capture(["/bin/bash", "-c", command + " | wc -l"])
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// The NDJSON records of `command` as CSV rows for sqlite3's `.import`.
    static func writeCSV(ndjsonFrom command: String, to path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var out = ""
        func field(_ value: Any?) -> String {
            guard let value, !(value is NSNull) else { return "" }
            let text = "\(value)"
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            let source = object["source"] as? [String: Any]
            out += ["ts", "trace_id", "span_id", "job_id", "severity", "service", "host", "rule", "message"]
                .map { field(object[$0]) }.joined(separator: ",")
            out += "," + field(source?["file"]) + "," + field(source?["line"]) + "\n"
        }
        try out.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
