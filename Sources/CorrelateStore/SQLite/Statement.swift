internal import CSQLite

/// A prepared statement, reused for every row of a batch.
final class Statement {
    private let handle: OpaquePointer
    private let db: Database
    let sql: String

    init(_ db: Database, _ sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(db.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(rc, db.handle, "preparing \(sql.prefix(80))")
        }
        self.handle = statement
        self.db = db
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding (1-based indexes, as SQLite numbers parameters)

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int?) {
        bind(index, value.map(Int64.init))
    }

    func bind(_ index: Int32, _ value: String?) {
        guard let value else { return _ = sqlite3_bind_null(handle, index) }
        var copy = value
        copy.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                // An empty buffer may have no address; SQLite wants a non-null pointer for "".
                _ = sqlite3_bind_text(handle, index, text.baseAddress ?? Statement.empty, Int32(text.count),
                                      correlate_sqlite_transient())
            }
        }
    }

    /// UTF-8 text from a buffer (copied by SQLite: the buffer may go once this returns).
    func bind(_ index: Int32, text: UnsafeBufferPointer<UInt8>) {
        text.withMemoryRebound(to: CChar.self) { text in
            _ = sqlite3_bind_text(handle, index, text.baseAddress ?? Statement.empty, Int32(text.count),
                                  correlate_sqlite_transient())
        }
    }

    /// Binds `text` without SQLite copying it (`SQLITE_STATIC`): the bytes must stay valid and
    /// unchanged until the statement has run (``run()`` clears the bindings), as a batch's buffer
    /// does while its rows are written. nil binds NULL.
    func bind(_ index: Int32, borrowedText text: UnsafeBufferPointer<UInt8>?) {
        guard let text else { return _ = sqlite3_bind_null(handle, index) }
        text.withMemoryRebound(to: CChar.self) { text in
            _ = sqlite3_bind_text(handle, index, text.baseAddress ?? Statement.empty, Int32(text.count), nil)
        }
    }

    /// Binds `blob` without SQLite copying it, under the terms of ``bind(_:borrowedText:)``.
    func bind(_ index: Int32, borrowedBlob blob: UnsafeBufferPointer<UInt8>?) {
        guard let blob else { return _ = sqlite3_bind_null(handle, index) }
        sqlite3_bind_blob(handle, index, blob.baseAddress, Int32(blob.count), nil)
    }

    func bind(_ index: Int32, blob: UnsafeRawBufferPointer?) {
        guard let blob else { return _ = sqlite3_bind_null(handle, index) }
        sqlite3_bind_blob(handle, index, blob.baseAddress, Int32(blob.count), correlate_sqlite_transient())
    }

    func bind(_ index: Int32, blob: [UInt8]?) {
        guard let blob else { return _ = sqlite3_bind_null(handle, index) }
        blob.withUnsafeBytes { bind(index, blob: $0) }
    }

    nonisolated(unsafe) private static let empty: UnsafePointer<CChar> = {
        // One NUL byte, never written: safe to share.
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()

    // MARK: Running

    /// Steps once: true when a row is available, false when the statement is done.
    @discardableResult
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(rc, db.handle, "running \(sql.prefix(80))")
        }
    }

    /// Runs to completion and resets for the next binding.
    func run() throws(SQLiteError) {
        defer { reset() }
        while try step() {}
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Reading columns (0-based)

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func int64OrNil(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Calls `body` with a text column's UTF-8 bytes as SQLite holds them (nil for NULL),
    /// valid only during the call.
    func withText<R>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        guard let text = sqlite3_column_text(handle, column) else { return try body(nil) }
        return try body(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))))
    }

    /// Calls `body` with a blob column's bytes as SQLite holds them (empty for NULL), valid
    /// only during the call.
    func withBlob<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let bytes = sqlite3_column_blob(handle, column)
        return try body(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : Int(sqlite3_column_bytes(handle, column))))
    }

    func blob(_ column: Int32) -> [UInt8]? {
        guard let bytes = sqlite3_column_blob(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
