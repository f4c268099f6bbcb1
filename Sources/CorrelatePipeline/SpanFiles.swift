#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateDecode
public import CorrelateModel
import CorrelateOTLP
public import CorrelateSources
import Foundation
import CorrelateJSON

/// Span files as `ingest` and `run` read them: one document per line (NDJSON of export
/// requests or span lists), or one whole document (pretty-printed JSON, OTLP protobuf).
public enum SpanFiles {
    /// What one line of a span file holds.
    enum Line {
        case decoded(DecodedSpans)
        case malformed(String)
        /// The line opens a JSON document that goes on over further lines.
        case unfinishedDocument
    }

    /// Decodes one line of a span file; nil for a blank line.
    static func decodeLine(_ bytes: UnsafeBufferPointer<UInt8>) -> Line? {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
        do {
            if let direct = OTLPJSONDirectDecoder.decode(bytes) { return .decoded(direct) }
            return .decoded(try SpanDocumentDecoder.decode(try JSONDocument.parse(bytes)))
        } catch let error as JSONDocument.SyntaxError {
            return error.reason.contains("end of JSON") ? .unfinishedDocument : .malformed("not JSON: \(error)")
        } catch let error as SpanDecodingError {
            return .malformed(error.reason)
        } catch {
            return .malformed("\(error)")
        }
    }

    /// The lines of one span file, read one at a time: documents decoded and counted into an
    /// ``IngestSummary``, malformed ones recorded there with their location.
    public struct LineByLine {
        /// Documents decoded and lines that failed, since the start (or ``restart()``).
        public private(set) var documents = 0
        public private(set) var failures = 0

        public init() {}

        /// What one line gave.
        public enum Taken {
            case spans([Span])
            /// Nothing to store: a blank or malformed line.
            case nothing
            /// The file's first line opens a document that goes on over further lines
            /// (pretty-printed JSON): read the file whole instead (``readWhole(path:name:)``).
            case wholeDocument
        }

        /// Decodes the line at `location`; `wholeAllowed`: whether the file may still turn out
        /// to be one document (nothing decoded or failed yet, and it is the file's first
        /// generation).
        public mutating func take(_ bytes: UnsafeBufferPointer<UInt8>, at location: SourceLocation, wholeAllowed: Bool = true,
                                  into summary: inout IngestSummary) -> Taken {
            account(decodeLine(bytes), at: location, wholeAllowed: wholeAllowed, into: &summary)
        }

        /// What ``take(_:at:wholeAllowed:into:)`` does with a line decoded already.
        mutating func account(_ line: Line?, at location: SourceLocation, wholeAllowed: Bool = true,
                              into summary: inout IngestSummary) -> Taken {
            switch line {
            case nil:
                return .nothing
            case .decoded(let decoded):
                documents += 1
                summary.count(decoded, at: location)
                return .spans(decoded.spans)
            case .unfinishedDocument where documents == 0 && failures == 0 && wholeAllowed:
                return .wholeDocument
            case .unfinishedDocument:
                failures += 1
                summary.malformed.append(InputProblem(location, "not JSON: a document that does not end on its line"))
                return .nothing
            case .malformed(let reason):
                failures += 1
                summary.malformed.append(InputProblem(location, reason))
                return .nothing
            }
        }

        /// The file was replaced (rotated, truncated): count from nothing again.
        public mutating func restart() {
            documents = 0
            failures = 0
        }
    }

    /// Lines of a span file decoded on other threads while the reading thread stores the lines
    /// before them: a chunk of lines (1 MiB or 512 lines; more when one line is longer) is
    /// copied out of the reader's buffer, decoded and made ready for the store in the
    /// background (up to ``depth`` chunks ahead), and taken back in file order, so the summary,
    /// the malformed lines' locations and the order of the spans are those of reading line by
    /// line.
    final class DecodingAhead {
        /// One chunk: the lines' bytes end to end, and where each starts, ends and was read.
        final class Chunk: @unchecked Sendable {
            // Written by the reading thread until `decode` starts, then by the decoding thread
            // only; read back after `done.wait()` (which orders the writes before the reads).
            var bytes: [UInt8] = []
            var lines: [(start: Int, end: Int, number: Int)] = []
            var decoded: [Line?] = []
            /// The spans of every line decoded, in order, made ready for the store.
            var prepared = PreparedSpans(spans: [])
            let done = DispatchGroup()

