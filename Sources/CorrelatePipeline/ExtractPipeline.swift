import CorrelateDecode
public import CorrelateExtract
public import CorrelateModel
import CorrelateRender
import CorrelateSources
public import CorrelateSinks
import Dispatch
import Foundation

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
    /// Where records go.
    public enum Output {
        /// NDJSON, as `correlate extract` writes it.
        case ndjson(ByteOutput)
        /// Batches of records, in input order (`correlate ingest` stores them). An error thrown
        /// stops the run and is rethrown by ``run()``.
        case records(([LogRecord]) throws -> Void)
    }

    public let configuration: ExtractConfiguration
    public private(set) var summary = ExtractSummary()
    private let ruleSet: RuleSet
    private let destination: Output
    /// One for the line-by-line path; two per thread for chunks in flight.
    private lazy var assemblers: [RecordAssembler] = (0..<max(1, 2 * configuration.threads)).map { _ in
        let sink: RecordSink
        switch destination {
        case .ndjson: sink = NDJSONRecordWriter()
        case .records: sink = LogRecordCollector()
        }
        return RecordAssembler(ruleSet: ruleSet, configuration: configuration, sink: sink)
    }
    /// The first error the records destination threw.
    private var destinationError: Error?

    private static let flushThreshold = 1 << 20
    private static let batchRecords = 20_000

    public init(ruleSet: RuleSet, configuration: ExtractConfiguration, output: ByteOutput = .standardOutput) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        self.destination = .ndjson(output)
    }

    public init(ruleSet: RuleSet, configuration: ExtractConfiguration, destination: Output) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        self.destination = destination
    }

    /// False once the reader of the NDJSON went away or the records destination failed.
    private var isOpen: Bool {
        if destinationError != nil { return false }
        if case .ndjson(let output) = destination { return !output.isClosed }
        return true
    }

    /// Hands what the assembler's sink holds to the destination.
    private func drain(_ assembler: RecordAssembler) {
        switch destination {
        case .ndjson(let output):
            (assembler.sink as! NDJSONRecordWriter).drain(to: output)
        case .records(let store):
            guard destinationError == nil else { return }
            do {
                try (assembler.sink as! LogRecordCollector).drain(store)
            } catch {
                destinationError = error
            }
        }
    }

    /// Whether the assembler's sink holds enough to be drained now.
    private func isFull(_ assembler: RecordAssembler) -> Bool {
        switch assembler.sink {
        case let writer as NDJSONRecordWriter: return writer.out.count >= Self.flushThreshold
        case let collector as LogRecordCollector: return collector.records.count >= Self.batchRecords
        default: return true
        }
    }

    /// Reads every input in turn. An input that cannot be read is recorded in the summary and
    /// the others are still read.
    /// - Returns: the summary; `output.isClosed` tells whether the reader went away.
    /// - Throws: what the records destination threw (never for NDJSON output).
    @discardableResult
    public func run() throws -> ExtractSummary {
        let expansion = InputPaths.expand(configuration.inputs, globs: configuration.globs)
        summary.unreadable += expansion.problems
        for path in expansion.paths {
            if !isOpen { break }
            summary.inputs += 1
            // Records name their file as given, or by its absolute path; problems as given.
            let recordName = path == "-" ? SourceLocation.stdinName
                : configuration.canonicalSourceNames ? IngestPipeline.canonicalPath(path) : path
            do {
                let input = try InputFile.open(path)
                if let chunks = chunkReader(for: input) {
                    // Standard input redirected from a large file is read in parallel: named
                    // after its first line as the line-by-line path names it, so that the same
                    // lines piped in later are the same records.
                    var name = recordName
                    if recordName == SourceLocation.stdinName, configuration.nameStdinByFirstLine {
                        name = try Self.stdinName(firstLineOf: input, maxLineBytes: configuration.maxLineBytes)
                    }
                    try readInParallel(chunks, recordName: name)
                } else {
                    try readLineByLine(LineReader(input: input, maxLineBytes: configuration.maxLineBytes), recordName: recordName)
                }
            } catch let error as InputError {
                summary.unreadable.append(error)
            } catch {
                summary.unreadable.append(InputError(path: path, errno: 5, operation: "read"))
            }
        }
        for assembler in assemblers { summary.absorb(assembler.summary) }
        if let destinationError { throw destinationError }
        return summary
    }

    // MARK: - Line by line

    /// ``ExtractConfiguration/stdinName(firstLine:)`` of the input's first line as
    /// ``LineReader`` hands it on (without `\n` or `\r\n`, cut at `maxLineBytes`), read
    /// without consuming it.
    static func stdinName(firstLineOf input: InputFile, maxLineBytes: Int) throws -> String {
        let head = try input.peek(max(maxLineBytes, 64) + 2)
        var end = head.firstIndex(of: 0x0A) ?? head.count
        let truncated = end > max(maxLineBytes, 64)
        if truncated { end = max(maxLineBytes, 64) }
        if !truncated, end > 0, head[end - 1] == 0x0D { end -= 1 }
        return head[0..<end].withUnsafeBufferPointer { ExtractConfiguration.stdinName(firstLine: $0) }
    }

    private func readLineByLine(_ reader: LineReader, recordName: String) throws {
        let assembler = assemblers[0]
        assembler.begin(file: recordName, shownAs: reader.name)
        var unnamed = recordName == SourceLocation.stdinName && configuration.nameStdinByFirstLine
        defer {
            assembler.endInput()
            drain(assembler)
            summary.bytes += reader.byteCount
        }
        try reader.forEachLine(
            idleMilliseconds: configuration.idleFlushMilliseconds,
            onIdle: {
                assembler.idle()
                self.drain(assembler)
            },
            afterChunk: { self.drain(assembler) },
            { line in
                if unnamed {
                    assembler.begin(file: ExtractConfiguration.stdinName(firstLine: line.bytes))
                    unnamed = false
                }
                assembler.process(line.bytes, number: line.number, truncated: line.truncated)
                if self.isFull(assembler) { self.drain(assembler) }
                return self.isOpen
            })
    }

    // MARK: - In parallel

    /// A chunk reader for `input` when it is a regular file worth splitting (compressed or
    /// not: it is decompressed by the reading thread), else nil.
    private func chunkReader(for input: InputFile) -> ChunkReader? {
        guard configuration.threads > 1, input.isRegularFile, input.fileSize >= Int64(2 * configuration.chunkBytes) else { return nil }
        var probe = LogDecoder(format: configuration.inputFormat)
        let unwrapper = LineUnwrapper(maxLineBytes: configuration.maxLineBytes)
        return ChunkReader(
            input: input, chunkBytes: configuration.chunkBytes,
            maxLineBytes: configuration.maxLineBytes, maxRecordBytes: configuration.maxRecordBytes,
            isRecordStart: { line in
                // Seen through its wrapper; a partial line is not a place to cut.
                var starts = false
                unwrapper.unwrap(line, number: 0) { inner, _ in starts = ContinuationRule.startsRecord(probe.decode(inner)) }
                unwrapper.restore(partials: [:])
                return starts
            })
    }

    /// Assembles chunks on all threads and writes their output in order. The reading thread
    /// keeps up to two chunks per thread in flight; each chunk is read into a buffer of its own
    /// and assembled by an assembler of its own, from a fresh start, whose output is written as
    /// soon as every chunk before it is written. Buffers and assemblers are then reused.
    ///
    /// The output is the line-by-line path's, exactly: a chunk starts with a line that starts a
    /// record, and while writing in order the reading thread keeps the state the line-by-line
    /// path would have (each stream's context and ids, ``AssemblyState``). A chunk whose records
    /// could depend on it — a journald writer's first line in the chunk may continue its
    /// record from before, or with `--only-linked` a line may be read that a fresh start skips
    /// — is assembled again from that state before it is written. A chunk cut inside a record
    /// (``Chunk/endsInsideRecord``) keeps that record open, and the chunk after it is
    /// assembled once it is written, by the same assembler, going on where it stopped.
    private func readInParallel(_ reader: ChunkReader, recordName name: String) throws {
        defer { summary.bytes += reader.byteCount }
        let shown = reader.name
        let workers = assemblers
        let buffers = workers.map { _ in reader.makeChunk() }
        let done = ChunkResults()
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "correlate.extract", attributes: .concurrent)
        var submitted = 0
        var written = 0
        /// The line-by-line path's state after the chunks written so far.
        var carried = AssemblyState()
        func take(_ assembler: RecordAssembler) {
            drain(assembler)
            summary.absorb(assembler.summary)
            assembler.summary = ExtractSummary()
        }
        /// Writes finished chunks in order; with `waitForFirst`, blocks until the next one is
        /// done.
        func writeReady(waitForFirst: Bool) {
            var mustWait = waitForFirst
            while written < submitted {
                if mustWait {
                    done.wait(for: written)
                } else if !done.takeIfDone(written) {
                    return
                }
                mustWait = false
                let slot = written % workers.count
                let assembler = workers[slot]
                if assembler.dependsOnEarlierState || !carried.partials.isEmpty {
                    assembler.discardOutput()
                    assembler.begin(file: name, shownAs: shown)
                    assembler.restore(carried)
                    assembler.assemble(buffers[slot], file: name, shownAs: shown, continuing: true)
                    carried = assembler.state(chunkOnly: false)
                } else {
                    carried.update(with: assembler.state(chunkOnly: true))
                }
                take(assembler)
                written += 1
            }
        }
        /// The assembler holding a record open across a chunk boundary.
        var open: RecordAssembler?
        defer {
            group.wait()
            while written < submitted { writeReady(waitForFirst: true) }
            if let open {
                open.endInput()
                take(open)
            } else if !carried.partials.isEmpty, let last = workers.first {
                // Partial lines the file ended with.
                last.begin(file: name, shownAs: shown)
                last.restore(carried)
                last.endInput()
                take(last)
            }
        }
        while isOpen {
            // Slot `submitted % n` is free once the chunk that used it before is written.
            if submitted - written == workers.count { writeReady(waitForFirst: true) }
            let slot = submitted % workers.count
            let chunk = buffers[slot]
            guard try reader.next(into: chunk) else { return }
            if let assembler = open {
                // Goes on with the record the chunk before left open, after that chunk, from
                // the state of every chunk before.
                while written < submitted { writeReady(waitForFirst: true) }
                assembler.restore(carried)
                assembler.assemble(chunk, file: name, shownAs: shown, continuing: true)
                carried = assembler.state(chunkOnly: false)
                take(assembler)
                if !chunk.endsInsideRecord { open = nil }
                continue
            }
            let sequence = submitted
            submitted += 1
            let assembler = workers[slot]
            if chunk.endsInsideRecord { open = assembler }
            group.enter()
            queue.async {
                assembler.assemble(chunk, file: name, shownAs: shown, continuing: false)
                done.markDone(sequence)
                group.leave()
            }
            writeReady(waitForFirst: false)
        }
    }
}

