public import CorrelateExtract
public import CorrelateModel
import Foundation

/// What `correlate serve` receives, made ready for the ``IngestCore`` on the request's own
/// thread: OTLP log records get a place in the store and, when they carry no trace id, the ids
/// the extraction rules find in their body; alert payloads get their source.
///
/// OTLP log records are stored under a source of this server's own (`otlp-http <start time>`),
/// numbered as they come; alert payloads under `alertmanager-webhook <start time>` (or
/// `grafana-webhook …`), numbered likewise. Numbers are taken under a lock, so any number of
/// request threads may call at once; each uses an extractor of its own from a small pool.
public final class RequestIntake: @unchecked Sendable {
    // Unchecked: `extractors` and the sequence numbers are used under `lock`; `ruleSet` is
    // Sendable and each extractor is used by one thread at a time.
    private let ruleSet: RuleSet
    private let ruleNames: [String]
    private let started = Timestamp.now.description
    private let lock = NSLock()
    private var extractors: [Extractor] = []
    private var logSequence = 0
    private var logSourceGeneration = 0
    private var alertSequence = 0

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        self.ruleNames = ruleSet.rules.map(\.rule.name)
    }

    /// The records with their source locations and extracted ids.
    public func logs(_ records: [LogRecord]) -> [LogRecord] {
        guard !records.isEmpty else { return records }
        let (file, first) = reserveLogLines(records.count)
        return logs(records, file: file, first: first)
    }

    /// Records of a file of OTLP logs requests (``LogRequestFiles``): each stored under the
    /// file, numbered by its place among the file's records from `first` (so reading the same
    /// file again finds the same rows), with the ids the rules find in its body.
    public func logs(_ records: [LogRecord], file: String, first: Int) -> [LogRecord] {
        guard !records.isEmpty else { return records }
        let extractor = takeExtractor()
        defer { giveBack(extractor) }
        return records.enumerated().map { index, record in
            var record = record
            record.source = SourceLocation(file: file, line: first + index)
            return extracting(record, with: extractor)
        }
    }

    /// The payload with its source: `<source> <start time>` and the payload's number.
    public func alerts(_ alerts: [Alert], raw: String, source: String) -> AlertPayload {
        lock.lock()
        alertSequence += 1
        let number = alertSequence
        lock.unlock()
        return AlertPayload(alerts: alerts, raw: raw, source: SourceLocation(file: "\(source) \(started)", line: number))
    }

    /// A run of `count` line numbers under the current OTLP source; a new source (`… #N`) once
    /// the numbers would pass what the store keeps (32 bits).
    private func reserveLogLines(_ count: Int) -> (String, Int) {
        lock.lock()
        defer { lock.unlock() }
        if logSequence + count > Int(Int32.max) {
            logSequence = 0
            logSourceGeneration += 1
        }
        let first = logSequence + 1
        logSequence += count
        let source = "otlp-http " + started
        return (logSourceGeneration == 0 ? source : "\(source) #\(logSourceGeneration)", first)
    }

    private func extracting(_ record: LogRecord, with extractor: Extractor) -> LogRecord {
        guard record.traceID == nil, !record.message.isEmpty else { return record }
        var record = record
        var message = record.message
        message.withUTF8 { text in
            let found = extractor.extract(text)
            guard found.traceID != nil || found.jobID != nil else { return }
            record.traceID = found.traceID
            record.spanID = record.spanID ?? found.spanID
            if let job = found.jobID { record.jobID = String(decoding: UnsafeBufferPointer(rebasing: text[job]), as: UTF8.self) }
            if record.service == nil, let service = found.service {
                record.service = String(decoding: UnsafeBufferPointer(rebasing: text[service]), as: UTF8.self)
            }
            record.rule = found.ruleIndex.map { ruleNames[$0] }
        }
        return record
    }

    private func takeExtractor() -> Extractor {
        lock.lock()
        let extractor = extractors.popLast()
        lock.unlock()
        return extractor ?? ruleSet.makeExtractor()
    }

    private func giveBack(_ extractor: Extractor) {
        lock.lock()
        if extractors.count < 16 { extractors.append(extractor) }
        lock.unlock()
    }
}
