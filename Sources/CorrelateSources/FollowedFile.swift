#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read as it grows, like `tail -F`: each ``poll(_:)`` hands on the complete lines
/// appended since the last one and keeps an unfinished last line for later.
///
/// Rotation is followed: when the path names another file (renamed away and created anew), what
/// the old file still held is read to its end first, then the new file from its start; when the
/// file shrank below what was read (truncated in place, as `copytruncate` does), it is read again
/// from its start. Each new file begins a new ``generation``, whose lines count from 1 again.
public final class FollowedFile {
    public let path: String
    /// 0 for the file that was there when following began, then one more per rotation.
    public private(set) var generation = 0
    /// Lines handed on in the current generation.
    public private(set) var lineCount = 0
    public private(set) var byteCount: Int64 = 0
    /// Lines longer than the bound, cut to it.
    public private(set) var truncatedCount = 0
    /// Whether the line being handed on was cut to `maxLineBytes` (read it in the callback).
    public private(set) var lastLineTruncated = false

    private var fd: Int32
    private var device: dev_t
    private var inode: ino_t
    private var offset: Int64
    private var pending: [UInt8] = []
    private var skippingLongLine = false
    private let maxLineBytes: Int
    private var block = [UInt8](repeating: 0, count: 1 << 16)

    /// Opens `path` and starts at `offset` (0: the whole file; a later offset should be a line
    /// start).
    /// - Throws: ``InputError`` when the file cannot be opened.
    public init(path: String, offset: Int64 = 0, maxLineBytes: Int = 1 << 20) throws {
        self.path = path
        self.maxLineBytes = maxLineBytes
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(path: path, errno: errno, operation: "open") }
        var info = stat()
        fstat(fd, &info)
        device = info.st_dev
        inode = info.st_ino
        self.offset = offset
        lseek(fd, off_t(offset), SEEK_SET)
    }

    deinit { close(fd) }

    /// Hands on every complete line appended since the last call, with its line number in the
    /// current generation; `newGeneration` is called before the first line of a rotated file.
    /// - Returns: whether any byte was read.
    @discardableResult
    public func poll(
        newGeneration: () throws -> Void = {},
        _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
    ) throws -> Bool {
        var readAny = try drain(body)
        // The path may now name another file, or this one may have been truncated.
        var now = stat()
        if stat(path, &now) == 0 {
            if now.st_dev != device || now.st_ino != inode {
                readAny = try drain(body) || readAny  // what the old file got before the rename
                let next = open(path, O_RDONLY | O_CLOEXEC)
                guard next >= 0 else { return readAny }  // created but not yet readable: next time
                close(fd)
                fd = next
                var info = stat()
                fstat(fd, &info)
                device = info.st_dev
                inode = info.st_ino
                try startGeneration(newGeneration)
                readAny = try drain(body) || readAny
            } else if Int64(now.st_size) < offset {
                lseek(fd, 0, SEEK_SET)
                try startGeneration(newGeneration)
                readAny = try drain(body) || readAny
            }
        }
        return readAny
    }

    /// Hands on an unfinished last line (at the end of input, when no more is coming).
    public func finish(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) rethrows {
        guard !pending.isEmpty else { return }
        lastLineTruncated = skippingLongLine
        skippingLongLine = false
        lineCount += 1
        try pending.withUnsafeBufferPointer { try body($0, lineCount) }
        pending.removeAll()
    }

    private func startGeneration(_ newGeneration: () throws -> Void) throws {
        offset = 0
        pending.removeAll()
        skippingLongLine = false
        generation += 1
        lineCount = 0
        try newGeneration()
    }

    /// Reads to the current end of the file.
    private func drain(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws -> Bool {
        var readAny = false
        while true {
            let count = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(path: path, errno: errno, operation: "read")
            }
            if count == 0 { return readAny }
            readAny = true
            offset += Int64(count)
            byteCount += Int64(count)
            try block.withUnsafeBufferPointer { bytes in
                var start = 0
                while start < count {
                    guard let newline = memchr(bytes.baseAddress! + start, 0x0A, count - start) else {
                        append(UnsafeBufferPointer(rebasing: bytes[start..<count]))
                        return
                    }
                    let end = bytes.baseAddress!.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                    append(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                    if !skippingLongLine, pending.last == 0x0D { pending.removeLast() }
                    lastLineTruncated = skippingLongLine
                    skippingLongLine = false
                    lineCount += 1
                    try pending.withUnsafeBufferPointer { try body($0, lineCount) }
                    pending.removeAll(keepingCapacity: pending.count <= 1 << 16)
                    start = end + 1
                }
            }
        }
    }

    /// Adds to the unfinished line; past the bound, the rest of the line is dropped and its head
    /// handed on when its end arrives.
    private func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !skippingLongLine else { return }
        let room = maxLineBytes - pending.count
        if bytes.count <= room {
            pending.append(contentsOf: bytes)
            return
        }
        pending.append(contentsOf: bytes.prefix(room))
        truncatedCount += 1
        skippingLongLine = true
    }
}