            func decode(_ prepare: @escaping @Sendable ([Span]) -> PreparedSpans) {
                done.enter()
                DispatchQueue.global().async { [self] in
                    bytes.withUnsafeBufferPointer { buffer in
                        decoded = lines.map { line in
                            SpanFiles.decodeLine(UnsafeBufferPointer(rebasing: buffer[line.start..<line.end]))
                        }
                    }
                    // The spans are moved out of the documents, so that, once prepared, they
                    // are released here rather than on the thread that writes the store.
                    var spans: [Span] = []
                    for index in decoded.indices {
                        guard case .decoded(var document)? = decoded[index] else { continue }
                        decoded[index] = nil
                        spans += document.takeSpans()
                        decoded[index] = .decoded(document)
                    }
                    prepared = prepare(spans)
                    done.leave()
                }
            }
        }

        private let prepare: @Sendable ([Span]) -> PreparedSpans

        init(prepare: @escaping @Sendable ([Span]) -> PreparedSpans) {
            self.prepare = prepare
        }

        /// A chunk is started when it holds this much.
        static let chunkBytes = 1 << 20
        static let chunkLines = 512
        private var filling = Chunk()
        /// Chunks being decoded, oldest first.
        private var inFlight: [Chunk] = []
        /// How many chunks may be decoded at once, ahead of the one the caller stores: enough
        /// for a store batch (10,000 spans are 5–10 chunks of the Collector's lines), so that
        /// the decoding threads go on while the caller writes a batch, rather than stopping two
        /// chunks ahead (1.2× faster on 200,000 spans than 2). A larger batch (ClickHouse's
        /// 50,000) is not read a whole batch ahead: tried, it gained nothing on 100,000 spans
        /// into chDB on two cores and took 120 MB more.
        static let depth = 10
        /// And how many bytes of lines at most (a line may be up to 256 MiB, a chunk one line).
        static let bytesAhead = 16 << 20
        private var bytesInFlight = 0

        /// Adds a line; when the chunk is full, starts decoding it and, when `depth` chunks or
        /// `bytesAhead` bytes are ahead, hands back the oldest, decoded, for the caller to take.
        func add(_ line: UnsafeBufferPointer<UInt8>, number: Int) -> Chunk? {
            let offset = filling.bytes.count
            filling.bytes.append(contentsOf: line)
            filling.lines.append((offset, filling.bytes.count, number))
            guard filling.bytes.count >= Self.chunkBytes || filling.lines.count >= Self.chunkLines else { return nil }
            start()
            guard inFlight.count > Self.depth || bytesInFlight > Self.bytesAhead else { return nil }
            return next()
        }

        /// At the end of the input: the next chunk not taken yet, decoded, in order; nil when
        /// every line was handed back.
        func drain() -> Chunk? {
            start()
            return inFlight.isEmpty ? nil : next()
        }

        private func next() -> Chunk {
            let chunk = inFlight.removeFirst()
            chunk.done.wait()
            bytesInFlight -= chunk.bytes.count
            return chunk
        }

        /// Starts decoding the lines gathered, if any.
        private func start() {
            guard !filling.lines.isEmpty else { return }
            bytesInFlight += filling.bytes.count
            filling.decode(prepare)
            inFlight.append(filling)
            filling = Chunk()
        }

        deinit {
            for chunk in inFlight { chunk.done.wait() }
        }
    }

    /// What a whole-document span file held.
    public enum Whole {
        case decoded(DecodedSpans)
        case malformed(InputProblem)
        case unreadable(InputError)
    }

