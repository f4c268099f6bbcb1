#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel

/// One physical line, handed to the caller without copying.
///
/// `bytes` points into the reader's buffer and is valid only during the callback. The line
/// terminator (`\n`, or `\r\n`) is not included.
public struct Line {
    public var bytes: UnsafeBufferPointer<UInt8>
    /// 1-based line number in its input.
    public var number: Int
    /// Byte offset of the line's first byte in its input.
    public var offset: Int64
    /// The line was longer than the reader's `maxLineBytes`; `bytes` holds its beginning only.
    public var truncated: Bool
}

/// Reads an input in large blocks and splits it into lines with `memchr`, without allocating
/// per line. The input is read through ``InputFile``, so gzip and zstd are decompressed on the
/// way; damaged compressed data ends the input with an ``InputError`` that names the line
/// reached (the complete lines before it were handed on; the partial one is dropped).
///
/// Memory is bounded by `blockSize + maxLineBytes`, whatever the input: a longer line is passed
/// on truncated (and flagged) and the rest of it is skipped.
///
/// On pipes and terminals (`journalctl -f | correlate`), `read` returns what has arrived, so every
/// complete line is handed on at once; when no more input is waiting for `idleMilliseconds`, the
/// `onIdle` callback runs, so the caller can flush what it holds back.
public final class LineReader {
    public let name: String
    /// False for pipes and terminals, whose reads can block.
    public let isRegularFile: Bool
    private let input: InputFile
    private let blockSize: Int
    private let maxLineBytes: Int
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int

    /// Lines read so far.
    public private(set) var lineCount = 0
    /// Bytes read so far (decompressed).
    public private(set) var byteCount: Int64 = 0
    /// Lines longer than `maxLineBytes`.
    public private(set) var truncatedCount = 0

    /// Opens `path` for reading; `-` means standard input.
    /// - Throws: ``InputError`` when the file cannot be opened or is a directory.
    public convenience init(path: String, blockSize: Int = 1 << 20, maxLineBytes: Int = 1 << 20) throws {
        self.init(input: try InputFile.open(path), blockSize: blockSize, maxLineBytes: maxLineBytes)
    }

    /// Reads `input` from where it is.
    public init(input: InputFile, blockSize: Int = 1 << 20, maxLineBytes: Int = 1 << 20) {
        self.input = input
        self.name = input.name
        self.blockSize = max(blockSize, 4096)
        self.maxLineBytes = max(maxLineBytes, 64)
        self.capacity = self.blockSize + self.maxLineBytes
        self.buffer = .allocate(capacity: capacity)
        self.isRegularFile = input.isRegularFile
    }

    deinit {
        buffer.deallocate()
    }

    /// Calls `body` for every line until end of input.
    ///
    /// - Parameters:
    ///   - idleMilliseconds: on a pipe or terminal, how long to wait for more input before
    ///     calling `onIdle`.
    ///   - onIdle: called when input pauses (never for regular files, which do not block).
    ///   - afterChunk: on a pipe or terminal, called after the lines of each `read` were handed
    ///     on, so the caller can write out what they produced.
    ///   - body: receives each line; return `false` to stop reading.
    /// - Throws: ``InputError`` on a read error.
    public func forEachLine(
        idleMilliseconds: Int32 = 100,
        onIdle: (() -> Void)? = nil,
        afterChunk: (() -> Void)? = nil,
        _ body: (Line) throws -> Bool
    ) throws {
        var start = 0  // first byte of the current (incomplete) line
        var end = 0  // end of valid data
        var lineOffset: Int64 = 0  // input offset of the byte at `start`
        var skippingLongLine = false  // the head of the current line was already passed on
        var idleCalled = true

        while true {
            if !isRegularFile, let onIdle, !idleCalled {
                if !waitForInput(milliseconds: idleMilliseconds) {
                    onIdle()
                }
                idleCalled = true
            }
            // Make room: move the incomplete line to the front.
            if start > 0 {
                if end > start { memmove(buffer, buffer + start, end - start) }
                end -= start
                start = 0
            }
            let count: Int
            do {
                count = try input.read(buffer + end, min(blockSize, capacity - end))
            } catch let error as InputError {
                // Damaged compressed data: the lines before it were handed on; the line it cut
                // is not.
                throw error.at(line: lineCount + 1)
            }
            if count == 0 {
                // End of input: a last line without a terminator is still a line.
                if end > start, !skippingLongLine {
                    _ = try emit(start, end, offset: lineOffset, truncated: false, body)
                }
                return
            }
            idleCalled = false
            byteCount += Int64(count)
            var scan = end
            end += count
            while scan < end, let newline = memchr(buffer + scan, 0x0A, end - scan) {
                let newlineIndex = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                if skippingLongLine {
                    skippingLongLine = false
                } else if try !emit(start, newlineIndex, offset: lineOffset, truncated: false, body) {
                    return
                }
                lineOffset += Int64(newlineIndex + 1 - start)
                start = newlineIndex + 1
                scan = start
            }
            if !isRegularFile { afterChunk?() }
            // No terminator in sight and the line has outgrown its bound: pass its head on once
            // and drop the rest of it as it arrives.
            if end - start >= maxLineBytes {
                if !skippingLongLine {
                    truncatedCount += 1
                    skippingLongLine = true
                    if try !emit(start, start + maxLineBytes, offset: lineOffset, truncated: true, body) {
                        return
                    }
                }
                lineOffset += Int64(end - start)
                start = end
            }
        }
    }

    @inline(__always)
    private func emit(
        _ from: Int, _ to: Int, offset: Int64, truncated: Bool, _ body: (Line) throws -> Bool
    ) rethrows -> Bool {
        var last = to
        if !truncated, last > from, buffer[last - 1] == 0x0D { last -= 1 }  // CRLF (a cut head has none)
        var cut = truncated
        if last - from > maxLineBytes {
            // The whole line arrived in one read but is over the bound all the same.
            last = from + maxLineBytes
            if !truncated { truncatedCount += 1 }
            cut = true
        }
        lineCount += 1
        let line = Line(
            bytes: UnsafeBufferPointer(start: buffer + from, count: last - from),
            number: lineCount, offset: offset, truncated: cut)
        return try body(line)
    }

    /// Waits up to `milliseconds` for input; false when none arrived.
    private func waitForInput(milliseconds: Int32) -> Bool {
        input.waitForInput(milliseconds: milliseconds)
    }
}
