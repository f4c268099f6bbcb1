#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateDecode
import CorrelateExtract
import CorrelateModel
import CorrelateOTLP
import CorrelateSources
import Foundation

/// What `correlate ingest` is asked to read.
public struct IngestConfiguration: Sendable {
    public var logs: [String]
    public var spans: [String]
    public var alerts: [String]
    /// How log files are read (format, threads, line limit…); its `inputs` are ignored.
    public var extract: ExtractConfiguration
    /// Spans written per transaction.
    public var spanBatch: Int

    public init(logs: [String] = [], spans: [String] = [], alerts: [String] = [],
                extract: ExtractConfiguration = ExtractConfiguration(inputs: []), spanBatch: Int = 10_000) {
        self.logs = logs
        self.spans = spans
        self.alerts = alerts
        self.extract = extract
        self.spanBatch = spanBatch
    }
}

/// Counts of one ingest.
public struct IngestSummary: Sendable {
    public var logs = ExtractSummary()
    public var logsStored = InsertResult()
    public var spanDocuments = 0
    public var spansRead = 0
    public var spansRejected = 0
    public var spansStored = InsertResult()
    public var spanFormats: Set<String> = []
    public var alertsRead = 0
    public var alertsStored = InsertResult()
    /// Documents (span or alert) that could not be read, with where and why.
    public var malformed: [(SourceLocation, String)] = []
    public var unreadable: [InputError] = []

    public init() {}

    public var description: String {
        var parts: [String] = []
        if logs.inputs > 0 {
            parts.append((["logs: read \(logs.lines) lines, \(logs.records) records, stored \(logsStored.stored), duplicates \(logsStored.duplicates)"]
                          + logs.problems.filter { !$0.hasPrefix("over-limit 0") }).joined(separator: ", "))
        }
        if spanDocuments > 0 || spansRead > 0 {
            let formats = spanFormats.sorted().joined(separator: ", ")
            parts.append("spans: read \(spansRead) in \(spanDocuments) document\(spanDocuments == 1 ? "" : "s")\(formats.isEmpty ? "" : " (\(formats))"), stored \(spansStored.stored), duplicates \(spansStored.duplicates), rejected \(spansRejected) (invalid or all-zero ids)")
        }
        if alertsRead > 0 {
            parts.append("alerts: read \(alertsRead), stored \(alertsStored.stored), duplicates \(alertsStored.duplicates)")
        }
        parts.append("malformed documents \(malformed.count)" + (malformed.first.map { " (first at \($0.0): \($0.1))" } ?? ""))
        return parts.joined(separator: "; ")
    }
}

/// `correlate ingest`: logs (through the extraction rules), spans and alerts into the store,
/// batch by batch; each batch is one transaction, so an interrupted ingest keeps every batch it
/// finished and running it again completes it.
public final class IngestPipeline {
    public let configuration: IngestConfiguration
    private let ruleSet: RuleSet
    private let store: EventStore
    public private(set) var summary = IngestSummary()
    /// Called now and then with the summary so far (for a progress line).
    public var progress: ((IngestSummary) -> Void)?

    public init(ruleSet: RuleSet, store: EventStore, configuration: IngestConfiguration) {
        self.ruleSet = ruleSet
        self.store = store
        self.configuration = configuration
    }