    /// Reads the file at `path` as one JSON document (OTLP, Jaeger, Zipkin v2, detected);
    /// decompressed when it is gzip or zstd. `name` is how problems name the file. (An OTLP
    /// protobuf file is read by ``readOnce(path:name:batch:into:prepare:store:)``, in parts.)
    public static func readWhole(path: String, name: String) -> Whole {
        let input: InputFile
        do {
            input = try InputFile.open(path, name: name)
        } catch let error as InputError {
            return .unreadable(error)
        } catch {
            return .unreadable(InputError(path: name, errno: EIO, operation: "read"))
        }
        let (bytes, error) = input.readAll()
        if let error { return .unreadable(error) }
        return decodeWhole(bytes, name: name)
    }

    /// Decodes `bytes`, a whole JSON span document (see ``readWhole(path:name:)``).
    static func decodeWhole(_ bytes: [UInt8], name: String) -> Whole {
        let start = SourceLocation(file: name, line: 1)
        do {
            if let direct = bytes.withUnsafeBufferPointer({ OTLPJSONDirectDecoder.decode($0) }) { return .decoded(direct) }
            let document = try bytes.withUnsafeBufferPointer { try JSONDocument.parse($0) }
            return .decoded(try SpanDocumentDecoder.decode(document))
        } catch let error as JSONDocument.SyntaxError {
            return .malformed(InputProblem(start, "not JSON: \(error)"))
        } catch let error as SpanDecodingError {
            return .malformed(InputProblem(start, error.reason))
        } catch {
            return .malformed(InputProblem(start, "\(error)"))
        }
    }

