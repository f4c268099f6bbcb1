import Foundation
import Testing
import CorrelateTestSupport

/// The commands that read the store give the same answers on ClickHouse as on SQLite, for the
/// Celery sample ingested into each by `correlate ingest`.
@Suite struct ClickHouseCommandTests {
    static let inputs = ["--spans", "samples/celery-redis/traces.otlp.jsonl", "--logs", "samples/celery-redis/logs/celery-worker.log",
                         "--logs", "samples/celery-redis/logs/worker.otel.log", "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"]

    /// The sample in an SQLite file and in a ClickHouse database: each store's arguments.
    static let stores: (sqlite: [String], clickhouse: [String]) = {
        let db = try! Fixtures.temporaryDirectory().appendingPathComponent("c.db").path
        let address = try! ClickHouseFront.shared.get().address(database: ClickHouseFront.freshDatabase("cli"))
        let initialised = try! CommandRunner.run(["store", "init", "--store", address])
        precondition(initialised.status == 0, initialised.stderr)
        for store in [["--db", db], ["--store", address]] {
            let result = try! CommandRunner.run(["ingest"] + store + inputs)
            precondition(result.status == 0, result.stderr)
        }
        return (["--db", db], ["--store", address])
    }()

    /// Both stores' output of `arguments`, with what differs by the moment it ran (the window of
    /// a firing alert ends now) and by the order of records logged at the same time (SQLite keeps
    /// the order the sources were first seen in, ClickHouse orders them by file name) taken out.
    func both(_ arguments: [String]) throws -> (String, String) {
        let outputs = try [Self.stores.sqlite, Self.stores.clickhouse].map { store in
            let result = try CommandRunner.run(arguments + store)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return Self.normalised(result.stdout)
        }
        return (outputs[0], outputs[1])
    }

    static func normalised(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return String(line) }
            var copy = object
            if var window = copy["window"] as? [String: Any] {
                window["end"] = nil
                copy["window"] = window
            }
            if let unlinked = copy["unlinked_logs"] as? [[String: Any]] {
                func key(_ record: [String: Any]) -> String {
                    let source = record["source"] as? [String: Any] ?? [:]
                    return "\(record["time"] ?? "") \(source["file"] ?? "") \(source["line"] ?? "")"
                }
                copy["unlinked_logs"] = unlinked.sorted { key($0) < key($1) }
            }
            let data = try! JSONSerialization.data(withJSONObject: copy, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }.joined(separator: "\n")
    }

    @Test(arguments: ["0ae466d2", "6e5bbfb4", "1e5826e7", "4a987bde"])
    func traceIsTheSame(_ trace: String) throws {
        for format in ["text", "json"] {
            let (sqlite, clickhouse) = try both(["trace", trace, "--format", format, "--width", "120"])
            #expect(!sqlite.isEmpty)
            #expect(sqlite == clickhouse, "\(trace) \(format)")
        }
    }

    @Test func lookupReportQueuesAndListingsAreTheSame() throws {
        for arguments in [["lookup", "--name", "JobLatencyHigh", "--format", "json"], ["lookup", "--name", "ErrorRateHigh", "--format", "json"],
                          ["report", "--since", "2026-11-25", "--format", "json"], ["queues", "--since", "2026-11-25", "--until", "2026-11-26", "--format", "json"],
                          ["traces", "--since", "2026-11-25", "--until", "2026-11-26"], ["alerts", "--format", "json"], ["sources"]] {
            let (sqlite, clickhouse) = try both(arguments)
            #expect(!sqlite.isEmpty)
            #expect(sqlite == clickhouse, "\(arguments)")
        }
    }

    /// `--store` may come before the command's name, as `--db` may.
    @Test func theStoreMayBeNamedBeforeTheCommand() throws {
        let after = try CommandRunner.run(["queues", "--since", "2026-11-25", "--until", "2026-11-26"] + Self.stores.clickhouse)
        let before = try CommandRunner.run(Self.stores.clickhouse + ["queues", "--since", "2026-11-25", "--until", "2026-11-26"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout == after.stdout)
        #expect(before.stdout.contains("celery"))
    }

    @Test func errorsAreSaidWithTheAddressAndNoPassword() throws {
        let refused = try CommandRunner.run(["trace", "0ae466d2", "--store", "clickhouse://reader:secret@127.0.0.1:1/otel"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("correlate: error: cannot reach ClickHouse at http://127.0.0.1:1: connection refused"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("secret"))
        let usage = try CommandRunner.run(["trace", "0ae466d2", "--store", "clickhouse://host:8123/a/b"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("is not a database name"))
        let both = try CommandRunner.run(["trace", "0ae466d2", "--store", "clickhouse://host/otel", "--db", "x.db"], rewriting: false)
        #expect(both.status == 2)
        let sqlite = try CommandRunner.run(["store", "init", "--db", "x.db"], rewriting: false)
        #expect(sqlite.status == 2)
        #expect(sqlite.stderr.contains("prepares a ClickHouse store"))
    }
}
