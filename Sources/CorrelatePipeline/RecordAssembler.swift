#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateDecode
import CorrelateExtract
import CorrelateModel
import CorrelateRender
import CorrelateJSON

/// Turns log lines into NDJSON records: unwraps each line (container runtime and shipper
/// envelopes, syslog, terminal colours: ``LineUnwrapper``), decodes it, joins continuation lines
/// to their record, runs the rules over the record — its first line, then each continuation
/// line while the record has no trace id — and writes the record. One per thread.
///
/// The record still open (a continuation line may join it) is kept in an arena; when the next
/// record starts it goes to the ``RecordSink`` — NDJSON for `extract`, the store for `ingest`.
///
/// Unchecked `Sendable`: an assembler is only ever used by one thread at a time — the parallel
/// path hands assembler *i* to iteration *i* of one `concurrentPerform`, and writes its output
/// after all iterations returned.
final class RecordAssembler: @unchecked Sendable {
    let configuration: ExtractConfiguration
    /// Counts of the lines processed (inputs, bytes, truncation and unreadable inputs are the
    /// reader's to count).
    var summary = ExtractSummary()
    /// Where finished records go.
    let sink: RecordSink
    private let ruleSet: RuleSet
    private let extractor: Extractor
    private var decoder: LogDecoder
    private let unwrapper: LineUnwrapper

    // The open record: its fields, their text in `arena`; it is handed to the sink when the
    // next record starts (a continuation line may still join it until then).
    private var recordOpen = false
    private var recordWritten = false
    private var recordStream: UInt64 = 0
    private var pending = PendingRecord()
    private let arena = JSONWriter(capacity: 64 * 1024)
    /// The open record's lines as written, with `recordRawText`.
    private var rawText: [UInt8] = []

    /// How problems name the input (the file as given).
    private var currentFile = ""
    private var mainStream = StreamState()
    private var otherStreams: [UInt64: StreamState] = [:]
    /// How many of `otherStreams` carry ids a continuation line would inherit.
    private var linkedOtherStreams = 0

    private static let maxStreams = 4096

    // What a chunk assembled from a fresh start needs from the chunks before it (see
    // ``AssemblyState`` and `ExtractPipeline.readInParallel`).
    /// Streams that had a line in the current chunk (0: the main stream).
    private(set) var chunkStreams: Set<UInt64> = []
    /// The stream last added to `chunkStreams` (most lines are of the stream of the line before).
    private var lastChunkStream: UInt64?

    /// Adds `key` to `chunkStreams`; whether it was not there yet.
    @inline(__always)
    private func noteChunkStream(_ key: UInt64) -> Bool {
        if key == lastChunkStream { return false }
        lastChunkStream = key
        return chunkStreams.insert(key).inserted
    }
    /// A line whose stream had no line yet in this chunk could have continued that stream's
    /// record: the chunk's records depend on state from before it.
    private(set) var dependsOnEarlierState = false
    /// The first line comes after a written record still open (restored from a chunk before).
    private var inheritedWrittenRecord = false
    /// The chunk just assembled ended in a written record (closed at the chunk's end, open in
    /// the line-by-line path until the next line).
    var endedWithWrittenRecord = false

    /// A record is open and will be written.
    var isWrittenRecordOpen: Bool { recordOpen && recordWritten }

    /// With --only-linked, lines no rule can match may be skipped (see ``canSkip(_:)``). Not in
    /// a chunk assembled from a fresh start: whether a line may be skipped depends on the
    /// records and streams before it, which such a chunk does not know.
    var skipsLines = true

    /// --only-linked: lines skipped for now (no rule can match them), by range in `heldBytes`:
    /// the next line that is not skipped tells whether they begin a record it links.
    private var held: [(range: Range<Int>, wrapper: LineUnwrapper.Inner)] = []
    private var heldBytes: [UInt8] = []

    /// Blank lines after a timed record, waiting for the next line of their stream to tell
    /// whether they belong to the record (a stack trace follows) or not.
    private var pendingBlanks: [Int] = []
    private var pendingBlankStream: UInt64 = 0