    /// Reads a span file (`-`: standard input) once, to its end: one document per line, or one
    /// document over the whole file (pretty-printed JSON, OTLP protobuf), decompressed when it
    /// is gzip or zstd. Spans go to `store` in batches of `batch` or more (up to a chunk of
    /// lines more, see ``DecodingAhead``); what was decoded,
    /// malformed or unreadable (damaged compressed data: after the spans of the lines before it)
    /// is counted into `summary`, which `store` is handed too (the one access to it while the
    /// file is read).
    /// The spans are made ready for the store by `prepare` (``EventStore/spanPreparation``), on
    /// the decoding thread where the file is read ahead.
    /// - Throws: what `store` throws.
    public static func readOnce(path: String, name: String, batch: Int = 10_000, into summary: inout IngestSummary,
                                prepare: @escaping @Sendable ([Span]) -> PreparedSpans = { PreparedSpans(spans: $0) },
                                store: ([PreparedSpans], inout IngestSummary) throws -> Void) throws {
        let input: InputFile
        do {
            input = try InputFile.open(path, name: name)
        } catch let error as InputError {
            summary.unreadable.append(error)
            return
        }
        var pending: [PreparedSpans] = []
        var pendingSpans = 0
        func add(_ more: PreparedSpans) throws {
            guard more.count > 0 else { return }
            pending.append(more)
            pendingSpans += more.count
            if pendingSpans >= batch {
                try store(pending, &summary)
                pending.removeAll(keepingCapacity: true)
                pendingSpans = 0
            }
        }
        func add(_ more: [Span]) throws {
            try add(prepare(more))
        }
        // Protobuf, or text; the first bytes of its content tell (decompressed).
        let binary = looksBinary((try? input.peek(4096)) ?? [])
        var lines = LineByLine()
        // A document over several lines is gathered whole (also from standard input).
        var whole: [UInt8]?
        var damage: InputError?
        if binary {
            let (bytes, error) = input.readAll()
            // A request cut by damage is not decoded: the damage is what is said.
            if let error {
                damage = error
            } else {
                // Slices of a quarter batch, at most 2,500 spans: eight are decoded ahead, so a
                // larger batch (ClickHouse's) would hold that much more in memory.
                let read = try readProtobuf(bytes, name: name, slice: min(max(batch / 4, 1), 2_500), prepare: prepare) { try add($0) }
                if let decoded = read.decoded { summary.count(decoded, at: SourceLocation(file: name, line: 1)) }
                if let problem = read.problem { summary.malformed.append(problem) }
            }
        } else {
            let reader = LineReader(input: input, maxLineBytes: 256 << 20)
            let ahead = DecodingAhead(prepare: prepare)
            func take(_ chunk: DecodingAhead.Chunk) throws {
                for (line, decoded) in zip(chunk.lines, chunk.decoded) {
                    _ = lines.account(decoded, at: SourceLocation(file: name, line: line.number), wholeAllowed: false, into: &summary)
                }
                // The chunk's spans, the same as its lines' in order, made ready already.
                try add(chunk.prepared)
            }
            do {
                try reader.forEachLine { line in
                    if whole != nil {
                        whole! += line.bytes
                        whole!.append(0x0A)
                        return true
                    }
                    // Once a line has decoded (or failed), the file is one document per line:
                    // the next lines are decoded on another thread while these are stored.
                    if lines.documents + lines.failures > 0 {
                        if let decoded = ahead.add(line.bytes, number: line.number) { try take(decoded) }
                        return true
                    }
                    switch lines.take(line.bytes, at: SourceLocation(file: name, line: line.number), into: &summary) {
                    case .spans(let decoded): try add(decoded)
                    case .nothing: break
                    case .wholeDocument: whole = Array(line.bytes) + [0x0A]
                    }
                    return true
                }
            } catch let error as InputError {
                damage = error
            }
            // The lines before damage are whole: theirs are stored before it is said.
            while let decoded = ahead.drain() { try take(decoded) }
        }
        if let document = whole {
            // A document cut by damage is not decoded: the damage is what is said.
            if damage == nil {
                switch decodeWhole(document, name: name) {
                case .decoded(let decoded):
                    summary.count(decoded, at: SourceLocation(file: name, line: 1))
                    try prepareAhead(decoded.spans, slice: max(batch, 1), prepare: prepare) { try add($0) }
                case .malformed(let problem): summary.malformed.append(problem)
                case .unreadable(let error): summary.unreadable.append(error)
                }
            }
        }
        if let damage { summary.unreadable.append(damage) }
        if !pending.isEmpty { try store(pending, &summary) }
    }

    /// Decodes `bytes`, an OTLP protobuf `ExportTraceServiceRequest`, part by part (`slice`
    /// spans each) on other threads, a few parts ahead, the parts' spans made ready for the
    /// store there too, and hands them to `body` in order: a large request is decoded on every
    /// core while the parts before it are stored. Gives the spans decoded, as the request's
    /// (nil when none was), and why the request is not valid protobuf (`name`, line 1), if it
    /// is not; when a span is not, the spans before it are stored (and said), those after it
    /// are not.
    /// - Throws: what `body` throws (the parts being decoded are waited for).
    static func readProtobuf(_ bytes: [UInt8], name: String, slice: Int, prepare: @escaping @Sendable ([Span]) -> PreparedSpans,
                             _ body: (PreparedSpans) throws -> Void) throws -> (decoded: DecodedSpans?, problem: InputProblem?) {
        func malformed(_ why: String, storedBefore: Bool = false) -> InputProblem {
            InputProblem(SourceLocation(file: name, line: 1), "not an OTLP protobuf ExportTraceServiceRequest: \(why)"
                         + (storedBefore ? " (the spans before it are stored)" : ""))
        }
        let messages: OTLPProtobufDecoder.SpanMessages
        do {
            messages = try bytes.withUnsafeBytes { try OTLPProtobufDecoder.SpanMessages($0) }
        } catch {
            return (nil, malformed("\(error)"))
        }
        let count = messages.spans.count
        let parts = stride(from: 0, to: count, by: slice).map { $0..<min($0 + slice, count) }
        var total = DecodedSpans(format: .otlpProtobuf)
        // Why a span was bad (not the error itself, which holds the spans decoded before it).
        var failure: String?
        try inOrder(parts.count, depth: 8, make: { index in
            bytes.withUnsafeBytes { bytes in
                Result { () throws(OTLPProtobufDecoder.SpanMessages.BadSpan) in try messages.decode(parts[index], in: bytes) }
            }.map { decoded in
                // Taken out first, so that the spans are released here, once prepared.
                var decoded = decoded
                let spans = decoded.takeSpans()
                return (decoded, prepare(spans))
            }
        }) { part in
            var (decoded, prepared): (DecodedSpans, PreparedSpans)
            switch part {
            case .success(let made): (decoded, prepared) = made
            case .failure(let bad):
                failure = bad.description
                decoded = bad.before
                prepared = prepare(decoded.takeSpans())
            }
            total.add(decoded)
            try body(prepared)
            return failure == nil
        }
        guard let failure else { return (total, nil) }
        let any = total.spanCount + total.rejected > 0
        return (any ? total : nil, malformed(failure, storedBefore: total.spanCount > 0))
    }

