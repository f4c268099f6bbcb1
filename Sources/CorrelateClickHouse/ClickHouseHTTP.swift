import AsyncHTTPClient
import CZlib
public import CorrelateModel
import CorrelateJSON
import Foundation
import NIOCore
import NIOHTTP1

/// A failure of the ClickHouse store, classified for the callers (``StoreError``).
///
/// `code` is ClickHouse's error code (`X-ClickHouse-Exception-Code`, as in `Code: 60.
/// DB::Exception: …`), nil when ClickHouse was not reached.
public struct ClickHouseError: StoreError {
    public let condition: StoreCondition
    public let reason: String
    public let code: Int?

    public init(_ condition: StoreCondition, _ reason: String, code: Int? = nil) {
        self.condition = condition
        self.reason = reason
        self.code = code
    }

    public var description: String { reason }

    /// ClickHouse's codes for a server too loaded to take the query now (retry later):
    /// TOO_MANY_SIMULTANEOUS_QUERIES, TOO_MANY_PARTS, TABLE_IS_READ_ONLY (a replica without
    /// Keeper), ALL_CONNECTION_TRIES_FAILED, NETWORK_ERROR, SOCKET_TIMEOUT, KEEPER_EXCEPTION. (A
    /// query over its memory or time limit fails the same way again.)
    static let busyCodes: Set<Int> = [202, 252, 242, 279, 210, 209, 999]
    static let authenticationFailed = 516
}

/// ClickHouse's HTTP interface (https://clickhouse.com/docs/interfaces/http), used from one
/// thread at a time, synchronously: each call waits for its answer.
///
/// Queries go in the body of a POST; typed parameters `{name:Type}` as `param_name=` in the
/// URL; `default_format=JSONEachRow`, tables named with their database; the user and password as
/// `X-ClickHouse-User`/`X-ClickHouse-Key`. Inserts send `INSERT INTO … FORMAT Native` (or
/// JSONEachRow) as the `query` parameter and the rows as the body, gzipped when the server is
/// not on this host.
/// Answers are gzipped by the server (`enable_http_compression=1`) and inflated here.
///
/// A read or DDL statement that fails because the server is unreachable, too slow or
/// overloaded is tried again, after 0.2, 0.8 and 2 s; then it throws a ``ClickHouseError``
/// whose condition is `.unavailable` or `.busy`. An INSERT is not (its answer may be lost after
/// it committed): the store wraps its check of what is stored and the INSERT in
/// ``retrying(_:)``, so a second try inserts only what the first did not.
final class ClickHouseHTTP: @unchecked Sendable {
    let endpoint: ClickHouseEndpoint
    private let client: HTTPClient
    private let compressRequests: Bool
    /// Pauses before the second, third and fourth try, in seconds.
    var retryPauses: [Double] = [0.2, 0.8, 2]

