#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Foundation

/// A `correlate` running in the background (`run --follow`, `serve`), its stdout and stderr
/// going to files in `folder`, which is also its working directory.
public final class BackgroundCommand: @unchecked Sendable {
    // Used by one test at a time; the files are read, never shared state.
    public let process = Process()
    public let stdin = Pipe()
    let output: URL
    let errors: URL

    /// - Parameter launcher: a command that runs `correlate` (`prlimit --fsize=…`), or none.
    public init(_ arguments: [String], folder: URL, environment: [String: String] = [:], launcher: [String] = []) throws {
        output = folder.appendingPathComponent("stdout")
        errors = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let (arguments, environment) = try TestStore.rewrite(arguments, directory: folder.path, environment: environment)
        if launcher.isEmpty {
            process.executableURL = URL(fileURLWithPath: CommandRunner.correlate)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = launcher + [CommandRunner.correlate] + arguments
        }
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CORRELATE_RULES")
        env.removeValue(forKey: "CORRELATE_CONFIG")
        env["XDG_CONFIG_HOME"] = "/nonexistent/correlate-tests"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
    }

    public var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for `condition` on stdout.
    public func waitFor(seconds: Double, _ condition: (String) -> Bool) -> Bool {
        waitFor(seconds: seconds) { condition(stdout) }
    }

    /// Waits up to `seconds` for `condition`.
    public func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// `signal` (SIGTERM by default), then waits up to 10 s for the exit; false (and SIGKILL)
    /// when it did not come.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Bool {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date(timeIntervalSinceNow: 10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        process.waitUntilExit()
        return true
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
