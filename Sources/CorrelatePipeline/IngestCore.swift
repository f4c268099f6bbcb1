public import CorrelateExtract
public import CorrelateModel
import Foundation

/// One alert payload as it came: its alerts, its text (kept as received) and where it came
/// from (a file and line, or a server's webhook and sequence number).
public struct AlertPayload: Sendable {
    public var alerts: [Alert]
    public var raw: String
    public var source: SourceLocation

    public init(alerts: [Alert], raw: String, source: SourceLocation) {
        self.alerts = alerts
        self.raw = raw
        self.source = source
    }
}

/// What is handed to the ingest core: records ready to store.
public enum IngestBatch: Sendable {
    /// Spans made ready by the store's ``EventStore/spanPreparation`` (on the caller's thread).
    case spans(PreparedSpans)
    /// Log records with their ids and source location already set.
    case logs([LogRecord])
    case alerts(AlertPayload)

    /// Records in the batch: what counts against the core's capacity.
    var size: Int {
        switch self {
        case .spans(let spans): spans.count
        case .logs(let records): records.count
        case .alerts(let payload): max(payload.alerts.count, 1)
        }
    }
}

/// The ingest core of `correlate run` and `correlate serve`: the one thread that writes the
/// store, behind a bounded queue, and the bundle worker it tells what it wrote.
///
/// Producers hand over batches in one of two ways:
/// - ``submit(_:)`` (a server's request): refused at once with ``Full`` when the queue holds
///   `capacity` records, else answered once the batch is committed — a request answered 2xx
///   is in the store, and a full queue is backpressure (503), not loss;
/// - ``enqueue(_:)`` (a reading thread): waits while the queue is full, so a reader faster than
///   the store waits and memory stays flat; a failed write is thrown by the next call (and by
///   ``finish()``), which ends the run.
///
/// Batches waiting together are written in one transaction for spans and one for log records
/// (group commit); each alert payload is stored (its alerts, then the payload as received) and
/// then handed to the ``BundleWorker`` to watch. After each commit that stored spans or log
/// records the worker hears that data changed; bundles are built on its thread, never on this one.
public final class IngestCore: @unchecked Sendable {
    // Unchecked: `queue`, `queued`, `stopping`, `finished`, `failure` and `counted` are used
    // under `condition`'s lock; the store only on the writer thread.

    /// The queue is full: try again later.
    public struct Full: Error {}

    /// What the core stored (new rows and rows already present, by kind).
    public struct Counts: Sendable {
        public var spans = InsertResult()
        public var logs = InsertResult()
        public var alerts = InsertResult()
    }

    private struct Pending {
        var batch: IngestBatch
        /// Told the outcome of the batch's transaction; nil for ``enqueue(_:)``.
        var done: ((Result<Void, any Error>) -> Void)?
    }

    public let bundles: BundleWorker
    /// How the store wants spans prepared; call it on the producer's thread.
    public let spanPreparation: @Sendable ([Span]) -> PreparedSpans
    private let store: EventStore
    private let capacity: Int
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var queued = 0
    private var stopping = false
    private var started = false
    private var finished = false
    private var failure: (any Error)?
    private var counted = Counts()
    /// Used on the writer thread only.
    private let clock: LogClockWatch
    private let warn: (String) -> Void

    /// - Parameters:
    ///   - store: the connection the writer thread writes through (no one else may use it).
    ///   - reader: a connection of its own for building bundles (read only).
    ///   - capacity: records queued at most (a single batch larger than this is taken when the
    ///     queue is empty).
    ///   - emit: called with each bundle on the bundle worker's thread.
    ///   - warn: called with a line for stderr from the bundle worker's thread.
    ///   - logClock: what to do with a log source whose clock sits whole quarter hours from its
    ///     spans (``LogClockWatch``).
    public init(store: EventStore, reader: EventStore, alertRules: AlertRules, bundles settings: BundleSettings, capacity: Int,
                logClock: LogClockPolicy = .shift,
                emit: @escaping (IncidentBundle) -> Void, warn: @escaping (String) -> Void) {
        self.store = store
        self.clock = LogClockWatch(policy: logClock)
        self.warn = warn
        self.bundles = BundleWorker(store: reader, rules: alertRules, settings: settings, emit: emit, warn: warn)
        self.capacity = max(capacity, 1)
        self.spanPreparation = store.spanPreparation
    }

    /// Starts the writer thread and the bundle worker.
    public func start() {
        bundles.start()
        condition.lock()
        started = true
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "correlate.writer"
        thread.start()
    }

