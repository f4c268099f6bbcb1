import CorrelateDecode
import CorrelateExtract
import CorrelateModel
import CorrelateRender
import CorrelateSinks
import CorrelateJSON

/// A piece of a record's text in the assembler's arena; JSON- or logfmt-escaped when `escaped`.
struct TextPiece {
    var range: Range<Int>
    var escaped: Bool
}

/// A finished record, its text as pieces of an arena.
struct PendingRecord {
    var timestamp: Timestamp?
    var traceID: TraceID?
    var spanID: SpanID?
    var job: TextPiece?
    var severity: Severity?
    var service: TextPiece?
    var host: TextPiece?
    /// Index of the rule that linked it.
    var rule: Int?
    /// The first line's message.
    var message = TextPiece(range: 0..<0, escaped: false)
    /// The continuation lines, each after a `\n`, raw.
    var continuation: Range<Int>?
    var firstLine = 0
    var lines = 1
}

/// Where the assembler's finished records go. One per assembler (so per thread).
protocol RecordSink: AnyObject {
    /// A new input starts.
    func begin(file: String)
    /// One finished record; `text` holds the pieces it points at, and `raw` (when asked for)
    /// its lines as written, only during the call.
    func record(_ record: PendingRecord, text: UnsafeBufferPointer<UInt8>, raw: UnsafeBufferPointer<UInt8>?, rules: RuleSet)
    /// Forgets the records held and not yet drained.
    func discard()
}

/// Writes records as NDJSON (`correlate extract`'s output) into a buffer that is written out
/// in large blocks.
///
///     {"ts":"2026-11-25T08:32:27.054427Z","trace_id":"cddaa145…","span_id":"e116d5a2f2dc2eaf",
///      "job_id":null,"severity":"info","service":"export-api","host":null,
///      "rule":"json-trace-id","message":"POST /api/v1/reports/rpt-68427/export accepted (job 1)",
///      "source":{"file":"logs/producer.json.log","line":3,"lines":1}}
final class NDJSONRecordWriter: RecordSink {
    let out = JSONWriter(capacity: 1 << 21)
    private var fileNameJSON: [UInt8] = []
    /// Each rule's name as a JSON string.
    private var ruleNamesJSON: [[UInt8]] = []

    func begin(file: String) {
        let name = JSONWriter()
        name.string(file)
        fileNameJSON = name.bytes
    }

    func record(_ record: PendingRecord, text: UnsafeBufferPointer<UInt8>, raw: UnsafeBufferPointer<UInt8>?, rules: RuleSet) {
        if ruleNamesJSON.count != rules.rules.count {
            ruleNamesJSON = rules.rules.map { compiled in
                let writer = JSONWriter()
                writer.string(compiled.rule.name)
                return writer.bytes
            }
        }
        out.raw("{\"ts\":")
        if let timestamp = record.timestamp { out.quoted(timestamp) } else { out.null() }
        out.raw(",\"trace_id\":")
        if let trace = record.traceID { out.quoted(trace) } else { out.null() }
        out.raw(",\"span_id\":")
        if let span = record.spanID { out.quoted(span) } else { out.null() }
        out.raw(",\"job_id\":")
        string(record.job, text)
        out.raw(",\"severity\":")
        if let severity = record.severity { out.raw(Self.severityJSON(severity)) } else { out.null() }
        out.raw(",\"service\":")
        string(record.service, text)
        out.raw(",\"host\":")
        string(record.host, text)
        out.raw(",\"rule\":")
        if let rule = record.rule {
            ruleNamesJSON[rule].withUnsafeBufferPointer { out.raw($0) }
        } else {
            out.null()
        }
        out.raw(",\"message\":\"")
        content(record.message, text)
        if let continuation = record.continuation {
            out.stringContent(UnsafeBufferPointer(rebasing: text[continuation]))
        }
        out.raw("\",\"source\":{\"file\":")
        fileNameJSON.withUnsafeBufferPointer { out.raw($0) }
        out.raw(",\"line\":")
        out.int(record.firstLine)
        out.raw(",\"lines\":")
        out.int(record.lines)
        out.raw("}}\n")
    }

    func discard() { out.removeAll() }

    /// Writes what the buffer holds to `output`.
    func drain(to output: ByteOutput) {
        guard out.count > 0 else { return }
        out.withBytes(upTo: out.count) { _ = output.write($0) }
        out.removeAll()
    }

    private func string(_ piece: TextPiece?, _ text: UnsafeBufferPointer<UInt8>) {
        guard let piece else { return out.null() }
        out.byte(UInt8(ascii: "\""))
        content(piece, text)
        out.byte(UInt8(ascii: "\""))
    }

    private func content(_ piece: TextPiece, _ text: UnsafeBufferPointer<UInt8>) {
        let bytes = UnsafeBufferPointer(rebasing: text[piece.range])
        if piece.escaped { out.escapedStringContent(bytes) } else { out.stringContent(bytes) }
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

/// Collects records as ``LogRecord`` values (for the store).
final class LogRecordCollector: RecordSink {
    private(set) var records: [LogRecord] = []
    private var file = ""
    private var scratch: [UInt8] = []

    func begin(file: String) {
        self.file = file
    }

    func record(_ record: PendingRecord, text: UnsafeBufferPointer<UInt8>, raw: UnsafeBufferPointer<UInt8>?, rules: RuleSet) {
        var message: String
        if let raw {
            message = String(decoding: raw, as: UTF8.self)
        } else {
            message = string(record.message, text)
            if let continuation = record.continuation {
                message += String(decoding: UnsafeBufferPointer(rebasing: text[continuation]), as: UTF8.self)
            }
        }
        records.append(LogRecord(
            source: SourceLocation(file: file, line: record.firstLine), lines: record.lines,
            timestamp: record.timestamp, traceID: record.traceID, spanID: record.spanID,
            jobID: record.job.map { string($0, text) }, severity: record.severity,
            service: record.service.map { string($0, text) }, host: record.host.map { string($0, text) },
            rule: record.rule.map { rules.rules[$0].rule.name }, message: message))
    }

    func discard() { records.removeAll(keepingCapacity: true) }

    /// Hands the records collected so far to `body` and forgets them.
    func drain(_ body: ([LogRecord]) throws -> Void) rethrows {
        guard !records.isEmpty else { return }
        try body(records)
        records.removeAll(keepingCapacity: true)
    }

    /// Text of a piece, unescaped when it is escaped; invalid UTF-8 becomes U+FFFD.
    private func string(_ piece: TextPiece, _ text: UnsafeBufferPointer<UInt8>) -> String {
        let bytes = UnsafeBufferPointer(rebasing: text[piece.range])
        guard piece.escaped else { return String(decoding: bytes, as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        JSONStringEscapes.unescape(bytes, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }
}

