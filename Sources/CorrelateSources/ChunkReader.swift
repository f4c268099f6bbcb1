#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel

/// A buffer holding a run of complete lines of a file, reused from chunk to chunk.
///
/// Unchecked `Sendable`: the reader fills a chunk, then hands it to one worker, which only reads
/// it; it comes back to the reader only after the worker is done with it.
public final class Chunk: @unchecked Sendable {
    public private(set) var base: UnsafeMutablePointer<UInt8>
    public private(set) var capacity: Int
    /// Bytes of whole lines, each ending in `\n` (the last line of the file may not).
    public internal(set) var count = 0
    /// 1-based number of the first line.
    public internal(set) var firstLine = 1
    /// The chunk is the cut head of one over-long line.
    public internal(set) var truncatedLine = false
    /// The chunk was cut where no line starting a record came (a record longer than
    /// `maxRecordBytes`): the next chunk may go on with its last record.
    public internal(set) var endsInsideRecord = false
    /// Bytes read past `count`, handed to the next chunk.
    var filled = 0

    public init(capacity: Int) {
        self.capacity = capacity
        self.base = .allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
    }

    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func ensureCapacity(_ needed: Int) {
        guard needed > capacity else { return }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: needed)
        newBase.update(from: base, count: filled)
        base.deallocate()
        base = newBase
        capacity = needed
    }
}

/// Cuts a regular file into chunks of whole lines for parallel processing. The file is read
/// through ``InputFile`` (gzip and zstd decompressed on the way); damaged compressed data ends
/// it: the complete lines before the damage are handed on, and the next call throws an
/// ``InputError`` naming the line reached.
///
/// A chunk ends just before a line that `isRecordStart` accepts, so that a multi-line record
/// (a traceback) never spans two chunks and each chunk can be assembled on its own. When no
/// such line is found near the end of a chunk, it is cut at its last line anyway.
///
/// Data is read straight into the chunk's buffer; only the bytes after the cut are copied, into
/// the next chunk. A line longer than `maxLineBytes` becomes a chunk of its own, cut to
/// `maxLineBytes`, and the rest of it is skipped. A chunk in which no record starts for
/// `maxRecordBytes` is cut at its last line and flagged (``Chunk/endsInsideRecord``).
public final class ChunkReader {
    public let name: String
    private let input: InputFile
    private let chunkBytes: Int
    private let maxLineBytes: Int
    private let isRecordStart: (UnsafeBufferPointer<UInt8>) -> Bool
    private let maxRecordBytes: Int
    private var atEnd = false
    /// Damage that ended the input early, thrown once its lines are handed on.
    private var damage: InputError?
    private var nextLine = 1
    private var skippingLongLine = false
    /// Bytes read but not yet in a chunk.
    private var carry: [UInt8] = []

    public private(set) var byteCount: Int64 = 0
    public private(set) var truncatedCount = 0

