import CorrelateModel
import Foundation

/// Where a ClickHouse store is: `--store clickhouse://[user[:password]@]host:8123/DATABASE`.
///
/// Schemes: `clickhouse://` and `http://` speak plain HTTP (port 8123 when none is given);
/// `https://` and `clickhouses://` speak TLS (port 8443). The path is the database (`default`
/// when empty). Query parameters: `timeout` (seconds a request may take, default 30),
/// `traces_table` and `logs_table` (the exporter's `traces_table_name`/`logs_table_name`,
/// default `otel_traces`, `otel_logs`). The user defaults to `default`, as ClickHouse's.
public struct ClickHouseEndpoint: Sendable, Equatable {
    /// `http://host:8123` or `https://host:8443`, without a path.
    public var base: String
    public var database: String
    public var user: String
    public var password: String
    /// Seconds one request may take.
    public var timeout: Int64
    public var tracesTable: String
    public var logsTable: String

    public init(base: String, database: String = "default", user: String = "default", password: String = "",
                timeout: Int64 = 30, tracesTable: String = "otel_traces", logsTable: String = "otel_logs") {
        self.base = base
        self.database = database
        self.user = user
        self.password = password
        self.timeout = timeout
        self.tracesTable = tracesTable
        self.logsTable = logsTable
    }

    /// Whether `text` is an address (`scheme://…`) rather than the path of an SQLite file. An
    /// address of another scheme than ClickHouse's (a typo such as `clickhous://`, or
    /// `postgres://`) is one too, which ``parse(_:password:)`` refuses, instead of a file of
    /// that name being made (a path with `://` in it is written `./…`).
    public static func names(_ text: String) -> Bool {
        guard let separator = text.range(of: "://") else { return false }
        let scheme = text[..<separator.lowerBound]
        return scheme.first?.isLetter == true && scheme.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "+" || $0 == "-" || $0 == "."
        }
    }

    public struct AddressError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads an address; `password`, when given (from `--store-password-file`), wins over one in
    /// the address.
    public static func parse(_ text: String, password: String? = nil) throws(AddressError) -> ClickHouseEndpoint {
        // Messages quote the address without its password.
        let shown = redacted(text)
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw AddressError(description: "'\(shown)' is not a ClickHouse address: write clickhouse://[user[:password]@]host:8123/DATABASE")
        }
        let secure: Bool
        switch scheme {
        case "clickhouse", "http": secure = false
        case "clickhouses", "https": secure = true
        default: throw AddressError(description: "'\(scheme)://' is not a ClickHouse scheme: use clickhouse://, http:// or https://")
        }
        // An empty port (`host:/db`) is the default, as RFC 3986 §3.2.3 allows.
        let written = URLPort.written(in: text).flatMap { $0.isEmpty ? nil : $0 }
        guard let port = written.map({ URLPort.number($0) }) ?? (secure ? 8443 : 8123) else {
            throw AddressError(description: "port '\(written ?? "")' in '\(shown)' is not a port (1 to 65535)")
        }
        let hostText = host.contains(":") ? "[\(host)]" : host
        var endpoint = ClickHouseEndpoint(base: "\(secure ? "https" : "http")://\(hostText):\(port)")
        let path = url.path.split(separator: "/")
        guard path.count <= 1 else {
            throw AddressError(description: "'\(url.path)' in '\(shown)' is not a database name: the path is one name, as in clickhouse://host:8123/otel")
        }
        if let name = path.first { endpoint.database = String(name) }
        guard Self.isIdentifier(endpoint.database, dash: true) else {
            throw AddressError(description: "'\(endpoint.database)' is not a database name correlate takes (letters, digits, _ and -)")
        }
        if let user = url.user, !user.isEmpty { endpoint.user = user }
        endpoint.password = password ?? url.password ?? ""
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "timeout":
                guard let seconds = Int64(value.hasSuffix("s") ? String(value.dropLast()) : value), seconds > 0, seconds <= 3600 else {
                    throw AddressError(description: "timeout=\(value) in the store address is not a number of seconds from 1 to 3600")
                }
                endpoint.timeout = seconds
            case "traces_table", "logs_table":
                guard Self.isIdentifier(value) else {
                    throw AddressError(description: "\(item.name)=\(value) in the store address is not a table name (letters, digits, _)")
                }
                if item.name == "traces_table" { endpoint.tracesTable = value } else { endpoint.logsTable = value }
            default:
                throw AddressError(description: "'\(item.name)' in the store address is not a setting correlate knows (timeout, traces_table, logs_table)")
            }
        }
        return endpoint
    }

    /// `text` with the password of its user information (`user:password@`) replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    /// Names correlate quotes with backticks and never needs to escape.
    static func isIdentifier(_ text: String, dash: Bool = false) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || (dash && $0 == 0x2D)
        }
    }

    /// The address as it may be printed: no password.
    public var display: String { "\(base)/\(database) (user \(user))" }
}
