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
    /// Files, directories (their files matching `globs`, see ``InputPaths``) and `-` (standard
    /// input); gzip and zstd are decompressed.
    public var logs: [String]
    public var spans: [String]
    public var alerts: [String]
    /// Which files of a directory given are read.
    public var globs: [String]
    /// How log files are read (format, threads, line limit…); its `inputs` are ignored.
    public var extract: ExtractConfiguration
    /// Spans written per transaction; nil: the store's ``EventStore/bulkBatch``.
    public var spanBatch: Int?
    /// What to do with a log source whose clock sits a whole number of quarter hours from its
    /// spans once everything is stored (``LogClockAdjustment``).
    public var logClock: LogClockPolicy

    public init(logs: [String] = [], spans: [String] = [], alerts: [String] = [], globs: [String] = InputPaths.defaultGlobs,
                extract: ExtractConfiguration = ExtractConfiguration(inputs: []), spanBatch: Int? = nil,
                logClock: LogClockPolicy = .shift) {
        self.logs = logs
        self.spans = spans
        self.alerts = alerts
        self.globs = globs
        self.extract = extract
        self.spanBatch = spanBatch
        self.logClock = logClock
    }
}

/// Counts of one ingest.
public struct IngestSummary: Sendable {
    public var logs = ExtractSummary()
    public var logsStored = InsertResult()
    /// Span and alert files given (the summary says each kind asked for, even when nothing
    /// of it could be read).
    public var spanInputs = 0
    public var alertInputs = 0
    public var spanDocuments = 0
    public var spansRead = 0
    public var spansRejected = 0
    /// The first span left out: where its document is, and which span and why.
    public var firstRejectedSpan: InputProblem?
    public var spansStored = InsertResult()
    public var spanFormats: Set<String> = []
    public var alertsRead = 0
    public var alertsStored = InsertResult()
    /// Documents (span or alert) that could not be read, with where and why.
    public var malformed: [InputProblem] = []
    /// What was read otherwise than asked, and why (with `--follow`, a file read once).
    public var notes: [InputProblem] = []
    public var unreadable: [InputError] = []
    /// Log sources whose clock was measured off their spans, and what was done.
    public var logClock = LogClockReport()
    /// What the store's retention dropped (`--retain`, `--max-size`).
    public var retention = RetentionReport()

    public init() {}

    public var description: String {
        var parts: [String] = []
        if logs.inputs > 0 {
            parts.append((["logs: read \(logs.lines) lines, \(logs.records) records, stored \(logsStored.stored), duplicates \(logsStored.duplicates)"]
                          // Unreadable inputs are said once for all kinds, below.
                          + logs.problems.filter { !$0.hasPrefix("over-limit 0") && !$0.contains(" unreadable input") }).joined(separator: ", "))
        }
        if spanInputs > 0 || spanDocuments > 0 || spansRead > 0 {
            let formats = spanFormats.sorted().joined(separator: ", ")
            let rejected = "rejected \(spansRejected) (invalid or all-zero ids" + (firstRejectedSpan.map { "; first at \($0)" } ?? "") + ")"
            parts.append("spans: read \(spansRead) in \(spanDocuments) document\(spanDocuments == 1 ? "" : "s")\(formats.isEmpty ? "" : " (\(formats))"), stored \(spansStored.stored), duplicates \(spansStored.duplicates), " + rejected)
        }
        if alertInputs > 0 || alertsRead > 0 {
            parts.append("alerts: read \(alertsRead), stored \(alertsStored.stored), duplicates \(alertsStored.duplicates)")
        }
        parts.append("malformed documents \(malformed.count)" + (malformed.first.map { " (first at \($0))" } ?? ""))
        if let first = unreadable.first {
            parts.append("unreadable inputs \(unreadable.count) (first: \(first))")
        }
        parts += logClock.lines
        if !retention.isEmpty { parts.append(retention.line) }
        return parts.joined(separator: "; ")
    }