    /// Makes `spans` ready for the store slice by slice (`slice` spans each) on other threads,
    /// up to two slices ahead, and hands them to `body` in order: the spans of one large
    /// document prepared while the slices before them are stored.
    /// - Throws: what `body` throws (the slices being prepared are waited for).
    static func prepareAhead(_ spans: [Span], slice: Int, prepare: @escaping @Sendable ([Span]) -> PreparedSpans,
                             _ body: (PreparedSpans) throws -> Void) throws {
        let slices = stride(from: 0, to: spans.count, by: slice).map { $0..<min($0 + slice, spans.count) }
        try inOrder(slices.count, depth: 2, make: { prepare(Array(spans[slices[$0]])) }) { prepared in
            try body(prepared)
            return true
        }
    }

    /// Makes parts `0..<count` by `make` on other threads, up to `depth` ahead of the one
    /// `body` is given, and gives them to `body` in order, until it returns false.
    /// - Throws: what `body` throws; the parts being made are waited for either way.
    static func inOrder<Part: Sendable>(_ count: Int, depth: Int, make: @escaping @Sendable (Int) -> Part,
                              _ body: (Part) throws -> Bool) throws {
        var slots: [MadeAhead<Part>] = []
        var next = 0
        func launch() {
            guard next < count else { return }
            let slot = MadeAhead<Part>()
            let index = next
            next += 1
            slot.done.enter()
            DispatchQueue.global().async {
                slot.part = make(index)
                slot.done.leave()
            }
            slots.append(slot)
        }
        defer { for slot in slots { slot.done.wait() } }
        for _ in 0..<max(depth, 1) { launch() }
        while !slots.isEmpty {
            let slot = slots.removeFirst()
            slot.done.wait()
            // The next part starts once this one is taken (none once `body` stops).
            guard try body(slot.part!) else { return }
            launch()
        }
    }

    /// Protobuf, not JSON: the first 4 KiB hold control bytes other than tab, CR and LF (field
    /// tags and lengths), which JSON text never does.
    public static func looksBinary(_ head: [UInt8]) -> Bool {
        head.prefix(4096).contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
    }

    /// Whether the file at `path` holds protobuf rather than JSON (its content, decompressed);
    /// false for what is not a regular file (a FIFO: its first bytes would be taken from the
    /// reader that comes after).
    public static func looksBinary(_ path: String) -> Bool {
        guard InputPaths.isRegularFile(path), let input = try? InputFile.open(path) else { return false }
        return looksBinary((try? input.peek(4096)) ?? [])
    }
}

/// One part made on another thread for ``SpanFiles/inOrder(_:depth:make:_:)``.
private final class MadeAhead<Part: Sendable>: @unchecked Sendable {
    // Written by the making thread, read after `done.wait()` (which orders the write first).
    var part: Part?
    let done = DispatchGroup()
}
