#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel

/// A run of complete lines of a file, copied out so a worker thread can own it.
public struct Chunk: Sendable {
    /// The lines, each ending in `\n` (the last line of the file may not).
    public var bytes: [UInt8]
    /// 1-based number of the first line.
    public var firstLine: Int
    /// The chunk is the cut head of one over-long line.
    public var truncatedLine: Bool
}

/// Cuts a regular file into chunks of whole lines for parallel processing.
///
/// A chunk ends just before a line that `isRecordStart` accepts, so that a multi-line record
/// (a traceback) never spans two chunks and each chunk can be assembled on its own. When no
/// such line is found near the end of a chunk, it is cut at its last line anyway.
///
/// Memory is bounded by about three chunks plus `maxLineBytes`; a longer line becomes a chunk of
/// its own, cut to `maxLineBytes`.
public final class ChunkReader {
    public let name: String
    private let fd: Int32
    private let chunkBytes: Int
    private let maxLineBytes: Int
    private let isRecordStart: (UnsafeBufferPointer<UInt8>) -> Bool
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private var atEnd = false
    private var nextLine = 1
    private var skippingLongLine = false

    public private(set) var byteCount: Int64 = 0
    public private(set) var truncatedCount = 0

    /// - Parameter descriptor: an open regular file, closed by the reader.
    public init(
        descriptor: Int32, name: String, chunkBytes: Int = 4 << 20, maxLineBytes: Int = 1 << 20,
        isRecordStart: @escaping (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        self.fd = descriptor
        self.name = name
        self.chunkBytes = max(chunkBytes, 1024)
        self.maxLineBytes = max(maxLineBytes, 64)
        self.isRecordStart = isRecordStart
        self.capacity = self.chunkBytes * 2 + self.maxLineBytes
        self.buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// The next chunk, or nil at the end of the file.
    /// - Throws: ``InputError`` on a read error.
    public func next() throws -> Chunk? {
        while true {
            try fill()
            if skippingLongLine {
                // Drop the rest of an over-long line, up to and including its newline.
                if let newline = memchr(buffer, 0x0A, count) {
                    let end = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
                    consume(end)
                    skippingLongLine = false
                } else {
                    count = 0
                    if atEnd { return nil }
                    continue
                }
            }
            if count == 0 { return nil }
            guard let lastNewline = lastNewline(before: count) else {
                if count >= maxLineBytes { return longLineHead() }
                if atEnd { return take(count, lines: 1) }  // a last line without a newline
                continue  // fill() reads more next round
            }
            let complete = lastNewline + 1
            if let firstNewline = memchr(buffer, 0x0A, count),
                buffer.distance(to: firstNewline.assumingMemoryBound(to: UInt8.self)) >= maxLineBytes
            {
                return longLineHead()
            }
            var end = (atEnd && complete < count) ? count : complete
            if !atEnd { end = cut(before: complete) }
            return take(end, lines: countLines(end))
        }
    }

    /// Reads until the buffer holds a chunk's worth, or the file ends.
    private func fill() throws {
        while !atEnd && count < chunkBytes + maxLineBytes {
            let got = read(fd, buffer + count, capacity - count)
            if got < 0 {
                if errno == EINTR { continue }
                throw InputError(path: name, errno: errno, operation: "read")
            }
            if got == 0 {
                atEnd = true
                break
            }
            count += got
            byteCount += Int64(got)
        }
    }

    /// Where to end a chunk of `complete` bytes of whole lines: before the last line starting
    /// at or after `chunkBytes` that starts a record — else before the last one that does.
    private func cut(before complete: Int) -> Int {
        var lineEnd = complete - 1  // the newline of the line we look at
        var tries = 0
        while tries < 4096 {
            let start: Int
            if let previous = lastNewline(before: lineEnd) {
                start = previous + 1
            } else {
                start = 0
            }
            if start == 0 { break }
            var last = lineEnd
            if last > start, buffer[last - 1] == 0x0D { last -= 1 }
            if isRecordStart(UnsafeBufferPointer(start: buffer + start, count: last - start)) {
                return start
            }
            lineEnd = start - 1
            tries += 1
        }
        return complete
    }

    /// The index of the last `\n` before `end` (glibc's `memrchr` is not visible to Swift).
    private func lastNewline(before end: Int) -> Int? {
        var index = end - 1
        while index >= 0 {
            if buffer[index] == 0x0A { return index }
            index -= 1
        }
        return nil
    }

    private func countLines(_ end: Int) -> Int {
        var lines = 0
        var at = 0
        while at < end, let newline = memchr(buffer + at, 0x0A, end - at) {
            lines += 1
            at = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
        }
        if at < end { lines += 1 }  // a last line without a newline
        return lines
    }

    private func take(_ end: Int, lines: Int) -> Chunk {
        let chunk = Chunk(bytes: Array(UnsafeBufferPointer(start: buffer, count: end)),
                          firstLine: nextLine, truncatedLine: false)
        nextLine += lines
        consume(end)
        return chunk
    }

    private func longLineHead() -> Chunk {
        truncatedCount += 1
        let chunk = Chunk(bytes: Array(UnsafeBufferPointer(start: buffer, count: maxLineBytes)),
                          firstLine: nextLine, truncatedLine: true)
        nextLine += 1
        consume(maxLineBytes)
        skippingLongLine = true
        return chunk
    }

    private func consume(_ length: Int) {
        if length < count { memmove(buffer, buffer + length, count - length) }
        count -= length
    }
}