    init(endpoint: ClickHouseEndpoint) {
        self.endpoint = endpoint
        let timeout = TimeAmount.seconds(endpoint.timeout)
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(min(10, endpoint.timeout)), read: timeout),
            decompression: .enabled(limit: .none))
        // A refused connection is an answer: this client tries again on its own terms (three
        // times, ~3 s), not the pool's (until the deadline, 30 s, while a server waits).
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let host = URLComponents(string: endpoint.base)?.host ?? ""
        compressRequests = !["127.0.0.1", "localhost", "::1"].contains(host)
    }

    deinit {
        // Without waiting: the last reference may go on one of NIO's event loops (a server that
        // failed to start, torn down there), where AsyncHTTPClient traps on a blocking
        // `syncShutdown()` — which killed `serve` with SIGILL after "address already in use".
        client.shutdown { _ in }
    }

    /// Runs `sql` and returns the rows of its JSONEachRow answer.
    func rows(_ sql: String, _ parameters: [String: String] = [:]) throws(ClickHouseError) -> [JSONDocument] {
        let body = try send(sql: sql, parameters: parameters, rows: nil)
        var rows: [JSONDocument] = []
        var failure: (any Error)?
        body.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A {
                defer { start = index + 1 }
                guard index > start else { continue }
                do {
                    rows.append(try JSONDocument.parse(UnsafeBufferPointer(rebasing: bytes[start..<index])))
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure {
            throw ClickHouseError(.failed, "ClickHouse at \(endpoint.base) answered rows that are not JSON (\(failure))")
        }
        return rows
    }

    /// Runs a statement that answers nothing (DDL).
    func execute(_ sql: String, _ parameters: [String: String] = [:]) throws(ClickHouseError) {
        _ = try send(sql: sql, parameters: parameters, rows: nil)
    }

    /// `INSERT INTO table [columns] FORMAT format` with `rows` in that format as the body: JSONEachRow
    /// (one JSON object per line) or Native (``NativeBlockWriter``'s blocks); `table` as
    /// ``quoted(_:)`` gives it, `columns` a parenthesized list or "".
    func insert(into table: String, columns: String = "", format: String = "JSONEachRow", rows: [UInt8],
                settings: [String: String] = [:]) throws(ClickHouseError) {
        guard !rows.isEmpty else { return }
        _ = try send(sql: "INSERT INTO \(table)\(columns.isEmpty ? "" : " " + columns) FORMAT \(format)", parameters: [:], rows: rows,
                     settings: settings)
    }

    /// `database`.`table`, quoted for ClickHouse.
    func quoted(_ table: String) -> String { "`\(endpoint.database)`.`\(table)`" }

    private func send(sql: String, parameters: [String: String], rows: [UInt8]?, settings: [String: String] = [:]) throws(ClickHouseError) -> ByteBuffer {
        // Tables are named with their database (`quoted`), so no `database` parameter: the
        // statement that creates the database runs before it exists.
        var query = [("default_format", "JSONEachRow"), ("enable_http_compression", "1"),
                     // 64-bit integers as JSON numbers, not strings.
                     ("output_format_json_quote_64bit_integers", "0")]
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { query.append((name, value)) }
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            // ClickHouse reads a `String` parameter as TabSeparated text (backslash escapes); an
            // `Array(String)` as a literal, which ``ClickHouseEventStore`` quotes itself.
            query.append(("param_\(name)", sql.contains("{\(name):String}") ? Self.tabSeparated(value) : value))
        }
        var body: [UInt8]
        if let rows {
            query.append(("query", sql))
            body = rows
        } else {
            body = Array(sql.utf8)
        }
        var headers = HTTPHeaders()
        headers.add(name: "X-ClickHouse-User", value: endpoint.user)
        if !endpoint.password.isEmpty { headers.add(name: "X-ClickHouse-Key", value: endpoint.password) }
        headers.add(name: "Accept-Encoding", value: "gzip")
        if compressRequests, body.count >= 16 << 10, let compressed = Gzip.compress(body) {
            body = compressed
            headers.add(name: "Content-Encoding", value: "gzip")
        }
        let url = endpoint.base + "/?" + query.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        // An INSERT is never sent again on its own: its answer may be lost after it committed.
        // The store sends it again inside ``retrying(_:)``, which first asks what is there.
        if rows != nil || insideRetry { return try once(url: url, headers: headers, body: body) }
        return try retrying { () throws(ClickHouseError) in try once(url: url, headers: headers, body: body) }
    }

    private var insideRetry = false

    /// Runs `body`, and again after each pause of ``retryPauses`` while it fails for a reason
    /// that may pass (unreachable, too slow, too busy); the calls inside are not retried each.
    func retrying<T>(_ body: () throws(ClickHouseError) -> T) throws(ClickHouseError) -> T {
        let outer = !insideRetry
        insideRetry = true
        defer { if outer { insideRetry = false } }
        var attempt = 0
        while true {
            do {
                return try body()
            } catch {
                guard outer, error.isRetryable, attempt < retryPauses.count else { throw error }
                Thread.sleep(forTimeInterval: retryPauses[attempt])
                attempt += 1
            }
        }
    }

    /// `$CORRELATE_CLICKHOUSE_LOG` set: each statement's time, when it was sent (from the first
    /// statement's start) and its text (its first 300 bytes; all of it, and the URL with its
    /// parameters, when the variable is `full`) on standard error.
    private static let logStatements = ProcessInfo.processInfo.environment["CORRELATE_CLICKHOUSE_LOG"] != nil
    private static let firstStatement = Date()
    private static let logLength = ProcessInfo.processInfo.environment["CORRELATE_CLICKHOUSE_LOG"] == "full" ? Int.max : 300

    private func once(url: String, headers: HTTPHeaders, body: [UInt8]) throws(ClickHouseError) -> ByteBuffer {
        if Self.logStatements { _ = Self.firstStatement }
        let started = Self.logStatements ? Date() : nil
        defer {
            if let started {
                var text = url.contains("query=") ? String(url.split(separator: "query=").last ?? "") : String(decoding: body.prefix(Self.logLength), as: UTF8.self)
                if Self.logLength == .max { text += " -- " + url }
                FileHandle.standardError.write(Data(String(format: "clickhouse: %.1f ms (sent at +%.1f ms): %@\n", Date().timeIntervalSince(started) * 1000,
                                                            started.timeIntervalSince(Self.firstStatement) * 1000,
                                                            text.replacingOccurrences(of: "\n", with: " ")).utf8))
            }
        }
        let response: HTTPClient.Response
        do {
            let request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(body))
            response = try client.execute(request: request, deadline: .now() + .seconds(endpoint.timeout)).wait()
        } catch let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded || error == .connectTimeout {
            throw ClickHouseError(.unavailable, "ClickHouse at \(endpoint.base) did not answer within \(endpoint.timeout) s (timeout= in the store address sets it)")
        } catch {
            // Connecting failed or the connection broke: the server may come back. Anything else
            // (a TLS certificate refused, a name that does not resolve) will not pass by itself.
            let text = NetworkErrorText.describe(error)
            let lasting = ["SSL", "TLS", "certificate", "invalidURL", "unsupportedScheme"].contains { text.contains($0) }
            throw ClickHouseError(lasting ? .failed : .unavailable, "cannot reach ClickHouse at \(endpoint.base): \(text)")
        }
        let body = response.body ?? ByteBuffer()
        guard response.status.code >= 300 else { return body }
        let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        let code = response.headers.first(name: "X-ClickHouse-Exception-Code").flatMap(Int.init)
        if code == ClickHouseError.authenticationFailed || response.status == .forbidden || response.status == .unauthorized {
            throw ClickHouseError(.failed, "ClickHouse at \(endpoint.base) refused user '\(endpoint.user)': \(text)", code: code)
        }
        let condition: StoreCondition = code.map { ClickHouseError.busyCodes.contains($0) } == true ? .busy
            : response.status.code == 503 || response.status.code == 502 || response.status.code == 504 ? .unavailable : .failed
        throw ClickHouseError(condition, "ClickHouse at \(endpoint.base): \(text.isEmpty ? "HTTP \(response.status.code)" : text)", code: code)
    }

    /// A value as TabSeparated text writes it: backslash, tab, newline, carriage return and NUL
    /// escaped.
    static func tabSeparated(_ text: String) -> String {
        escaped(text, quote: false)
    }

    /// A ClickHouse string literal's body (`quote`: `'` escaped too) or a TabSeparated value:
    /// backslash, tab, newline, carriage return and NUL as backslash escapes.
    static func escaped(_ text: String, quote: Bool) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\0" || (quote && $0 == "'") })
        else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            case "'" where quote: out += "\\'"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// RFC 3986 percent-encoding of a query value: everything but unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// gzip (RFC 1952) of a request body, with zlib.
enum Gzip {
    static func compress(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer; level 1: the body is sent once.
        guard deflateInit2_(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        let status: Int32 = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }
}
