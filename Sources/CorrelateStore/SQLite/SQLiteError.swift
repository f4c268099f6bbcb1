internal import CSQLite
public import CorrelateModel

/// A failed SQLite call: the result code, SQLite's message and what correlate was doing.
public struct SQLiteError: StoreError, Sendable {
    public let code: Int32
    public let message: String
    public let context: String

    init(code: Int32, message: String, context: String) {
        self.code = code
        self.message = message
        self.context = context
    }

    init(_ code: Int32, _ db: OpaquePointer?, _ context: String) {
        self.code = code
        if let db, let text = sqlite3_errmsg(db) {
            self.message = String(cString: text)
        } else {
            self.message = String(cString: sqlite3_errstr(code))
        }
        self.context = context
    }

    public var description: String { "\(context): \(message) (SQLite code \(code))" }

    /// The database file is not an SQLite database (or is encrypted, or damaged beyond reading).
    public var isNotADatabase: Bool { code & 0xFF == SQLITE_NOTADB || code & 0xFF == SQLITE_CORRUPT }

    /// Another connection held the database longer than the busy timeout: worth retrying.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }

    /// The file could not be written for a reason of the machine's, not of the data: the disk
    /// or the file size limit is full, an I/O error, the file became unwritable or unopenable,
    /// memory ran out. Worth retrying once someone has made room.
    public var isStorageUnavailable: Bool {
        [SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_NOMEM].contains(code & 0xFF)
    }

    public var condition: StoreCondition {
        if isBusy { return .busy }
        if isStorageUnavailable { return .unavailable }
        if isNotADatabase { return .notAStore }
        return .failed
    }

    public var reason: String { message }
}