    /// - Parameter input: an input (a regular file, read from where it is).
    /// - Parameter maxRecordBytes: how far past `chunkBytes` a chunk grows looking for a line
    ///   that starts a record before it is cut anyway (``Chunk/endsInsideRecord``).
    public init(
        input: InputFile, chunkBytes: Int = 4 << 20, maxLineBytes: Int = 1 << 20,
        maxRecordBytes: Int = 16 << 20, isRecordStart: @escaping (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        self.input = input
        self.name = input.name
        self.chunkBytes = max(chunkBytes, 1024)
        self.maxLineBytes = max(maxLineBytes, 64)
        self.maxRecordBytes = max(maxRecordBytes, 1024)
        self.isRecordStart = isRecordStart
    }

    /// A new buffer of the size chunks need.
    public func makeChunk() -> Chunk {
        Chunk(capacity: chunkBytes + maxLineBytes + 1)
    }

    /// Fills `chunk` with the next lines.
    ///
    /// Lines are passed on whole, however long (a worker cuts them to `maxLineBytes`), except a
    /// line with no newline within `maxLineBytes + chunkBytes`, whose head becomes a chunk of its
    /// own; the rest of it is skipped.
    /// - Returns: false at the end of the file.
    /// - Throws: ``InputError`` on a read error, and at the end of what could be read of damaged
    ///   compressed data.
    public func next(into chunk: Chunk) throws -> Bool {
        chunk.count = 0
        chunk.truncatedLine = false
        chunk.endsInsideRecord = false
        chunk.ensureCapacity(max(carry.count, chunkBytes) + maxLineBytes + 1)
        chunk.filled = carry.count
        if !carry.isEmpty {
            carry.withUnsafeBufferPointer { chunk.base.update(from: $0.baseAddress!, count: $0.count) }
            carry.removeAll(keepingCapacity: true)
        }
        var scanned = 0  // bytes already searched for their last newline
        var lastNewline: Int? = nil
        var target = chunkBytes
        while true {
            try fill(chunk, upTo: target)
            if skippingLongLine {
                // Drop the rest of an over-long line, up to and including its newline.
                if let newline = memchr(chunk.base, 0x0A, chunk.filled) {
                    let end = chunk.base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
                    shift(chunk, from: end)
                    skippingLongLine = false
                } else {
                    chunk.filled = 0
                    if atEnd { return try ended() }
                    continue
                }
            }
            if chunk.filled == 0 { return try ended() }
            if let found = self.lastNewline(chunk, from: scanned, before: chunk.filled) { lastNewline = found }
            scanned = chunk.filled
            guard let last = lastNewline else {
                if atEnd { return finish(chunk, end: chunk.filled) }  // a last line without a newline
                if chunk.filled >= maxLineBytes + chunkBytes { return longLineHead(chunk) }
                target = chunk.filled + chunkBytes
                chunk.ensureCapacity(target + 1)
                continue
            }
            if atEnd { return finish(chunk, end: chunk.filled) }
            if let end = cut(chunk, before: last + 1) { return finish(chunk, end: end) }
            // One record fills the chunk so far (a long traceback): read on rather than split
            // it, up to a bound.
            if chunk.filled >= chunkBytes + maxRecordBytes {
                chunk.endsInsideRecord = true
                return finish(chunk, end: last + 1)
            }
            target = chunk.filled * 2
            chunk.ensureCapacity(target + 1)
        }
    }

    /// Nothing more: false, or the damage that ended the input.
    private func ended() throws -> Bool {
        guard let damage else { return false }
        self.damage = nil
        throw damage.at(line: nextLine)
    }

    /// Reads until the chunk holds `target` bytes, or the file ends. Damaged compressed data
    /// ends the file after its last whole line.
    private func fill(_ chunk: Chunk, upTo target: Int) throws {
        let limit = min(target, chunk.capacity)
        while !atEnd && chunk.filled < limit {
            let got: Int
            do {
                got = try input.read(chunk.base + chunk.filled, limit - chunk.filled)
            } catch let error as InputError where error.reason != nil {
                damage = error
                atEnd = true
                // The line the damage cut is dropped (when a line's head was already handed
                // on as an over-long line, the rest of it is skipped anyway).
                chunk.filled = lastNewline(chunk, from: 0, before: chunk.filled).map { $0 + 1 } ?? 0
                break
            }
            if got == 0 {
                atEnd = true
                break
            }
            chunk.filled += got
            byteCount += Int64(got)
        }
    }

    /// Where to end a chunk of `complete` bytes of whole lines: before the last line that
    /// starts a record (the chunk's first line excepted); nil when none is found.
    private func cut(_ chunk: Chunk, before complete: Int) -> Int? {
        var lineEnd = complete - 1  // the newline of the line looked at
        for _ in 0..<4096 {
            guard let previous = lastNewline(chunk, from: 0, before: lineEnd) else { break }
            let start = previous + 1
            var last = lineEnd
            if last > start, chunk.base[last - 1] == 0x0D { last -= 1 }
            if isRecordStart(UnsafeBufferPointer(start: chunk.base + start, count: last - start)) {
                return start
            }
            lineEnd = previous
        }
        return nil
    }

    /// Ends the chunk at `end`, keeping the bytes after it for the next chunk.
    private func finish(_ chunk: Chunk, end: Int) -> Bool {
        if end < chunk.filled {
            carry.append(contentsOf: UnsafeBufferPointer(start: chunk.base + end, count: chunk.filled - end))
        }
        chunk.count = end
        chunk.filled = end
        chunk.firstLine = nextLine
        nextLine += countLines(chunk.base, end)
        return true
    }

    private func longLineHead(_ chunk: Chunk) -> Bool {
        truncatedCount += 1
        skippingLongLine = true
        let end = maxLineBytes
        if end < chunk.filled {
            carry.append(contentsOf: UnsafeBufferPointer(start: chunk.base + end, count: chunk.filled - end))
        }
        chunk.count = end
        chunk.filled = end
        chunk.truncatedLine = true
        chunk.firstLine = nextLine
        nextLine += 1
        return true
    }

    /// Drops the first `length` bytes of what the chunk holds.
    private func shift(_ chunk: Chunk, from length: Int) {
        if length < chunk.filled { memmove(chunk.base, chunk.base + length, chunk.filled - length) }
        chunk.filled -= length
    }

    /// The index of the last `\n` in `from..<end` (glibc's `memrchr` is not visible to Swift).
    private func lastNewline(_ chunk: Chunk, from start: Int, before end: Int) -> Int? {
        var index = end - 1
        while index >= start {
            if chunk.base[index] == 0x0A { return index }
            index -= 1
        }
        return nil
    }

    private func countLines(_ base: UnsafeMutablePointer<UInt8>, _ end: Int) -> Int {
        var lines = 0
        var at = 0
        while at < end, let newline = memchr(base + at, 0x0A, end - at) {
            lines += 1
            at = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
        }
        if at < end { lines += 1 }  // a last line without a newline
        return lines
    }
}
