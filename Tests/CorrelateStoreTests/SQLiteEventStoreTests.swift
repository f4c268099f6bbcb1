import Foundation
import Testing
import CorrelateModel
@testable import CorrelateStore
import CorrelateTestSupport

private func temporaryStore() throws -> (SQLiteEventStore, String) {
    let path = try Fixtures.temporaryDirectory().appendingPathComponent("store.db").path
    return (try SQLiteEventStore(path: path), path)
}

/// A store as correlate wrote it at schema `version`: its migrations only, and that version
/// recorded.
private func oldStore(version: Int) throws -> (Database, String) {
    let path = try Fixtures.temporaryDirectory().appendingPathComponent("v\(version).db").path
    let database = try Database(path: path)
    try database.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for migration in Schema.migrations.prefix(version) { try database.execute(migration) }
    try database.execute("INSERT INTO meta VALUES ('schema_version', '\(version)')")
    return (database, path)
}

private let traceA = "4bf92f3577b34da6a3ce929d0e0e4736"

@Suite struct SQLiteEventStoreTests {
    @Test func freshStoreHasTheCurrentSchema() throws {
        let (store, _) = try temporaryStore()
        #expect(try store.schemaVersion() == Schema.version)
        #expect(try store.integrityCheck())
        #expect(try store.statistics() == StoreStatistics())
    }

    @Test func reopeningKeepsEverything() throws {
        let (store, path) = try temporaryStore()
        _ = try store.insert(spans: [makeSpan(traceA, "00f067aa0ba902b7")])
        _ = try store.insert(rawAlert: #"{"version":"4"}"#, source: .init(file: "a.json", line: 1))
        let again = try SQLiteEventStore(path: path)
        #expect(try again.statistics() == StoreStatistics(spans: 1, traces: 1, rawAlerts: 1))
        #expect(try again.insert(rawAlert: #"{"version":"4"}"#, source: .init(file: "a.json", line: 1)) == InsertResult(duplicates: 1))
    }

    @Test func aVersionTwoStoreIsMigrated() throws {
        let (database, path) = try oldStore(version: 2)
        try database.execute("CREATE INDEX logs_ts ON logs (ts)")
        _ = try SQLiteEventStore(path: path)
        #expect(try database.integer("SELECT count(*) FROM sqlite_master WHERE name = 'logs_ts'") == 0)
        #expect(try database.integer("SELECT count(*) FROM sqlite_master WHERE name = 'logs_ts_trace'") == 1)
        #expect(try database.integer("SELECT value FROM meta WHERE key = 'schema_version'") == Int64(Schema.version))
    }

    /// With background checkpoints the writer never checkpoints (under the hard limit), yet
    /// the WAL is copied into the database file as it passes the threshold.
    @Test func backgroundCheckpointsCopyTheWALIntoTheDatabase() throws {
        let (store, catalog) = try temporaryStore()
        // The head segment is the file written.
        let path = SQLiteEventStore.segmentFolder(catalog) + "/00000001.db"
        _ = try store.insert(spans: [makeSpan(traceA, "00f067aa0ba902b7")])
        try store.beginLongRunningWrites()
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        let before = size(path)
        let padding = String(repeating: "x", count: 600)
        for batch in 0..<40 {
            let spans = (0..<1_000).map { index in
                var span = makeSpan(String(format: "%016x%016x", batch + 1, index + 1), "00f067aa0ba902b7")
                span.attributes = [Attribute("padding", .string(padding))]
                return span
            }
            _ = try store.insert(spans: spans)
        }
        // 40,000 rows of ~700 bytes: past the 1,024-page (16 MiB) threshold.
        let deadline = Date(timeIntervalSinceNow: 10)
        while size(path) < 16 << 20, Date() < deadline { usleep(50_000) }
        #expect(size(path) >= 16 << 20, "the database file grew from \(before) to \(size(path)) bytes")
        #expect(try store.statistics().spans == 40_001)
    }

    /// A version 3 store (spans keyed in a WITHOUT ROWID table, the resource as text in every
    /// row) gets its spans moved to the rowid table with resources stored once; nothing is lost
    /// and the key still refuses duplicates.
    @Test func aVersionThreeStoreKeepsItsSpansThroughTheMigration() throws {
        let (database, path) = try oldStore(version: 3)
        let resource = #"{"service.name":"svc"}"#
        for (span, start) in [("00f067aa0ba902b7", 10), ("00f067aa0ba902b8", 20)] {
            try database.execute("""
                INSERT INTO spans VALUES (x'\(traceA)', x'\(span)', NULL, 'job', 5, \(start), \(start + 5), 0, NULL, 'svc',
                    'job-1', '{"n":1}', '\(resource)', '[]', '[]')
                """)
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try store.schemaVersion() == Schema.version)
        let spans = try store.spans(inTrace: TraceID(hex: traceA)!)
        #expect(spans.map(\.spanID.description) == ["00f067aa0ba902b7", "00f067aa0ba902b8"])
        #expect(spans.allSatisfy { $0.resource == [Attribute("service.name", .string("svc"))] })
        #expect(try store.spans(withMessageIDs: ["job-1"]).count == 2)
        #expect(try database.integer("SELECT count(*) FROM resources") == 1)
        #expect(try store.insert(spans: [makeSpan(traceA, "00f067aa0ba902b7", start: 10)]) == InsertResult(duplicates: 1))
        #expect(try store.insert(spans: [makeSpan(traceA, "00f067aa0ba902b9")]) == InsertResult(stored: 1))
        #expect(try database.integer("SELECT count(*) FROM resources") == 1, "the same resource is not stored twice")
        #expect(try store.integrityCheck())
    }

    @Test func anInterruptedBulkLoadGetsItsIndexesBackOnOpen() throws {
        let (store, path) = try temporaryStore()
        let head = SQLiteEventStore.segmentFolder(path) + "/00000001.db"
        func indexCount() throws -> Int64? {
            try Database(path: head).integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('logs_trace', 'logs_job', 'logs_ts_trace', 'logs_unlinked', 'spans_start', 'spans_message')")
        }
        try store.beginBulkLoad(expectedRows: 1_000_000)
        _ = try store.insert(spans: [makeSpan(traceA, "00f067aa0ba902b7")])
        // The head a bulk load writes has no secondary indexes until it ends (or is sealed).
        #expect(try indexCount() == 0)
        // The process dies here; the next open rebuilds the indexes.
        _ = try SQLiteEventStore(path: path)
        #expect(try indexCount() == 6)
        try store.endBulkLoad()
        #expect(try indexCount() == 6)
    }

    @Test func aSmallLoadKeepsItsIndexes() throws {
        let (store, path) = try temporaryStore()
        try store.beginBulkLoad(expectedRows: 1_000)
        _ = try store.insert(spans: [makeSpan(traceA, "00f067aa0ba902b7")])
        let head = SQLiteEventStore.segmentFolder(path) + "/00000001.db"
        #expect(try Database(path: head).integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'logs_trace'") == 1)
    }

    @Test func aFileThatIsNotAStoreIsRefusedClearly() throws {
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("notes.db").path
        try Data(String(repeating: "this is not sqlite\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try SQLiteEventStore(path: path)
        } throws: { error in
            "\(error)".contains("not a correlate store")
        }
    }

    @Test func aStoreFromANewerCorrelateIsRefused() throws {
        let (store, path) = try temporaryStore()
        _ = store
        let db = try Database(path: path)
        try db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        #expect {
            _ = try SQLiteEventStore(path: path)
        } throws: { error in
            "\(error)".contains("newer than this correlate knows")
        }
    }
}
