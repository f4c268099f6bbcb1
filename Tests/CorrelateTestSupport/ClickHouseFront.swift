#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateClickHouse
public import Foundation

/// The real ClickHouse engine (chDB, from PyPI `chdb-core`, installed into `.build-python/` by
/// `scripts/setup.sh --tests`) behind `scripts/chdb-front.py`, the part of ClickHouse's HTTP
/// interface correlate speaks, on a free loopback port.
///
/// ``shared`` is one front for the whole test run (each test uses a database of its own, named
/// by ``freshDatabase(_:)``); tests of failures start their own (a password, a delay) and stop
/// it. The front exits with the test process (`--parent-pid`).
public final class ClickHouseFront: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public let user: String?
    public let password: String?
    let folder: URL

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public init(user: String? = nil, password: String? = nil, delay: Double = 0) throws {
        self.user = user
        self.password = password
        let folder = try Fixtures.temporaryDirectory("chdb")
        self.folder = folder
        let python = Fixtures.path(".build-python/bin/python3")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Unavailable(description: "no \(python): run scripts/setup.sh --tests (it installs chDB)")
        }
        process.executableURL = URL(fileURLWithPath: python)
        var arguments = [Fixtures.path("scripts/chdb-front.py"), "--path", folder.appendingPathComponent("data").path, "--port", "0",
                         "--parent-pid", String(getpid())]
        if let user { arguments += ["--user", user, "--password", password ?? ""] }
        if delay > 0 { arguments += ["--delay", String(delay)] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: {
            let url = folder.appendingPathComponent("stderr")
            FileManager.default.createFile(atPath: url.path, contents: nil)
            return url
        }())
        try process.run()
        // "listening on PORT", once chDB has loaded (a few seconds the first time).
        var text = ""
        let deadline = Date(timeIntervalSinceNow: 60)
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("listening on "), let port = Int(line.dropFirst(13)) else {
            let errors = (try? String(contentsOf: folder.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
            process.terminate()
            throw Unavailable(description: "chdb-front.py did not start: \(text)\(errors)")
        }
        self.port = port
    }

    /// The front every test of the run shares.
    public static let shared: Result<ClickHouseFront, any Error> = Result { try ClickHouseFront() }

    nonisolated(unsafe) private static var databases = 0
    private static let lock = NSLock()

    /// A database name no other test of this run uses.
    public static func freshDatabase(_ label: String = "test") -> String {
        lock.lock()
        defer { lock.unlock() }
        databases += 1
        return "\(label)_\(getpid())_\(databases)"
    }

    /// `clickhouse://[user:password@]127.0.0.1:PORT/DATABASE`.
    public func address(database: String, withPassword: Bool = true) -> String {
        let credentials = user.map { "\($0)" + (withPassword ? ":\(password ?? "")" : "") + "@" } ?? ""
        return "clickhouse://\(credentials)127.0.0.1:\(port)/\(database)"
    }

    public func endpoint(database: String) throws -> ClickHouseEndpoint {
        try ClickHouseEndpoint.parse(address(database: database))
    }

    /// Runs SQL through the front with curl (not through the store's client, which is what the
    /// tests test): how tests apply the exporter's DDL and rows the exporter would write.
    public func query(_ sql: String) throws -> String {
        var headers: [String: String] = [:]
        if let user {
            headers["X-ClickHouse-User"] = user
            headers["X-ClickHouse-Key"] = password ?? ""
        }
        let reply = try Curl.request("http://127.0.0.1:\(port)/?default_format=JSONEachRow", headers: headers, body: Data(sql.utf8))
        guard reply.status == 200 else { throw Unavailable(description: "query failed (HTTP \(reply.status)): \(reply.text)") }
        return reply.text
    }

    /// SIGKILL (chDB's engine takes SIGTERM for itself): its data is a temporary folder.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
