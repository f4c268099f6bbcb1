#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateModel

/// One input — a file, or standard input — as bytes, decompressed while they are read when the
/// input is gzip or zstd (told by its first bytes, not by its name). The one way correlate opens
/// what it reads: ``LineReader``, ``ChunkReader`` and whole-document readers all read through it.
///
/// Memory is bounded: the compressed input is read in blocks of `blockSize` and decompressed
/// into the caller's buffer. Damaged compressed data (a truncated file, a bad check, bytes that
/// are not the format) ends the input with an ``InputError`` whose ``InputError/reason`` says
/// so; every byte decompressed before the damage was handed on.
public final class InputFile {
    /// How diagnostics name the input: the path as given, or `<stdin>`.
    public let name: String
    public let compression: Compression
    /// False for pipes and terminals, whose reads can block.
    public let isRegularFile: Bool
    /// The size of a regular file on disk (compressed, for a compressed one); 0 otherwise.
    public let fileSize: Int64
    /// Bytes read from the file (before decompression).
    public private(set) var rawByteCount: Int64 = 0

    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Raw bytes read and not yet used: the magic number's bytes, then compressed input.
    private let block: UnsafeMutablePointer<UInt8>
    private let blockSize: Int
    private var blockStart = 0
    private var blockEnd = 0
    private var rawEnded = false
    /// Decompressed bytes looked at by ``peek(_:)``, handed on again by the next reads.
    private var peeked: [UInt8] = []
    private var peekedStart = 0
    private let decompressor: StreamDecompressor?
    /// A gzip member or zstd frame ended and nothing of the next one was read yet: the input
    /// may end here.
    private var betweenStreams = false
    /// Damage found after the bytes handed on with it; thrown by the next read.
    private var pendingDamage: InputError?

