import Foundation
import Testing
import CorrelateTestSupport

/// What a user gets wrong about where output and the store go: output that cannot be written
/// (a full disk), `-o` at a device, a mistyped `--store` scheme, `--db` at a folder or at an
/// empty file. Each is a message that names the thing and a nonzero exit, and nothing the
/// user had is replaced.
@Suite struct OutputAndStoreMistakesTests {
    /// Runs `command` (correlate's path first) with standard output sent to `/dev/full`.
    private func intoFullDevice(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec \"$@\" > /dev/full", "sh", CommandRunner.correlate] + arguments
        process.currentDirectoryURL = Fixtures.packageRoot
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }

    @Test func outputThatCannotBeWrittenIsAnError() throws {
        try #require(FileManager.default.isWritableFile(atPath: "/dev/full"))
        let extract = try intoFullDevice(["extract", "-q", "samples/celery-redis/logs/celery-worker.log"])
        #expect(extract.status == 1)
        #expect(extract.stderr.contains("cannot write to standard output: No space left on device"), "\(extract.stderr)")
        let help = try intoFullDevice(["rules", "list"])
        #expect(help.status == 1, "\(help.stderr)")
    }

    @Test func outputToADeviceGoesIntoItAndIsNeverReplaced() throws {
        try #require(FileManager.default.isWritableFile(atPath: "/dev/full"))
        let folder = try Fixtures.temporaryDirectory()
        let db = folder.appendingPathComponent("c.db").path
        let ingest = try CommandRunner.run(["ingest", "--db", db, "--spans", "samples/celery-redis/traces.otlp.jsonl",
                                            "--alerts", "samples/celery-redis/alerts/alertmanager-webhook.json"], rewriting: false)
        try #require(ingest.status == 0, "\(ingest.stderr)")
        let report = ["report", "--db", db, "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-26T00:00:00Z", "--format", "html"]
        let full = try CommandRunner.run(report + ["-o", "/dev/full"], rewriting: false)
        #expect(full.status == 1)
        #expect(full.stderr.contains("cannot write '/dev/full': No space left on device"), "\(full.stderr)")
        let kind = try FileManager.default.attributesOfItem(atPath: "/dev/full")[.type] as? FileAttributeType
        #expect(kind == .typeCharacterSpecial, "/dev/full is still the device")
        let null = try CommandRunner.run(report + ["-o", "/dev/null"], rewriting: false)
        #expect(null.status == 0, "\(null.stderr)")
        let intoFolder = try CommandRunner.run(report + ["-o", folder.path], rewriting: false)
        #expect(intoFolder.status == 1)
        #expect(intoFolder.stderr.contains("cannot write '\(folder.path)': Is a directory"), "\(intoFolder.stderr)")
    }

    @Test func aMistypedStoreSchemeIsAUsageErrorAndMakesNoFile() throws {
        let folder = try Fixtures.temporaryDirectory()
        for address in ["clickhous://host:8123/otel", "postgres://host/db"] {
            let result = try CommandRunner.run(["ingest", "--store", address, "--spans", Fixtures.packageRoot.path + "/samples/celery-redis/traces.otlp.jsonl"],
                                               directory: folder.path, rewriting: false)
            #expect(result.status == 2, "\(address): \(result.stderr)")
            #expect(result.stderr.contains("is not a ClickHouse scheme"), "\(result.stderr)")
        }
        let port = try CommandRunner.run(["traces", "--store", "clickhouse://host:99999/otel"], directory: folder.path, rewriting: false)
        #expect(port.status == 2)
        #expect(port.stderr.contains("99999"), "\(port.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "no store file was made")
    }

    @Test func aFolderOrAnEmptyFileAsTheStoreIsSaidPlainly() throws {
        let folder = try Fixtures.temporaryDirectory()
        let empty = folder.appendingPathComponent("empty.db").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        for command in [["traces"], ["trace", "6e5bbfb4"], ["sources"]] {
            let atFolder = try CommandRunner.run(command + ["--db", folder.path], rewriting: false)
            #expect(atFolder.status == 1)
            #expect(atFolder.stderr.contains("it is a folder"), "\(command): \(atFolder.stderr)")
            let atEmpty = try CommandRunner.run(command + ["--db", empty], rewriting: false)
            #expect(atEmpty.status == 1)
            #expect(atEmpty.stderr.contains("holds no store yet"), "\(command): \(atEmpty.stderr)")
        }
        // Writing makes a store in the empty file.
        let ingest = try CommandRunner.run(["ingest", "--db", empty, "--spans", "samples/celery-redis/traces.otlp.jsonl"], rewriting: false)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try CommandRunner.run(["traces", "--db", empty], rewriting: false).status == 0)
    }
}
