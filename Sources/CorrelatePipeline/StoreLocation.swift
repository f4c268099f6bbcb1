#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
public import CorrelateClickHouse
import CorrelateStore
import Foundation

/// A store's address: an SQLite file, or a ClickHouse database.
public enum StoreAddress: Sendable, Equatable {
    case sqlite(String)
    case clickhouse(ClickHouseEndpoint)

    /// What messages call it (a ClickHouse address without its password).
    public var display: String {
        switch self {
        case .sqlite(let path): path
        case .clickhouse(let endpoint): "ClickHouse \(endpoint.display)"
        }
    }

    /// Reads `--store`'s value: a `clickhouse://`, `http://` or `https://` address is ClickHouse
    /// (``ClickHouseEndpoint/parse(_:password:)``), an address of another scheme an error,
    /// anything else the path of an SQLite file.
    public static func parse(_ text: String, password: String? = nil) throws -> StoreAddress {
        guard ClickHouseEndpoint.names(text) else { return .sqlite(text) }
        do {
            return .clickhouse(try ClickHouseEndpoint.parse(text, password: password))
        } catch {
            throw StoreAddressError(description: error.description)
        }
    }
}

public struct StoreAddressError: Error, CustomStringConvertible {
    public let description: String
}

/// Where the store is: `--store ADDRESS` or `--db PATH`, else `$CORRELATE_STORE` or
/// `$CORRELATE_DB`, else the configuration file's `store:` or `db:`, else `./correlate.db`.
public enum StoreLocation {
    public static func path(option: String?, configured: String? = nil) -> String {
        if let option, !option.isEmpty { return option }
        if let value = getenv("CORRELATE_DB"), value.pointee != 0 { return String(cString: value) }
        if let configured, !configured.isEmpty { return configured }
        return "correlate.db"
    }

    /// The store's address from the options, the environment and the configuration file, in
    /// that order; `passwordFile` (`--store-password-file`) holds a ClickHouse password (its
    /// first line).
    public static func address(store: String?, db: String?, configuredStore: String?, configuredDB: String?,
                               passwordFile: String?) throws -> StoreAddress {
        var password: String?
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw StoreAddressError(description: "cannot read the password file '\(passwordFile)'")
            }
            password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        }
        func variable(_ name: String) -> String? {
            guard let value = getenv(name), value.pointee != 0 else { return nil }
            return String(cString: value)
        }
        if let store, !store.isEmpty { return try StoreAddress.parse(store, password: password) }
        if let db, !db.isEmpty { return .sqlite(db) }
        if let store = variable("CORRELATE_STORE") { return try StoreAddress.parse(store, password: password) }
        if let db = variable("CORRELATE_DB") { return .sqlite(db) }
        if let store = configuredStore, !store.isEmpty { return try StoreAddress.parse(store, password: password) }
        if let db = configuredDB, !db.isEmpty { return .sqlite(db) }
        return .sqlite("correlate.db")
    }

    /// Opens (creating when needed) the store at `path`, to write within `limits`.
    ///
    /// `$CORRELATE_SEGMENT_ROWS` sets the rows after which a segment is sealed
    /// (``StoreLimits/segmentRows``, default 1,000,000): a tuning knob, and how tests make
    /// many small segments.
    public static func open(_ path: String, limits: StoreLimits = StoreLimits()) throws -> EventStore {
        try open(.sqlite(path), limits: limits)
    }

    /// Opens the store to write: an SQLite file is created when needed; a ClickHouse database
    /// must hold the exporter's tables (`correlate store init`), and retention there is the
    /// tables' TTL, not `limits`.
    public static func open(_ address: StoreAddress, limits: StoreLimits = StoreLimits()) throws -> EventStore {
        switch address {
        case .sqlite(let path):
            var limits = limits
            if let value = getenv("CORRELATE_SEGMENT_ROWS"), let rows = Int(String(cString: value)), rows > 0 { limits.segmentRows = rows }
            return try SQLiteEventStore(path: path, limits: limits)
        case .clickhouse(let endpoint):
            return try ClickHouseEventStore(endpoint: endpoint, access: .write)
        }
    }

    /// A second, read-only connection to the store at `path`, which a writer has opened (and
    /// created) already: what bundles are built through, beside the writing thread.
    public static func openReader(_ path: String) throws -> EventStore {
        try openReader(.sqlite(path))
    }

    public static func openReader(_ address: StoreAddress) throws -> EventStore {
        switch address {
        case .sqlite(let path): try SQLiteEventStore(path: path, access: .readOnly)
        case .clickhouse(let endpoint): try ClickHouseEventStore(endpoint: endpoint, access: .read)
        }
    }

    /// Opens an existing store to read it (nothing in it, or beside it, is written); nil when
    /// there is no file at `path`.
    public static func openExisting(_ path: String) throws -> EventStore? {
        try openExisting(.sqlite(path))
    }

    /// Opens an existing store to read it, for a command that reads and exits (an SQLite store's
    /// sealed segments are read each in one transaction: ``SQLiteEventStore/Access/snapshot``); nil when there is no
    /// SQLite file at the address (a ClickHouse database without the tables is an error that
    /// says so).
    public static func openExisting(_ address: StoreAddress) throws -> EventStore? {
        switch address {
        case .sqlite(let path):
            guard access(path, F_OK) == 0 else { return nil }
            return try SQLiteEventStore(path: path, access: .snapshot)
        case .clickhouse(let endpoint):
            return try ClickHouseEventStore(endpoint: endpoint, access: .read)
        }
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
        if trimmed.hasSuffix("w"), let weeks = Int64(trimmed.dropLast()), weeks > 0 {
            // At most 15,250 weeks: the nanoseconds of 292 years.
            let (nanoseconds, overflow) = weeks.multipliedReportingOverflow(by: 7 * 86_400_000_000_000)
            return overflow ? nil : nanoseconds
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