    /// Opens `path` (`-`: standard input, named `<stdin>`). `name` is how diagnostics name it
    /// (default: `path`).
    /// - Throws: ``InputError`` when it cannot be opened or read, or is a directory.
    public static func open(_ path: String, name: String? = nil, blockSize: Int = 1 << 18) throws -> InputFile {
        if path == "-" {
            return try InputFile(descriptor: 0, name: name ?? SourceLocation.stdinName, owns: false, blockSize: blockSize)
        }
        let shown = name ?? path
        let fd = openForReading(path)
        guard fd >= 0 else { throw InputError(path: shown, errno: errno, operation: "open") }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw InputError(path: shown, errno: EISDIR, operation: "read")
        }
        return try InputFile(descriptor: fd, name: shown, owns: true, blockSize: blockSize)
    }

    /// Reads from an open descriptor, closed by the input only when `owns`. Reads the first
    /// bytes at once, to tell the compression.
    /// - Throws: ``InputError`` when the first read fails, or the decompressor cannot start.
    public init(descriptor: Int32, name: String, owns: Bool, blockSize: Int = 1 << 18) throws {
        let size = max(blockSize, 4096)
        let block = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        var info = stat()
        let regular = fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        // Enough bytes for a magic number; on a pipe, no more than its first read brings unless
        // they could still begin one (a line of text is never waited for).
        var filled = 0
        repeat {
            let got = readDescriptor(descriptor, block + filled, size - filled)
            if got < 0 {
                if errno == EINTR { continue }
                let error = InputError(path: name, errno: errno, operation: "read")
                block.deallocate()
                if owns { close(descriptor) }
                throw error
            }
            if got == 0 { break }
            filled += got
        } while filled < 4 && (regular || Compression.mayBecomeMagic(UnsafeBufferPointer(start: block, count: filled)))
        self.fd = descriptor
        self.name = name
        self.ownsDescriptor = owns
        self.blockSize = size
        self.block = block
        self.blockEnd = filled
        self.rawByteCount = Int64(filled)
        self.isRegularFile = regular
        self.fileSize = regular ? Int64(info.st_size) : 0
        compression = Compression.detect(UnsafeBufferPointer(start: block, count: filled))
        switch compression {
        case .none: decompressor = nil
        case .gzip: decompressor = GzipDecompressor()
        case .zstd: decompressor = ZstdDecompressor()
        }
        if compression != .none, decompressor == nil {
            // Fully initialized: deinit frees the block and closes the descriptor.
            throw InputError(path: name, reason: "cannot start the \(compression.rawValue) decompressor")
        }
    }

    deinit {
        block.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// Bytes are waiting to be handed on without reading the descriptor (so a reader on a pipe
    /// need not wait for it before reading again).
    public var hasBufferedBytes: Bool {
        peekedStart < peeked.count || pendingDamage != nil
            || (decompressor == nil ? blockStart < blockEnd : (blockStart < blockEnd || decompressor!.mayHoldOutput))
    }

    /// Waits up to `milliseconds` for input; false when none arrived. At once true when bytes
    /// are buffered.
    public func waitForInput(milliseconds: Int32) -> Bool {
        if hasBufferedBytes { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            return ready != 0
        }
    }

    /// Reads up to `count` bytes (decompressed) into `buffer`; 0 at the end of the input. On a
    /// pipe it returns what has arrived.
    /// - Throws: ``InputError`` on a read error, or on damaged compressed data (after every
    ///   good byte before it was returned).
    public func read(_ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) throws -> Int {
        guard count > 0 else { return 0 }
        if peekedStart < peeked.count {
            let taken = min(count, peeked.count - peekedStart)
            peeked.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + peekedStart, count: taken) }
            peekedStart += taken
            if peekedStart == peeked.count {
                peeked.removeAll()
                peekedStart = 0
            }
            return taken
        }
        if let damage = pendingDamage {
            pendingDamage = nil
            throw damage
        }
        guard let decompressor else {
            if blockStart < blockEnd {
                let taken = min(count, blockEnd - blockStart)
                buffer.update(from: block + blockStart, count: taken)
                blockStart += taken
                return taken
            }
            return try readRaw(into: buffer, count: count)
        }
        return try decompress(with: decompressor, into: buffer, count: count)
    }

    private func decompress(with decompressor: StreamDecompressor, into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        while true {
            if blockStart == blockEnd, !rawEnded, !decompressor.mayHoldOutput {
                try refill()
            }
            if betweenStreams {
                // Zero bytes after a member (padding) are ignored, as gzip -d does; anything
                // else starts the next member or frame.
                while blockStart < blockEnd, block[blockStart] == 0 { blockStart += 1 }
                if blockStart == blockEnd {
                    if rawEnded { return 0 }
                    continue
                }
                decompressor.startNextStream()
                betweenStreams = false
            }
            let step = decompressor.step(
                UnsafeRawBufferPointer(start: block + blockStart, count: blockEnd - blockStart),
                UnsafeMutableRawBufferPointer(start: buffer, count: count))
            blockStart += step.consumed
            if let damage = step.damage {
                let error = InputError(path: name, reason: damage)
                guard step.produced > 0 else { throw error }
                pendingDamage = error
                return step.produced
            }
            if step.streamEnded { betweenStreams = true }
            if step.produced > 0 { return step.produced }
            if step.streamEnded { continue }
            if step.consumed == 0, blockStart == blockEnd, rawEnded {
                throw InputError(path: name, reason: "damaged \(decompressor.format) data (it ends before its stream does: a truncated file?)")
            }
            if step.consumed == 0, blockStart < blockEnd, !decompressor.mayHoldOutput {
                // Input and room for output, and no progress: nothing more can come of it.
                throw InputError(path: name, reason: "damaged \(decompressor.format) data (no progress)")
            }
        }
    }

    /// Moves what is left of the block to its start and reads more after it.
    private func refill() throws {
        if blockStart > 0 {
            if blockEnd > blockStart { memmove(block, block + blockStart, blockEnd - blockStart) }
            blockEnd -= blockStart
            blockStart = 0
        }
        let got = try readRaw(into: block + blockEnd, count: blockSize - blockEnd)
        if got == 0 { rawEnded = true }
        blockEnd += got
    }

    private func readRaw(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        while true {
            let got = readDescriptor(fd, buffer, count)
            if got < 0 {
                if errno == EINTR { continue }
                throw InputError(path: name, errno: errno, operation: "read")
            }
            rawByteCount += Int64(got)
            return got
        }
    }

    /// The first `count` bytes still to come (fewer at the end of the input), which the next
    /// reads hand on again. For a look at the content without consuming it (is it binary?).
    /// - Throws: what ``read(_:_:)`` throws; the bytes before damage are still handed on.
    public func peek(_ count: Int) throws -> [UInt8] {
        var head = Array(peeked[peekedStart...])
        var chunk = [UInt8](repeating: 0, count: max(count, 1))
        var damage: Error?
        let unread = peeked.count - peekedStart
        peeked.removeAll()
        peekedStart = 0
        if unread < count {
            do {
                while head.count < count {
                    let got = try chunk.withUnsafeMutableBufferPointer { try read($0.baseAddress!, count - head.count) }
                    if got == 0 { break }
                    head += chunk[0..<got]
                }
            } catch {
                damage = error
            }
        }
        peeked = head
        if let error = damage as? InputError {
            if pendingDamage == nil { pendingDamage = error }
        } else if let damage {
            throw damage
        }
        return Array(head.prefix(count))
    }

    /// The whole input, decompressed, up to `limit` bytes; with the damage or read error that
    /// ended it early, when one did (the bytes before it are returned).
    public func readAll(limit: Int = .max) -> (bytes: [UInt8], error: InputError?) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        do {
            while bytes.count < limit {
                let got = try chunk.withUnsafeMutableBufferPointer { try read($0.baseAddress!, min($0.count, limit - bytes.count)) }
                if got == 0 { break }
                bytes += chunk[0..<got]
            }
        } catch let error as InputError {
            return (bytes, error)
        } catch {
            return (bytes, InputError(path: name, errno: EIO, operation: "read"))
        }
        return (bytes, nil)
    }

    /// The compression of the file at `path`, from its first bytes; nil when it cannot be read,
    /// and for what is not a regular file (a FIFO, `/dev/stdin`): reading its first bytes here
    /// would take them from the reader that comes after.
    public static func compression(ofFileAt path: String) -> Compression? {
        guard InputPaths.isRegularFile(path) else { return nil }
        return (try? InputFile.open(path))?.compression
    }
}

/// `open(2)` for reading (the name `open` is taken by ``InputFile/open(_:name:blockSize:)`` there).
func openForReading(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}

/// `read(2)` (the name `read` is taken by ``InputFile/read(_:_:)`` there).
func readDescriptor(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(fd, buffer, count)
}