    /// Queues `batch` and returns once it is committed.
    /// - Throws: ``Full`` when the queue is full (or the core is stopping); the store's error
    ///   when the write failed.
    public func submit(_ batch: IngestBatch) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            condition.lock()
            if stopping || (queued > 0 && queued + batch.size > capacity) {
                condition.unlock()
                done.resume(throwing: Full())
                return
            }
            queue.append(Pending(batch: batch) { done.resume(with: $0) })
            queued += batch.size
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Queues `batch`, waiting while the queue is full; returns before it is written.
    /// - Throws: the error of an earlier write that failed (nothing more is written then).
    public func enqueue(_ batch: IngestBatch) throws {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && !stopping && queued > 0 && queued + batch.size > capacity { condition.wait() }
        if let failure { throw failure }
        guard !stopping else { return }
        queue.append(Pending(batch: batch, done: nil))
        queued += batch.size
        condition.broadcast()
    }

    /// Throws the error of a write that failed, if one did.
    public func check() throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
    }

    /// Writes what is queued and stops the writer thread; later batches are refused. The
    /// bundle worker goes on until ``BundleWorker/stop(budget:)``.
    /// - Throws: the error of a write that failed.
    public func finish() throws {
        condition.lock()
        stopping = true
        condition.broadcast()
        while started && !finished { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    /// The log sources whose clocks were measured off their spans; read after ``finish()``.
    public var logClock: LogClockReport {
        condition.lock()
        defer { condition.unlock() }
        return clockReport
    }
    private var clockReport = LogClockReport()

    /// What the store's retention dropped; read after ``finish()`` (the writer thread owns the
    /// store until then).
    public var retention: RetentionReport { store.retention }

    public var counts: Counts {
        condition.lock()
        defer { condition.unlock() }
        return counted
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
            // Producers waiting for room may go on.
            condition.broadcast()
            condition.unlock()

            if !batch.isEmpty { write(batch) }
            checkClocks(force: last)
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

    /// Measures the clocks of the log sources written (``LogClockWatch``); a failure to do so
    /// is not a failure to store, and is only said.
    private func checkClocks(force: Bool) {
        do {
            if try clock.check(store, force: force) { bundles.dataChanged() }
        } catch {
            warn("could not measure the log sources' clocks: \(error)")
        }
        condition.lock()
        clockReport = clock.report
        condition.unlock()
    }

    /// Writes the batch: the spans of all its parts in one transaction, the log records in
    /// another, each alert payload in its own; every part is answered with the outcome of the
    /// transaction that holds it, so a failure of one kind never makes an exporter resend what
    /// was stored.
    private func write(_ batch: [Pending]) {
        var spans: [PreparedSpans] = []
        var logs: [LogRecord] = []
        for pending in batch {
            switch pending.batch {
            case .spans(let part): spans.append(part)
            case .logs(let part): logs += part
            case .alerts: break
            }
        }
        var spansResult: Result<InsertResult, any Error> = .success(InsertResult())
        if !spans.isEmpty { spansResult = Result { try store.insert(prepared: spans) } }
        var logsResult: Result<InsertResult, any Error> = .success(InsertResult())
        if !logs.isEmpty {
            clock.adjust(&logs)
            logsResult = Result { try store.insert(logs: logs) }
            if case .success = logsResult { clock.written(logs) }
        }
        var observed: [Alert] = []
        var alertsStored = InsertResult()
        let outcomes: [Result<Void, any Error>] = batch.map { pending in
            switch pending.batch {
            case .spans: return spansResult.map { _ in () }
            case .logs: return logsResult.map { _ in () }
            case .alerts(let payload):
                return Result {
                    alertsStored += try store.insert(alerts: payload.alerts)
                    _ = try store.insert(rawAlert: payload.raw, source: payload.source)
                    observed += payload.alerts
                }
            }
        }
        let storedSpans = (try? spansResult.get()) ?? InsertResult()
        let storedLogs = (try? logsResult.get()) ?? InsertResult()
        if storedSpans.stored + storedLogs.stored > 0 { bundles.dataChanged() }
        if !observed.isEmpty { bundles.observe(observed) }
        condition.lock()
        counted.spans += storedSpans
        counted.logs += storedLogs
        counted.alerts += alertsStored
        for (pending, outcome) in zip(batch, outcomes) where pending.done == nil {
            if case .failure(let error) = outcome, failure == nil { failure = error }
        }
        condition.broadcast()
        condition.unlock()
        // Answered once what they sent is counted and its alerts watched.
        for (pending, outcome) in zip(batch, outcomes) { pending.done?(outcome) }
    }
}
