import Foundation
import Testing
import CorrelateTestSupport

/// A running `correlate extract` fed through a pipe that stays open, as `journalctl -f` does.
final class StreamingProcess: @unchecked Sendable {
    // Used from one test at a time; the reader thread only appends under the lock.
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    private let lock = NSLock()
    private var received = Data()
    /// Signalled once when the output reaches its end (the process closed it).
    private let outputEnded = DispatchSemaphore(value: 0)
    private var finished = false

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: CommandRunner.correlate)
        process.arguments = arguments
        process.currentDirectoryURL = Fixtures.packageRoot
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            if data.isEmpty {
                handle.readabilityHandler = nil
                self.outputEnded.signal()
                return
            }
            self.lock.lock()
            self.received.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    func send(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Waits until `count` output lines arrived; returns the seconds it took, or nil on timeout.
    func waitForLines(_ count: Int, timeout: Double) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if lines.count >= count { return Date().timeIntervalSince(start) }
            usleep(5_000)
        }
        return nil
    }

    /// Peak resident memory (VmHWM) in KiB, from /proc.
    var peakMemoryKiB: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// Closes the input and waits for the process to exit and for the last of its output to
    /// arrive (the reader sees the end of the pipe), so `lines` then holds everything it wrote.
    func finish() {
        guard !finished else { return }
        finished = true
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        if outputEnded.wait(timeout: .now() + 10) == .timedOut {
            output.fileHandleForReading.readabilityHandler = nil
        }
    }
}

@Suite struct StreamingTests {
    @Test func eachRecordIsWrittenWithinAFractionOfASecond() throws {
        let stream = try StreamingProcess(["extract", "-q", "-"])
        defer { stream.finish() }
        let line = #"{"__REALTIME_TIMESTAMP":"1795595546478776","_SYSTEMD_UNIT":"api.service","MESSAGE":"job done trace_id=4bf92f3577b34da6a3ce929d0e0e4736"}"#
        // The first record also waits for the process to start (slow on a loaded machine);
        // the ones after it are timed from the moment they are sent.
        stream.send(line + "\n")
        _ = try #require(stream.waitForLines(1, timeout: 10), "the first record never came")
        for index in 2...4 {
            stream.send(line + "\n")
            let seconds = try #require(stream.waitForLines(index, timeout: 5), "record \(index) never came")
            #expect(seconds < 0.5, "record \(index) took \(seconds) s")
        }
        #expect(stream.lines.allSatisfy { $0.contains("4bf92f3577b34da6a3ce929d0e0e4736") })
    }

    @Test func tracebackArrivingWithItsLineStaysOneRecordOnAStream() throws {
        let stream = try StreamingProcess(["extract", "-q"])
        defer { stream.finish() }
        stream.send("""
            2026-11-25 08:32:37,935 ERROR [w] [trace_id=023a851b1df899d303d8383f992cf98c span_id=4496213adaecede2 resource.service.name=w trace_sampled=True] - raised
            Traceback (most recent call last):
              File "x.py", line 1, in f
            ValueError: bad

            """)
        _ = try #require(stream.waitForLines(1, timeout: 5))
        usleep(300_000)
        #expect(stream.lines.count == 1)
        #expect(stream.lines.first?.contains(#""lines":4"#) == true)
    }

    /// A pause on the stream ends the record, with --only-linked as without: a line no rule
    /// matches, then a pause, then an id line, are two records, the second written alone.
    @Test(arguments: [["extract", "-q", "-"], ["extract", "-q", "--only-linked", "-"]])
    func aPauseEndsTheRecordWhetherOrNotLinesAreSkipped(arguments: [String]) throws {
        let stream = try StreamingProcess(arguments)
        // A first record proves the process is reading (its start may take longer than the pause).
        stream.send("ready trace_id=0af7651916cd43dd8448eb211c80319c\n")
        _ = try #require(stream.waitForLines(1, timeout: 10), "the process never answered")
        stream.send("2024-05-01T10:00:00Z INFO request started\n")
        usleep(600_000)
        stream.send("done trace_id=4bf92f3577b34da6a3ce929d0e0e4736\n")
        stream.finish()
        let linked = stream.lines.filter { $0.contains("4bf92f3577b34da6a3ce929d0e0e4736") }
        #expect(linked.count == 1)
        #expect(linked.first?.contains(#""line":3,"lines":1"#) == true, "\(stream.lines)")
    }

    @Test func memoryStaysFlatOnALongStream() throws {
        let stream = try StreamingProcess(["extract", "-q", "--only-linked"])
        defer { stream.finish() }
        let sample = try String(contentsOfFile: Fixtures.celery("logs/journal.json"), encoding: .utf8)
        var chunk = ""
        while chunk.utf8.count < 4 << 20 { chunk += sample }
        // 4 MiB, then 16 MiB more: peak memory must not grow with the stream.
        stream.send(chunk)
        _ = stream.waitForLines(1, timeout: 10)
        usleep(500_000)
        let early = try #require(stream.peakMemoryKiB)
        for _ in 0..<4 { stream.send(chunk) }
        usleep(1_500_000)
        let late = try #require(stream.peakMemoryKiB)
        #expect(late - early < 8 * 1024, "peak memory grew from \(early) KiB to \(late) KiB")
        #expect(late < 64 * 1024)
    }
}