    /// - Throws: a store error (the batches before it are kept).
    public func run() throws -> IngestSummary {
        // About 300 bytes a log line and 700 a span: enough to tell a bulk load from a trickle.
        let bytes = (configuration.logs + configuration.spans).reduce(0) { $0 + Self.fileSize($1) }
        try store.beginBulkLoad(expectedRows: bytes / 300)
        if !configuration.logs.isEmpty { try ingestLogs() }
        for path in configuration.spans { try ingestSpans(path) }
        for path in configuration.alerts { try ingestAlerts(path) }
        try store.endBulkLoad()
        return summary
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return path != "-" && stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    // MARK: - Logs

    private func ingestLogs() throws {
        var extract = configuration.extract
        extract.inputs = configuration.logs.map(Self.canonicalPath)
        extract.nameStdinByFirstLine = true
        let pipeline = ExtractPipeline(ruleSet: ruleSet, configuration: extract, destination: .records { [unowned self] batch in
            summary.logsStored += try store.insert(logs: batch)
            progress?(summary)
        })
        summary.logs = try pipeline.run()
        summary.unreadable += summary.logs.unreadable
    }

    // MARK: - Spans

    private func ingestSpans(_ given: String) throws {
        let path = Self.canonicalPath(given)
        let name = path == "-" ? SourceLocation.stdinName : given
        let reader: LineReader
        do {
            reader = try LineReader(path: path, maxLineBytes: 256 << 20)
        } catch let error as InputError {
            summary.unreadable.append(error)
            return
        }
        var batch: [Span] = []
        var documents = 0
        var failures = 0
        var wholeDocument = false
        let binary = path != "-" && Self.looksBinary(path)
        if !binary {
            try reader.forEachLine { line in
                switch Self.decodeSpanLine(line.bytes) {
                case nil:
                    break
                case .decoded(let decoded):
                    documents += 1
                    try add(decoded, to: &batch)
                case .unfinishedDocument where documents == 0 && failures == 0:
                    // A document spread over several lines (pretty-printed) fails on its first line.
                    wholeDocument = true
                    return false
                case .unfinishedDocument:
                    failures += 1
                    summary.malformed.append((SourceLocation(file: name, line: line.number), "not JSON: a document that does not end on its line"))
                case .malformed(let reason):
                    failures += 1
                    summary.malformed.append((SourceLocation(file: name, line: line.number), reason))
                }
                return true
            }
        }
        if binary || wholeDocument {
            try ingestWholeSpanFile(path: path, name: name, binary: binary, batch: &batch)
        }
        try flush(&batch)
    }

    private func ingestWholeSpanFile(path: String, name: String, binary: Bool, batch: inout [Span]) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            summary.unreadable.append(InputError(path: path, errno: errno, operation: "read"))
            return
        }
        if binary {
            do {
                let (spans, rejected) = try OTLPProtobufDecoder.decodeTraces(data)
                var decoded = DecodedSpans(format: .otlpProtobuf)
                decoded.spans = spans
                decoded.rejected = rejected
                try add(decoded, to: &batch)
            } catch {
                summary.malformed.append((SourceLocation(file: name, line: 1), "not an OTLP protobuf ExportTraceServiceRequest: \(error)"))
            }
            return
        }
        do {
            let document = try data.withUnsafeBytes { raw in
                try JSONDocument.parse(raw.bindMemory(to: UInt8.self))
            }
            try add(try SpanDocumentDecoder.decode(document), to: &batch)
        } catch let error as JSONDocument.SyntaxError {
            summary.malformed.append((SourceLocation(file: name, line: 1), "not JSON: \(error)"))
        } catch let error as SpanDecodingError {
            summary.malformed.append((SourceLocation(file: name, line: 1), error.reason))
        }
    }

    /// What one line of a span file holds.
    public enum SpanLine {
        case decoded(DecodedSpans)
        case malformed(String)
        /// The line opens a JSON document that goes on over further lines.
        case unfinishedDocument
    }

    /// Decodes one line of a span file (one export request or span list per line); nil for a
    /// blank line.
    public static func decodeSpanLine(_ bytes: UnsafeBufferPointer<UInt8>) -> SpanLine? {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
        do {
            return .decoded(try SpanDocumentDecoder.decode(try JSONDocument.parse(bytes)))
        } catch let error as JSONDocument.SyntaxError {
            return error.reason.contains("end of JSON") ? .unfinishedDocument : .malformed("not JSON: \(error)")
        } catch let error as SpanDecodingError {
            return .malformed(error.reason)
        } catch {
            return .malformed("\(error)")
        }
    }

    private func add(_ decoded: DecodedSpans, to batch: inout [Span]) throws {
        summary.spanDocuments += 1
        summary.spansRead += decoded.spans.count + decoded.rejected
        summary.spansRejected += decoded.rejected
        summary.spanFormats.insert(decoded.format.rawValue)
        batch += decoded.spans
        if batch.count >= configuration.spanBatch { try flush(&batch) }
    }

    private func flush(_ batch: inout [Span]) throws {
        guard !batch.isEmpty else { return }
        summary.spansStored += try store.insert(spans: batch)
        batch.removeAll(keepingCapacity: true)
        progress?(summary)
    }

    // MARK: - Alerts

    /// Alert payloads (webhooks, API lists): each alert stored by (fingerprint, startsAt), the
    /// payload itself kept as it came.
    private func ingestAlerts(_ given: String) throws {
        let path = Self.canonicalPath(given)
        let name = path == "-" ? SourceLocation.stdinName : given
        guard let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path) else {
            summary.unreadable.append(InputError(path: given, errno: errno == 0 ? ENOENT : errno, operation: "open"))
            return
        }
        let text = String(decoding: data, as: UTF8.self)
        let decoded = AlertFiles.decode(text, name: name)
        for problem in decoded.problems {
            let parts = problem.split(separator: ":", maxSplits: 2).map(String.init)
            let line = parts.count == 3 ? Int(parts[1]) ?? 1 : 1
            summary.malformed.append((SourceLocation(file: name, line: line), parts.count == 3 ? parts[2].trimmingCharacters(in: .whitespaces) : problem))
        }
        summary.alertsRead += decoded.alerts.count
        summary.alertsStored += try store.insert(alerts: decoded.alerts)
        _ = try store.insert(rawAlert: text, source: SourceLocation(file: path, line: 1))
    }

    /// Protobuf, not JSON: the first 4 KiB hold control bytes other than tab, CR and LF (field
    /// tags and lengths), which JSON text never does.
    public static func looksBinary(_ path: String) -> Bool {
        guard let file = fopen(path, "rb") else { return false }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 4096)
        let count = fread(&head, 1, head.count, file)
        return head[0..<count].contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
    }

    /// The absolute path of a file (so that ingesting it again from elsewhere finds the same
    /// rows); `-` stays `-`.
    public static func canonicalPath(_ path: String) -> String {
        guard path != "-", let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
