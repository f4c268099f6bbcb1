import CorrelateModel
import Foundation

/// `correlate-bench`: the extraction benchmark. Build it and correlate with `-c release`.
///
///     swift build -c release --static-swift-stdlib
///     .build/release/correlate-bench [--size-mb 1024] [--lnav-mb 64] [--runs 3] [--file PATH]
///
/// It generates a deterministic mixed-format log file (once; kept in bench-data/), then times,
/// in the same run and on the same file: `correlate extract --only-linked`, `correlate extract`
/// (NDJSON for every record), `grep -oP` with the combined pattern of correlate's own rules, and
/// lnav indexing a prefix of the file, with its own formats and with a format that captures the
/// trace id (`scripts/lnav-mixed-trace-format.json`; run from the package's folder). It prints
/// a Markdown table for BENCHMARKS.md.
@main
enum Bench {
    static func main() throws {
        if CommandLine.arguments.dropFirst().first == "store" {
            return try StoreBench.run(Array(CommandLine.arguments.dropFirst(2)))
        }
        if CommandLine.arguments.dropFirst().first == "steady" {
            return try SteadyBench.run(Array(CommandLine.arguments.dropFirst(2)))
        }
        if CommandLine.arguments.dropFirst().first == "serve" {
            return try ServeBench.run(Array(CommandLine.arguments.dropFirst(2)))
        }
        let options = Options(arguments: Array(CommandLine.arguments.dropFirst()))
        let root = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        let correlate = options.correlate ?? root.appendingPathComponent("correlate").path
        let file = options.file ?? "bench-data/mixed-\(options.sizeMB)mb.log"
        if !FileManager.default.fileExists(atPath: file) {
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            log("generating \(file) (\(options.sizeMB) MB, seed \(options.seed))…")
            FileManager.default.createFile(atPath: file, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            var generator = LogGenerator(seed: options.seed)
            try generator.write(bytes: Int64(options.sizeMB) << 20, to: handle)
            try handle.close()
            log("generated \(generator.lines) lines, \(generator.linesWithTraceID) with a trace id")
        }
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int64
        let lines = try countLines(file)
        // It starts with (?J): the rules share group names.
        let pattern = try capture([correlate, "rules", "list", "--combined"]).trimmingCharacters(in: .newlines)
        _ = try shell("cat '\(file)' > /dev/null")  // warm the page cache

        var results: [(String, String, Double, Int64, Int)] = []
        func measure(_ name: String, _ command: String, bytes: Int64 = size, lines: Int = lines) throws {
            var best = Double.infinity
            for _ in 0..<options.runs {
                let start = DispatchTime.now().uptimeNanoseconds
                let status = try shell(command)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                guard status == 0 || (status == 1 && command.contains("grep")) else {
                    throw BenchError("\(name) failed with status \(status): \(command)")
                }
                best = min(best, seconds)
            }
            log(String(format: "%@: %.2f s", name, best))
            results.append((name, command, best, bytes, lines))
        }

        // Every command writes into a pipe: GNU grep stops at the first match when its output is
        // /dev/null, which would make it look thousands of times faster than it is.
        let sink = "| cat > /dev/null"
        try measure("correlate extract --only-linked", "'\(correlate)' extract -q --only-linked '\(file)' \(sink)")
        try measure("correlate extract (every record)", "'\(correlate)' extract -q '\(file)' \(sink)")
        try measure("correlate extract --only-linked --threads 1",
                    "'\(correlate)' extract -q --only-linked --threads 1 '\(file)' \(sink)")
        let patternFile = FileManager.default.temporaryDirectory.appendingPathComponent("correlate-bench.pattern")
        try pattern.write(to: patternFile, atomically: true, encoding: .utf8)
        try measure("grep -oP, all of correlate's rules combined",
                    "LC_ALL=C grep -oP -f '\(patternFile.path)' '\(file)' \(sink)")
        try measure("grep -oP, one trace-id pattern",
                    "LC_ALL=C grep -oP '\(Self.simplePattern)' '\(file)' \(sink)")

        if options.lnavMB > 0, try shell("command -v lnav > /dev/null") == 0 {
            let slice = file + ".lnav-\(options.lnavMB)mb"
            if !FileManager.default.fileExists(atPath: slice) {
                _ = try shell("head -c \(options.lnavMB << 20) '\(file)' | head -n -1 > '\(slice)'")
            }
            let sliceSize = try FileManager.default.attributesOfItem(atPath: slice)[.size] as! Int64
            let sliceLines = try countLines(slice)
            try measure("lnav (index \(options.lnavMB) MB prefix)",
                        "HOME=$(mktemp -d) lnav -n -c ';SELECT count(*) FROM all_logs' '\(slice)' \(sink)",
                        bytes: sliceSize, lines: sliceLines)
            // Issue 14's reference: lnav indexing with a format that captures the trace id
            // (scripts/lnav-mixed-trace-format.json: one pattern per shape of the file), asked for
            // every trace id, as `--only-linked` writes every record that has one.
            let format = FileManager.default.currentDirectoryPath + "/scripts/lnav-mixed-trace-format.json"
            try measure("lnav (same prefix, a format capturing the trace id)",
                        "export HOME=$(mktemp -d) && mkdir -p \"$HOME/.lnav/formats/installed\" && cp '\(format)' \"$HOME/.lnav/formats/installed/\" && "
                            + "lnav -n -c \";SELECT trace_id FROM mixed_trace_log WHERE trace_id != '0'\" '\(slice)' \(sink)",
                        bytes: sliceSize, lines: sliceLines)
            try measure("correlate extract (same \(options.lnavMB) MB prefix)",
                        "'\(correlate)' extract -q '\(slice)' \(sink)", bytes: sliceSize, lines: sliceLines)
            try measure("correlate extract --only-linked (same \(options.lnavMB) MB prefix)",
                        "'\(correlate)' extract -q --only-linked '\(slice)' \(sink)", bytes: sliceSize, lines: sliceLines)
        }

        print("File: `\(file)`, \(size >> 20) MiB, \(lines) lines; best of \(options.runs) runs, page cache warm.")
        print("")
        print("| what | seconds | MB/s | lines/s |")
        print("|---|---:|---:|---:|")
        for (name, _, seconds, bytes, count) in results {
            print(String(format: "| %@ | %.2f | %.0f | %.0f |", name, seconds,
                         Double(bytes) / 1e6 / seconds, Double(count) / seconds))
        }
        print("")
        print("Commands:")
        print("")
        for (name, command, _, _, _) in results { print("- \(name): `\(command)`") }
        let same = results.first { $0.0.hasPrefix("grep -oP, all") }!.2
        let simple = results.first { $0.0.hasPrefix("grep -oP, one") }!.2
        let onlyLinked = results.first { $0.0.hasSuffix("--only-linked") }!.2
        let every = results.first { $0.0.hasSuffix("(every record)") }!.2
        print("")
        print(String(format: "Speed relative to grep -oP with the same rules: --only-linked %.1f×, every record %.1f×.", same / onlyLinked, same / every))
        print(String(format: "Speed relative to grep -oP with one trace-id pattern: --only-linked %.2f×, every record %.2f×.", simple / onlyLinked, simple / every))
        func rate(_ result: (String, String, Double, Int64, Int)) -> Double { Double(result.4) / result.2 }
        if let lnav = results.first(where: { $0.0.hasPrefix("lnav (index") }),
            let same = results.first(where: { $0.0.hasPrefix("correlate extract (same") })
        {
            print(String(format: "correlate extract vs lnav with its own formats, lines/s on the same prefix: %.1f×.", rate(same) / rate(lnav)))
        }
        if let lnav = results.first(where: { $0.0.hasPrefix("lnav (same prefix") }),
            let linked = results.first(where: { $0.0.hasPrefix("correlate extract --only-linked (same") })
        {
            print(String(format: "correlate extract --only-linked vs lnav with a format capturing the trace id, lines/s on the same prefix: %.1f×.",
                         rate(linked) / rate(lnav)))
        }
    }

    /// The single-pattern reference: trace ids after their common keys, as one would grep them.
    static let simplePattern = #"(?:trace_id|traceId|traceID|trace\.id|otelTraceID)["'\'']?\s*[=:]\s*["'\'']?\K[0-9a-f]{32}"#

    static func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Runs `command` with bash and waits for it with `waitpid` (Foundation's
    /// `waitUntilExit` notices an exit only at its next 50 ms poll, which would round every
    /// latency up).
    static func shell(_ command: String) throws -> Int32 {
        var pid: pid_t = 0
        let arguments = ["/bin/bash", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ)
        guard spawned == 0 else { throw BenchError("cannot run bash: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw BenchError("waitpid: \(String(cString: strerror(errno)))") }
        }
        // Exited: its status; killed: 128 + the signal, as shells say.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    static func capture(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func countLines(_ path: String) throws -> Int {
        Int(try capture(["/usr/bin/wc", "-l", path]).split(separator: " ").first ?? "0") ?? 0
    }
}

struct Options {
    var sizeMB = 1024
    var lnavMB = 64
    var runs = 3
    var seed: UInt64 = 1
    var file: String?
    var correlate: String?

    init(arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--size-mb": sizeMB = Int(iterator.next() ?? "") ?? sizeMB
            case "--lnav-mb": lnavMB = Int(iterator.next() ?? "") ?? lnavMB
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--seed": seed = UInt64(iterator.next() ?? "") ?? seed
            case "--file": file = iterator.next()
            case "--correlate": correlate = iterator.next()
            default:
                FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
