import CorrelateDecode
import CorrelateExtract
import CorrelateModel
import CorrelateRender
import CorrelateSources
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `correlate extract`: log lines in, one NDJSON record per log record out.
///
/// Each line is decoded (format detected per line), joined to the record before it when it
/// continues it (a traceback, an indented line), and searched by the rules once per record, on
/// the record's first line (see ``RecordAssembler``, which also documents the output record).
///
/// A large regular file is cut into chunks at record boundaries and the chunks are assembled on
/// every core, their output written in order: the result is the same as reading it line by line.
/// Pipes, terminals and small files are read line by line; on a pipe, what a read brought is
/// written out at once, and the record still open is written when input pauses for
/// `idleFlushMilliseconds`, so `journalctl -f | correlate extract` sees each record promptly.
public final class ExtractPipeline {
    public let configuration: ExtractConfiguration
    public private(set) var summary = ExtractSummary()
    private let ruleSet: RuleSet
    private let output: OutputStream
    private lazy var assemblers: [RecordAssembler] = (0..<max(1, configuration.threads)).map { _ in
        RecordAssembler(ruleSet: ruleSet, configuration: configuration)
    }

    private static let flushThreshold = 1 << 20

    public init(ruleSet: RuleSet, configuration: ExtractConfiguration, output: OutputStream = .standardOutput) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        self.output = output
    }

    /// Reads every input in turn. An input that cannot be read is recorded in the summary and
    /// the others are still read.
    /// - Returns: the summary; `output.isClosed` tells whether the reader went away.
    @discardableResult
    public func run() -> ExtractSummary {
        for path in configuration.inputs {
            if output.isClosed { break }
            summary.inputs += 1
            do {
                if let chunks = try chunkReader(for: path) {
                    try readInParallel(chunks)
                } else {
                    try readLineByLine(try LineReader(path: path, maxLineBytes: configuration.maxLineBytes))
                }
            } catch let error as InputError {
                summary.unreadable.append(error)
            } catch {
                summary.unreadable.append(InputError(path: path, errno: 5, operation: "read"))
            }
        }
        for assembler in assemblers { summary.absorb(assembler.summary) }
        return summary
    }

    // MARK: - Line by line

    private func readLineByLine(_ reader: LineReader) throws {
        let assembler = assemblers[0]
        assembler.begin(file: reader.name)
        defer {
            assembler.closeRecord()
            assembler.drain(to: output)
            summary.bytes += reader.byteCount
            summary.truncated += reader.truncatedCount
        }
        try reader.forEachLine(
            idleMilliseconds: configuration.idleFlushMilliseconds,
            onIdle: { [output] in
                assembler.closeRecord()
                assembler.drain(to: output)
            },
            afterChunk: { [output] in assembler.drain(to: output) },
            { [output] line in
                assembler.process(line.bytes, number: line.number)
                if assembler.flushableBytes >= Self.flushThreshold { assembler.drain(to: output) }
                return !output.isClosed
            })
    }

    // MARK: - In parallel

    /// A chunk reader for `path` when it is a regular file worth splitting, else nil.
    private func chunkReader(for path: String) throws -> ChunkReader? {
        guard configuration.threads > 1, path != "-" else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(path: path, errno: errno, operation: "open") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
            Int(info.st_size) >= 2 * configuration.chunkBytes
        else {
            close(fd)
            return nil
        }
        var probe = LogDecoder(format: configuration.inputFormat)
        return ChunkReader(
            descriptor: fd, name: path, chunkBytes: configuration.chunkBytes,
            maxLineBytes: configuration.maxLineBytes,
            isRecordStart: { line in ContinuationRule.startsRecord(probe.decode(line)) })
    }

    /// Assembles chunks on all threads, a batch at a time, and writes their output in order.
    private func readInParallel(_ reader: ChunkReader) throws {
        defer {
            summary.bytes += reader.byteCount
            summary.truncated += reader.truncatedCount
        }
        let workers = assemblers
        let name = reader.name
        while !output.isClosed {
            var batch: [Chunk] = []
            while batch.count < workers.count, let chunk = try reader.next() { batch.append(chunk) }
            if batch.isEmpty { return }
            let chunks = batch
            DispatchQueue.concurrentPerform(iterations: chunks.count) { index in
                workers[index].assemble(chunks[index], file: name)
            }
            for index in chunks.indices {
                workers[index].drain(to: output)
            }
        }
    }
}

extension RecordAssembler {
    /// Assembles a whole chunk (which starts with a record) and closes its last record.
    func assemble(_ chunk: Chunk, file: String) {
        begin(file: file)
        chunk.bytes.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            var start = 0
            var number = chunk.firstLine
            while start < bytes.count {
                var end = bytes.count
                if let newline = memchr(base + start, 0x0A, bytes.count - start) {
                    end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                }
                var last = end
                if last > start, base[last - 1] == 0x0D { last -= 1 }
                process(UnsafeBufferPointer(start: base + start, count: last - start), number: number)
                number += 1
                start = end + 1
            }
        }
        closeRecord()
    }
}
