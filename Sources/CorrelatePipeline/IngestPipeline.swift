#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateDecode
public import CorrelateExtract
public import CorrelateModel
import CorrelateOTLP
public import CorrelateSources
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
    /// What to do with a log source whose clock sits a whole number of quarter hours from its
    /// spans once everything is stored (``LogClockAdjustment``).
    public var logClock: LogClockPolicy

    public init(logs: [String] = [], spans: [String] = [], alerts: [String] = [],
                extract: ExtractConfiguration = ExtractConfiguration(inputs: []), spanBatch: Int = 10_000,
                logClock: LogClockPolicy = .shift) {
        self.logs = logs
        self.spans = spans
        self.alerts = alerts
        self.extract = extract
        self.spanBatch = spanBatch
        self.logClock = logClock
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
    public var malformed: [InputProblem] = []
    public var unreadable: [InputError] = []
    /// Log sources whose clock was measured off their spans, and what was done.
    public var logClock = LogClockReport()

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
        parts.append("malformed documents \(malformed.count)" + (malformed.first.map { " (first at \($0))" } ?? ""))
        parts += logClock.lines
        return parts.joined(separator: "; ")
    }

    /// Counts a decoded span document.
    public mutating func count(_ decoded: DecodedSpans) {
        spanDocuments += 1
        spansRead += decoded.spans.count + decoded.rejected
        spansRejected += decoded.rejected
        spanFormats.insert(decoded.format.rawValue)
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
    /// The source files of the log records written.
    private var logSources: Set<String> = []
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
        // With the spans stored, each log source written can be measured against them.
        summary.logClock = try LogClockAdjustment.run(store: store, sources: logSources, policy: configuration.logClock)
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
            var last: String?
            for record in batch where record.source.file != last {
                last = record.source.file
                logSources.insert(record.source.file)
            }
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
        var lines = SpanFiles.LineByLine()
        var wholeDocument = false
        let binary = path != "-" && SpanFiles.looksBinary(path)
        if !binary {
            try reader.forEachLine { line in
                switch lines.take(line.bytes, at: SourceLocation(file: name, line: line.number), into: &summary) {
                case .spans(let spans):
                    try add(spans, to: &batch)
                case .nothing:
                    break
                case .wholeDocument:
                    wholeDocument = true
                    return false
                }
                return true
            }
        }
        if binary || wholeDocument {
            switch SpanFiles.readWhole(path: path, name: name, binary: binary) {
            case .decoded(let decoded):
                summary.count(decoded)
                try add(decoded.spans, to: &batch)
            case .malformed(let problem): summary.malformed.append(problem)
            case .unreadable(let error): summary.unreadable.append(error)
            }
        }
        try flush(&batch)
    }

    private func add(_ spans: [Span], to batch: inout [Span]) throws {
        batch += spans
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
        summary.malformed += decoded.problems
        summary.alertsRead += decoded.alerts.count
        summary.alertsStored += try store.insert(alerts: decoded.alerts)
        _ = try store.insert(rawAlert: text, source: SourceLocation(file: path, line: 1))
    }

    /// The absolute path of a file (so that ingesting it again from elsewhere finds the same
    /// rows); `-` stays `-`.
    public static func canonicalPath(_ path: String) -> String {
        guard path != "-", let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
