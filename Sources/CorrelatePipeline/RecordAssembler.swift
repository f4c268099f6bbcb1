#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateDecode
import CorrelateExtract
import CorrelateModel
import CorrelateRender

/// Turns log lines into NDJSON records: decodes each line, joins continuation lines to their
/// record, runs the rules once per record and writes the record. One per thread.
///
/// Output is built in one buffer; the record still open (it may get more lines) is always its
/// tail, and ``flushableBytes`` tells how much before it can be written out.
///
/// Output record (one line of JSON):
///
///     {"ts":"2026-11-25T08:32:27.054427Z","trace_id":"cddaa145…","span_id":"e116d5a2f2dc2eaf",
///      "job_id":null,"severity":"info","service":"export-api","host":null,
///      "rule":"json-trace-id","message":"POST /api/v1/reports/rpt-68427/export accepted (job 1)",
///      "source":{"file":"logs/producer.json.log","line":3,"lines":1}}
///
/// Unchecked `Sendable`: an assembler is only ever used by one thread at a time — the parallel
/// path hands assembler *i* to iteration *i* of one `concurrentPerform`, and writes its output
/// after all iterations returned.
final class RecordAssembler: @unchecked Sendable {
    let configuration: ExtractConfiguration
    /// Counts of the lines processed (inputs, bytes, truncation and unreadable inputs are the
    /// reader's to count).
    var summary = ExtractSummary()
    let out = JSONWriter(capacity: 1 << 21)
    private let ruleSet: RuleSet
    private let extractor: Extractor
    private var decoder: LogDecoder

    // The open record (always the tail of `out` when it is being written).
    private var recordOpen = false
    private var recordWritten = false
    private var recordStart = 0
    private var recordLines = 0
    private var recordFirstLine = 0
    private var recordStream: UInt64 = 0

    private var fileNameJSON: [UInt8] = []
    private var currentFile = ""
    private var mainStream = StreamState()
    private var otherStreams: [UInt64: StreamState] = [:]
    /// How many of `otherStreams` carry ids a continuation line would inherit.
    private var linkedOtherStreams = 0

    /// Each rule's name as a JSON string, written once per record.
    private let ruleNamesJSON: [[UInt8]]
    private static let maxStreams = 4096

