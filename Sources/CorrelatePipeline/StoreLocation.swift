#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
import CorrelateStore

/// Where the store is: `--db PATH`, else `$CORRELATE_DB`, else the configuration file's `db:`,
/// else `./correlate.db`.
public enum StoreLocation {
    public static func path(option: String?, configured: String? = nil) -> String {
        if let option, !option.isEmpty { return option }
        if let value = getenv("CORRELATE_DB"), value.pointee != 0 { return String(cString: value) }
        if let configured, !configured.isEmpty { return configured }
        return "correlate.db"
    }

    /// Opens (creating when needed) the store at `path`.
    public static func open(_ path: String) throws -> EventStore {
        try SQLiteEventStore(path: path)
    }

    /// A second, read-only connection to the store at `path`, which a writer has opened (and
    /// created) already: what bundles are built through, beside the writing thread.
    public static func openReader(_ path: String) throws -> EventStore {
        try SQLiteEventStore(path: path, access: .readOnly)
    }

    /// Opens an existing store to read it (nothing in it, or beside it, is written); nil when
    /// there is no file at `path`.
    public static func openExisting(_ path: String) throws -> EventStore? {
        guard access(path, F_OK) == 0 else { return nil }
        return try SQLiteEventStore(path: path, access: .readOnly)
    }
}
