import Foundation
import Testing
import CorrelateTestSupport

/// The Celery + Redis sample's ground truth (`truth.json`): per job, its trace ids, task id and
/// every log line that belongs to it.
struct Truth {
    struct Job {
        var traceIDs: [String]
        var taskID: String
        var lines: [(file: String, line: Int, via: String)]
    }

    var jobs: [Job]
    var noise: [(file: String, line: Int, kind: String)]

    static func load() throws -> Truth {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.celery("truth.json")))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let jobs = (root["jobs"] as! [[String: Any]]).map { job in
            Job(traceIDs: job["trace_ids"] as! [String], taskID: job["task_id"] as! String,
                lines: (job["log_lines"] as! [[String: Any]]).map {
                    ($0["file"] as! String, $0["line"] as! Int, $0["via"] as! String)
                })
        }
        let noise = (root["noise"] as! [[String: Any]]).map {
            ($0["file"] as! String, $0["line"] as! Int, $0["kind"] as! String)
        }
        return Truth(jobs: jobs, noise: noise)
    }
}

@Suite struct CelerySampleTests {
    static let logFiles = [
        "logs/celery-worker.log", "logs/journal.json", "logs/producer.json.log",
        "logs/producer.otel.log", "logs/worker.json.log", "logs/worker.otel.log",
    ]

    /// (file, line) → the record that covers that physical line.
    private func recordsByLine() throws -> [String: [Int: [String: Any]]] {
        let (records, _, _) = try runExtract(Self.logFiles, directory: Fixtures.celery(""))
        var byLine: [String: [Int: [String: Any]]] = [:]
        for record in records {
            for line in record.sourceLine..<(record.sourceLine + record.sourceLines) {
                #expect(byLine[record.sourceFile]?[line] == nil, "line \(record.sourceFile):\(line) in two records")
                byLine[record.sourceFile, default: [:]][line] = record
            }
        }
        return byLine
    }

    private func rawLines(_ file: String) throws -> [String] {
        let text = try String(contentsOfFile: Fixtures.celery(file), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func everyPhysicalLineIsInExactlyOneRecord() throws {
        let byLine = try recordsByLine()
        for file in Self.logFiles {
            let count = try rawLines(file).count - 1  // the files end with a newline
            #expect(byLine[file]?.count == count, "\(file)")
        }
    }

    @Test func everyLineCarryingATraceIDYieldsExactlyThatID() throws {
        let truth = try Truth.load()
        let byLine = try recordsByLine()
        var checked = 0
        for job in truth.jobs {
            for entry in job.lines where entry.via.hasPrefix("trace_id") {
                let record = try #require(byLine[entry.file]?[entry.line], "no record covers \(entry.file):\(entry.line)")
                let traceID = try #require(record.string("trace_id"), "\(entry.file):\(entry.line) not linked")
                #expect(job.traceIDs.contains(traceID), "\(entry.file):\(entry.line) got \(traceID)")
                // The id is the one written on the record's first line, not just one of the job's.
                let first = try rawLines(entry.file)[record.sourceLine - 1]
                #expect(first.contains(traceID), "\(entry.file):\(record.sourceLine)")
                checked += 1
            }
        }
        #expect(checked == 547)
    }

    @Test func noOtherLineYieldsATraceID() throws {
        let truth = try Truth.load()
        let byLine = try recordsByLine()
        // Lines truth.json attributes to a job, with that job's trace ids. (It lists the truncated
        // JSON line by its task id only; the trace id on it is complete and is the job's.)
        var jobTraceIDs: [String: [String]] = [:]
        for job in truth.jobs {
            for entry in job.lines { jobTraceIDs["\(entry.file):\(entry.line)"] = job.traceIDs }
        }
        for (file, lines) in byLine {
            for (line, record) in lines {
                guard let traceID = record.string("trace_id") else { continue }
                let ids = jobTraceIDs["\(file):\(line)"]
                #expect(ids?.contains(traceID) == true, "\(file):\(line) linked to \(traceID), truth.json says \(ids ?? [])")
            }
        }
        for entry in truth.noise where entry.kind.contains("trace_id") {
            #expect(byLine[entry.file]?[entry.line]?.string("trace_id") == nil, "\(entry.file):\(entry.line)")
        }
    }

    @Test func celeryLinesCarryTheirTaskIDAsJobID() throws {
        let truth = try Truth.load()
        let byLine = try recordsByLine()
        var checked = 0
        for job in truth.jobs {
            for entry in job.lines where entry.via.hasPrefix("task_id") {
                let record = try #require(byLine[entry.file]?[entry.line], "\(entry.file):\(entry.line)")
                #expect(record.string("job_id") == job.taskID, "\(entry.file):\(entry.line)")
                checked += 1
            }
        }
        #expect(checked == 157)
    }

    @Test func tracebacksStayOneRecord() throws {
        let byLine = try recordsByLine()
        // celery-worker.log: the "raised unexpected" line and the 10 traceback lines under it.
        let record = try #require(byLine["logs/celery-worker.log"]?[108])
        #expect(record.sourceLine == 107)
        #expect(record.sourceLines == 11)
        #expect((record.string("message") ?? "").hasSuffix("jobs.tasks.UnsupportedImageFormat: cannot decode img-11457d.heic: no decoder for 'heic'"))
        #expect(record.string("severity") == "error")
    }

    @Test func summaryCountsTheSampleDefects() throws {
        let (_, summary, _) = try runExtract(["logs/producer.json.log"], directory: Fixtures.celery(""))
        #expect(summary.lines == 75)
        #expect(summary.malformed == 2)
        #expect(summary.firstMalformed?.description.hasSuffix("logs/producer.json.log:29") == true)
        #expect(summary.zeroIDs == 1)
    }

    @Test func onlyLinkedWritesTheLinkedRecordsAndNothingElse() throws {
        let all = try runExtract(Self.logFiles, directory: Fixtures.celery("")).records
        let linked = try runExtract(Self.logFiles, onlyLinked: true, directory: Fixtures.celery("")).records
        let expected = all.filter { $0.string("trace_id") != nil || $0.string("job_id") != nil }
        #expect(linked.count == expected.count)
        #expect(linked.map { "\($0.sourceFile):\($0.sourceLine)" } == expected.map { "\($0.sourceFile):\($0.sourceLine)" })
    }
}
