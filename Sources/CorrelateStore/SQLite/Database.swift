internal import CSQLite
import Foundation

/// One SQLite connection, used from one thread at a time.
final class Database {
    let handle: OpaquePointer
    let path: String

    /// Opens (creating when needed) the database at `path`.
    /// - Parameter immutable: read only, and SQLite may assume nobody changes the file while it
    ///   is open (URI parameter `immutable=1`): no lock, no `-shm` file. For a store in a
    ///   folder the reader cannot write, whose WAL files do not exist (no writer is running).
    init(path: String, readOnly: Bool = false, immutable: Bool = false) throws(SQLiteError) {
        Self.configureOnce()
        var db: OpaquePointer?
        let flags = readOnly || immutable
            ? SQLITE_OPEN_READONLY
            : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let name = immutable ? Self.immutableURI(path) : path
        let rc = sqlite3_open_v2(name, &db, flags | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0), nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(rc, db, "cannot open database '\(path)'")
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5_000)
        if Self.logStatements { sqlite3_trace_v2(db, UInt32(SQLITE_TRACE_PROFILE), Self.logStatement, nil) }
        if !(readOnly || immutable) {
            // Debian and others build SQLite with SECURE_DELETE on: every cell a page split
            // moves is zeroed where it was. correlate's rows are no secret from the file's
            // owner, and dropping old data drops whole segment files.
            sqlite3_exec(db, "PRAGMA secure_delete = OFF", nil, nil, nil)
        }
    }

    /// `$CORRELATE_SQLITE_LOG` set (and not `0`): each statement's time, file (the segment's
    /// name) and text on standard error, when it ends (SQLite's `SQLITE_TRACE_PROFILE`, timed
    /// by SQLite's clock in whole milliseconds); as `$CORRELATE_CLICKHOUSE_LOG` for a
    /// ClickHouse store.
    private static let logStatements = getenv("CORRELATE_SQLITE_LOG").map { String(cString: $0) }.map { !$0.isEmpty && $0 != "0" } ?? false

    private static let logStatement: @convention(c) (UInt32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32 = {
        _, _, statement, nanoseconds in
        guard let statement, let nanoseconds else { return 0 }
        let handle = OpaquePointer(statement)
        let file = sqlite3_db_filename(sqlite3_db_handle(handle), "main").map { String(cString: $0) } ?? ""
        let text = sqlite3_sql(handle).map { String(cString: $0) } ?? ""
        let milliseconds = nanoseconds.load(as: Int64.self) / 1_000_000
        let line = "sqlite: \(milliseconds) ms: \(file.split(separator: "/").last ?? ""): "
            + text.split(whereSeparator: \.isWhitespace).joined(separator: " ") + "\n"
        var bytes = Array(line.utf8)
        _ = write(2, &bytes, bytes.count)
        return 0
    }

    /// SQLite's process-wide settings, made before its first connection opens.
    private static let configured: Bool = correlate_sqlite_configure() == SQLITE_OK
    private static func configureOnce() { _ = configured }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// `file:PATH?immutable=1`, the path percent-encoded where a URI needs it.
    static func immutableURI(_ path: String) -> String {
        var out = "file:"
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x21, 0x7F...:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded
            default:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out + "?immutable=1"
    }

    /// Runs SQL that returns no rows (several statements allowed).
    func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: rc, message: message, context: "executing \(sql.prefix(80))")
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(self, sql)
    }

    /// The single integer a query returns, or nil when it returns no row.
    func integer(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.int64(0)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
