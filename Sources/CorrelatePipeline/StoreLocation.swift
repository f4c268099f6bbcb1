#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
import CorrelateStore
import Foundation

/// Where the store is: `--db PATH`, else `$CORRELATE_DB`, else the configuration file's `db:`,
/// else `./correlate.db`.
public enum StoreLocation {
    public static func path(option: String?, configured: String? = nil) -> String {
        if let option, !option.isEmpty { return option }
        if let value = getenv("CORRELATE_DB"), value.pointee != 0 { return String(cString: value) }
        if let configured, !configured.isEmpty { return configured }
        return "correlate.db"
    }

    /// Opens (creating when needed) the store at `path`, to write within `limits`.
    ///
    /// `$CORRELATE_SEGMENT_ROWS` sets the rows after which a segment is sealed
    /// (``StoreLimits/segmentRows``, default 1,000,000): a tuning knob, and how tests make
    /// many small segments.
    public static func open(_ path: String, limits: StoreLimits = StoreLimits()) throws -> EventStore {
        var limits = limits
        if let value = getenv("CORRELATE_SEGMENT_ROWS"), let rows = Int(String(cString: value)), rows > 0 { limits.segmentRows = rows }
        return try SQLiteEventStore(path: path, limits: limits)
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

/// `--retain` and `--max-size` (and `retain:`, `max_size:` in the configuration file) as
/// people write them.
public enum StoreLimitText {
    /// Nanoseconds of `7d`, `12h`, `2w`, `1d12h`…; nil when the text is not a positive
    /// duration of at least a minute.
    public static func retain(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Weeks, as Prometheus's --storage.tsdb.retention.time takes them.
        if trimmed.hasSuffix("w"), let weeks = Int64(trimmed.dropLast()), weeks > 0, weeks < 100_000 {
            return weeks * 7 * 86_400_000_000_000
        }
        guard let nanoseconds = DurationText.nanoseconds(trimmed), nanoseconds >= 60_000_000_000 else { return nil }
        return nanoseconds
    }

    public static let retainHelp = "give a duration of at least a minute, such as 7d, 2w, 12h or 90m"

    /// Bytes of `20GB`, `500MiB`, `1TB`…; nil when the text is not a size of at least 1 MiB.
    public static func maxSize(_ text: String) -> Int64? {
        guard let bytes = ByteSizeText.bytes(text.trimmingCharacters(in: .whitespaces)), bytes >= 1 << 20 else { return nil }
        return Int64(bytes)
    }

    public static let maxSizeHelp = "give a size of at least 1 MiB, such as 20GB, 500MiB or 1TB"
}