    init(ruleSet: RuleSet, configuration: ExtractConfiguration) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        self.extractor = ruleSet.makeExtractor(limits: configuration.limits)
        self.decoder = LogDecoder(format: configuration.inputFormat)
        self.ruleNamesJSON = ruleSet.rules.map { compiled in
            let writer = JSONWriter()
            writer.string(compiled.rule.name)
            return writer.bytes
        }
    }

    /// Starts a new input (or a new chunk of one that starts with a record): no record open,
    /// no stream state carried over.
    func begin(file name: String) {
        closeRecord()
        currentFile = name
        let nameWriter = JSONWriter()
        nameWriter.string(name)
        fileNameJSON = nameWriter.bytes
        mainStream = StreamState()
        otherStreams.removeAll()
        linkedOtherStreams = 0
    }

    // MARK: - One line

    /// Takes one line (without its terminator); `number` is its 1-based line number.
    func process(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) {
        let line = LogLine(bytes: bytes, number: number)
        summary.lines += 1
        if configuration.onlyLinked, canSkip(bytes) {
            skipped(line)
            return
        }
        let decoded = decoder.decode(line.bytes)
        if let problem = decoded.problem {
            summary.malformed += 1
            if summary.firstMalformed == nil {
                summary.firstMalformed = SourceLocation(file: currentFile, line: line.number)
                summary.firstMalformedReason = problem
            }
        }
        let key = decoded.streamKey
        if key == 0 {
            assemble(line, decoded, stream: &mainStream, key: 0)
        } else {
            if otherStreams.count >= Self.maxStreams, otherStreams[key] == nil {
                otherStreams.removeAll()
                linkedOtherStreams = 0
            }
            let wasLinked = otherStreams[key]?.isLinked == true
            assemble(line, decoded, stream: &otherStreams[key, default: StreamState()], key: key)
            let isLinked = otherStreams[key]?.isLinked == true
            if wasLinked != isLinked { linkedOtherStreams += isLinked ? 1 : -1 }
        }
    }

    // MARK: - Lines --only-linked need not read

    /// With `--only-linked`, a line need not be decoded when no rule can match it (none of the
    /// rules' literals occur in it; no escape could hide one, as in a journald `MESSAGE`) and
    /// no written record is open that it could continue, nor a journald writer's linked record.
    @inline(__always)
    private func canSkip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !(recordOpen && recordWritten), linkedOtherStreams == 0, let base = bytes.baseAddress else {
            return false
        }
        if memchr(base, 0x5C, bytes.count) != nil { return false }
        return !extractor.mayMatch(bytes)
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
    @inline(__always)
    private func assemble(_ line: LogLine, _ decoded: DecodedLine, stream: inout StreamState, key: UInt64) {
        let continued = ContinuationRule.continues(decoded, after: stream.context)
        if continued {
            continueRecord(line, decoded, stream: stream, key: key)
        } else {
            startRecord(line, decoded, stream: &stream, key: key)
        }
        ContinuationRule.update(&stream.context, with: decoded, continued: continued)
    }

    private func startRecord(_ line: LogLine, _ decoded: DecodedLine, stream: inout StreamState, key: UInt64) {
        closeRecord()
        summary.records += 1
        decoder.withBytes(decoded.matchText, in: line.bytes) { text in
            let found = extractor.extract(text)
            if found.limitExceeded {
                summary.limitHits += 1
                if summary.firstLimitHit == nil {
                    summary.firstLimitHit = SourceLocation(file: currentFile, line: line.number)
                }
            }
            if found.rejectedZeroID { summary.zeroIDs += 1 }
            if found.traceID != nil { summary.linked += 1 } else if found.jobID != nil { summary.jobOnly += 1 }
            let job = found.jobID.map { UnsafeBufferPointer(rebasing: text[$0]) }
            let service = found.service.map { UnsafeBufferPointer(rebasing: text[$0]) }
            stream.carry(found, jobID: job, service: service)

            recordOpen = true
            recordLines = 1
            recordFirstLine = line.number
            recordStream = key
            recordWritten = !configuration.onlyLinked || found.isLinked
            guard recordWritten else { return }
            recordStart = out.count
            // Text captured by a rule from a JSON or logfmt line is still escaped.
            let capturedEscaped = decoded.format == .json || decoded.format == .logfmt
            writeHead(
                timestamp: found.timestamp ?? decoded.timestamp, trace: found.traceID,
                span: found.spanID, job: job, jobEscaped: capturedEscaped,
                severity: found.severity ?? decoded.severity)
            out.key("service")
            if let service {
                writeString(service, escaped: capturedEscaped)
            } else {
                writeRef(decoded.service, line: line.bytes)
            }
            out.byte(UInt8(ascii: ","))
            out.key("host")
            writeRef(decoded.host, line: line.bytes)
            writeRule(found.ruleIndex)
            out.raw(",\"message\":\"")
            if let message = found.message {
                appendContent(UnsafeBufferPointer(rebasing: text[message]), escaped: capturedEscaped)
            } else {
                appendRefContent(decoded.message, line: line.bytes)
            }
        }
    }

    private func continueRecord(_ line: LogLine, _ decoded: DecodedLine, stream: StreamState, key: UInt64) {
        let text = decoded.format == .journald ? decoded.message : decoded.matchText
        if recordOpen, recordStream == key, recordLines < configuration.maxContinuationLines {
            recordLines += 1
            if recordWritten {
                out.raw("\\n")
                appendRefContent(text, line: line.bytes)
            }
            return
        }
        // The record this line belongs to is already closed: the line becomes a record of its
        // own that carries the same ids.
        closeRecord()
        summary.records += 1
        if stream.traceID != nil { summary.linked += 1 } else if stream.hasJobID { summary.jobOnly += 1 }
        recordOpen = true
        recordLines = 1
        recordFirstLine = line.number
        recordStream = key
        recordWritten = !configuration.onlyLinked || stream.isLinked
        guard recordWritten else { return }
        recordStart = out.count
        stream.jobID.withUnsafeBufferPointer { job in
            writeHead(timestamp: decoded.timestamp, trace: stream.traceID, span: stream.spanID,
                      job: stream.hasJobID ? job : nil, jobEscaped: false,
                      severity: decoded.severity)
        }
        out.key("service")
        if !stream.service.isEmpty {
            stream.service.withUnsafeBufferPointer { writeString($0, escaped: false) }
        } else {
            writeRef(decoded.service, line: line.bytes)
        }
        out.byte(UInt8(ascii: ","))
        out.key("host")
        writeRef(decoded.host, line: line.bytes)
        writeRule(stream.ruleIndex)
        out.raw(",\"message\":\"")
        appendRefContent(text, line: line.bytes)
    }

    /// Ends the open record: `…","source":{"file":…,"line":N,"lines":K}}\n`.
    func closeRecord() {
        guard recordOpen else { return }
        recordOpen = false
        guard recordWritten else { return }
        summary.written += 1
        out.raw("\",\"source\":{\"file\":")
        fileNameJSON.withUnsafeBufferPointer { out.raw($0) }
        out.raw(",\"line\":")
        out.int(recordFirstLine)
        out.raw(",\"lines\":")
        out.int(recordLines)
        out.raw("}}\n")
    }

    /// Bytes before the open record, which no later line can change.
    var flushableBytes: Int {
        recordOpen && recordWritten ? recordStart : out.count
    }

    /// Writes everything before the open record (everything, once it is closed) to `output`.
    func drain(to output: OutputStream) {
        let end = flushableBytes
        guard end > 0 else { return }
        out.withBytes(upTo: end) { _ = output.write($0) }
        out.removeFirst(end)
        recordStart -= end
    }

    // MARK: - Writing fields

    private func writeHead(
        timestamp: Timestamp?, trace: TraceID?, span: SpanID?, job: UnsafeBufferPointer<UInt8>?,
        jobEscaped: Bool, severity: Severity?
    ) {
        out.raw("{\"ts\":")
        if let timestamp { out.quoted(timestamp) } else { out.null() }
        out.raw(",\"trace_id\":")
        if let trace { out.quoted(trace) } else { out.null() }
        out.raw(",\"span_id\":")
        if let span { out.quoted(span) } else { out.null() }
        out.raw(",\"job_id\":")
        if let job { writeString(job, escaped: jobEscaped) } else { out.null() }
        out.raw(",\"severity\":")
        if let severity { out.raw(Self.severityJSON(severity)) } else { out.null() }
        out.byte(UInt8(ascii: ","))
    }

    private func writeRule(_ rule: Int?) {
        out.raw(",\"rule\":")
        if let rule {
            ruleNamesJSON[rule].withUnsafeBufferPointer { out.raw($0) }
        } else {
            out.null()
        }
    }

    private func writeString(_ text: UnsafeBufferPointer<UInt8>, escaped: Bool) {
        out.byte(UInt8(ascii: "\""))
        appendContent(text, escaped: escaped)
        out.byte(UInt8(ascii: "\""))
    }

    private func appendContent(_ text: UnsafeBufferPointer<UInt8>, escaped: Bool) {
        if escaped { out.escapedStringContent(text) } else { out.stringContent(text) }
    }

    private func writeRef(_ ref: TextRef, line: UnsafeBufferPointer<UInt8>) {
        if ref.isNone { return out.null() }
        out.byte(UInt8(ascii: "\""))
        appendRefContent(ref, line: line)
        out.byte(UInt8(ascii: "\""))
    }

    private func appendRefContent(_ ref: TextRef, line: UnsafeBufferPointer<UInt8>) {
        let escaped: Bool
        if case .line(_, let isEscaped) = ref { escaped = isEscaped } else { escaped = false }
        decoder.withBytes(ref, in: line) { appendContent($0, escaped: escaped) }
    }

    private static func severityJSON(_ severity: Severity) -> StaticString {
        switch severity {
        case .trace: "\"trace\""
        case .debug: "\"debug\""
        case .info: "\"info\""
        case .warn: "\"warn\""
        case .error: "\"error\""
        case .fatal: "\"fatal\""
        }
    }
}

/// A line as the assembler sees it.
struct LogLine {
    var bytes: UnsafeBufferPointer<UInt8>
    var number: Int
}
