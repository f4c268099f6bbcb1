import Foundation

/// `correlate-bench steady`: the main job as it runs for weeks — `… | correlate --db STORE`
/// streaming log lines into a store that grows — reported per million lines as it grows.
///
///     .build/release/correlate-bench steady [--lines 20000000] [--every 1000000]
///         [--db bench-data/steady.db] [--correlate PATH] [-- EXTRA CORRELATE ARGUMENTS…]
///
/// The bench generates `bench-data/steady-LINES.log` once (the extraction benchmark's mixed
/// lines: JSON, journald, logfmt, plain; 45 % with a random trace id, so every linked line is a
/// random key for the store's indexes; ~1 ms apart, so 20 M lines span ~5.5 hours) and writes it
/// into the standard input of one `correlate --db STORE` process. It
/// starts with a new store. After each `--every` lines it prints the rate of that stretch,
/// the process's resident memory (VmRSS) and the store's size on disk (every file whose name
/// starts with the store's). The pipe and correlate's bounded queue keep the writer within a
/// few ten thousand lines of what is stored, so a stretch's rate is the store's.
enum SteadyBench {
    static func run(_ arguments: [String]) throws {
        var lines = 20_000_000
        var every = 1_000_000
        var store = "bench-data/steady.db"
        var correlate: String?
        var extra: [String] = []
        var iterator = arguments.makeIterator()
        arguments: while let argument = iterator.next() {
            switch argument {
            case "--lines": lines = Int(iterator.next() ?? "") ?? lines
            case "--every": every = Int(iterator.next() ?? "") ?? every
            case "--db": store = iterator.next() ?? store
            case "--correlate": correlate = iterator.next()
            case "--":
                while let next = iterator.next() { extra.append(next) }
                break arguments
            default:
                Bench.log("unknown option \(argument)")
                exit(2)
            }
        }
        let root = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let binary = correlate ?? root.appendingPathComponent("correlate").path
        let file = "bench-data/steady-\(lines).log"
        if !FileManager.default.fileExists(atPath: file) {
            Bench.log("generating \(file) (\(lines) lines, seed 7)…")
            try FileManager.default.createDirectory(atPath: "bench-data", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: file + ".part", contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file + ".part"))
            var generator = LogGenerator(seed: 7)
            while generator.lines < lines { try handle.write(contentsOf: generator.chunk(lines: min(10_000, lines - generator.lines))) }
            try handle.close()
            try FileManager.default.moveItem(atPath: file + ".part", toPath: file)
        }
        _ = try Bench.shell("cat '\(file)' > /dev/null")  // warm the page cache
        try removeStore(store)
        try FileManager.default.createDirectory(atPath: (store as NSString).deletingLastPathComponent, withIntermediateDirectories: true)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--db", store] + extra
        let input = Pipe()
        process.standardInput = input
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("correlate-steady-\(getpid()).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        let writer = input.fileHandleForWriting
        let start = DispatchTime.now().uptimeNanoseconds
        var stretchStart = start
        var nextMark = every
        var written = 0
        var rows: [(lines: Int, rate: Double, rss: Int, disk: Int64)] = []
        say("| lines | seconds (stretch) | lines/s | RSS MiB | store on disk MiB |")
        say("|---:|---:|---:|---:|---:|")
        while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty {
            try writer.write(contentsOf: chunk)
            written += newlines(in: chunk)
            guard written >= nextMark else { continue }
            let now = DispatchTime.now().uptimeNanoseconds
            let seconds = Double(now - stretchStart) / 1e9
            let rate = Double(every) / seconds
            let rss = residentKiB(process.processIdentifier) ?? 0
            let disk = storeBytes(store)
            rows.append((nextMark, rate, rss, disk))
            say(String(format: "| %d | %.2f | %.0f | %d | %d |", nextMark, seconds, rate, rss / 1024, Int(disk >> 20)))
            stretchStart = now
            nextMark += every
        }
        try writer.close()
        process.waitUntilExit()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let summary = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: errors)
        guard process.terminationStatus == 0 else {
            throw BenchError("correlate exited with \(process.terminationStatus): \(summary.suffix(2000))")
        }
        say("")
        say(String(format: "%d lines in %.1f s: %.0f lines/s overall; store %d MiB on disk.",
                     written, total, Double(written) / total, Int(storeBytes(store) >> 20)))
        if let first = rows.first, let last = rows.last {
            say(String(format: "Last stretch ÷ first: %.2f (target ≥ 0.5); lowest stretch %.0f lines/s; peak RSS of the stretches %d MiB.",
                         last.rate / first.rate, rows.map(\.rate).min() ?? 0, (rows.map(\.rss).max() ?? 0) / 1024))
        }
        say("correlate said: " + summary.split(separator: "\n").suffix(6).joined(separator: " / "))
        say("Command: `.build/release/correlate-bench steady --lines \(lines) --every \(every)`"
              + (extra.isEmpty ? "" : " -- " + extra.joined(separator: " ")))
    }

    static func newlines(in data: Data) -> Int {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var count = 0
            var offset = 0
            while offset < raw.count {
                guard let found = memchr(base + offset, 0x0A, raw.count - offset) else { break }
                count += 1
                offset = UnsafeRawPointer(found) - base + 1
            }
            return count
        }
    }

    /// A line on standard output at once (the table is read while it grows).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// VmRSS of a running process, in KiB.
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// Bytes of every file or folder beside the store whose name starts with its name.
    static func storeBytes(_ store: String) -> Int64 {
        let folder = (store as NSString).deletingLastPathComponent
        let name = (store as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        var total: Int64 = 0
        for entry in names where entry.hasPrefix(name) {
            total += bytes(at: folder.isEmpty ? entry : folder + "/" + entry)
        }
        return total
    }

    private static func bytes(at path: String) -> Int64 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
        if !isDirectory.boolValue {
            return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.reduce(0) { $0 + bytes(at: path + "/" + $1) }
    }

    static func removeStore(_ store: String) throws {
        let folder = (store as NSString).deletingLastPathComponent
        let name = (store as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        for entry in names where entry.hasPrefix(name) {
            try FileManager.default.removeItem(atPath: folder.isEmpty ? entry : folder + "/" + entry)
        }
    }
}
