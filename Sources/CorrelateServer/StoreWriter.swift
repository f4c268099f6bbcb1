import CorrelateExtract
import CorrelateModel
import CorrelatePipeline
import Foundation

/// The one thread that writes the store, behind a bounded queue.
///
/// Handlers decode a request on their own thread and ``submit(_:)`` what it holds; the call
/// returns once that is committed, so a request answered 2xx is in the store (and a graceful
/// shutdown, which waits for the requests in flight, loses nothing acknowledged). When the
/// queue holds `capacity` records or more, `submit` refuses at once with ``Busy``, which the
/// server answers with 503 and `Retry-After`: backpressure, not loss.
///
/// Requests waiting together are written in one transaction each for spans and for logs (group
/// commit). After each commit it tells the ``BundleWorker`` what changed; bundles are built on
/// the worker's thread, never on this one.
public final class StoreWriter: @unchecked Sendable {
    // Unchecked: `queue`, `queued`, `stopping` and `counts` are used under `condition`'s lock;
    // the store and the extractor only on the writer thread.
    public enum Job: Sendable {
        /// Spans made ready for the store on the request's thread (``StoredSpan/rows(_:)``).
        case spans([StoredSpan])
        case logs([LogRecord])
        case alerts([Alert], raw: String, source: String)

        var size: Int {
            switch self {
            case .spans(let spans): spans.count
            case .logs(let records): records.count
            case .alerts(let alerts, _, _): alerts.count
            }
        }
    }

    /// The queue is full: try again later.
    public struct Busy: Error {}

    private struct Pending {
        var job: Job
        var done: CheckedContinuation<Void, any Error>
    }

    private let store: EventStore
    private let extractor: Extractor
    private let ruleNames: [String]
    private let bundles: BundleWorker
    private let capacity: Int
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var queued = 0
    private var stopping = false
    private var finished = false
    private var counts = (spans: 0, logs: 0, alerts: 0)

    /// OTLP log records, and alert payloads, are stored under a source of this server's own
    /// (`otlp-http <start time>`, `alertmanager-webhook <start time>`), numbered as they come.
    private let started = Timestamp.now.description
    private var logSequence = 0
    private var logSourceGeneration = 0
    private var alertSequence = 0

    public init(store: EventStore, ruleSet: RuleSet, bundles: BundleWorker, capacity: Int) {
        self.store = store
        self.extractor = ruleSet.makeExtractor()
        self.ruleNames = ruleSet.rules.map(\.rule.name)
        self.bundles = bundles
        self.capacity = capacity
    }

    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "correlate.writer"
        thread.start()
    }

    /// Queues `job` and returns once it is committed.
    /// - Throws: ``Busy`` when the queue is full; the store's error when the write failed.
    public func submit(_ job: Job) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            condition.lock()
            // One request larger than the whole queue is still taken when the queue is empty.
            if stopping || (queued > 0 && queued + job.size > capacity) {
                condition.unlock()
                done.resume(throwing: Busy())
                return
            }
            queue.append(Pending(job: job, done: done))
            queued += job.size
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Writes what is queued and stops the thread. Later submissions are refused.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    /// "stored 1200 spans, 300 log records, 2 alerts" (new records only).
    public var summary: String {
        condition.lock()
        defer { condition.unlock() }
        return "stored \(counts.spans) spans, \(counts.logs) log records, \(counts.alerts) alerts"
    }

    // MARK: - The writer thread

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            let batch = queue
            queue.removeAll()
            queued = 0
            let last = stopping
            condition.unlock()

            if !batch.isEmpty { write(batch) }
            if last {
                condition.lock()
                // What came after `stopping` was set was refused; nothing is left.
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }

    /// Writes the batch: the spans of all its jobs in one transaction, the log records in
    /// another, each alert payload in its own; every job is answered with the outcome of the
    /// transaction that holds it, so a failure of one kind never makes an exporter resend what
    /// was stored.
    private func write(_ batch: [Pending]) {
        var spans: [StoredSpan] = []
        var logs: [LogRecord] = []
        for pending in batch {
            switch pending.job {
            case .spans(let part): spans += part
            case .logs(let part): logs += part
            case .alerts: break
            }
        }
        var spansResult: Result<Int, any Error> = .success(0)
        if !spans.isEmpty { spansResult = Result { try store.insert(storedSpans: spans).stored } }
        var logsResult: Result<Int, any Error> = .success(0)
        if !logs.isEmpty {
            let prepared = logs.map(prepare)
            logsResult = Result { try store.insert(logs: prepared).stored }
        }
        var observed: [Alert] = []
        var alertsStored = 0
        let outcomes: [Result<Void, any Error>] = batch.map { pending in
            switch pending.job {
            case .spans: return spansResult.map { _ in () }
            case .logs: return logsResult.map { _ in () }
            case .alerts(let alerts, let raw, let source):
                return Result {
                    alertsStored += try store.insert(alerts: alerts).stored
                    alertSequence += 1
                    _ = try store.insert(rawAlert: raw, source: SourceLocation(file: "\(source) \(started)", line: alertSequence))
                    observed += alerts
                }
            }
        }
        let storedSpans = (try? spansResult.get()) ?? 0
        let storedLogs = (try? logsResult.get()) ?? 0
        if storedSpans + storedLogs > 0 { bundles.dataChanged() }
        if !observed.isEmpty { bundles.observe(observed) }
        condition.lock()
        counts.spans += storedSpans
        counts.logs += storedLogs
        counts.alerts += alertsStored
        condition.unlock()
        // Answered once what they sent is counted and its alerts watched.
        for (pending, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .success: pending.done.resume()
            case .failure(let error): pending.done.resume(throwing: error)
            }
        }
    }

    /// Gives an OTLP log record its place in the store and, when it carries no trace id, the
    /// ids the extraction rules find in its body.
    private func prepare(_ record: LogRecord) -> LogRecord {
        var record = record
        if logSequence == Int(Int32.max) {
            logSequence = 0
            logSourceGeneration += 1
        }
        logSequence += 1
        let source = "otlp-http " + started
        record.source = SourceLocation(file: logSourceGeneration == 0 ? source : "\(source) #\(logSourceGeneration)", line: logSequence)
        guard record.traceID == nil, !record.message.isEmpty else { return record }
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
}