    /// Counts a decoded span document, found at `location` (its line, or the file's start).
    public mutating func count(_ decoded: DecodedSpans, at location: SourceLocation) {
        spanDocuments += 1
        spansRead += decoded.spanCount + decoded.rejected
        spansRejected += decoded.rejected
        if firstRejectedSpan == nil, let reason = decoded.firstRejection { firstRejectedSpan = InputProblem(location, reason) }
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
        let logs = InputPaths.expand(configuration.logs, globs: configuration.globs)
        let spans = InputPaths.expand(configuration.spans, globs: configuration.globs)
        let alerts = InputPaths.expand(configuration.alerts, globs: configuration.globs)
        // About 300 bytes a log line and 700 a span: enough to tell a bulk load from a trickle.
        let bytes = (logs.paths + spans.paths).reduce(0) { $0 + Self.fileSize($1) }
        try store.beginBulkLoad(expectedRows: bytes / 300)
        try store.beginLongRunningWrites()
        if !logs.paths.isEmpty { try ingestLogs(logs.paths) }
        summary.unreadable += logs.problems
        summary.spanInputs += spans.paths.count
        for path in spans.paths { try ingestSpans(path) }
        summary.unreadable += spans.problems
        summary.alertInputs += alerts.paths.count
        for path in alerts.paths { try ingestAlerts(path) }
        summary.unreadable += alerts.problems
        try store.endBulkLoad()
        // With the spans stored, each log source written can be measured against them — and,
        // when spans came, every source: lines stored before their spans are measured now.
        summary.logClock = try LogClockAdjustment.run(
            store: store, sources: summary.spansStored.stored > 0 ? nil : logSources, policy: configuration.logClock)
        try store.enforceRetention()
        summary.retention = store.retention
        return summary
    }

    /// The size of a file's content: on disk, or about eight times that when it is compressed.
    static func fileSize(_ path: String) -> Int {
        var info = stat()
        guard path != "-", stat(path, &info) == 0 else { return 0 }
        return Int(info.st_size) * (InputFile.compression(ofFileAt: path).map { $0 == .none ? 1 : 8 } ?? 1)
    }

    // MARK: - Logs

    private func ingestLogs(_ given: [String]) throws {
        // Files of OTLP logs requests (the Collector's file exporter) hold many records a line:
        // read apart, each record in its own place (their first bytes tell).
        let (requestFiles, paths) = LogRequestFiles.partition(given, format: configuration.extract.inputFormat)
        var requests = ExtractSummary()
        if !requestFiles.isEmpty {
            try LogRequestFiles.read(paths: requestFiles, intake: RequestIntake(ruleSet: ruleSet), batch: store.bulkBatch.logRecords,
                                     into: &requests) { batch, file in
                summary.logsStored += try store.insert(logs: batch)
                logSources.insert(file)
                progress?(summary)
            }
        }
        defer {
            summary.logs.add(requests)
            summary.unreadable += requests.unreadable
        }
        guard !paths.isEmpty else { return }
        var extract = configuration.extract
        extract.inputs = paths
        extract.canonicalSourceNames = true
        extract.nameStdinByFirstLine = true
        func write(_ batch: [LogRecord]) throws {
            summary.logsStored += try store.insert(logs: batch)
            var last: String?
            for record in batch where record.source.file != last {
                last = record.source.file
                logSources.insert(record.source.file)
            }
            progress?(summary)
        }
        // Files read in parallel give their records a chunk at a time; they are stored in
        // batches of the store's size. Standard input, a pipe or a FIFO is stored as it comes:
        // it may be a stream, whose records must not wait for a batch to fill.
        var gathered: [LogRecord] = []
        let limit = paths.allSatisfy(InputPaths.isRegularFile) ? store.bulkBatch.logRecords : 0
        let pipeline = ExtractPipeline(ruleSet: ruleSet, configuration: extract, destination: .records { batch in
            guard gathered.count + batch.count >= limit else { return gathered += batch }
            if gathered.isEmpty { return try write(batch) }
            gathered += batch
            defer { gathered.removeAll(keepingCapacity: true) }
            try write(gathered)
        })
        summary.logs = try pipeline.run()
        if !gathered.isEmpty { try write(gathered) }
        summary.unreadable += summary.logs.unreadable
    }

    // MARK: - Spans

    private func ingestSpans(_ given: String) throws {
        let path = Self.canonicalPath(given)
        // A stream (standard input, a pipe, a FIFO) keeps SQLite's batch: its spans must not
        // wait for a larger one to fill.
        let batch = configuration.spanBatch ?? (InputPaths.isRegularFile(path) ? store.bulkBatch : .standard).spans
        try SpanFiles.readOnce(path: path, name: path == "-" ? SourceLocation.stdinName : given, batch: batch,
                               into: &summary, prepare: store.spanPreparation) { prepared, summary in
            summary.spansStored += try store.insert(prepared: prepared)
            progress?(summary)
        }
    }

    // MARK: - Alerts

    /// Alert payloads (webhooks, API lists): each alert stored by (fingerprint, startsAt), the
    /// payload itself kept as it came.
    private func ingestAlerts(_ given: String) throws {
        let path = Self.canonicalPath(given)
        let name = path == "-" ? SourceLocation.stdinName : given
        guard let text = InputText.read(path: path, name: name, unreadable: &summary.unreadable) else { return }
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
