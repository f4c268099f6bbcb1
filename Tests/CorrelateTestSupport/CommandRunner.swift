public import Foundation

/// The outcome of running the built `correlate` binary.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs the built executables, as users do.
public enum CommandRunner {
    /// The `correlate` binary next to the test bundle (`swift build` puts both in one folder).
    public static let correlate: String = locate("correlate")

    static func locate(_ name: String) -> String {
        var candidates: [URL] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent(name))
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(Fixtures.packageRoot.appendingPathComponent(".build/debug/\(name)"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    /// Runs `correlate` with `arguments`, feeding `stdin`, in `directory` (the package root by
    /// default), with `environment` added to a clean one (no `CORRELATE_RULES`, no configuration
    /// file of the user's — no `CORRELATE_CONFIG`, `XDG_CONFIG_HOME` a folder that does not
    /// exist —, `NO_COLOR` set).
    ///
    /// With `$CORRELATE_TEST_STORE=clickhouse` the store paths are ClickHouse databases
    /// (``TestStore``) unless `rewriting` is false.
    public static func run(
        _ arguments: [String], stdin: Data? = nil, directory: String? = nil,
        environment: [String: String] = [:], rewriting: Bool = true
    ) throws -> CommandResult {
        let folder = directory ?? Fixtures.packageRoot.path
        let (arguments, environment) = rewriting ? try TestStore.rewrite(arguments, directory: folder, environment: environment) : (arguments, environment)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: correlate)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CORRELATE_RULES")
        env.removeValue(forKey: "CORRELATE_CONFIG")
        env["XDG_CONFIG_HOME"] = "/nonexistent/correlate-tests"
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both pipes while the process runs, so a large output cannot block it.
        let outBox = DataBox()
        let errBox = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(output, outBox), (errors, errBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: outBox.data, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self))
    }
}

final class DataBox: @unchecked Sendable {
    // Written by one reader thread, read after DispatchGroup.wait(): no concurrent access.
    var data = Data()
}