/// Which chunks are assembled, by sequence number.
final class ChunkResults: @unchecked Sendable {
    // Every access holds `condition`'s lock.
    private let condition = NSCondition()
    private var finished: Set<Int> = []

    func markDone(_ sequence: Int) {
        condition.lock()
        finished.insert(sequence)
        condition.broadcast()
        condition.unlock()
    }

    /// Whether chunk `sequence` is done; forgets it when it is.
    func takeIfDone(_ sequence: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return finished.remove(sequence) != nil
    }

    /// Blocks until chunk `sequence` is done, and forgets it.
    func wait(for sequence: Int) {
        condition.lock()
        while !finished.contains(sequence) { condition.wait() }
        finished.remove(sequence)
        condition.unlock()
    }
}

extension RecordAssembler {
    /// Assembles a whole chunk. Unless `continuing` (the chunk before left a record open for
    /// it), it starts afresh; its last record is closed unless the chunk ends inside it.
    func assemble(_ chunk: Chunk, file: String, shownAs shown: String, continuing: Bool) {
        if !continuing { begin(file: file, shownAs: shown) }
        skipsLines = continuing
        let bytes = chunk.bytes
        if let base = bytes.baseAddress {
            var start = 0
            var number = chunk.firstLine
            while start < bytes.count {
                var end = bytes.count
                if let newline = memchr(base + start, 0x0A, bytes.count - start) {
                    end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                }
                var last = end
                var truncated = chunk.truncatedLine
                if !truncated, last > start, base[last - 1] == 0x0D { last -= 1 }
                if last - start > configuration.maxLineBytes {
                    last = start + configuration.maxLineBytes
                    truncated = true
                }
                process(UnsafeBufferPointer(start: base + start, count: last - start), number: number, truncated: truncated)
                number += 1
                start = end + 1
            }
        }
        // The record the chunk ends with is closed (its partial lines wait for the next chunk).
        if !chunk.endsInsideRecord {
            endOfChunk()
            endedWithWrittenRecord = isWrittenRecordOpen
            closeRecord()
        }
    }
}
