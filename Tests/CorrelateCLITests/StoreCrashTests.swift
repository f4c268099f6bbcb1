import Foundation
import Testing
import CorrelateModel
import CorrelateStore
import CorrelateTestSupport

/// SIGKILL at any moment — while the head segment is sealed and the next begun, while
/// retention drops segments — loses nothing that was committed and doubles nothing: after a
/// re-run, every line of the input is in the store exactly once (or, under retention, every
/// line of a contiguous newest stretch, each once), and the store is sound.
@Suite(.serialized) struct StoreCrashTests {
    /// `count` JSON log lines, line i dated i seconds after 08:00, each with its own trace id.
    static func input(_ folder: URL, count: Int) throws -> URL {
        var text = ""
        text.reserveCapacity(count * 140)
        let base = Timestamp.parse("2026-11-25T08:00:00Z")!
        for index in 1...count {
            let time = Timestamp(nanoseconds: base.nanoseconds + Int64(index) * 1_000_000_000).description
            text += #"{"timestamp":"\#(time)","level":"info","message":"step \#(index)","trace_id":"\#(String(format: "%032x", index))"}"# + "\n"
        }
        let file = folder.appendingPathComponent("app.log")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs `correlate` on the input through standard input (the streaming path) and kills it
    /// with SIGKILL as soon as the store's folder of segments holds `segments` more files than
    /// when it started (a segment was just sealed and the next begun), unless it has finished
    /// by then. True when it was killed.
    @discardableResult
    static func runAndKill(_ arguments: [String], input: URL, db: String, afterSegments segments: Int, environment: [String: String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandRunner.correlate)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        let before = StoreFiles.segments(db).count
        let start = Date()
        while process.isRunning, Date().timeIntervalSince(start) < 60, StoreFiles.segments(db).count < before + segments { usleep(500) }
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return killed
    }

    /// The lines of the store's one source: how many records, and the first and last line (by
    /// their times, one second a line).
    static func stored(_ db: String) throws -> (records: Int, first: Int, last: Int) {
        let store = try SQLiteEventStore(path: db, access: .readOnly)
        #expect(try store.integrityCheck())
        let sources = try store.logSources()
        #expect(sources.count <= 1, "\(sources.map(\.path))")
        guard let source = sources.first, let first = source.first, let last = source.last else { return (0, 0, 0) }
        let base = Timestamp.parse("2026-11-25T08:00:00Z")!
        func line(_ time: Timestamp) -> Int { Int(time.nanoseconds(since: base) / 1_000_000_000) }
        return (source.records, line(first), line(last))
    }

    /// The segment files on disk are those the catalog lists (a crash between dropping one
    /// from the catalog and removing its file is cleaned up by the next writer).
    static func expectNoStrayFiles(_ db: String) throws {
        _ = try SQLiteEventStore(path: db)
        let listed = try SQLiteEventStore(path: db, access: .readOnly).segmentSummary().filter { $0.id > 0 }.count
        #expect(StoreFiles.segments(db).count == listed, "\(StoreFiles.segments(db)) on disk, \(listed) listed")
    }

    /// A segment is sealed after every batch (`CORRELATE_SEGMENT_ROWS=1`; the streaming path
    /// writes batches of up to 20,000 records, each one transaction), so each kill comes right
    /// after a switch — or, polling being what it is, in the middle of one.
    @Test func killedWhileSegmentsAreSwitchedNothingIsLostOrDoubled() throws {
        let folder = try Fixtures.temporaryDirectory("crash")
        let count = 120_000
        let input = try Self.input(folder, count: count)
        let db = folder.appendingPathComponent("s.db").path
        let environment = ["CORRELATE_SEGMENT_ROWS": "1"]
        var kills = 0
        for segments in [1, 1, 2, 1] {
            if try Self.runAndKill(["--db", db, "-q"], input: input, db: db, afterSegments: segments, environment: environment) { kills += 1 }
            let (records, first, last) = try Self.stored(db)
            // Whatever was committed is a prefix of the input, each line once.
            #expect(records == 0 || (first == 1 && last == records), "\(records) records, lines \(first)…\(last)")
        }
        #expect(kills >= 3, "the runs finished before they could be killed; make the input larger")
        let rerun = try CommandRunner.run(["--db", db], stdin: try Data(contentsOf: input), environment: environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let (records, first, last) = try Self.stored(db)
        #expect(records == count && first == 1 && last == count, "\(records) records, lines \(first)…\(last)")
        try Self.expectNoStrayFiles(db)
    }

    @Test(.enabled(if: TestStore.sqliteOnly, "SQLite segments")) func killedWhileRetentionDropsSegmentsTheStoreStaysWhole() throws {
        let folder = try Fixtures.temporaryDirectory("crash")
        let count = 120_000
        let input = try Self.input(folder, count: count)
        let db = folder.appendingPathComponent("r.db").path
        let environment = ["CORRELATE_SEGMENT_ROWS": "1"]
        // Keep 2 hours behind the newest line: of 120,000 seconds, at least the last 7,200 lines
        // (whole segments: each run's batches of 20,000 lines, a segment each).
        for segments in [2, 3, 2] {
            try Self.runAndKill(["--db", db, "-q", "--retain", "2h"], input: input, db: db, afterSegments: segments, environment: environment)
            // Lines dropped and written again by the next run may sit in the head beside the
            // newest stretch; never a line twice.
            let (records, first, last) = try Self.stored(db)
            #expect(records <= last - first + 1, "\(records) records, lines \(first)…\(last)")
        }
        let rerun = try CommandRunner.run(["--db", db, "--retain", "2h"], stdin: try Data(contentsOf: input), environment: environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("retention: dropped"), "\(rerun.stderr)")
        let (records, first, last) = try Self.stored(db)
        #expect(last == count, "the newest line is kept")
        #expect(records == last - first + 1, "\(records) records, lines \(first)…\(last): a contiguous stretch, each line once")
        // At least two hours; more where a segment mixes lines written again (old) with new ones:
        // retention drops whole segments, those whose newest line is older than two hours.
        #expect(count - first >= 7_200 && first > 1, "kept from line \(first)")
        try Self.expectNoStrayFiles(db)
    }
}
