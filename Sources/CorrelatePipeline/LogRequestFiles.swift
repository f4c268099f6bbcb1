#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
public import CorrelateDecode
import CorrelateJSON
public import CorrelateSources

/// Files of OTLP logs requests: one `ExportLogsServiceRequest` in JSON per line, as the
/// OpenTelemetry Collector's file exporter writes them (`logs.otlp.jsonl`; opentelemetry-proto
/// `docs/specification.md`, OTLP/JSON), given to `correlate ingest --logs`. One line holds many
/// log records; each is stored on its own, under the file and its number among the file's
/// records (the first record of the file is 1), so that reading the file again stores nothing
/// twice. A line that is not such a request is counted as malformed, and one whose bytes are
/// not UTF-8 as repaired, each with its line number.
public enum LogRequestFiles {
    /// Whether these first bytes of a file's content (decompressed) begin an OTLP logs request
    /// in JSON: `{"resourceLogs"` (or `resource_logs`), blanks allowed.
    public static func beginsWithRequest(_ head: [UInt8]) -> Bool {
        var index = 0
        func skipBlanks() {
            while index < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[index]) { index += 1 }
        }
        skipBlanks()
        guard index < head.count, head[index] == UInt8(ascii: "{") else { return false }
        index += 1
        skipBlanks()
        let rest = head[index...]
        return rest.starts(with: Array(#""resourceLogs""#.utf8)) || rest.starts(with: Array(#""resource_logs""#.utf8))
    }

    /// The paths whose content begins an OTLP logs request, and the others. Only regular files
    /// are looked at (a pipe, a FIFO or standard input would lose what was read, or wait): the
    /// rest is read as log lines; so is everything when `format` is not `.auto` (a format the
    /// user chose).
    public static func partition(_ paths: [String], format: LogFormat = .auto) -> (requests: [String], others: [String]) {
        guard format == .auto else { return ([], paths) }
        var requests: [String] = []
        var others: [String] = []
        for path in paths {
            let head = InputPaths.isRegularFile(path) ? ((try? InputFile.open(path).peek(4096)) ?? []) : []
            if beginsWithRequest(head) { requests.append(path) } else { others.append(path) }
        }
        return (requests, others)
    }

    /// Reads each of `paths` as ``read(path:name:file:intake:batch:into:store:)`` does, the
    /// records stored under the file's absolute path (so that the same file ingested from
    /// another folder finds the same rows); `store` gets each batch and that path.
    public static func read(paths: [String], intake: RequestIntake, batch: Int = 10_000, into summary: inout ExtractSummary,
                            store: ([LogRecord], String) throws -> Void) throws {
        for path in paths {
            let file = IngestPipeline.canonicalPath(path)
            try read(path: path, name: path, file: file, intake: intake, batch: batch, into: &summary) { try store($0, file) }
        }
    }

    /// Reads the file at `path` (`name` in messages, `file` as the records' source), hands its
    /// records to `store` in batches of about `batch`, and counts lines, records and malformed
    /// lines into `summary`; an input that cannot be read goes to `summary.unreadable`.
    /// - Throws: what `store` throws (the batches before it are stored).
    public static func read(path: String, name: String, file: String, intake: RequestIntake, batch: Int = 10_000,
                            into summary: inout ExtractSummary, store: ([LogRecord]) throws -> Void) throws {
        let input: InputFile
        do {
            input = try InputFile.open(path, name: name)
        } catch let error as InputError {
            summary.unreadable.append(error)
            return
        }
        summary.inputs += 1
        let reader = LineReader(input: input, maxLineBytes: 256 << 20)
        var pending: [LogRecord] = []
        var next = 1
        do {
            try reader.forEachLine { line in
                summary.lines += 1
                guard line.bytes.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return true }
                let records: [LogRecord]
                do {
                    records = try OTLPLogsJSONDecoder.decode(try JSONDocument.parse(line.bytes))
                } catch {
                    summary.malformed += 1
                    if summary.firstMalformed == nil {
                        summary.firstMalformed = SourceLocation(file: name, line: line.number)
                        summary.firstMalformedReason = "not an OTLP logs request: \(error)"
                    }
                    return true
                }
                // Bytes that are not UTF-8 were repaired in the records' text: counted, as for
                // log lines.
                if String(validating: line.bytes, as: UTF8.self) == nil {
                    summary.invalidUTF8 += 1
                    if summary.firstInvalidUTF8 == nil { summary.firstInvalidUTF8 = SourceLocation(file: name, line: line.number) }
                }
                let placed = intake.logs(records, file: file, first: next)
                next += records.count
                summary.records += placed.count
                summary.written += placed.count
                for record in placed {
                    if record.traceID != nil { summary.linked += 1 } else if record.jobID != nil { summary.jobOnly += 1 }
                }
                pending += placed
                if pending.count >= batch {
                    try store(pending)
                    pending.removeAll(keepingCapacity: true)
                }
                return true
            }
        } catch let error as InputError {
            summary.unreadable.append(error)
        }
        if !pending.isEmpty { try store(pending) }
        summary.bytes += reader.byteCount
    }
}
