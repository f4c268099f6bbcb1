public import Foundation
public import CorrelateModel
import CorrelateStore
import CorrelateClickHouse

/// `$CORRELATE_TEST_STORE=clickhouse`: the command-line tests run on ClickHouse. Every store a
/// test names by path — `--db PATH`, `$CORRELATE_DB`, or the default `correlate.db` of the
/// folder it runs in — becomes a database of its own on the shared chDB front
/// (``ClickHouseFront/shared``), prepared by `correlate store init` on first use, and the
/// command is given `--store` (or `$CORRELATE_STORE`) instead. Tests that look at the SQLite
/// file itself are enabled only on SQLite (``sqliteOnly``).
public enum TestStore {
    public static let clickhouse = ProcessInfo.processInfo.environment["CORRELATE_TEST_STORE"] == "clickhouse"

    /// For `.enabled(if: TestStore.sqliteOnly)`: the test reads or writes the SQLite file.
    public static let sqliteOnly = !clickhouse

    nonisolated(unsafe) private static var prepared: [String: String] = [:]
    private static let lock = NSLock()

    /// The ClickHouse address standing for the store file at `path` (absolute), its database
    /// created and initialised the first time.
    public static func address(forPath path: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let address = prepared[absolute] { return address }
        let front = try ClickHouseFront.shared.get()
        var hash = FNV1a()
        hash.add(absolute.utf8)
        let database = "file_\(getpid())_\(hash.hex)"
        _ = try front.query("CREATE DATABASE IF NOT EXISTS \(database)")
        let address = front.address(database: database)
        let initialised = try CommandRunner.run(["store", "init", "--store", address], rewriting: false)
        guard initialised.status == 0 else { throw ClickHouseFront.Unavailable(description: "store init: \(initialised.stderr)") }
        prepared[absolute] = address
        return address
    }

    /// `arguments` and `environment` of a command run in `directory`, with every store path
    /// replaced by its ClickHouse address (unchanged when the tests run on SQLite).
    public static func rewrite(_ arguments: [String], directory: String, environment: [String: String]) throws -> ([String], [String: String]) {
        guard clickhouse else { return (arguments, environment) }
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
        }
        var rewritten: [String] = []
        var named = arguments.contains("--store") || arguments.contains { $0.hasPrefix("--store=") }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                rewritten += arguments[index...]
                break
            }
            if argument == "--db", index + 1 < arguments.count {
                rewritten += ["--store", try address(forPath: absolute(arguments[index + 1]))]
                named = true
                index += 2
                continue
            }
            if argument.hasPrefix("--db=") {
                rewritten += ["--store", try address(forPath: absolute(String(argument.dropFirst("--db=".count))))]
                named = true
                index += 1
                continue
            }
            rewritten.append(argument)
            index += 1
        }
        var environment = environment
        if !named, environment["CORRELATE_STORE"] == nil {
            let path = environment["CORRELATE_DB"] ?? ProcessInfo.processInfo.environment["CORRELATE_DB"] ?? "correlate.db"
            environment["CORRELATE_STORE"] = try address(forPath: absolute(path))
            environment["CORRELATE_DB"] = nil
        }
        return (rewritten, environment)
    }
}

extension TestStore {
    /// The store at `path` as the commands see it: the SQLite file, or (on ClickHouse) the
    /// database standing for it — how tests check what a command stored.
    public static func open(path: String) throws -> EventStore {
        guard clickhouse else { return try SQLiteEventStore(path: path) }
        return try ClickHouseEventStore(endpoint: try ClickHouseEndpoint.parse(try address(forPath: path)), access: .read)
    }
}