    init(ruleSet: RuleSet, configuration: ExtractConfiguration, sink: RecordSink) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        self.extractor = ruleSet.makeExtractor(limits: configuration.limits)
        self.decoder = LogDecoder(format: configuration.inputFormat)
        self.unwrapper = LineUnwrapper(maxLineBytes: configuration.maxLineBytes)
        self.sink = sink
    }

    /// Starts a new input (or a new chunk of one that starts with a record): no record open,
    /// no stream state carried over.
    /// `shownAs` is how problems name the input (default: `name`, which records carry).
    func begin(file name: String, shownAs shown: String? = nil) {
        settleHeld(assemble: false)
        closeRecord()
        // Partial lines of what came before are not this input's (the end of an input hands
        // them on: ``endInput()``).
        unwrapper.restore(partials: [:])
        endedWithWrittenRecord = false
        currentFile = shown ?? name
        sink.begin(file: name)
        mainStream = StreamState()
        otherStreams.removeAll()
        linkedOtherStreams = 0
        chunkStreams.removeAll(keepingCapacity: true)
        lastChunkStream = nil
        dependsOnEarlierState = false
        inheritedWrittenRecord = false
        skipsLines = true
    }

    /// The streams' state now, for the chunk after this one; with `chunkOnly`, only the
    /// streams that had a line in the current chunk.
    func state(chunkOnly: Bool) -> AssemblyState {
        var state = AssemblyState(writtenRecordOpen: recordOpen ? recordWritten : endedWithWrittenRecord)
        state.partials = unwrapper.partials
        if !chunkOnly || chunkStreams.contains(0) { state.main = mainStream }
        state.others = chunkOnly ? otherStreams.filter { chunkStreams.contains($0.key) } : otherStreams
        return state
    }

    /// Takes the streams' state the chunks before left (the line-by-line path's state at this
    /// point), keeping the open record.
    func restore(_ state: AssemblyState) {
        mainStream = state.main ?? StreamState()
        otherStreams = state.others
        linkedOtherStreams = otherStreams.values.filter(\.isLinked).count
        inheritedWrittenRecord = state.writtenRecordOpen
        unwrapper.restore(partials: state.partials)
        chunkStreams.removeAll(keepingCapacity: true)
        lastChunkStream = nil
        dependsOnEarlierState = false
    }

    /// Forgets what the sink holds, the open record and the counts (a chunk assembled again).
    func discardOutput() {
        held.removeAll(keepingCapacity: true)
        heldBytes.removeAll(keepingCapacity: true)
        recordOpen = false
        pendingBlanks.removeAll()
        unwrapper.restore(partials: [:])
        sink.discard()
        summary = ExtractSummary()
    }

    // MARK: - One line

    /// Takes one line (without its terminator); `number` is its 1-based line number.
    /// - Parameter truncated: the line was longer than `maxLineBytes` and `bytes` is its head.
    ///   Such a line is a record of its own — it continues no record and no line continues it —
    ///   so where the reader cut it never changes the records (the line-by-line and the
    ///   parallel paths write the same).
    func process(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, truncated: Bool = false) {
        summary.lines += 1
        unwrapper.unwrap(bytes, number: number, truncated: truncated) { inner, wrapper in
            processUnwrapped(inner, wrapper: wrapper, truncated: truncated || wrapper.truncated)
        }
    }

    /// The input ended: partial lines still waiting become records, and the open record is
    /// written.
    func endInput() {
        settleHeld(assemble: false)
        if unwrapper.hasPartials {
            // A partial line the input ended with was never finished: it is a fragment of its
            // own, not a continuation of the record before it (the chunked path, which closes
            // each chunk's last record, cannot tell either way).
            closeRecord()
            unwrapper.flush { inner, wrapper in processUnwrapped(inner, wrapper: wrapper, truncated: wrapper.truncated) }
        }
        closeRecord()
    }

    /// The chunk being assembled ends with a complete record: lines held for the line after
    /// them are skipped for good.
    func endOfChunk() {
        settleHeld(assemble: false)
    }

    /// The input paused (a pipe went quiet): the open record is complete as far as anyone can
    /// tell, and so are the lines held after it.
    func idle() {
        settleHeld(assemble: false)
        closeRecord()
    }

    /// One line as the application wrote it (what ``LineUnwrapper`` found inside the line).
    /// - Parameter skippable: with --only-linked, the line may be skipped (see ``canSkip(_:)``).
    private func processUnwrapped(
        _ bytes: UnsafeBufferPointer<UInt8>, wrapper: LineUnwrapper.Inner, truncated: Bool, skippable: Bool = true
    ) {
        let line = LogLine(bytes: bytes, number: wrapper.firstLine, lines: wrapper.lines)
        if truncated {
            summary.truncated += 1
            if summary.firstTruncated == nil { summary.firstTruncated = SourceLocation(file: currentFile, line: line.number) }
        }
        if configuration.onlyLinked, skippable, skipsLines, !truncated, wrapper.streamKey == 0, canSkip(bytes) {
            _ = noteChunkStream(0)
            hold(bytes, wrapper: wrapper)
            return
        }
        var probe: DecodedLine?
        if !held.isEmpty {
            // The lines held before this one are skipped for good when it starts a record;
            // else they may begin the record it continues (and links): assembled after all.
            let decoded = decoder.decode(line.bytes)
            if ContinuationRule.startsRecord(decoded) {
                settleHeld(assemble: false)
                probe = decoded
            } else {
                settleHeld(assemble: true)
            }
        }
        inheritedWrittenRecord = false
        var decoded = probe ?? decoder.decode(line.bytes)
        if decoded.timestamp == nil { decoded.timestamp = wrapper.timestamp }
        if decoded.severity == nil { decoded.severity = wrapper.severity }
        if decoded.streamKey == 0 { decoded.streamKey = wrapper.streamKey }
        if let problem = decoded.problem {
            summary.malformed += 1
            if summary.firstMalformed == nil {
                summary.firstMalformed = SourceLocation(file: currentFile, line: line.number)
                summary.firstMalformedReason = problem
            }
        }
        let key = decoded.streamKey
        if noteChunkStream(key), !truncated, !ContinuationRule.startsRecord(decoded) {
            dependsOnEarlierState = true
        }
        if !pendingBlanks.isEmpty, pendingBlankStream != key { settleBlankLines(joining: false) }
        if key == 0 {
            assemble(line, decoded, stream: &mainStream, key: 0, alone: truncated)
        } else {
            // One hash lookup per line: the stream's state is changed in place by its index.
            var slot = otherStreams.index(forKey: key)
            if slot == nil {
                if otherStreams.count >= Self.maxStreams {
                    otherStreams.removeAll()
                    linkedOtherStreams = 0
                }
                otherStreams[key] = StreamState()
                slot = otherStreams.index(forKey: key)
            }
            let wasLinked = otherStreams.values[slot!].isLinked
            assemble(line, decoded, stream: &otherStreams.values[slot!], key: key, alone: truncated)
            let isLinked = otherStreams.values[slot!].isLinked
            if wasLinked != isLinked { linkedOtherStreams += isLinked ? 1 : -1 }
        }
    }

    // MARK: - Lines --only-linked need not read

    /// With `--only-linked`, a line need not be decoded when no rule can match it (none of the
    /// rules' literals occur in it; no escape could hide one, as in a journald `MESSAGE`) and
    /// no written record is open that it could continue, nor a journald writer's linked record.
    @inline(__always)
    private func canSkip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // A blank or indented line may continue the open record, which may yet be linked by a
        // later line of it (whole-record rules).
        if recordOpen, bytes.isEmpty || bytes[0] == 0x20 || bytes[0] == 0x09 { return false }
        guard !(recordOpen && recordWritten), !inheritedWrittenRecord, linkedOtherStreams == 0, !unwrapper.hasPartials,
              let base = bytes.baseAddress
        else {
            return false
        }
        if memchr(base, 0x5C, bytes.count) != nil { return false }
        return !extractor.mayMatch(bytes)
    }

    /// Keeps a line ``canSkip(_:)`` allows to skip until the next line that is not skipped (see
    /// ``settleHeld(assemble:)``). At most `maxContinuationLines` lines and ``maxHeldBytes``
    /// are kept; beyond, those held are assembled as any line (what a later line may link must
    /// not be lost).
    private func hold(_ bytes: UnsafeBufferPointer<UInt8>, wrapper: LineUnwrapper.Inner) {
        if held.count >= configuration.maxContinuationLines || heldBytes.count + bytes.count > Self.maxHeldBytes {
            settleHeld(assemble: true)
        }
        let start = heldBytes.count
        heldBytes.append(contentsOf: bytes)
        held.append((start..<heldBytes.count, wrapper))
    }

    private static let maxHeldBytes = 1 << 20

    /// Skips the held lines for good, or assembles them as any line (`assemble`: the line after
    /// them may continue their record, and a rule that matches it link the whole record).
    private func settleHeld(assemble: Bool) {
        guard !held.isEmpty else { return }
        let lines = held
        held.removeAll(keepingCapacity: true)
        heldBytes.withUnsafeBufferPointer { all in
            for (range, wrapper) in lines {
                let bytes = UnsafeBufferPointer(rebasing: all[range])
                if assemble {
                    processUnwrapped(bytes, wrapper: wrapper, truncated: false, skippable: false)
                } else {
                    skipped(LogLine(bytes: bytes, number: wrapper.firstLine, lines: wrapper.lines))
                }
            }
        }
        heldBytes.removeAll(keepingCapacity: true)
    }

    /// Accounts for a line skipped by ``canSkip(_:)``: it ends the open (unwritten) record and
    /// leaves no ids for a continuation to carry. Only its JSON framing is checked.
    private func skipped(_ line: LogLine) {
        closeRecord()
        recordOpen = false
        mainStream.context = StreamContext()
        mainStream.context.hasRecord = true
        mainStream.carry(Extraction(), jobID: nil, service: nil)
        let first = JSONQuickCheck.firstNonSpace(line.bytes)
        if first == UInt8(ascii: "{"), let problem = JSONQuickCheck.framingProblem(line.bytes) {
            summary.malformed += 1
            if summary.firstMalformed == nil {
                summary.firstMalformed = SourceLocation(file: currentFile, line: line.number)
                summary.firstMalformedReason = problem
            }
        }
    }

    /// Starts a record with `line`, or adds the line to the open one, and updates the stream.
    /// With `alone`, the line starts a record that nothing continues.
    @inline(__always)
    private func assemble(_ line: LogLine, _ decoded: DecodedLine, stream: inout StreamState, key: UInt64, alone: Bool) {
        if !pendingBlanks.isEmpty {
            // (Blank lines of another stream were settled before: see processUnwrapped.)
            let bridges = !alone && ContinuationRule.bridgesBlankLines(decoded)
                && ContinuationRule.continues(decoded, after: stream.context)
            settleBlankLines(joining: bridges, context: &stream.context)
        }
        if !alone, decoded.shape == .blank, decoded.problem == nil, recordOpen, recordStream == key,
           ContinuationRule.blankLineWaits(after: stream.context) {
            pendingBlanks.append(line.number)
            pendingBlankStream = key
            return
        }
        var continued = !alone && ContinuationRule.continues(decoded, after: stream.context)
        if continued {
            continued = continueRecord(line, decoded, stream: &stream, key: key)
        } else {
            startRecord(line, decoded, stream: &stream, key: key)
        }
        ContinuationRule.update(&stream.context, with: decoded, continued: continued)
        if alone { stream.context = StreamContext() }
    }

    /// Gives the waiting blank lines their place: in the open record (`joining`, or when it
    /// already holds more than its first line — blank lines after a stack trace), else each a
    /// record of its own, as a blank line after a one-line record always was.
    private func settleBlankLines(joining: Bool, context: inout StreamContext) {
        let blanks = pendingBlanks
        pendingBlanks.removeAll(keepingCapacity: true)
        if (joining || pending.lines > 1), recordOpen, recordStream == pendingBlankStream {
            for _ in blanks {
                pending.lines += 1
                if configuration.recordRawText { rawText.append(0x0A) }
                let start = arena.count
                arena.byte(0x0A)
                if pending.continuation == nil { pending.continuation = start..<arena.count }
                pending.continuation = pending.continuation!.lowerBound..<arena.count
            }
            return
        }
        var blank = DecodedLine()
        blank.shape = .blank
        blank.matchText = .line(0..<0, escaped: false)
        blank.message = .line(0..<0, escaped: false)
        var stream = StreamState()
        stream.context = context
        for number in blanks {
            startRecord(LogLine(bytes: UnsafeBufferPointer(start: nil, count: 0), number: number), blank,
                        stream: &stream, key: pendingBlankStream)
            ContinuationRule.update(&stream.context, with: blank, continued: false)
        }
        context = stream.context
    }

    /// The same, for blank lines whose stream is not the one at hand.
    private func settleBlankLines(joining: Bool) {
        let key = pendingBlankStream
        if key == 0 {
            settleBlankLines(joining: joining, context: &mainStream.context)
        } else if otherStreams[key] != nil {
            settleBlankLines(joining: joining, context: &otherStreams[key]!.context)
        } else {
            var context = StreamContext()
            settleBlankLines(joining: joining, context: &context)
        }
    }

    private func startRecord(_ line: LogLine, _ decoded: DecodedLine, stream: inout StreamState, key: UInt64) {
        closeRecord()
        summary.records += 1
        decoder.withBytes(decoded.matchText, in: line.bytes) { text in
            let found = extractor.extract(text)
            count(found, at: line.number)
            if found.traceID != nil { summary.linked += 1 } else if found.jobID != nil { summary.jobOnly += 1 }
            let job = found.jobID.map { UnsafeBufferPointer(rebasing: text[$0]) }
            let service = found.service.map { UnsafeBufferPointer(rebasing: text[$0]) }
            stream.carry(found, jobID: job, service: service)

            recordOpen = true
            recordStream = key
            // Kept even when not written yet (--only-linked): a continuation line may link it.
            recordWritten = !configuration.onlyLinked || found.isLinked
            // Text captured by a rule from a JSON or logfmt line is still escaped.
            let capturedEscaped = decoded.format == .json || decoded.format == .logfmt
            arena.removeAll()
            if configuration.recordRawText { rawText = Array(line.bytes) }
            pending = PendingRecord()
            pending.firstLine = line.number
            pending.lines = line.lines
            pending.timestamp = found.timestamp ?? decoded.timestamp
            pending.traceID = found.traceID
            pending.spanID = found.spanID
            pending.severity = found.severity ?? decoded.severity
            pending.rule = found.ruleIndex
            pending.job = job.map { keep($0, escaped: capturedEscaped) }
            pending.service = service.map { keep($0, escaped: capturedEscaped) } ?? keep(decoded.service, line.bytes)
            pending.host = keep(decoded.host, line.bytes)
            if let message = found.message {
                pending.message = keep(UnsafeBufferPointer(rebasing: text[message]), escaped: capturedEscaped)
            } else {
                pending.message = keep(decoded.message, line.bytes) ?? TextPiece(range: 0..<0, escaped: false)
            }
        }
    }

    /// Counts what a rule search hit besides ids: its limit, all-zero ids.
    private func count(_ found: Extraction, at number: Int) {
        if found.limitExceeded {
            summary.limitHits += 1
            if summary.firstLimitHit == nil {
                summary.firstLimitHit = SourceLocation(file: currentFile, line: number)
            }
        }
        if found.rejectedZeroID {
            summary.zeroIDs += 1
            if summary.firstZeroID == nil { summary.firstZeroID = SourceLocation(file: currentFile, line: number) }
        }
    }

    /// Adds a line that continues its stream's record. Returns false when it started a record
    /// after all: a line with ids of its own — a trace id other than the record's, or any id
    /// when the record it continues is already closed — is a record of its own.
    private func continueRecord(_ line: LogLine, _ decoded: DecodedLine, stream: inout StreamState, key: UInt64) -> Bool {
        let text = decoded.format == .journald ? decoded.message : decoded.matchText
        let inOpenRecord = recordOpen && recordStream == key && pending.lines < configuration.maxContinuationLines
        if !inOpenRecord || pending.traceID != nil {
            let own = decoder.withBytes(text, in: line.bytes) { bytes -> Extraction? in
                extractor.mayMatch(bytes) ? extractor.extract(bytes) : nil
            }
            let conflicts = inOpenRecord
                ? own?.traceID.map { $0 != pending.traceID } ?? false
                : own?.isLinked ?? false
            if conflicts {
                startRecord(line, decoded, stream: &stream, key: key)
                return false
            }
        }
        if inOpenRecord {
            pending.lines += line.lines
            if configuration.recordRawText {
                rawText.append(0x0A)
                rawText.append(contentsOf: line.bytes)
            }
            let start = arena.count
            arena.byte(0x0A)
            decoder.withBytes(text, in: line.bytes) { arena.raw($0) }
            if pending.continuation == nil { pending.continuation = start..<arena.count }
            pending.continuation = pending.continuation!.lowerBound..<arena.count
            // The record's ids may be on later lines of it (.NET scopes under the header, the
            // fields pino-pretty writes below the message, a job id in an exception message).
            if pending.traceID == nil || pending.spanID == nil || pending.job == nil {
                link(line, text: text, decoded: decoded, stream: &stream, at: start + 1)
            }
            return true
        }
        // The record this line belongs to is already closed: the line becomes a record of its
        // own that carries the same ids (one with ids of its own was started as a record above).
        closeRecord()
        summary.records += 1
        recordOpen = true
        recordStream = key
        arena.removeAll()
        if configuration.recordRawText { rawText = Array(line.bytes) }
        pending = PendingRecord()
        pending.firstLine = line.number
        pending.lines = line.lines
        pending.timestamp = decoded.timestamp
        pending.traceID = stream.traceID
        pending.spanID = stream.spanID
        pending.severity = decoded.severity
        pending.rule = stream.ruleIndex
        if stream.hasJobID { pending.job = stream.jobID.withUnsafeBufferPointer { keep($0, escaped: false) } }
        pending.service = stream.service.isEmpty
            ? keep(decoded.service, line.bytes)
            : stream.service.withUnsafeBufferPointer { keep($0, escaped: false) }
        pending.host = keep(decoded.host, line.bytes)
        pending.message = keep(text, line.bytes) ?? TextPiece(range: 0..<0, escaped: false)
        if stream.traceID != nil { summary.linked += 1 } else if stream.hasJobID { summary.jobOnly += 1 }
        recordWritten = !configuration.onlyLinked || stream.isLinked
        if pending.traceID == nil || pending.spanID == nil || pending.job == nil {
            link(line, text: text, decoded: decoded, stream: &stream, at: pending.message.range.lowerBound)
        }
        return true
    }

    /// Runs the rules over a continuation line of the open record, which lacks a trace, span or
    /// job id, and gives the record (and its stream, for the lines after) what they find and it
    /// lacks. A trace id other than the record's is not taken, nor the span id that came with it.
    private func link(_ line: LogLine, text ref: TextRef, decoded: DecodedLine, stream: inout StreamState, at offset: Int) {
        decoder.withBytes(ref, in: line.bytes) { text in
            let found = extractor.extract(text)
            count(found, at: line.number)
            let sameTrace = found.traceID == nil || pending.traceID == nil || found.traceID == pending.traceID
            let newTrace = pending.traceID == nil && found.traceID != nil
            let newSpan = pending.spanID == nil && found.spanID != nil && sameTrace
            let newJob = pending.job == nil && found.jobID != nil
            guard newTrace || newSpan || newJob else { return }
            let wasLinked = pending.traceID != nil || pending.job != nil
            if newTrace, let trace = found.traceID {
                pending.traceID = trace
                stream.traceID = trace
            }
            if newSpan {
                pending.spanID = found.spanID
                stream.spanID = found.spanID
            }
            if newJob, let job = found.jobID {
                pending.job = TextPiece(range: (offset + job.lowerBound)..<(offset + job.upperBound), escaped: false)
                stream.jobID = Array(UnsafeBufferPointer(rebasing: text[job]))
                stream.hasJobID = true
            }
            if pending.service == nil, let service = found.service {
                pending.service = TextPiece(range: (offset + service.lowerBound)..<(offset + service.upperBound), escaped: false)
                stream.service = Array(UnsafeBufferPointer(rebasing: text[service]))
            }
            pending.rule = pending.rule ?? found.ruleIndex
            stream.ruleIndex = stream.ruleIndex ?? found.ruleIndex
            if pending.severity == nil { pending.severity = found.severity }
            if !wasLinked {
                if pending.traceID != nil { summary.linked += 1 } else if pending.job != nil { summary.jobOnly += 1 }
            } else if newTrace, pending.job != nil {
                // It had only a job id: now it has a trace id too.
                summary.jobOnly -= 1
                summary.linked += 1
            }
            if pending.traceID != nil || pending.job != nil { recordWritten = true }
        }
    }

    /// Hands the open record to the sink. Text that is not valid UTF-8 is repaired on the way
    /// out (U+FFFD); such records are counted, the first one located.
    func closeRecord() {
        if !pendingBlanks.isEmpty { settleBlankLines(joining: false) }
        guard recordOpen else { return }
        recordOpen = false
        guard recordWritten else { return }
        summary.written += 1
        arena.withBytes(upTo: arena.count) { bytes in
            let text = bytes.bindMemory(to: UInt8.self)
            if !UTF8Validation.isValid(text) {
                summary.invalidUTF8 += 1
                if summary.firstInvalidUTF8 == nil {
                    summary.firstInvalidUTF8 = SourceLocation(file: currentFile, line: pending.firstLine)
                }
            }
            if configuration.recordRawText {
                rawText.withUnsafeBufferPointer { sink.record(pending, text: text, raw: $0, rules: ruleSet) }
            } else {
                sink.record(pending, text: text, raw: nil, rules: ruleSet)
            }
        }
    }

    /// Copies text into the arena.
    private func keep(_ text: UnsafeBufferPointer<UInt8>, escaped: Bool) -> TextPiece {
        let start = arena.count
        arena.raw(text)
        return TextPiece(range: start..<arena.count, escaped: escaped)
    }

    private func keep(_ ref: TextRef, _ line: UnsafeBufferPointer<UInt8>) -> TextPiece? {
        if ref.isNone { return nil }
        var escaped = false
        if case .line(_, let isEscaped) = ref { escaped = isEscaped }
        return decoder.withBytes(ref, in: line) { keep($0, escaped: escaped) }
    }
}

/// The streams' state between two chunks of a file: what the line-by-line path would carry
/// from one to the next.
struct AssemblyState {
    /// nil: the main stream had no line (keep the one from before).
    var main: StreamState?
    var others: [UInt64: StreamState] = [:]
    /// A written record was open at the end (with --only-linked, the next line is then read
    /// even when no rule can match it).
    var writtenRecordOpen = false
    /// Partial lines waiting for the rest (``LineUnwrapper``).
    var partials: [UInt64: LineUnwrapper.Partial] = [:]

    init(writtenRecordOpen: Bool = false) {
        self.writtenRecordOpen = writtenRecordOpen
    }

    /// This state, then what `later` (a chunk's own state) holds.
    mutating func update(with later: AssemblyState) {
        if let main = later.main { self.main = main }
        others.merge(later.others) { $1 }
        writtenRecordOpen = later.writtenRecordOpen
        partials = later.partials
    }
}

/// A line as the assembler sees it.
struct LogLine {
    var bytes: UnsafeBufferPointer<UInt8>
    /// Its first physical line (partial lines joined are one).
    var number: Int
    /// Physical lines it was made of.
    var lines = 1
}
